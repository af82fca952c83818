// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"fmt"

	"kcheck/ifclone/drivers/disc"
	"kcheck/ifclone/drivers/epair"
	"kcheck/ifclone/drivers/loop"
	"kcheck/ifclone/drivers/tuntap"
	"kcheck/ifclone/drivers/vlan"
	"kcheck/kern"
	"kcheck/model"
)

// driverLoad is each driver's Load: what linking its .ko does.
var driverLoad = map[model.Driver]func(td *kern.Thread) kern.Errno{
	model.DriverLo:     loop.Load,
	model.DriverDisc:   disc.Load,
	model.DriverEpair:  epair.Load,
	model.DriverTuntap: tuntap.Load,
	model.DriverVlan:   vlan.Load,
}

// moduleInput is the model input of a kldload or kldunload operation.
func moduleInput(o Op) (model.Input, error) {
	d, ok := model.DriverByName(o.Driver)
	if !ok {
		return nil, fmt.Errorf("%s: unknown driver %q (want lo, disc, epair, tuntap or vlan)", o.Kind, o.Driver)
	}
	if o.Kind == "kldload" {
		return model.KldLoad{Vnet: model.VnetID(o.Vnet), Driver: d}, nil
	}
	return model.KldUnload{Vnet: model.VnetID(o.Vnet), Driver: d}, nil
}

// jailedCred runs f with td's credential that of root in a jail when
// caller is not the host: prison_priv_check grants no jail
// PRIV_KLD_LOAD or PRIV_KLD_UNLOAD.
func jailedCred(td *kern.Thread, caller model.VnetID, f func() kern.Errno) kern.Errno {
	if caller == model.VNET0 {
		return f()
	}
	saved := td.Cred
	td.Cred = &kern.Ucred{Denied: map[int]bool{kern.PRIV_KLD_LOAD: true, kern.PRIV_KLD_UNLOAD: true}}
	defer func() { td.Cred = saved }()
	return f()
}

// kldload is kldload(8) of the driver's module: kldload(2) by module name.
func (x *ifcloneInstance) kldload(td *kern.Thread, in model.KldLoad) model.Output {
	return errOut(jailedCred(td, in.Vnet, func() kern.Errno {
		_, err := kern.Kldload(td, in.Driver.File(), driverLoad[in.Driver])
		return err
	}))
}

// kldunload is kldunload(8) by name: kldfind(2) for the file id, then
// kldunload(2) of that id (two system calls: the file may go, or come
// back under another id, in between).
func (x *ifcloneInstance) kldunload(td *kern.Thread, in model.KldUnload) model.Output {
	return errOut(jailedCred(td, in.Vnet, func() kern.Errno {
		id, err := kern.Kldfind(td, in.Driver.File())
		if err != 0 {
			return err
		}
		return kern.Kldunload(td, id)
	}))
}
