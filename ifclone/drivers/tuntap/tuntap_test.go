// SPDX-License-Identifier: BSD-2-Clause

package tuntap_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/ifclone"
	"kcheck/ifclone/drivers/internal/drvtest"
	"kcheck/ifclone/drivers/tuntap"
	"kcheck/kern"
	"kcheck/vnet"
)

// Every vnet gets the three cloners; each driver has a unit space of its
// own (tun0, tap0 and vmnet0 coexist), shared by all vnets.
func TestCreateDestroyUnits(t *testing.T) {
	k, td, v0 := drvtest.Boot(t, kern.Config{WitnessRecord: true}, tuntap.Load)

	// Wildcards take the lowest free unit of their driver.
	for _, want := range []string{"tun0", "tap0", "vmnet0", "tun1", "tap1"} {
		got, err := drvtest.Create(td, v0, want[:len(want)-1])
		require.Equal(t, kern.Errno(0), err, want)
		assert.Equal(t, want, got)
	}
	// Explicit units, also above the wildcards' next one.
	for _, n := range []string{"tun5", "vmnet3"} {
		got, err := drvtest.Create(td, v0, n)
		require.Equal(t, kern.Errno(0), err, n)
		assert.Equal(t, n, got)
	}
	assert.EqualValues(t, 3, busy(k, "tun"))
	assert.EqualValues(t, 2, busy(k, "tap"))
	assert.EqualValues(t, 2, busy(k, "vmnet"))
	assert.ElementsMatch(t, []string{"tun0", "tap0", "vmnet0", "tun1", "tap1", "tun5", "vmnet3"}, drvtest.Names(td, v0))
	assert.ElementsMatch(t, drvtest.Names(td, v0), tuntap.Devices(td), "one /dev node per interface")

	// Every cloned interface is in its cloner's group.
	for _, s := range ifclone.VnetIfnets(td, v0) {
		assert.Contains(t, s.Groups, s.Dname, s.Name)
	}

	// The wildcard fills the hole below the explicit units.
	got, err := drvtest.Create(td, v0, "tun")
	require.Equal(t, kern.Errno(0), err)
	assert.Equal(t, "tun2", got)

	// A taken name: if_clone_createif's ifunit check.
	_, err = drvtest.Create(td, v0, "tun5")
	assert.Equal(t, kern.EEXIST, err)

	// Destroy frees the unit; the same name works again.
	require.Equal(t, kern.Errno(0), drvtest.Destroy(td, v0, "tun5"))
	assert.EqualValues(t, 3, busy(k, "tun"))
	got, err = drvtest.Create(td, v0, "tun5")
	require.Equal(t, kern.Errno(0), err)
	assert.Equal(t, "tun5", got)

	// Names the drivers' parsing refuses match no cloner (EINVAL from
	// ifc_create_ifp); a unit the unrhdr cannot hold is EEXIST.
	for _, n := range []string{"tun0a", "tun007", "tunnel", "tu"} {
		_, err = drvtest.Create(td, v0, n)
		assert.Equal(t, kern.EINVAL, err, n)
	}
	_, err = drvtest.Create(td, v0, "tun99999")
	assert.Equal(t, kern.EEXIST, err, "unit above IF_MAXUNIT: alloc_unr_specific fails")

	// The units are global across vnets, the cloners per vnet.
	v1 := vnet.VnetAlloc(td)
	_, err = drvtest.Create(td, v1, "tun0")
	assert.Equal(t, kern.EEXIST, err, "tun0 exists in vnet0, so its unit is taken everywhere")
	got, err = drvtest.Create(td, v1, "tun")
	require.Equal(t, kern.Errno(0), err)
	assert.Equal(t, "tun3", got)
	assert.Equal(t, []string{"tun3"}, drvtest.Names(td, v1))
	vnet.VnetDestroy(td, v1) // its cloners destroy tun3
	assert.EqualValues(t, 4, busy(k, "tun"))

	created := 10 // interfaces made over the kernel's life
	shutdown(t, k, created)
}

