// SPDX-License-Identifier: BSD-2-Clause

package model

import (
	"fmt"
	"slices"
)

// KldLoad is kldload(2) of a cloning driver's module (if_disc, if_epair,
// if_tuntap, if_vlan, if_lo) by the caller in vnet Vnet. Loading runs the
// module's SYSINITs: its VNET_SYSINIT attaches the driver's cloners in
// every vnet that exists (vnet_register_sysinit) and in every vnet made
// afterwards.
type KldLoad struct {
	Vnet   VnetID
	Driver Driver
}

// KldUnload is kldunload(8) of a cloning driver's module: kldfind(2) of
// the file, then kldunload(2). Unloading delivers MOD_UNLOAD (lo refuses)
// and then runs the module's VNET_SYSUNINIT on every vnet
// (vnet_deregister_sysuninit): each vnet's if_clone_detach destroys that
// vnet's cloners' interfaces, wherever they are, and the cloners go. New
// vnets no longer get the driver.
type KldUnload struct {
	Vnet   VnetID
	Driver Driver
}

func (KldLoad) isInput()   {}
func (KldUnload) isInput() {}

// Caller is the vnet the syscall is made in.
func (in KldLoad) Caller() VnetID { return in.Vnet }

// Caller is the vnet the syscall is made in.
func (in KldUnload) Caller() VnetID { return in.Vnet }

// Kind names the operation.
func (KldLoad) Kind() string { return "kldload" }

// Kind names the operation.
func (KldUnload) Kind() string { return "kldunload" }

func (in KldLoad) String() string { return fmt.Sprintf("v%d kldload(%s)", in.Vnet, in.Driver.File()) }
func (in KldUnload) String() string {
	return fmt.Sprintf("v%d kldunload(%s)", in.Vnet, in.Driver.File())
}

// File is the name of the driver's module file ("if_epair").
func (d Driver) File() string {
	switch d {
	case DriverLo:
		return "if_lo"
	case DriverTuntap:
		return "if_tuntap"
	}
	return "if_" + d.String()
}

// DriverByFile returns the driver whose module file is name.
func DriverByFile(name string) (Driver, bool) {
	for d := DriverLo; d < numDrivers; d++ {
		if d.File() == name {
			return d, true
		}
	}
	return NoDriver, false
}

// Loaded is the set of drivers whose modules are loaded in s.
func (sp *Spec) Loaded(s *State) DriverSet { return sp.cfg.boot() ^ s.modsXor }

func (sp *Spec) kldload(s *State, in KldLoad) outcome {
	if in.Vnet != VNET0 {
		// priv_check(PRIV_KLD_LOAD): no jail holds it (kern_kldload).
		return fail(EPERM)
	}
	if in.Driver == NoDriver || in.Driver >= numDrivers {
		return fail(ENOENT)
	}
	if sp.Loaded(s).Has(in.Driver) {
		// linker_load_module: the file is on linker_files.
		return fail(EEXIST)
	}
	return changed(s, func(n *State) {
		n.modsXor ^= Drivers(in.Driver)
		sp.setCtorOrder(n, sp.insertCtor(sp.ctorOrder(s), in.Driver))
		// vnet_register_sysinit runs the VNET_SYSINIT on every vnet.
		for i := range n.vnets {
			if n.vnets[i].Alive {
				sp.attachDrivers(n, n.vnets[i].ID, Drivers(in.Driver))
			}
		}
	})
}

func (sp *Spec) kldunload(s *State, in KldUnload) outcome {
	if in.Driver == NoDriver || in.Driver >= numDrivers || !sp.Loaded(s).Has(in.Driver) {
		// kldfind(2), which anyone may call: no such file.
		return fail(ENOENT)
	}
	if in.Vnet != VNET0 {
		// priv_check(PRIV_KLD_UNLOAD) (kern_kldunload).
		return fail(EPERM)
	}
	if in.Driver == DriverLo {
		// loop_modevent refuses MOD_UNLOAD (if_loop.c).
		return fail(EINVAL)
	}
	n := s.clone()
	n.modsXor ^= Drivers(in.Driver)
	sp.setCtorOrder(n, sp.ctorOrder(s))
	// vnet_deregister_sysuninit: the driver's VNET_SYSUNINIT on every
	// vnet, if_clone_detach of each of its cloners there.
	for i := range n.vnets {
		if n.vnets[i].Alive {
			if !n.detach(n.vnets[i].ID, func(c Cloner) bool { return DriverOf(c) == in.Driver }) {
				return outcome{never: true}
			}
		}
	}
	n.rehash()
	return outcome{apply: func() *State { return n }}
}

// sysinitKey is the (subsystem, order) of the driver's VNET_SYSINIT, as
// a rank: lo, disc and epair at (SI_SUB_PSEUDO, SI_ORDER_ANY) (if_loop.c
// vnet_loif_init, if_disc.c vnet_disc_init, if_epair.c vnet_epair_init),
// tuntap at (SI_SUB_PROTO_IF, SI_ORDER_ANY) (if_tuntap.c vnet_tun_init),
// vlan at (SI_SUB_PROTO_IFATTACHDOMAIN, SI_ORDER_ANY) (if_vlan.c
// vnet_vlan_init).
func (d Driver) sysinitKey() int {
	switch d {
	case DriverTuntap:
		return 1
	case DriverVlan:
		return 2
	}
	return 0
}

// ctorOrder is the order in which a new vnet runs the loaded drivers'
// constructors (vnet_sysinit walks vnet_constructors).
func (sp *Spec) ctorOrder(s *State) []Driver {
	if s.ctor != nil {
		return s.ctor
	}
	loaded := sp.Loaded(s)
	var out []Driver
	for _, d := range sp.cfg.bootOrder() {
		if loaded.Has(d) {
			out = append(out, d)
		}
	}
	return out
}

// insertCtor is vnet_register_sysinit's insertion of d's constructor
// into order: before the first constructor of a greater (subsystem,
// order), so after every one of an equal key (a module loaded again
// comes after the boot-time drivers of its subsystem).
func (sp *Spec) insertCtor(order []Driver, d Driver) []Driver {
	out := make([]Driver, 0, len(order)+1)
	done := false
	for _, o := range order {
		if o == d {
			continue
		}
		if !done && o.sysinitKey() > d.sysinitKey() {
			out = append(out, d)
			done = true
		}
		out = append(out, o)
	}
	if !done {
		out = append(out, d)
	}
	return out
}

// setCtorOrder records order, restricted to the drivers loaded in n, as
// n's constructor order (nil when it is the boot order's restriction, so
// that equal states stay equal).
func (sp *Spec) setCtorOrder(n *State, order []Driver) {
	loaded := sp.Loaded(n)
	var keep []Driver
	for _, d := range order {
		if loaded.Has(d) {
			keep = append(keep, d)
		}
	}
	n.ctor = nil
	if !slices.Equal(keep, sp.ctorOrder(n)) {
		n.ctor = keep
	}
}
