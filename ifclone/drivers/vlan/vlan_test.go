// SPDX-License-Identifier: BSD-2-Clause

package vlan_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/ifclone"
	"kcheck/ifclone/drivers/internal/drvtest"
	"kcheck/ifclone/drivers/tuntap"
	"kcheck/ifclone/drivers/vlan"
	"kcheck/kern"
	"kcheck/vnet"
)

func TestVlanForms(t *testing.T) {
	k, td, v0 := drvtest.Boot(t, kern.Config{WitnessRecord: true}, vlan.Load)
	em0 := mkether(td, v0, "em", 0)
	em1 := mkether(td, v0, "em", 1)
	lo := mkif(td, v0, ifclone.IFT_LOOP, "lo", 0, ifclone.IFF_LOOPBACK|ifclone.IFF_MULTICAST)

	ok := func(name string, err kern.Errno, want string) {
		t.Helper()
		require.Equal(t, kern.Errno(0), err, want)
		assert.Equal(t, want, name)
	}

	// vlanN with parameters.
	n, err := create2(td, v0, "vlan5", "em0", 10)
	ok(n, err, "vlan5")
	p, vid := config(t, td, v0, "vlan5")
	assert.Equal(t, "em0", p)
	assert.EqualValues(t, 10, vid)

	// The wildcard with parameters gets the lowest free unit.
	n, err = create2(td, v0, "vlan", "em0", 20)
	ok(n, err, "vlan0")

	// <parent>.<vid> without parameters: no unit.
	n, err = drvtest.Create(td, v0, "em0.30")
	ok(n, err, "em0.30")
	p, vid = config(t, td, v0, "em0.30")
	assert.Equal(t, "em0", p)
	assert.EqualValues(t, 30, vid)
	assert.Equal(t, ifclone.IF_DUNIT_NONE, drvtest.Lookup(td, v0, "em0.30").IfDunit)

	// vlanN without parameters: an unconfigured vlan.
	n, err = drvtest.Create(td, v0, "vlan7")
	ok(n, err, "vlan7")
	p, _ = config(t, td, v0, "vlan7")
	assert.Empty(t, p)
	assert.Equal(t, 3, vlan.TrunkLen(td, em0))

	before := drvtest.Names(td, v0)

	// Bad VIDs: EINVAL from vlan_config, and the creation is undone.
	for _, name := range []string{"em0.0", "em0.4095", "em0.5000"} {
		_, err = drvtest.Create(td, v0, name)
		assert.Equal(t, kern.EINVAL, err, name)
	}
	_, err = create2(td, v0, "vlan", "em0", 4095)
	assert.Equal(t, kern.EINVAL, err)
	// A VID beyond 16 bits is cut to uint16 on its way to vlan_config:
	// 65546 is VID 10, which em0 has.
	_, err = drvtest.Create(td, v0, "em0.65546")
	assert.Equal(t, kern.EEXIST, err)

	// A missing parent: ENXIO with parameters; as <parent>.<vid> the name
	// matches no cloner at all (EINVAL from ifc_create_ifp).
	_, err = create2(td, v0, "vlan8", "em9", 5)
	assert.Equal(t, kern.ENXIO, err)
	_, err = drvtest.Create(td, v0, "em9.5")
	assert.Equal(t, kern.EINVAL, err)

	// A VID the parent has: EEXIST from vlan_inshash.
	_, err = create2(td, v0, "vlan9", "em0", 30)
	assert.Equal(t, kern.EEXIST, err)
	_, err = create2(td, v0, "vlan", "em0", 10)
	assert.Equal(t, kern.EEXIST, err)
	// ... but the same VID on another parent is fine.
	n, err = drvtest.Create(td, v0, "em1.30")
	ok(n, err, "em1.30")
	// The name and the parameters must agree on the parent.
	_, err = create2(td, v0, "em1.40", "em0", 40)
	assert.Equal(t, kern.EINVAL, err)
	// A taken unit: EEXIST from ifc_alloc_unit.
	_, err = create2(td, v0, "vlan5", "em1", 50)
	assert.Equal(t, kern.EEXIST, err)
	// A parent that is not Ethernet-like.
	_, err = create2(td, v0, "vlan", "lo0", 5)
	assert.Equal(t, kern.EPROTONOSUPPORT, err)

	assert.ElementsMatch(t, append(before, "em1.30"), drvtest.Names(td, v0), "failed creations left nothing")
	// The failed wildcards gave their units back: the next one is vlan1.
	n, err = drvtest.Create(td, v0, "vlan")
	ok(n, err, "vlan1")

	// QinQ: a vlan on a vlan. The inner one is busy while it is a parent,
	// even for if_clone_detach's IFC_F_FORCE.
	n, err = drvtest.Create(td, v0, "vlan5.100")
	ok(n, err, "vlan5.100")
	p, vid = config(t, td, v0, "vlan5.100")
	assert.Equal(t, "vlan5", p)
	assert.EqualValues(t, 100, vid)
	assert.Equal(t, kern.EBUSY, drvtest.Destroy(td, v0, "vlan5"))
	assert.Contains(t, drvtest.Names(td, v0), "vlan5", "a failed destroy relinks the interface")
	require.Equal(t, kern.Errno(0), drvtest.Destroy(td, v0, "vlan5.100"))
	assert.Equal(t, 0, vlan.TrunkLen(td, drvtest.Lookup(td, v0, "vlan5")), "the last vlan took the trunk away")
	require.Equal(t, kern.Errno(0), drvtest.Destroy(td, v0, "vlan5"))

	// Every vlan is in the "vlan" group.
	for _, s := range ifclone.VnetIfnets(td, v0) {
		if s.Dname == "vlan" {
			assert.Contains(t, s.Groups, "vlan", s.Name)
		}
	}

	// A parent that leaves unconfigures its vlans (vlan_ifdetach) and
	// its trunk lets go of it.
	rmif(td, em1)
	_, err = drvtest.Create(td, v0, "em1.31")
	assert.Equal(t, kern.EINVAL, err, "no cloner matches without em1")
	p, _ = config(t, td, v0, "em1.30")
	assert.Empty(t, p, "em1.30 lost its parent")

	for _, name := range []string{"vlan0", "em0.30", "vlan7", "em1.30", "vlan1"} {
		require.Equal(t, kern.Errno(0), drvtest.Destroy(td, v0, name), name)
	}
	assert.Zero(t, vlan.Trunks(k))
	rmif(td, em0)
	rmif(td, lo)
	shutdown(t, k)
}

