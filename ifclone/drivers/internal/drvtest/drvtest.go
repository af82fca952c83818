// SPDX-License-Identifier: BSD-2-Clause

// Package drvtest holds the test helpers that the cloning drivers under
// ifclone/drivers share: booting a kernel with drivers loaded, the
// cloning ioctls as ifconfig issues them, and the checks that a teardown
// left no allocation behind. (That every function of a driver's C file
// has its Go port is package kcheck/internal/cport's check.)
//
// It is an ordinary package rather than a _test.go file so that the
// drivers' external test packages (disc_test, epair_test, ...) can share
// it, but only tests import it: no driver code may
// (TestOnlyTestsImportDrvtest checks that), and being internal to
// ifclone/drivers it is out of reach of the rest of the module.
package drvtest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/ifclone"
	"kcheck/kern"
	"kcheck/vnet"
)

// Boot makes a kernel with cfg, runs the drivers' loads on thread0 (each
// must succeed), as for drivers linked into the kernel, and boots it. It
// returns the kernel, thread0 and vnet0.
func Boot(t testing.TB, cfg kern.Config, loads ...func(td *kern.Thread) kern.Errno) (*kern.Kernel, *kern.Thread, *vnet.Vnet) {
	t.Helper()
	k := kern.NewKernel(cfg)
	td := k.Thread0()
	for i, load := range loads {
		require.Zerof(t, load(td), "load %d", i)
	}
	k.Boot(td)
	v0 := Vnet0(k)
	require.NotNil(t, v0)
	return k, td, v0
}

// Vnet0 is the kernel's vnet0.
func Vnet0(k *kern.Kernel) *vnet.Vnet { return vnet.Of(k).Vnet0() }

// Live is the number of live objects of the malloc type shortdesc.
func Live(k *kern.Kernel, shortdesc string) int64 { return k.MallocType(shortdesc, "").Live() }

// Counts are the live objects of the malloc types a cloner allocates from:
// M_CLONE, M_UNIT, M_IFNET and M_TEMP.
type Counts struct{ Clone, Unit, Ifnet, Temp int64 }

// Snapshot counts the live objects of the cloners' malloc types.
func Snapshot(k *kern.Kernel) Counts {
	return Counts{Live(k, "clone"), Live(k, "Unitno"), Live(k, "ifnet"), Live(k, "temp")}
}

// Ifreq is a struct ifreq naming the interface name (cut to IFNAMSIZ-1
// bytes and NUL-terminated).
func Ifreq(name string) *ifclone.Ifreq {
	ifr := &ifclone.Ifreq{}
	kern.StrlcpyString(ifr.IfrName[:], name)
	return ifr
}

// Ioctl runs an interface ioctl naming name on a socket of v, as ifconfig
// does, and returns the name in the ifreq afterwards (for SIOCIFCREATE the
// name the kernel chose) and the error.
func Ioctl(td *kern.Thread, v *vnet.Vnet, cmd uint64, name string) (string, kern.Errno) {
	ifr := Ifreq(name)
	err := ifclone.Ifioctl(td, &ifclone.Socket{SoVnet: v}, cmd, ifr)
	return kern.CString(ifr.IfrName[:]), err
}

// Create is SIOCIFCREATE of name on a socket of v: the name the kernel
// gave back and the error.
func Create(td *kern.Thread, v *vnet.Vnet, name string) (string, kern.Errno) {
	return Ioctl(td, v, ifclone.SIOCIFCREATE, name)
}

// Destroy is SIOCIFDESTROY of name on a socket of v.
func Destroy(td *kern.Thread, v *vnet.Vnet, name string) kern.Errno {
	_, err := Ioctl(td, v, ifclone.SIOCIFDESTROY, name)
	return err
}

// Rename is SIOCSIFNAME on a socket of v; the new name is read from user
// memory, as ifconfig passes it.
func Rename(td *kern.Thread, v *vnet.Vnet, name, newname string) kern.Errno {
	ifr := Ifreq(name)
	ifr.IfrData = td.K.UserMap(append([]byte(newname), 0))
	defer td.K.UserUnmap(ifr.IfrData)
	return ifclone.Ifioctl(td, &ifclone.Socket{SoVnet: v}, ifclone.SIOCSIFNAME, ifr)
}

// Names lists the interfaces of v, in the order of its interface list.
func Names(td *kern.Thread, v *vnet.Vnet) []string {
	out := []string{}
	for _, s := range ifclone.VnetIfnets(td, v) {
		out = append(out, s.Name)
	}
	return out
}

// Lookup is ifunit in v: the first interface of v named name, or nil.
func Lookup(td *kern.Thread, v *vnet.Vnet, name string) *ifclone.Ifnet {
	saved := vnet.CurvnetSetQuiet(td, v)
	defer vnet.CurvnetRestore(td, saved)
	return ifclone.Ifunit(td, append([]byte(name), 0))
}

// ifTypes are the malloc types that cloners, interfaces and vnets
// allocate from, whatever the driver: M_CLONE, M_UNIT, M_IFNET, M_TEMP,
// M_VNET and M_VNET_DATA.
var ifTypes = []string{"clone", "Unitno", "ifnet", "temp", "vnet", "vnet_data"}

// AssertFreed asserts that no object is left of the malloc types that
// cloners, interfaces and vnets allocate from (M_CLONE, M_UNIT, M_IFNET,
// M_TEMP, M_VNET, M_VNET_DATA), nor of the types named in driverTypes
// (the driver's own).
func AssertFreed(t testing.TB, k *kern.Kernel, driverTypes ...string) {
	t.Helper()
	for _, ty := range append(append([]string(nil), ifTypes...), driverTypes...) {
		assert.Zerof(t, Live(k, ty), "%s objects left", ty)
	}
}

// AssertAllFreed asserts that no object is left of any malloc type of k
// but those named in except.
func AssertAllFreed(t testing.TB, k *kern.Kernel, except ...string) {
	t.Helper()
	skip := map[string]bool{}
	for _, s := range except {
		skip[s] = true
	}
	for _, mt := range k.MallocTypes() {
		if skip[mt.Shortdesc] {
			continue
		}
		assert.Zerof(t, mt.Live(), "malloc type %s: %d objects left", mt.Shortdesc, mt.Live())
	}
}

// Shutdown tears k down and checks, with AssertFreed, that nothing is left
// of the cloners', interfaces' and vnets' malloc types nor of
// driverTypes.
//
// k.Shutdown deregisters the VNET_SYSUNINITs, and
// vnet_deregister_sysuninit runs each destructor with
// vnet_sysinit_sxlock held exclusively; a driver's destructor destroys
// its interfaces, and if_detach takes ifnet_detach_sxlock: the reverse of
// vnet_destroy's order (loop.TestUnloadLockOrderReversal). Shutdown holds
// ifnet_detach_sxlock around k.Shutdown, as vnet_destroy holds it around
// the destructors, so that the rest of the checks see one order.
func Shutdown(t testing.TB, k *kern.Kernel, driverTypes ...string) {
	t.Helper()
	td := k.Thread0()
	ifclone.IfnetDetachSxlock(k).Xlock(td)
	k.Shutdown(td)
	ifclone.IfnetDetachSxlock(k).Xunlock(td)
	AssertFreed(t, k, driverTypes...)
}

// MustPanic runs fn, requires it to raise a kernel panic whose message
// contains want, and returns the panic.
func MustPanic(t testing.TB, fn func(), want string) *kern.Panic {
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