// TestTunRenameHazard documents what if_tuntap.c does with renamed
// interfaces. A rename keeps if_dname/if_dunit and the unit stays
// allocated; tunrename adds a devfs alias with the new name. The wildcard
// path takes a unit from alloc_unr and writes the name back without asking
// whether an interface or device of that name exists.
func TestTunRenameHazard(t *testing.T) {
	t.Run("tun0 renamed away", func(t *testing.T) {
		k, td, v0 := drvtest.Boot(t, kern.Config{WitnessRecord: true}, tuntap.Load)
		_, err := drvtest.Create(td, v0, "tun")
		require.Equal(t, kern.Errno(0), err)
		require.Equal(t, kern.Errno(0), drvtest.Rename(td, v0, "tun0", "foo"))
		assert.Equal(t, []string{"foo"}, drvtest.Names(td, v0))
		assert.Equal(t, []string{"tun0", "foo"}, tuntap.Devices(td), "tunrename made /dev/foo")

		// Unit 0 is still foo's: the wildcard takes 1 ...
		got, err := drvtest.Create(td, v0, "tun")
		require.Equal(t, kern.Errno(0), err)
		assert.Equal(t, "tun1", got)
		// ... and "tun0", a name no interface has, is EEXIST from
		// alloc_unr_specific.
		_, err = drvtest.Create(td, v0, "tun0")
		assert.Equal(t, kern.EEXIST, err)

		// Renaming back drops the alias; destroying foo frees unit 0.
		require.Equal(t, kern.Errno(0), drvtest.Rename(td, v0, "foo", "tun0"))
		assert.Equal(t, []string{"tun0", "tun1"}, tuntap.Devices(td))
		require.Equal(t, kern.Errno(0), drvtest.Destroy(td, v0, "tun0"))
		got, err = drvtest.Create(td, v0, "tun")
		require.Equal(t, kern.Errno(0), err)
		assert.Equal(t, "tun0", got)
		shutdown(t, k, 3)
	})

	t.Run("tun1 renamed to tun0, wildcard picks unit 0: panic", func(t *testing.T) {
		_, td, v0 := drvtest.Boot(t, kern.Config{WitnessRecord: true}, tuntap.Load)
		_, err := drvtest.Create(td, v0, "tun1")
		require.Equal(t, kern.Errno(0), err)
		require.Equal(t, kern.Errno(0), drvtest.Rename(td, v0, "tun1", "tun0"))
		assert.Equal(t, []string{"tun1", "tun0"}, tuntap.Devices(td), "/dev/tun0 is tun1's alias")

		// An explicit tun0 is refused by if_clone_createif: the renamed
		// interface has that name.
		_, err = drvtest.Create(td, v0, "tun0")
		assert.Equal(t, kern.EEXIST, err)
		// The wildcard gets unit 0 from alloc_unr, names the device
		// "tun0" and calls make_dev_s without MAKEDEV_CHECKNAME:
		// prep_devname finds the alias and make_dev_sv panics.
		drvtest.MustPanic(t, func() { drvtest.Create(td, v0, "tun") }, "make_dev_sv: bad si_name (error=17, si_name=tun0)")
	})

	t.Run("another driver's interface renamed to tun0: two tun0", func(t *testing.T) {
		k, td, v0 := drvtest.Boot(t, kern.Config{WitnessRecord: true}, tuntap.Load)
		// An interface outside tuntap gets no devfs alias, so nothing
		// stops the wildcard: the vnet ends up with two interfaces named
		// tun0.
		saved := vnet.CurvnetSetQuiet(td, v0)
		em := ifclone.IfAlloc(td, ifclone.IFT_ETHER)
		ifclone.IfInitname(em, "em", 0)
		ifclone.IfAttach(td, em)
		vnet.CurvnetRestore(td, saved)
		require.Equal(t, kern.Errno(0), drvtest.Rename(td, v0, "em0", "tun0"))

		got, err := drvtest.Create(td, v0, "tun")
		require.Equal(t, kern.Errno(0), err)
		assert.Equal(t, "tun0", got)
		assert.Equal(t, []string{"tun0", "tun0"}, drvtest.Names(td, v0))
		// SIOCIFDESTROY "tun0" finds the first one on the list, em0
		// renamed, whose driver "em" has no cloner: EINVAL. The tun0
		// cannot be destroyed by name.
		assert.Equal(t, kern.EINVAL, drvtest.Destroy(td, v0, "tun0"))

		ifclone.IfDetach(td, em)
		ifclone.IfFree(td, em)
		require.Equal(t, kern.Errno(0), drvtest.Destroy(td, v0, "tun0"))
		shutdown(t, k, 1)
	})
}

