// SPDX-License-Identifier: BSD-2-Clause

package epair_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/ifclone"
	"kcheck/ifclone/drivers/epair"
	"kcheck/ifclone/drivers/internal/drvtest"
	"kcheck/kern"
	"kcheck/vnet"
)

// checkPair asserts that epair<unit>a and epair<unit>b both exist (in the
// given vnets), name each other as peers and belong to the cloner's group.
func checkPair(t *testing.T, td *kern.Thread, va, vb *vnet.Vnet, unit int) (a, b *ifclone.Ifnet) {
	t.Helper()
	a = drvtest.Lookup(td, va, fmt.Sprintf("epair%da", unit))
	b = drvtest.Lookup(td, vb, fmt.Sprintf("epair%db", unit))
	require.NotNilf(t, a, "epair%da", unit)
	require.NotNilf(t, b, "epair%db", unit)
	assert.Same(t, b, epair.Peer(a))
	assert.Same(t, a, epair.Peer(b))
	for _, ifp := range []*ifclone.Ifnet{a, b} {
		assert.Equal(t, "epair", ifp.IfDname)
		assert.Equal(t, unit, ifp.IfDunit)
		assert.Contains(t, ifclone.IfGroupNames(td, ifp), "epair")
	}
	return a, b
}

// The cloner's match, its unit handling and the pair it makes.
func TestEpairCreateNames(t *testing.T) {
	k, td, v0 := drvtest.Boot(t, kern.Config{}, epair.Load)
	c := epair.Cloner(td, v0)
	require.NotNil(t, c)
	assert.Equal(t, "epair", ifclone.IfcName(c))
	assert.Zero(t, ifclone.IfcFlagsGet(c), "no IFC_F_AUTOUNIT: the driver handles units")
	assert.Empty(t, drvtest.Names(td, v0))

	tests := []struct {
		name, want string
		err        kern.Errno
	}{
		{"epair", "epair0a", 0},
		{"epair", "epair1a", 0},
		{"epair5", "epair5a", 0},
		{"epair5", "", kern.EEXIST},  // unit 5 taken (alloc_unr_specific)
		{"epair", "epair2a", 0},      // lowest free unit
		{"epair3a", "", kern.EINVAL}, // the match refuses end names: no cloner
		{"epair3b", "", kern.EINVAL},
		{"epairx", "", kern.EINVAL},
		{"epair05", "", kern.EINVAL},     // ifc_name2unit: leading zero
		{"epair32768", "", kern.ENOSPC},  // past IF_MAXUNIT
		{"epair32767", "epair32767a", 0}, // the last unit
	}
	for _, tc := range tests {
		got, err := drvtest.Create(td, v0, tc.name)
		assert.Equalf(t, tc.err, err, "create %q", tc.name)
		if tc.err == 0 {
			assert.Equalf(t, tc.want, got, "create %q", tc.name)
		}
	}
	for _, u := range []int{0, 1, 2, 5, 32767} {
		a, b := checkPair(t, td, v0, v0, u)
		ha, ok := epair.HWAddr(a)
		require.True(t, ok)
		hb, _ := epair.HWAddr(b)
		assert.Equal(t, byte(0x02), ha[0], "locally administered")
		assert.Equal(t, byte(0x0a), ha[5])
		assert.Equal(t, ha[:5], hb[:5], "b has a's address ...")
		assert.Equal(t, byte(0x0b), hb[5], "... ending in 0x0b")
	}
	assert.Len(t, drvtest.Names(td, v0), 10)
	assert.Equal(t, int64(10*2), drvtest.Live(k, "epair"), "a softc and a queue array per end")

	for _, n := range []string{"epair0a", "epair1b", "epair2a", "epair5b", "epair32767a"} {
		assert.Zerof(t, drvtest.Destroy(td, v0, n), "destroy %s", n)
	}
	assert.Empty(t, drvtest.Names(td, v0))
	assert.Zero(t, drvtest.Live(k, "epair"))
	drvtest.Shutdown(t, k, "epair")
}

