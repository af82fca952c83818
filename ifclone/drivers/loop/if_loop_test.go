// SPDX-License-Identifier: BSD-2-Clause

package loop_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/ifclone"
	"kcheck/ifclone/drivers/internal/drvtest"
	"kcheck/ifclone/drivers/loop"
	"kcheck/kern"
	"kcheck/vnet"
)

// Every vnet has its own lo cloner and lo0, made by the VNET_SYSINIT: vnet0
// at boot, any other vnet at vnet_alloc.
func TestLo0AfterVnetAlloc(t *testing.T) {
	k, td, v0 := drvtest.Boot(t, kern.Config{}, loop.Load)

	assert.Equal(t, []string{"lo0"}, drvtest.Names(td, v0))
	lo0 := drvtest.Lookup(td, v0, "lo0")
	require.NotNil(t, lo0)
	assert.Same(t, lo0, loop.Loif(td, v0), "V_loif is the vnet's lo0")
	assert.Equal(t, "lo", lo0.IfDname)
	assert.Equal(t, 0, lo0.IfDunit)
	assert.Equal(t, ifclone.IFF_LOOPBACK|ifclone.IFF_MULTICAST, lo0.IfFlags.Get()&^ifclone.IFF_UP)
	assert.Equal(t, []string{ifclone.IFG_ALL, "lo"}, ifclone.IfGroupNames(td, lo0))
	c0 := loop.Cloner(td, v0)
	require.NotNil(t, c0)
	assert.Equal(t, "lo", ifclone.IfcName(c0))
	assert.Equal(t, ifclone.IFC_F_AUTOUNIT, ifclone.IfcFlagsGet(c0))

	v := vnet.VnetAlloc(td)
	assert.Equal(t, []string{"lo0"}, drvtest.Names(td, v))
	lo0v := drvtest.Lookup(td, v, "lo0")
	require.NotNil(t, lo0v)
	assert.NotSame(t, lo0, lo0v)
	assert.Same(t, lo0v, loop.Loif(td, v))
	assert.Same(t, v, lo0v.IfVnet)
	assert.NotSame(t, c0, loop.Cloner(td, v), "one cloner per vnet")

	vnet.VnetDestroy(td, v)
	drvtest.Shutdown(t, k)
}

// lo0 is protected: SIOCIFDESTROY of unit 0 is EINVAL (the interface goes
// back on the cloner's list and into its group); only IFC_F_FORCE, which
// if_clone_detach passes, destroys it.
func TestLo0DestroyNeedsForce(t *testing.T) {
	k, td, v0 := drvtest.Boot(t, kern.Config{}, loop.Load)
	lo0 := drvtest.Lookup(td, v0, "lo0")

	for range 2 {
		assert.Equal(t, kern.EINVAL, drvtest.Destroy(td, v0, "lo0"))
		assert.Same(t, lo0, drvtest.Lookup(td, v0, "lo0"))
		assert.Contains(t, ifclone.IfGroupNames(td, lo0), "lo", "relinked into the cloner's group")
	}

	// Another vnet's lo0 is protected the same way.
	v := vnet.VnetAlloc(td)
	assert.Equal(t, kern.EINVAL, drvtest.Destroy(td, v, "lo0"))
	assert.NotNil(t, drvtest.Lookup(td, v, "lo0"))

	// With IFC_F_FORCE it goes, and the unit with it: the next wildcard
	// create gets lo0 again.
	saved := vnet.CurvnetSetQuiet(td, v)
	err := ifclone.IfCloneDestroyifFlags(td, loop.Cloner(td, v), drvtest.Lookup(td, v, "lo0"), ifclone.IFC_F_FORCE)
	vnet.CurvnetRestore(td, saved)
	assert.Zero(t, err)
	assert.Empty(t, drvtest.Names(td, v))
	name, err := drvtest.Create(td, v, "lo")
	assert.Zero(t, err)
	assert.Equal(t, "lo0", name)

	vnet.VnetDestroy(td, v)
	drvtest.Shutdown(t, k)
}