// TestCdevLeak pins a reference leak of if_tuntap.c at the revision ported
// (freebsd-src 002829ea6139); CDEV_LEAK.md has the evidence. The cdev of an
// interface created through if_clone is made by make_dev_s without
// MAKEDEV_REF (tun_create_device, if_tuntap.c:819-820), so devfs_create's
// reference is its only one, and tun_clone_create adds a dev_ref
// (if_tuntap.c:551). Nothing in the driver calls dev_rel: tun_destroy
// (if_tuntap.c:623) calls destroy_dev (:637), whose destroy_devl
// (kern_conf.c:1094) drops only the reference it took itself (:1116,
// :1188), and devfs drops only its own (devfs_populate_loop's GC branch;
// here devfs_destroy). The cdev ends on dead_cdevsw's list
// (kern_conf.c:1190-1191) with si_refcount 1, and nothing frees it:
// dev_rel frees only at zero (kern_conf.c:169-175), tun_uninit's
// clone_cleanup (if_tuntap.c:732, kern_conf.c:1395) sees only cdevs still
// on the clone list and destroy_devl took this one off it
// (kern_conf.c:1135-1138). Aliases, which the driver does not reference,
// are freed.
func TestCdevLeak(t *testing.T) {
	k, td, v0 := drvtest.Boot(t, kern.Config{WitnessRecord: true}, tuntap.Load)

	// One create/destroy cycle per driver: each leaves its cdev behind.
	for _, d := range []string{"tun", "tap", "vmnet"} {
		name, err := drvtest.Create(td, v0, d)
		require.Equal(t, kern.Errno(0), err, d)
		require.Equal(t, kern.Errno(0), drvtest.Destroy(td, v0, name), name)
	}
	assert.Empty(t, tuntap.Devices(td), "the names are gone from devfs")
	assert.Equal(t, []int{1, 1, 1}, tuntap.DeadCdevRefs(td), "tun_clone_create's dev_ref, one each")
	assert.EqualValues(t, 3, tuntap.MCdevp(k).Live())

	// The unit is free again, but clone_create does not find the old cdev
	// (destroy_devl took it off the clone list): the new tun0 gets another.
	name, err := drvtest.Create(td, v0, "tun")
	require.Equal(t, kern.Errno(0), err)
	require.Equal(t, "tun0", name)
	assert.EqualValues(t, 4, tuntap.MCdevp(k).Live())

	// tunrename's alias is made by make_dev_alias_p and referenced by
	// nobody else: destroy_dev frees it.
	require.Equal(t, kern.Errno(0), drvtest.Rename(td, v0, "tun0", "foo"))
	assert.Equal(t, []string{"tun0", "foo"}, tuntap.Devices(td))
	assert.EqualValues(t, 5, tuntap.MCdevp(k).Live())
	require.Equal(t, kern.Errno(0), drvtest.Rename(td, v0, "foo", "tun0"))
	assert.EqualValues(t, 4, tuntap.MCdevp(k).Live(), "the alias is freed")

	// Unloading with tun0 left: vnet_tun_uninit's if_clone_detach destroys
	// it (tun_clone_destroy, tun_destroy), tun_uninit's clone_cleanup finds
	// the clone lists empty. Everything else is freed; the cdevs are not.
	// (WITNESS reports the vnet_sysinit_sxlock/ifnet_detach_sx reversal of
	// TestShutdownWithInterfaces, which the C has as well.)
	k.Shutdown(td)
	if reps := k.WitnessReports(); assert.Len(t, reps, 1) {
		assert.Equal(t, kern.WitnessReversal, reps[0].Kind)
	}
	drvtest.AssertAllFreed(t, k, "DEVFS1")
	assert.Equal(t, []int{1, 1, 1, 1}, tuntap.DeadCdevRefs(td))
	assert.EqualValues(t, 4, tuntap.MCdevp(k).Live())

	// Exactly one dev_rel per cdev is missing: doing it frees them all.
	tuntap.RelDeadCdevs(td)
	assert.Zero(t, tuntap.DeadCdevs(td))
	assert.Zero(t, tuntap.MCdevp(k).Live())
}