// pairRun races creates against destroys in vnet0 and returns the run's
// result, the kernel, the units whose create succeeded and anything that
// went wrong. Two threads create (wildcard and explicit units, so that
// they collide); each successful create starts a thread that destroys the
// new pair through one of its ends, a or b in turn, while the creates and
// the other destroys go on. A destroy names only a pair whose create has
// returned, as a user destroys what ifconfig printed, and goes through
// SIOCIFDESTROY, which serialises destroys on ifnet_detach_sxlock. (A
// destroy of epair<N>b guessed while epair<N> is being created panics the
// kernel: TestEpairDestroyBDuringCreate.)
func pairRun(cfg kern.Config) (*kern.Kernel, *kern.RunResult, map[int]bool, []error) {
	k := kern.NewKernel(cfg)
	td0 := k.Thread0()
	epair.Load(td0)
	k.Boot(td0)
	v0 := drvtest.Vnet0(k)

	// Grow the interface index table beforehand (8 ends at once), so that
	// no if_alloc of the run replaces it: if_attach_internal reads
	// ifindex_table outside the epoch (its MPASS), and a concurrent growth
	// frees the old table under it. That is an if.c matter, not epair's;
	// native runs under -race report it as a Go data race.
	for range 4 {
		if _, err := drvtest.Create(td0, v0, "epair"); err != 0 {
			panic(err)
		}
	}
	for u := range 4 {
		if err := drvtest.Destroy(td0, v0, fmt.Sprintf("epair%da", u)); err != 0 {
			panic(err)
		}
	}

	var mu sync.Mutex // for native runs; controlled runs have one thread at a time
	created := map[int]bool{}
	var problems []error
	nd := 0
	note := func(err error) {
		mu.Lock()
		problems = append(problems, err)
		mu.Unlock()
	}
	mkpair := func(td *kern.Thread, req string) {
		name, err := drvtest.Create(td, v0, req)
		switch err {
		case 0:
		case kern.EEXIST:
			return
		default:
			note(fmt.Errorf("create %q: %v", req, err))
			return
		}
		var u int
		if _, e := fmt.Sscanf(name, "epair%da", &u); e != nil || name != fmt.Sprintf("epair%da", u) {
			note(fmt.Errorf("create %q returned name %q", req, name))
			return
		}
		mu.Lock()
		created[u] = true
		end := "ab"[nd%2]
		nd++
		mu.Unlock()
		victim := fmt.Sprintf("epair%d%c", u, end)
		k.Go("destroy "+victim, func(td *kern.Thread) {
			if err := drvtest.Destroy(td, v0, victim); err != 0 {
				note(fmt.Errorf("destroy %s: %v", victim, err))
			}
		})
	}
	k.Go("create0", func(td *kern.Thread) {
		mkpair(td, "epair")
		mkpair(td, "epair")
	})
	k.Go("create1", func(td *kern.Thread) {
		mkpair(td, "epair1")
		mkpair(td, "epair")
	})
	res := k.Run()
	return k, res, created, problems
}