// TestUnitlessParentName documents how vlan_clone_create tells the two
// name forms apart: it asks ifc_name2unit first, which takes the first
// digits of any name. A parent whose name has no digits ("lan", after a
// rename) makes "lan.10" a vlanN name with unit 10 and no parent, not a
// vlan on lan with VID 10. (vlan_clone_match did find lan.)
func TestUnitlessParentName(t *testing.T) {
	k, td, v0 := drvtest.Boot(t, kern.Config{WitnessRecord: true}, vlan.Load)
	em0 := mkether(td, v0, "em", 0)
	require.Equal(t, kern.Errno(0), drvtest.Rename(td, v0, "em0", "lan"))

	n, err := drvtest.Create(td, v0, "lan.10")
	require.Equal(t, kern.Errno(0), err)
	assert.Equal(t, "lan.10", n)
	ifp := drvtest.Lookup(td, v0, "lan.10")
	assert.Equal(t, 10, ifp.IfDunit)
	p, _ := config(t, td, v0, "lan.10")
	assert.Empty(t, p, "no parent: the VID went into the unit")
	assert.Zero(t, vlan.TrunkLen(td, em0))

	// Unit 10 is taken now.
	_, err = drvtest.Create(td, v0, "vlan10")
	assert.Equal(t, kern.EEXIST, err)

	require.Equal(t, kern.Errno(0), drvtest.Destroy(td, v0, "lan.10"))
	rmif(td, em0)
	shutdown(t, k)
}