// A second Load is refused; Load after boot acts as kldload and attaches
// the cloners to every vnet.
func TestLoad(t *testing.T) {
	k := kern.NewKernel(kern.Config{})
	td := k.Thread0()
	k.Boot(td) // without the module
	v1 := vnet.VnetAlloc(td)
	require.Equal(t, kern.Errno(0), tuntap.Load(td))
	require.Equal(t, kern.EEXIST, tuntap.Load(td))
	k.Boot(td) // the module's SYSINITs
	for _, v := range []*vnet.Vnet{drvtest.Vnet0(k), v1} {
		got, err := drvtest.Create(td, v, "vmnet")
		require.Equal(t, kern.Errno(0), err)
		assert.Contains(t, []string{"vmnet0", "vmnet1"}, got)
	}
	vnet.VnetDestroy(td, v1)
	shutdown(t, k, 2)
}

// concurrent runs creators, destroyers and a renamer of tun/tap/vmnet
// interfaces against each other in vnet0 and a second vnet, under the
// kernel's scheduler. It returns the run's result and, when the run was
// clean, checks the state it left and tears the kernel down.
func concurrent(t *testing.T, ch kern.Chooser) *kern.RunResult {
	k, td, v0 := drvtest.Boot(t, kern.Config{Chooser: ch, WitnessRecord: true}, tuntap.Load)
	v1 := vnet.VnetAlloc(td)
	ops := []struct {
		name string
		v    *vnet.Vnet
		fn   func(td *kern.Thread, v *vnet.Vnet)
	}{
		{"create", v0, func(td *kern.Thread, v *vnet.Vnet) {
			drvtest.Create(td, v, "tun")
			drvtest.Create(td, v, "tap0")
			drvtest.Create(td, v, "tun")
		}},
		{"create1", v1, func(td *kern.Thread, v *vnet.Vnet) {
			drvtest.Create(td, v, "tun0")
			drvtest.Create(td, v, "vmnet")
		}},
		{"destroy", v0, func(td *kern.Thread, v *vnet.Vnet) {
			drvtest.Destroy(td, v, "tun0")
			drvtest.Destroy(td, v, "tap0")
		}},
		{"destroy1", v1, func(td *kern.Thread, v *vnet.Vnet) {
			drvtest.Destroy(td, v, "tun0")
			drvtest.Destroy(td, v, "vmnet0")
		}},
		{"rename", v0, func(td *kern.Thread, v *vnet.Vnet) {
			if drvtest.Rename(td, v, "tap0", "foo") == 0 {
				drvtest.Rename(td, v, "foo", "tap0")
			}
		}},
	}
	for _, op := range ops {
		op := op
		k.Go(op.name, func(td *kern.Thread) { op.fn(td, op.v) })
	}
	res := k.Run()
	if !res.OK() {
		return res
	}
	// Whatever is left is consistent: one unit per interface of that
	// driver, one device per interface (a tap0 left renamed to foo has
	// its device and an alias).
	var all []string
	for _, v := range []*vnet.Vnet{v0, v1} {
		all = append(all, drvtest.Names(td, v)...)
	}
	if slices.Contains(all, "foo") {
		require.Equal(t, kern.Errno(0), drvtest.Rename(td, v0, "foo", "tap0"))
		all = slices.DeleteFunc(all, func(s string) bool { return s == "foo" })
		all = append(all, "tap0")
	}
	for _, d := range []string{"tun", "tap", "vmnet"} {
		n := 0
		for _, s := range all {
			if len(s) > len(d) && s[:len(d)] == d && s[len(d)] >= '0' && s[len(d)] <= '9' {
				n++
			}
		}
		assert.EqualValuesf(t, n, busy(k, d), "%s units vs interfaces %v", d, all)
	}
	assert.ElementsMatch(t, all, tuntap.Devices(td))
	assert.Equal(t, len(all), tuntap.Softcs(td))
	created := tuntap.DeadCdevs(td) + len(all) // every device ever made
	vnet.VnetDestroy(td, v1)
	shutdown(t, k, created)
	return res
}

func TestConcurrentCreateDestroy(t *testing.T) {
	seeds := 200
	for seed := uint64(0); seed < uint64(seeds); seed++ {
		res := concurrent(t, kern.NewPCT(seed, 3, 400))
		require.Truef(t, res.OK(), "PCT seed %d: %v (schedule %s)", seed, res, res.Schedule)
		if t.Failed() {
			t.Fatalf("PCT seed %d left an inconsistent state", seed)
		}
	}
}