// TestEpairPairAtomic: one create makes both ends, named epair<N>a and
// epair<N>b, linked to each other and to the cloner; destroying either end
// destroys both and gives the unit back exactly once. Under the controlled
// scheduler (PCT over a few hundred seeds, and random walks) concurrent
// creates and destroys never panic, deadlock or reverse a lock order, no
// half pair survives, and teardown leaves nothing.
func TestEpairPairAtomic(t *testing.T) {
	t.Run("sequential", func(t *testing.T) {
		k, td, v0 := drvtest.Boot(t, kern.Config{}, epair.Load)
		base := drvtest.Snapshot(k)

		for _, end := range []string{"a", "b"} {
			name, err := drvtest.Create(td, v0, "epair")
			require.Zero(t, err)
			require.Equal(t, "epair0a", name)
			checkPair(t, td, v0, v0, 0)
			assert.Len(t, drvtest.Names(td, v0), 2)

			assert.Zero(t, drvtest.Destroy(td, v0, "epair0"+end))
			assert.Empty(t, drvtest.Names(td, v0), "destroying epair0%s removed both ends", end)
			assert.Equal(t, kern.ENXIO, drvtest.Destroy(td, v0, "epair0a"))
			assert.Equal(t, kern.ENXIO, drvtest.Destroy(td, v0, "epair0b"))
			// The unit went back once: unit 0 is free (the next wildcard
			// gets it) and the unrhdr and the cloner's references balance
			// (a second free would panic in free_unr, a missing one would
			// leak at teardown).
			assert.Equal(t, base, drvtest.Snapshot(k))
		}
		drvtest.Shutdown(t, k, "epair")
	})

	t.Run("concurrent", func(t *testing.T) {
		seeds := uint64(300)
		if testing.Short() {
			seeds = 150
		}
		var cfgs []kern.Config
		for seed := range seeds {
			cfgs = append(cfgs, kern.Config{Chooser: kern.NewPCT(seed, 3, 600)})
			if seed%3 == 0 {
				cfgs = append(cfgs, kern.Config{Chooser: kern.NewRandom(seed)})
			}
		}
		for range 10 {
			cfgs = append(cfgs, kern.Config{Native: true})
		}
		for i, cfg := range cfgs {
			k, res, created, problems := pairRun(cfg)
			require.Truef(t, res.OK(), "config %d: %v", i, res)
			require.Emptyf(t, problems, "config %d", i)
			td := k.Thread0()
			v0 := drvtest.Vnet0(k)

			// Every pair made was destroyed whole: no end is left.
			require.NotEmptyf(t, created, "config %d", i)
			require.Emptyf(t, drvtest.Names(td, v0), "config %d", i)
			// The units went back once each: all of them are free again.
			for u := range created {
				name, err := drvtest.Create(td, v0, fmt.Sprintf("epair%d", u))
				require.Zerof(t, err, "config %d: unit %d", i, u)
				require.Equal(t, fmt.Sprintf("epair%da", u), name)
				checkPair(t, td, v0, v0, u)
			}
			drvtest.Shutdown(t, k, "epair")
			if t.Failed() {
				t.Fatalf("config %d", i)
			}
		}
	})
}

// The ends of a pair may live in different vnets (if_vmove). Destroying
// either end, from its own vnet, destroys both: the peer through
// if_clone_destroyif in the peer's vnet. The pair stays with the cloner of
// the vnet it was created in.
func TestEpairEndsInDifferentVnets(t *testing.T) {
	k, td, v0 := drvtest.Boot(t, kern.Config{}, epair.Load)
	v1 := vnet.VnetAlloc(td)
	require.Zero(t, ifclone.PrisonCreate(td, 1, v1))
	base := drvtest.Snapshot(k)

	for _, from := range []string{"a", "b"} {
		name, err := drvtest.Create(td, v0, "epair")
		require.Zero(t, err)
		require.Equal(t, "epair0a", name, "unit 0 was given back once")
		moved, err := move(td, v0, "epair0b", 1)
		require.Zero(t, err)
		assert.Equal(t, "epair0b", moved)
		assert.Equal(t, []string{"epair0a"}, drvtest.Names(td, v0))
		assert.Equal(t, []string{"epair0b"}, drvtest.Names(td, v1))
		_, b := checkPair(t, td, v0, v1, 0)
		assert.Same(t, v1, b.IfVnet)
		assert.Same(t, v0, b.IfHomeVnet)

		// Destroy from the side of the end named.
		side := map[string]*vnet.Vnet{"a": v0, "b": v1}[from]
		assert.Zero(t, drvtest.Destroy(td, side, "epair0"+from))
		assert.Empty(t, drvtest.Names(td, v0), "destroyed through epair0%s", from)
		assert.Empty(t, drvtest.Names(td, v1), "destroyed through epair0%s", from)
		assert.Equal(t, base, drvtest.Snapshot(k))
	}

	vnet.VnetDestroy(td, v1)
	drvtest.Shutdown(t, k, "epair")
}