// Creating through the AUTOUNIT cloner: "lo" takes the lowest free unit and
// reports the name; "loN" takes unit N or fails.
func TestLoCreateDestroy(t *testing.T) {
	k, td, v0 := drvtest.Boot(t, kern.Config{}, loop.Load)

	tests := []struct {
		name string
		want string
		err  kern.Errno
	}{
		{"lo", "lo1", 0},
		{"lo5", "lo5", 0},
		{"lo5", "", kern.EEXIST},     // the interface exists
		{"lo", "lo2", 0},             // lowest free unit
		{"lo0", "", kern.EEXIST},     // lo0 exists
		{"lo007", "", kern.EINVAL},   // leading zeroes (ifc_name2unit)
		{"lo32768", "", kern.ENOSPC}, // past IF_MAXUNIT
		{"lox", "", kern.EINVAL},     // no cloner matches
		{"lo32767", "lo32767", 0},    // IF_MAXUNIT itself
	}
	for _, tc := range tests {
		got, err := drvtest.Create(td, v0, tc.name)
		assert.Equalf(t, tc.err, err, "create %q", tc.name)
		if tc.err == 0 {
			assert.Equalf(t, tc.want, got, "create %q", tc.name)
		}
	}
	assert.ElementsMatch(t, []string{"lo0", "lo1", "lo5", "lo2", "lo32767"}, drvtest.Names(td, v0))
	lo1 := drvtest.Lookup(td, v0, "lo1")
	assert.Equal(t, []string{ifclone.IFG_ALL, "lo"}, ifclone.IfGroupNames(td, lo1))
	assert.Same(t, drvtest.Lookup(td, v0, "lo0"), loop.Loif(td, v0), "V_loif stays lo0")

	assert.Zero(t, drvtest.Destroy(td, v0, "lo5"))
	assert.Equal(t, kern.ENXIO, drvtest.Destroy(td, v0, "lo5"), "already gone")
	assert.Zero(t, drvtest.Destroy(td, v0, "lo1"))
	assert.Zero(t, drvtest.Destroy(td, v0, "lo32767"))
	// Unit 1 is free again; lo5 too.
	got, err := drvtest.Create(td, v0, "lo")
	assert.Zero(t, err)
	assert.Equal(t, "lo1", got)
	got, err = drvtest.Create(td, v0, "lo5")
	assert.Zero(t, err)
	assert.Equal(t, "lo5", got)
	for _, n := range []string{"lo1", "lo2", "lo5"} {
		assert.Zerof(t, drvtest.Destroy(td, v0, n), "destroy %s", n)
	}
	assert.Equal(t, []string{"lo0"}, drvtest.Names(td, v0))
	drvtest.Shutdown(t, k)
}

// A vnet's teardown detaches its lo cloner (VNET_SYSUNINIT at
// SI_SUB_INIT_IF), which force-destroys lo0 and every other lo interface
// of the vnet; what the vnet allocated goes back to zero.
func TestLoDetachesAtVnetDestroy(t *testing.T) {
	k, td, _ := drvtest.Boot(t, kern.Config{}, loop.Load)
	before := drvtest.Snapshot(k)
	assert.Equal(t, int64(1), before.Clone, "vnet0's lo cloner")

	v := vnet.VnetAlloc(td)
	for _, n := range []string{"lo", "lo", "lo9"} {
		_, err := drvtest.Create(td, v, n)
		require.Zero(t, err)
	}
	assert.ElementsMatch(t, []string{"lo0", "lo1", "lo2", "lo9"}, drvtest.Names(td, v))
	assert.Greater(t, drvtest.Live(k, "clone"), before.Clone)
	assert.Greater(t, drvtest.Live(k, "ifnet"), before.Ifnet)

	vnet.VnetDestroy(td, v)
	assert.Equal(t, before, drvtest.Snapshot(k), "M_CLONE, M_UNIT, M_IFNET, M_TEMP back where they were")
	assert.Equal(t, []string{"lo0"}, drvtest.Names(td, drvtest.Vnet0(k)), "vnet0 untouched")

	drvtest.Shutdown(t, k)
}

// Load registers the module once.
func TestLoadTwice(t *testing.T) {
	k, td, _ := drvtest.Boot(t, kern.Config{}, loop.Load)
	assert.Equal(t, kern.EEXIST, loop.Load(td))
	k.Boot(td)
	assert.Equal(t, []string{"lo0"}, drvtest.Names(td, drvtest.Vnet0(k)), "no second lo0")
	drvtest.Shutdown(t, k)
}