// A tap interface is an IFT_ETHER parent, as on FreeBSD.
func TestTapParent(t *testing.T) {
	k, td, v0 := drvtest.Boot(t, kern.Config{WitnessRecord: true}, vlan.Load, tuntap.Load)

	n, err := drvtest.Create(td, v0, "tap")
	require.Equal(t, kern.Errno(0), err)
	require.Equal(t, "tap0", n)
	n, err = drvtest.Create(td, v0, "tap0.7")
	require.Equal(t, kern.Errno(0), err)
	assert.Equal(t, "tap0.7", n)
	// tun is IFT_PPP and point-to-point.
	_, err = drvtest.Create(td, v0, "tun")
	require.Equal(t, kern.Errno(0), err)
	_, err = create2(td, v0, "vlan", "tun0", 7)
	assert.Equal(t, kern.EPROTONOSUPPORT, err)

	// Destroying the parent first unconfigures the vlan.
	require.Equal(t, kern.Errno(0), drvtest.Destroy(td, v0, "tap0"))
	p, _ := config(t, td, v0, "tap0.7")
	assert.Empty(t, p)
	require.Equal(t, kern.Errno(0), drvtest.Destroy(td, v0, "tap0.7"))
	require.Equal(t, kern.Errno(0), drvtest.Destroy(td, v0, "tun0"))
	k.Shutdown(td)
	assert.Empty(t, k.WitnessReports())
	assert.Zero(t, vlan.MVlan(k).Live())
	assert.Zero(t, drvtest.Live(k, "ifnet"))
}

// The cloner is per vnet; a parent must be in the caller's vnet.
func TestVnets(t *testing.T) {
	k, td, v0 := drvtest.Boot(t, kern.Config{WitnessRecord: true}, vlan.Load)
	v1 := vnet.VnetAlloc(td)
	em0 := mkether(td, v0, "em", 0)

	_, err := drvtest.Create(td, v1, "em0.5")
	assert.Equal(t, kern.EINVAL, err, "em0 is not in v1")
	_, err = create2(td, v1, "vlan", "em0", 5)
	assert.Equal(t, kern.ENXIO, err)
	n, err := drvtest.Create(td, v1, "vlan")
	require.Equal(t, kern.Errno(0), err)
	assert.Equal(t, "vlan0", n)
	n, err = drvtest.Create(td, v0, "vlan")
	require.Equal(t, kern.Errno(0), err)
	assert.Equal(t, "vlan0", n, "each vnet's cloner has its own units")

	vnet.VnetDestroy(td, v1) // vnet_vlan_uninit destroys v1's vlan0
	require.Equal(t, kern.Errno(0), drvtest.Destroy(td, v0, "vlan0"))
	rmif(td, em0)
	shutdown(t, k)
}

// TestUnloadWithVlansPanics documents the unload order of if_vlan.c with
// VIMAGE: MOD_UNLOAD destroys vlan_sx (VLAN_LOCKING_DESTROY), and only
// afterwards do the module's SYSUNINITs run vnet_vlan_uninit, whose
// if_clone_detach destroys the vlans left, each through vlan_unconfig,
// which takes the destroyed vlan_sx. With INVARIANTS that is a panic.
func TestUnloadWithVlansPanics(t *testing.T) {
	k, td, v0 := drvtest.Boot(t, kern.Config{WitnessRecord: true}, vlan.Load)
	_, err := drvtest.Create(td, v0, "vlan")
	require.Equal(t, kern.Errno(0), err)
	drvtest.MustPanic(t, func() { k.Shutdown(td) }, "sx_xlock() of destroyed sx vlan_sx")
}