// epair_handle_unit refuses a unit whose a or b name already exists in
// curvnet, with EEXIST, and gives the unit back: here the names come from
// a renamed interface and from an end lent by another vnet, whose cloner
// knows nothing of them.
func TestEpairHandleUnitEEXIST(t *testing.T) {
	k, td, v0 := drvtest.Boot(t, kern.Config{}, epair.Load)
	base := drvtest.Snapshot(k)

	t.Run("rename", func(t *testing.T) {
		_, err := drvtest.Create(td, v0, "epair")
		require.Zero(t, err)
		saved := vnet.CurvnetSetQuiet(td, v0)
		require.Zero(t, ifclone.IfRename(td, drvtest.Lookup(td, v0, "epair0b"), "epair3b"))
		vnet.CurvnetRestore(td, saved)

		_, err = drvtest.Create(td, v0, "epair3")
		assert.Equal(t, kern.EEXIST, err, "epair3b exists")
		assert.ElementsMatch(t, []string{"epair0a", "epair3b"}, drvtest.Names(td, v0))

		saved = vnet.CurvnetSetQuiet(td, v0)
		require.Zero(t, ifclone.IfRename(td, drvtest.Lookup(td, v0, "epair3b"), "epair0b"))
		vnet.CurvnetRestore(td, saved)
		name, err := drvtest.Create(td, v0, "epair3")
		assert.Zero(t, err, "unit 3 was given back")
		assert.Equal(t, "epair3a", name)

		assert.Zero(t, drvtest.Destroy(td, v0, "epair0a"))
		assert.Zero(t, drvtest.Destroy(td, v0, "epair3b"))
		assert.Equal(t, base, drvtest.Snapshot(k))
	})

	t.Run("vmove", func(t *testing.T) {
		v1 := vnet.VnetAlloc(td)
		require.Zero(t, ifclone.PrisonCreate(td, 7, v1))
		_, err := drvtest.Create(td, v0, "epair")
		require.Zero(t, err)
		_, err = move(td, v0, "epair0b", 7)
		require.Zero(t, err)

		// v1's cloner has unit 0 free, but epair0b is in v1.
		_, err = drvtest.Create(td, v1, "epair0")
		assert.Equal(t, kern.EEXIST, err)
		_, err = drvtest.Create(td, v1, "epair")
		assert.Equal(t, kern.EEXIST, err, "the wildcard takes unit 0 too, and gives up")
		assert.Equal(t, []string{"epair0b"}, drvtest.Names(td, v1))

		// Once the pair is gone, v1's unit 0 is free: it was given back.
		assert.Zero(t, drvtest.Destroy(td, v0, "epair0a"))
		name, err := drvtest.Create(td, v1, "epair")
		assert.Zero(t, err)
		assert.Equal(t, "epair0a", name)
		checkPair(t, td, v1, v1, 0)

		vnet.VnetDestroy(td, v1) // detaches v1's cloner, destroying its pair
		assert.Equal(t, base, drvtest.Snapshot(k))
	})

	drvtest.Shutdown(t, k, "epair")
}

