// SPDX-License-Identifier: BSD-2-Clause

package tuntap_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/ifclone"
	"kcheck/ifclone/drivers/tuntap"
	"kcheck/kern"
	"kcheck/unrhdr"
	"kcheck/vnet"
)

// boot makes a kernel with if_tuntap compiled in and boots it.
func boot(t testing.TB, cfg kern.Config) (*kern.Kernel, *kern.Thread) {
	t.Helper()
	cfg.WitnessRecord = true // reports are checked by shutdown and Run
	k := kern.NewKernel(cfg)
	td := k.Thread0()
	require.Equal(t, kern.Errno(0), tuntap.Load(td))
	k.Boot(td)
	require.NotNil(t, vnet.Of(k).Vnet0())
	return k, td
}

func vnet0(k *kern.Kernel) *vnet.Vnet { return vnet.Of(k).Vnet0() }

func ifreq(name string) *ifclone.Ifreq {
	r := &ifclone.Ifreq{}
	copy(r.IfrName[:ifclone.IFNAMSIZ-1], name)
	return r
}

// create is SIOCIFCREATE on a socket of vnet v: the name the kernel gave
// back and the error.
func create(td *kern.Thread, v *vnet.Vnet, name string) (string, kern.Errno) {
	r := ifreq(name)
	err := ifclone.Ifioctl(td, &ifclone.Socket{SoVnet: v}, ifclone.SIOCIFCREATE, r)
	return kern.CString(r.IfrName[:]), err
}

// destroy is SIOCIFDESTROY on a socket of vnet v.
func destroy(td *kern.Thread, v *vnet.Vnet, name string) kern.Errno {
	return ifclone.Ifioctl(td, &ifclone.Socket{SoVnet: v}, ifclone.SIOCIFDESTROY, ifreq(name))
}

// rename is SIOCSIFNAME on a socket of vnet v (the new name is read from
// user memory, as ifconfig passes it).
func rename(td *kern.Thread, v *vnet.Vnet, name, newname string) kern.Errno {
	r := ifreq(name)
	buf := append([]byte(newname), 0)
	r.IfrData = td.K.UserMap(buf)
	defer td.K.UserUnmap(r.IfrData)
	return ifclone.Ifioctl(td, &ifclone.Socket{SoVnet: v}, ifclone.SIOCSIFNAME, r)
}

// names lists the interfaces of v.
func names(td *kern.Thread, v *vnet.Vnet) []string {
	out := []string{}
	for _, s := range ifclone.VnetIfnets(td, v) {
		out = append(out, s.Name)
	}
	return out
}

func busy(k *kern.Kernel, dname string) uint32 { return tuntap.Unrhdr(k, dname).Busy() }

func live(k *kern.Kernel, shortdesc string) int64 { return k.MallocType(shortdesc, "").Live() }

// shutdown destroys the interfaces left in vnet0, tears the kernel down
// and checks that WITNESS saw nothing and that everything but the cdevs
// that if_tuntap.c leaves referenced (deadCdevs, see TestCdevLeak) was
// freed. The interfaces go first because unloading the module with
// interfaces left makes WITNESS report a reversal of vnet_sysinit_sxlock
// and ifnet_detach_sx, which the C has too (see the loop driver's
// TestUnloadLockOrderReversal).
func shutdown(t testing.TB, k *kern.Kernel, deadCdevs int) {
	t.Helper()
	td := k.Thread0()
	for _, n := range names(td, vnet0(k)) {
		assert.Equal(t, kern.Errno(0), destroy(td, vnet0(k), n), n)
	}
	k.Shutdown(td)
	assert.Empty(t, k.WitnessReports())
	for _, mt := range k.MallocTypes() {
		if mt.Shortdesc == "DEVFS1" {
			continue
		}
		assert.Zerof(t, mt.Live(), "malloc type %s: %d objects left", mt.Shortdesc, mt.Live())
	}
	assert.Zero(t, unrhdr.MUnit(k).Live(), "M_UNIT")
	assert.Equal(t, deadCdevs, tuntap.DeadCdevs(td), "cdevs on dead_cdevsw")
	assert.EqualValues(t, deadCdevs, tuntap.MCdevp(k).Live(), "DEVFS1 objects are exactly the dead cdevs")
	assert.Empty(t, tuntap.Devices(td), "devfs is empty")
}

func mustPanic(t testing.TB, fn func(), want string) *kern.Panic {
	t.Helper()
	var p *kern.Panic
	func() {
		defer func() {
			r := recover()
			require.NotNil(t, r, "expected a kernel panic")
			var ok bool
			p, ok = r.(*kern.Panic)
			require.Truef(t, ok, "panic value %T (%v)", r, r)
		}()
		fn()
	}()
	require.Contains(t, p.Msg, want)
	return p
}