// concurrent races vlan creation by name and by parameters, destruction,
// and the departure of one parent (em1). It reports whether a vlan ended
// up configured on em1 after em1 had left.
func concurrent(t *testing.T, ch kern.Chooser) (*kern.RunResult, bool) {
	k, td, v0 := drvtest.Boot(t, kern.Config{Chooser: ch, WitnessRecord: true}, vlan.Load)
	em0 := mkether(td, v0, "em", 0)
	em1 := mkether(td, v0, "em", 1)
	k.Go("create", func(td *kern.Thread) {
		drvtest.Create(td, v0, "em0.10")
		create2(td, v0, "vlan", "em1", 10)
		drvtest.Create(td, v0, "em0.10")
	})
	k.Go("create2", func(td *kern.Thread) {
		create2(td, v0, "vlan0", "em0", 10)
		drvtest.Create(td, v0, "em1.20")
	})
	k.Go("destroy", func(td *kern.Thread) {
		drvtest.Destroy(td, v0, "em0.10")
		drvtest.Destroy(td, v0, "vlan0")
	})
	k.Go("detach em1", func(td *kern.Thread) {
		ifclone.IfDetach(td, em1)
	})
	res := k.Run()
	if !res.OK() {
		return res, false
	}
	// Each VID at most once per parent, and the trunks count their vlans.
	seen := map[string]bool{}
	perParent := map[*ifclone.Ifnet]int{}
	late := false
	for _, s := range ifclone.VnetIfnets(td, v0) {
		if s.Dname != "vlan" {
			continue
		}
		p, vid := vlan.Config(td, s.Ifp)
		if p == nil {
			continue
		}
		key := fmt.Sprintf("%s/%d", kern.CString(p.IfXname[:]), vid)
		assert.Falsef(t, seen[key], "VID used twice: %s", key)
		seen[key] = true
		perParent[p]++
		assert.True(t, p == em0 || p == em1, "parent %s", kern.CString(p.IfXname[:]))
		if p == em1 {
			// vlan_config found em1 with ifunit_ref before it left and
			// built the trunk after vlan_ifdetach had run.
			late = true
			assert.NotZero(t, em1.IfFlags.Get()&ifclone.IFF_DYING, "em1 is detached")
		}
	}
	for p, n := range perParent {
		assert.Equal(t, n, vlan.TrunkLen(td, p))
	}
	for _, n := range drvtest.Names(td, v0) {
		if n != "em0" {
			require.Equal(t, kern.Errno(0), drvtest.Destroy(td, v0, n), n)
		}
	}
	assert.Zero(t, vlan.Trunks(k), "the last vlan of each trunk took it away")
	ifclone.IfFree(td, em1)
	rmif(td, em0)
	shutdown(t, k)
	return res, late
}

// TestConcurrentCreateDestroy runs the race under PCT. Besides checking
// that no run panics, deadlocks, upsets WITNESS or leaks, it documents a
// race of the C: a vlan created with a parent that is leaving can be
// configured after the parent's departure handler has run, leaving a
// trunk (and a reference) on a detached interface until the vlan goes.
func TestConcurrentCreateDestroy(t *testing.T) {
	lateRuns := 0
	for seed := uint64(0); seed < 200; seed++ {
		res, late := concurrent(t, kern.NewPCT(seed, 3, 600))
		require.Truef(t, res.OK(), "PCT seed %d: %v (schedule %s)", seed, res, res.Schedule)
		if t.Failed() {
			t.Fatalf("PCT seed %d left an inconsistent state", seed)
		}
		if late {
			lateRuns++
		}
	}
	t.Logf("%d of 200 runs configured a vlan on em1 after it left", lateRuns)
	assert.Positive(t, lateRuns, "PCT finds the late trunk")
}

// Past (16*16)/2 vlans the trunk's table doubles (vlan_growhash), and it
// shrinks back as they go; duplicate VIDs are still refused.
func TestHashGrows(t *testing.T) {
	k, td, v0 := drvtest.Boot(t, kern.Config{WitnessRecord: true}, vlan.Load)
	em0 := mkether(td, v0, "em", 0)
	const n = 300
	for vid := 1; vid <= n; vid++ {
		_, err := drvtest.Create(td, v0, fmt.Sprintf("em0.%d", vid))
		require.Equal(t, kern.Errno(0), err, vid)
	}
	assert.Equal(t, n, vlan.TrunkLen(td, em0))
	_, err := create2(td, v0, "vlan", "em0", 150)
	assert.Equal(t, kern.EEXIST, err)
	for vid := 1; vid <= n; vid++ {
		require.Equal(t, kern.Errno(0), drvtest.Destroy(td, v0, fmt.Sprintf("em0.%d", vid)), vid)
	}
	assert.Zero(t, vlan.Trunks(k))
	rmif(td, em0)
	shutdown(t, k)
}