// Vnet teardown with the ends apart. An end lent to a vnet goes home
// (vnet_if_return) before that vnet's cloners detach; a vnet's cloner
// detaching destroys its pairs wherever their ends are, the far end in its
// own vnet.
func TestEpairVnetTeardown(t *testing.T) {
	k, td, v0 := drvtest.Boot(t, kern.Config{}, epair.Load)
	base := drvtest.Snapshot(k)

	t.Run("loaned end returns home", func(t *testing.T) {
		v1 := vnet.VnetAlloc(td)
		require.Zero(t, ifclone.PrisonCreate(td, 1, v1))
		_, err := drvtest.Create(td, v0, "epair")
		require.Zero(t, err)
		_, err = move(td, v0, "epair0b", 1)
		require.Zero(t, err)

		vnet.VnetDestroy(td, v1)
		assert.ElementsMatch(t, []string{"epair0a", "epair0b"}, drvtest.Names(td, v0))
		_, b := checkPair(t, td, v0, v0, 0)
		assert.Same(t, v0, b.IfVnet)
		assert.Zero(t, drvtest.Destroy(td, v0, "epair0b"))
		assert.Equal(t, base, drvtest.Snapshot(k))
	})

	t.Run("home vnet goes, far end destroyed in its vnet", func(t *testing.T) {
		v2 := vnet.VnetAlloc(td)
		require.Zero(t, ifclone.PrisonCreate(td, 3, v0)) // a jail in vnet0
		name, err := drvtest.Create(td, v2, "epair")
		require.Zero(t, err)
		require.Equal(t, "epair0a", name)
		_, err = move(td, v2, "epair0b", 3)
		require.Zero(t, err)
		assert.Equal(t, []string{"epair0b"}, drvtest.Names(td, v0))
		_, b := checkPair(t, td, v2, v0, 0)
		assert.Same(t, v2, b.IfHomeVnet)

		vnet.VnetDestroy(td, v2)
		assert.Empty(t, drvtest.Names(td, v0), "v2's cloner destroyed the end in vnet0")
		assert.Equal(t, base, drvtest.Snapshot(k))
	})

	drvtest.Shutdown(t, k, "epair")
}

// A pair made by vnet0's cloner with an end in another vnet: k.Shutdown
// detaches the cloner and destroys both.
func TestEpairShutdownWithEndAway(t *testing.T) {
	k, td, v0 := drvtest.Boot(t, kern.Config{}, epair.Load)
	v1 := vnet.VnetAlloc(td)
	require.Zero(t, ifclone.PrisonCreate(td, 1, v1))
	for range 2 {
		_, err := drvtest.Create(td, v0, "epair")
		require.Zero(t, err)
	}
	_, err := move(td, v0, "epair1a", 1)
	require.Zero(t, err)
	vnet.VnetDestroy(td, v1) // epair1a goes home first
	assert.Len(t, drvtest.Names(td, v0), 4)
	drvtest.Shutdown(t, k, "epair")
}

// race builds a kernel with epair loaded, starts a create of "epair" and a
// destroy of victim in vnet0, and runs them under ch. It returns the run's
// result and the name and error the create reported.
func race(ch kern.Chooser, victim string) (res *kern.RunResult, name string, cerr kern.Errno) {
	k := kern.NewKernel(kern.Config{Chooser: ch})
	td0 := k.Thread0()
	epair.Load(td0)
	k.Boot(td0)
	v0 := drvtest.Vnet0(k)
	k.Go("ifconfig epair create", func(td *kern.Thread) { name, cerr = drvtest.Create(td, v0, "epair") })
	k.Go("ifconfig "+victim+" destroy", func(td *kern.Thread) { drvtest.Destroy(td, v0, victim) })
	res = k.Run()
	return res, name, cerr
}

// findRace tries PCT schedules until found accepts one, then replays that
// schedule and checks the replay ends the same way.
func findRace(t *testing.T, depth int, steps int64, victim string,
	found func(res *kern.RunResult, name string, cerr kern.Errno) bool) *kern.RunResult {
	t.Helper()
	const seeds = 1000
	for seed := uint64(0); seed < seeds; seed++ {
		res, name, cerr := race(kern.NewPCT(seed, depth, steps), victim)
		if !found(res, name, cerr) {
			continue
		}
		t.Logf("PCT seed %d (depth %d), %d scheduling decisions", seed, depth, len(res.Schedule))
		again, name2, cerr2 := race(kern.NewReplay(res.Schedule), victim)
		require.True(t, found(again, name2, cerr2), "the replay reproduces it")
		return res
	}
	t.Fatalf("none of %d PCT schedules reached the race", seeds)
	return nil
}

