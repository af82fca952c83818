// SPDX-License-Identifier: BSD-2-Clause

package epair_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/ifclone"
	"kcheck/ifclone/drivers/epair"
	"kcheck/kern"
	"kcheck/vnet"
)

// boot makes a kernel with if_epair linked in and boots it on thread0.
func boot(t testing.TB, cfg kern.Config) (*kern.Kernel, *kern.Thread) {
	t.Helper()
	k := kern.NewKernel(cfg)
	td := k.Thread0()
	require.Zero(t, epair.Load(td))
	k.Boot(td)
	require.NotNil(t, vnet0(k))
	return k, td
}

func vnet0(k *kern.Kernel) *vnet.Vnet { return vnet.Of(k).Vnet0() }

func live(k *kern.Kernel, shortdesc string) int64 { return k.MallocType(shortdesc, "").Live() }

// counts are the live objects of the types a cloner allocates from.
type counts struct{ clone, unit, ifnet, temp int64 }

func snapshot(k *kern.Kernel) counts {
	return counts{live(k, "clone"), live(k, "Unitno"), live(k, "ifnet"), live(k, "temp")}
}

// ioctl runs a cloning ioctl on a socket of v, as ifconfig does; for
// SIOCIFCREATE it returns the name the kernel chose.
func ioctl(td *kern.Thread, v *vnet.Vnet, cmd uint64, name string) (string, kern.Errno) {
	ifr := &ifclone.Ifreq{}
	kern.StrlcpyString(ifr.IfrName[:], name)
	err := ifclone.Ifioctl(td, &ifclone.Socket{SoVnet: v}, cmd, ifr)
	return kern.CString(ifr.IfrName[:]), err
}

func create(td *kern.Thread, v *vnet.Vnet, name string) (string, kern.Errno) {
	return ioctl(td, v, ifclone.SIOCIFCREATE, name)
}

func destroy(td *kern.Thread, v *vnet.Vnet, name string) kern.Errno {
	_, err := ioctl(td, v, ifclone.SIOCIFDESTROY, name)
	return err
}

// names lists the interfaces of v.
func names(td *kern.Thread, v *vnet.Vnet) []string {
	out := []string{}
	for _, s := range ifclone.VnetIfnets(td, v) {
		out = append(out, s.Name)
	}
	return out
}

// lookup is ifunit in v.
func lookup(td *kern.Thread, v *vnet.Vnet, name string) *ifclone.Ifnet {
	saved := vnet.CurvnetSetQuiet(td, v)
	defer vnet.CurvnetRestore(td, saved)
	return ifclone.Ifunit(td, append([]byte(name), 0))
}

// shutdown tears the kernel down and checks that nothing is left.
//
// k.Shutdown deregisters the VNET_SYSUNINITs, and vnet_deregister_sysuninit
// runs each destructor with vnet_sysinit_sxlock held exclusively; the epair
// destructor destroys interfaces, and if_detach takes ifnet_detach_sxlock:
// the reverse of vnet_destroy's order (loop.TestUnloadLockOrderReversal). The
// teardown here holds ifnet_detach_sxlock around k.Shutdown, as
// vnet_destroy holds it around the destructors, so that the rest of the
// checks see one order.
func shutdown(t testing.TB, k *kern.Kernel) {
	t.Helper()
	td := k.Thread0()
	ifclone.IfnetDetachSxlock(k).Xlock(td)
	k.Shutdown(td)
	ifclone.IfnetDetachSxlock(k).Xunlock(td)
	for _, ty := range []string{"clone", "Unitno", "ifnet", "temp", "vnet", "vnet_data", "epair"} {
		assert.Zerof(t, live(k, ty), "%s objects left", ty)
	}
}

// move lends the interface name of v to the vnet of jail jid
// (SIOCSIFVNET, ifconfig name vnet jid) and returns its name there.
func move(td *kern.Thread, v *vnet.Vnet, name string, jid int) (string, kern.Errno) {
	ifr := &ifclone.Ifreq{IfrJid: int32(jid)}
	kern.StrlcpyString(ifr.IfrName[:], name)
	err := ifclone.Ifioctl(td, &ifclone.Socket{SoVnet: v}, ifclone.SIOCSIFVNET, ifr)
	return kern.CString(ifr.IfrName[:]), err
}
