// SPDX-License-Identifier: BSD-2-Clause

package loop_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/ifclone"
	"kcheck/ifclone/drivers/loop"
	"kcheck/kern"
	"kcheck/vnet"
)

// boot makes a kernel with if_loop linked in and boots it on thread0.
func boot(t testing.TB, cfg kern.Config) (*kern.Kernel, *kern.Thread) {
	t.Helper()
	k := kern.NewKernel(cfg)
	td := k.Thread0()
	require.Zero(t, loop.Load(td))
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
func shutdown(t testing.TB, k *kern.Kernel) {
	t.Helper()
	k.Shutdown(k.Thread0())
	for _, ty := range []string{"clone", "Unitno", "ifnet", "temp", "vnet", "vnet_data"} {
		assert.Zerof(t, live(k, ty), "%s objects left", ty)
	}
}