// Unloading (k.Shutdown) runs vnet_deregister_sysuninit, which holds
// vnet_sysinit_sxlock exclusively around the destructor; destroying lo
// interfaces there takes ifnet_detach_sxlock in if_detach. vnet_destroy
// takes the two the other way round, so WITNESS reports a reversal: a
// kldunload racing a vnet teardown can deadlock. The C does the same
// (vnet.c, vnet_deregister_sysuninit; if.c, if_detach).
func TestUnloadLockOrderReversal(t *testing.T) {
	k, td, _ := drvtest.Boot(t, kern.Config{WitnessRecord: true}, loop.Load)
	v := vnet.VnetAlloc(td)
	vnet.VnetDestroy(td, v) // ifnet_detach_sx -> vnet_sysinit_sxlock
	require.Empty(t, k.WitnessReports())

	k.Shutdown(td)
	reps := k.WitnessReports()
	require.Len(t, reps, 1)
	r := reps[0]
	assert.Equal(t, kern.WitnessReversal, r.Kind)
	assert.Equal(t, "vnet_sysinit_sxlock", r.First)
	assert.Equal(t, "ifnet_detach_sx", r.Second)
	drvtest.AssertFreed(t, k)
}

// vnet_loif_init goes through the file-scope lo_cloner: it stores the new
// cloner there and copies it into V_lo_cloner. vnet_alloc runs the
// constructors with vnet_sysinit_sxlock shared, so two vnets built at once
// can interleave between the store and the load and one of them records
// the other's cloner. Random schedules find it; the victim's teardown then
// detaches a cloner that is not its own, and once the other vnet is gone
// that cloner is freed memory. (FreeBSD later dropped the file-scope
// variable and assigned V_lo_cloner directly.)
func TestLoClonerGlobalRace(t *testing.T) {
	const seeds = 300
	for seed := uint64(0); seed < seeds; seed++ {
		k, td0, _ := drvtest.Boot(t, kern.Config{Chooser: kern.NewRandom(seed)}, loop.Load)
		vs := make([]*vnet.Vnet, 2)
		for i := range vs {
			k.Go(fmt.Sprintf("vnet_alloc%d", i), func(td *kern.Thread) { vs[i] = vnet.VnetAlloc(td) })
		}
		res := k.Run()
		require.Truef(t, res.OK(), "seed %d: %v", seed, res)

		own := func(v *vnet.Vnet) *ifclone.IfClone {
			return ifclone.IfcFindClonerInVnet(td0, cstr("lo"), v)
		}
		victim, other := -1, -1
		for i, v := range vs {
			if loop.Cloner(td0, v) != own(v) {
				victim, other = i, 1-i
			}
		}
		if victim < 0 {
			vnet.VnetDestroy(td0, vs[0])
			vnet.VnetDestroy(td0, vs[1])
			drvtest.Shutdown(t, k)
			continue
		}
		t.Logf("seed %d: V_lo_cloner of vnet_alloc%d is vnet_alloc%d's cloner", seed, victim, other)
		require.Same(t, own(vs[other]), loop.Cloner(td0, vs[victim]))
		require.Same(t, own(vs[other]), loop.Cloner(td0, vs[other]), "the other vnet is right")

		// The other vnet goes first and frees its cloner; the victim's
		// teardown then detaches it again.
		vnet.VnetDestroy(td0, vs[other])
		p := catchPanic(func() { vnet.VnetDestroy(td0, vs[victim]) })
		require.NotNil(t, p, "detaching a freed cloner")
		t.Logf("victim's teardown: %s", p.Msg)
		return // the kernel is wrecked; nothing to tear down
	}
	t.Fatalf("no schedule of %d interleaved the two vnet_loif_init", seeds)
}

// catchPanic runs fn and returns the kernel panic it raised, if any.
func catchPanic(fn func()) (p *kern.Panic) {
	defer func() {
		if r := recover(); r != nil {
			p = kern.AsPanic(nil, r)
		}
	}()
	fn()
	return nil
}

func cstr(s string) []byte { return append([]byte(s), 0) }