// A destroy of epair<N>b that lands while epair<N> is being created panics
// the kernel. epair_clone_create links b to the cloner (if_clone_addif)
// before it returns, and if_clone_createif links a only afterwards; in that
// window SIOCIFDESTROY of b finds b on the list, and epair_clone_destroy
// then hands a to if_clone_destroyif, which fails (ENXIO: a is not on the
// list yet), and the driver panics. Creates are not serialised with
// destroys (only destroys take ifnet_detach_sxlock), so the C has this
// race; the name of b is easily guessed.
func TestEpairDestroyBDuringCreate(t *testing.T) {
	res := findRace(t, 3, 150, "epair0b", func(res *kern.RunResult, _ string, _ kern.Errno) bool {
		return res.Panic != nil &&
			strings.Contains(res.Panic.Msg, "if_clone_destroyif() for our 2nd iface failed: 6")
	})
	t.Logf("%s", res.Panic.Msg)
}

// if_clone_create copies the new interface's name (if_name(ifp)) after
// ifc_create_ifp returns, holding no reference. A destroy of epair<N>a
// that lands between if_clone_createif linking a and that copy frees the
// interface (no epoch section protects the creator), and the creator
// hands the trashed name back to the caller. The destroy itself is fine
// and nothing panics: the create reports success with a name that was
// never an interface's.
func TestCreateReportsFreedName(t *testing.T) {
	var got string
	findRace(t, 2, 300, "epair0a", func(res *kern.RunResult, name string, cerr kern.Errno) bool {
		got = name
		return res.OK() && cerr == 0 && name != "epair0a"
	})
	t.Logf("create reported %q", got)
}

// A pair with its b end lent to v1: v1's teardown (vnet_if_return sends b
// home, then v1's cloners detach) races SIOCIFDESTROY of the a end in
// vnet0. Both hold ifnet_detach_sxlock throughout, so either order is
// clean: the pair is destroyed whole, nothing leaks, nothing panics (the
// history behind D20868).
func TestEpairDestroyRacesVnetTeardown(t *testing.T) {
	seeds := uint64(200)
	if testing.Short() {
		seeds = 100
	}
	var cfgs []kern.Config
	for seed := range seeds {
		cfgs = append(cfgs, kern.Config{Chooser: kern.NewPCT(seed, 3, 400)})
	}
	for range 5 {
		cfgs = append(cfgs, kern.Config{Native: true})
	}
	for i, cfg := range cfgs {
		k, td, v0 := drvtest.Boot(t, cfg, epair.Load)
		v1 := vnet.VnetAlloc(td)
		require.Zero(t, ifclone.PrisonCreate(td, 1, v1))
		_, err := drvtest.Create(td, v0, "epair")
		require.Zero(t, err)
		_, err = move(td, v0, "epair0b", 1)
		require.Zero(t, err)
		base := drvtest.Snapshot(k)

		var derr kern.Errno
		k.Go("vnet_destroy", func(td *kern.Thread) { vnet.VnetDestroy(td, v1) })
		k.Go("ifconfig epair0a destroy", func(td *kern.Thread) { derr = drvtest.Destroy(td, v0, "epair0a") })
		res := k.Run()
		require.Truef(t, res.OK(), "config %d: %v", i, res)
		require.Zerof(t, derr, "config %d", i)
		require.Emptyf(t, drvtest.Names(td, v0), "config %d", i)
		after := drvtest.Snapshot(k)
		require.Lessf(t, after.Clone, base.Clone, "config %d: v1's cloners are gone", i)
		drvtest.Shutdown(t, k, "epair")
		if t.Failed() {
			t.Fatalf("config %d", i)
		}
	}
}
