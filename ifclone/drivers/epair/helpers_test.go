// SPDX-License-Identifier: BSD-2-Clause

package epair_test

import (
	"kcheck/ifclone"
	"kcheck/ifclone/drivers/internal/drvtest"
	"kcheck/kern"
	"kcheck/vnet"
)

// move lends the interface name of v to the vnet of jail jid
// (SIOCSIFVNET, ifconfig name vnet jid) and returns its name there.
func move(td *kern.Thread, v *vnet.Vnet, name string, jid int) (string, kern.Errno) {
	ifr := drvtest.Ifreq(name)
	ifr.IfrJid = int32(jid)
	err := ifclone.Ifioctl(td, &ifclone.Socket{SoVnet: v}, ifclone.SIOCSIFVNET, ifr)
	return kern.CString(ifr.IfrName[:]), err
}