func ExampleLoad() {
	k := kern.NewKernel(kern.Config{})
	td := k.Thread0()
	tuntap.Load(td)
	k.Boot(td)
	so := &ifclone.Socket{SoVnet: vnet.Of(k).Vnet0()}
	for _, n := range []string{"tun", "tap", "tun"} {
		r := &ifclone.Ifreq{}
		copy(r.IfrName[:], n)
		err := ifclone.Ifioctl(td, so, ifclone.SIOCIFCREATE, r)
		fmt.Println(kern.CString(r.IfrName[:]), err == 0)
	}
	for _, n := range []string{"tun0", "tap0", "tun1"} {
		r := &ifclone.Ifreq{}
		copy(r.IfrName[:], n)
		fmt.Println(n, ifclone.Ifioctl(td, so, ifclone.SIOCIFDESTROY, r) == 0)
	}
	k.Shutdown(td)
	// Output:
	// tun0 true
	// tap0 true
	// tun1 true
	// tun0 true
	// tap0 true
	// tun1 true
}

// renameVsDestroy races SIOCSIFNAME of tun0 (whose arrival handler,
// tunrename, busies the softc while it replaces the devfs alias) against
// SIOCIFDESTROY of tun0 (whose tun_destroy waits for the busy count).
func renameVsDestroy(t *testing.T, ch kern.Chooser) *kern.RunResult {
	k, td, v0 := drvtest.Boot(t, kern.Config{Chooser: ch, MaxSteps: 50_000, WitnessRecord: true}, tuntap.Load)
	_, err := drvtest.Create(td, v0, "tun")
	require.Equal(t, kern.Errno(0), err)
	var rerr, derr kern.Errno
	k.Go("rename", func(td *kern.Thread) { rerr = drvtest.Rename(td, v0, "tun0", "foo") })
	k.Go("destroy", func(td *kern.Thread) { derr = drvtest.Destroy(td, v0, "tun0") })
	res := k.Run()
	if !res.OK() {
		return res
	}
	left := drvtest.Names(td, v0)
	switch {
	case derr == 0:
		// Destroyed, renamed or not: nothing is left, alias included.
		assert.Empty(t, left)
	case rerr == 0:
		// The rename won the name lookup race: tun0 is gone by that name.
		assert.Equal(t, kern.ENXIO, derr)
		assert.Equal(t, []string{"foo"}, left)
		assert.Equal(t, []string{"tun0", "foo"}, tuntap.Devices(td))
	default:
		t.Errorf("rename %v, destroy %v", rerr, derr)
	}
	shutdown(t, k, 1)
	return res
}

func TestConcurrentRenameDestroy(t *testing.T) {
	for seed := uint64(0); seed < 200; seed++ {
		res := renameVsDestroy(t, kern.NewPCT(seed, 3, 300))
		require.Truef(t, res.OK(), "PCT seed %d: %v (schedule %s)", seed, res, res.Schedule)
		// Random walks reach tun_destroy's wait for tunrename's busy
		// reference within a few hundred seeds; PCT rarely does.
		res = renameVsDestroy(t, kern.NewRandom(seed))
		require.Truef(t, res.OK(), "random seed %d: %v (schedule %s)", seed, res, res.Schedule)
	}
}

// Unloading with interfaces left: vnet_tun_uninit detaches the cloners
// (destroying the interfaces through them) before tun_uninit runs, as the
// C orders the two SYSUNINITs. The destroys inside
// vnet_deregister_sysuninit hold vnet_sysinit_sxlock while if_detach takes
// ifnet_detach_sx, the reverse of vnet_destroy's order: WITNESS reports
// it, as it would in FreeBSD.
func TestShutdownWithInterfaces(t *testing.T) {
	k, td, v0 := drvtest.Boot(t, kern.Config{WitnessRecord: true}, tuntap.Load)
	for _, n := range []string{"tun", "tap", "vmnet7"} {
		_, err := drvtest.Create(td, v0, n)
		require.Equal(t, kern.Errno(0), err, n)
	}
	vnet.VnetDestroy(td, vnet.VnetAlloc(td)) // ifnet_detach_sx -> vnet_sysinit_sxlock
	k.Shutdown(td)
	reps := k.WitnessReports()
	require.Len(t, reps, 1)
	assert.Equal(t, kern.WitnessReversal, reps[0].Kind)
	assert.Equal(t, "vnet_sysinit_sxlock", reps[0].First)
	assert.Equal(t, "ifnet_detach_sx", reps[0].Second)
	drvtest.AssertAllFreed(t, k, "DEVFS1")
	assert.EqualValues(t, 3, tuntap.MCdevp(k).Live())
}
