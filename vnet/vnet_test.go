// SPDX-License-Identifier: BSD-2-Clause

package vnet_test

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/kern"
	"kcheck/vnet"
)

func TestCurvnetSetRestorePairing(t *testing.T) {
	k, td, s := boot(t, kern.Config{})
	v0 := s.Vnet0()
	v1 := vnet.VnetAlloc(td)
	require.Zero(t, vnet.CurvnetDepth(td))
	require.Equal(t, "", td.TdVnetLpush)

	// Nested sets: curvnet, td_vnet_lpush and the depth follow.
	s1 := vnet.CurvnetSet(td, v1)
	require.Same(t, v1, vnet.Curvnet(td))
	require.Equal(t, "vnet_test.TestCurvnetSetRestorePairing", td.TdVnetLpush)
	require.Equal(t, 1, s1.Depth())
	require.Nil(t, s1.SavedVnet())
	s2 := vnet.CurvnetSetQuiet(td, v0)
	require.Same(t, v0, vnet.Curvnet(td))
	require.Equal(t, 2, s2.Depth())
	require.Same(t, v1, s2.SavedVnet())
	require.Equal(t, 2, vnet.CurvnetDepth(td))

	// Restoring the outer set first is the unpaired restore the C's scoping
	// rules out: it panics and changes nothing.
	mustPanic(t, func() { vnet.CurvnetRestore(td, s1) },
		"does not pair with the innermost CURVNET_SET", "(depth 1)", "(depth 2)")
	require.Same(t, v0, vnet.Curvnet(td))
	require.Equal(t, 2, vnet.CurvnetDepth(td))

	// The right order unwinds both.
	vnet.CurvnetRestore(td, s2)
	require.Same(t, v1, vnet.Curvnet(td))
	require.Equal(t, "vnet_test.TestCurvnetSetRestorePairing", td.TdVnetLpush)
	vnet.CurvnetRestore(td, s1)
	require.Nil(t, vnet.Curvnet(td))
	require.Nil(t, td.TdVnet, "a restored NULL curvnet is a nil interface")
	require.Equal(t, "", td.TdVnetLpush)
	require.Zero(t, vnet.CurvnetDepth(td))

	// A second restore of the same set, and a restore of nothing.
	mustPanic(t, func() { vnet.CurvnetRestore(td, s1) }, "already restored")
	mustPanic(t, func() { vnet.CurvnetRestore(td, vnet.Saved{}) }, "zero Saved")

	// A copy of a Saved is the same set: restoring both is a double restore.
	s3 := vnet.CurvnetSet(td, v1)
	cp := s3
	vnet.CurvnetRestore(td, cp)
	mustPanic(t, func() { vnet.CurvnetRestore(td, s3) }, "already restored")

	// A set made on another thread cannot be restored here.
	var foreign vnet.Saved
	k.Go("setter", func(td *kern.Thread) { foreign = vnet.CurvnetSet(td, v1) })
	require.True(t, k.Run().OK())
	mustPanic(t, func() { vnet.CurvnetRestore(td, foreign) }, "made by setter")

	// The defer idiom scopes the set to a function.
	func() {
		defer vnet.CurvnetRestore(td, vnet.CurvnetSet(td, v1))
		require.Same(t, v1, vnet.Curvnet(td))
		require.Equal(t, 1, vnet.CurvnetDepth(td))
	}()
	require.Nil(t, vnet.Curvnet(td))
	require.Zero(t, vnet.CurvnetDepth(td))

	vnet.VnetDestroy(td, v1)
	shutdown(t, k)
}

// setInner is a CURVNET_SET site; it returns the line of the set.
func setInner(td *kern.Thread, v *vnet.Vnet) int {
	_, _, line, _ := runtime.Caller(0)
	si := vnet.CurvnetSet(td, v)
	vnet.CurvnetRestore(td, si)
	return line + 1
}

func enterTwice(td *kern.Thread, outer, inner *vnet.Vnet) int {
	so := vnet.CurvnetSet(td, outer)
	line := setInner(td, inner)
	vnet.CurvnetRestore(td, so)
	return line
}

func enterOther(td *kern.Thread, outer, inner *vnet.Vnet) {
	so := vnet.CurvnetSet(td, outer)
	setInner(td, inner)
	vnet.CurvnetRestore(td, so)
}

func TestCurvnetRecursionLoggedOnce(t *testing.T) {
	k, td, s := boot(t, kern.Config{})
	v0 := s.Vnet0()
	v1 := vnet.VnetAlloc(td)
	require.Empty(t, s.Recursions(), "booting logs no recursion")

	// The same recursion three times is logged once.
	var line int
	for range 3 {
		line = enterTwice(td, v0, v1)
	}
	recs := s.Recursions()
	require.Len(t, recs, 1)
	r := recs[0]
	assert.Equal(t, "vnet_test.enterTwice", r.Prev_fn)
	assert.Equal(t, "vnet_test.setInner", r.Where_fn)
	assert.Equal(t, line, r.Where_line)
	assert.Same(t, v0, r.Old_vnet)
	assert.Same(t, v1, r.New_vnet)
	assert.Contains(t, r.Stack, "setInner", "kdb_backtrace")
	assert.Contains(t, r.String(), fmt.Sprintf("CURVNET_SET() recursion in vnet_test.setInner() line %d, prev in vnet_test.enterTwice()", line))

	// Setting the vnet that is already current is a different entry (the
	// C keys on old == new as well) ...
	for range 2 {
		enterTwice(td, v1, v1)
	}
	require.Len(t, s.Recursions(), 2)
	assert.Same(t, s.Recursions()[0].Old_vnet, s.Recursions()[0].New_vnet)
	// ... so is another outer function ...
	enterOther(td, v0, v1)
	enterOther(td, v0, v1)
	require.Len(t, s.Recursions(), 3)
	assert.Equal(t, "vnet_test.enterOther", s.Recursions()[0].Prev_fn)

	// ... while CURVNET_SET_QUIET never logs.
	so := vnet.CurvnetSet(td, v0)
	sq := vnet.CurvnetSetQuiet(td, v1)
	vnet.CurvnetRestore(td, sq)
	vnet.CurvnetRestore(td, so)
	require.Len(t, s.Recursions(), 3)

	// vnet_global_eventhandler_iterator_func uses CURVNET_SET: called in a
	// vnet it logs, once, and visits every vnet.
	var seen []*vnet.Vnet
	so = vnet.CurvnetSet(td, v0)
	for range 2 {
		vnet.VnetGlobalEventhandlerIteratorFunc(td, func(td *kern.Thread) { seen = append(seen, vnet.Curvnet(td)) })
	}
	vnet.CurvnetRestore(td, so)
	require.Equal(t, []*vnet.Vnet{v1, v0, v1, v0}, seen)
	recs = s.Recursions()
	require.GreaterOrEqual(t, len(recs), 4)
	assert.Equal(t, "vnet.VnetGlobalEventhandlerIteratorFunc", recs[0].Where_fn)
	assert.Equal(t, "vnet_test.TestCurvnetRecursionLoggedOnce", recs[0].Prev_fn)

	// The log is per kernel.
	k2, _, s2 := boot(t, kern.Config{})
	require.Empty(t, s2.Recursions())

	vnet.VnetDestroy(td, v1)
	shutdown(t, k)
	shutdown(t, k2)
}

func TestCurvnetBadMagicPanics(t *testing.T) {
	k, td, s := boot(t, kern.Config{})
	v0 := s.Vnet0()
	v1 := vnet.VnetAlloc(td)

	// CURVNET_SET of NULL or of a vnet whose magic is wrong.
	mustPanic(t, func() { vnet.CurvnetSet(td, nil) },
		"CURVNET_SET at vnet/vnet_test.go:", "vnet_test.TestCurvnetBadMagicPanics.func1()", "vnet=0x0")
	v1.Vnet_magic_n.Store(0x12345678)
	mustPanic(t, func() { vnet.CurvnetSet(td, v1) }, "CURVNET_SET at", fmt.Sprintf("vnet=%p", v1))
	mustPanic(t, func() { vnet.CurvnetSetQuiet(td, v1) }, "CURVNET_SET at")
	require.Nil(t, vnet.Curvnet(td), "a failed set changes nothing")
	require.Zero(t, vnet.CurvnetDepth(td))
	v1.Vnet_magic_n.Store(vnet.VNET_MAGIC_N)

	// CURVNET_RESTORE checks the vnet it restores.
	s1 := vnet.CurvnetSet(td, v1)
	s2 := vnet.CurvnetSet(td, v0)
	v1.Vnet_magic_n.Store(0xdeadbeef)
	mustPanic(t, func() { vnet.CurvnetRestore(td, s2) }, "CURVNET_RESTORE at", fmt.Sprintf("saved_vnet=%p", v1))
	v1.Vnet_magic_n.Store(vnet.VNET_MAGIC_N)
	vnet.CurvnetRestore(td, s2)
	// ... and that some vnet is current.
	td.TdVnet = nil
	mustPanic(t, func() { vnet.CurvnetRestore(td, s1) }, "CURVNET_RESTORE at", "curvnet=0x0")
	td.TdVnet = v1
	vnet.CurvnetRestore(td, s1)

	// A vnet of another kernel is refused, and so is VNET() without one.
	k2, td2, s2k := boot(t, kern.Config{})
	mustPanic(t, func() { vnet.CurvnetSet(td, s2k.Vnet0()) }, "belongs to another kernel")
	mustPanic(t, func() { vnet.CurvnetSet(td2, v1) }, "belongs to another kernel")
	x := vnet.Define(td, "x", 1)
	mustPanic(t, func() { x.V(td) }, "VNET(x): curvnet is NULL")

	vnet.VnetDestroy(td, v1)
	shutdown(t, k)
	shutdown(t, k2)
}

// event is one constructor or destructor call seen by TestVnetSysinitOrder.
type event struct {
	name     string
	vnet     *vnet.Vnet
	state    kern.SubsystemID
	shutdown bool
	inList   bool
}

func TestVnetSysinitOrder(t *testing.T) {
	k := kern.NewKernel(kern.Config{})
	td := k.Thread0()
	s := vnet.Of(k)
	var log []event
	rec := func(td *kern.Thread, arg any) {
		cur := vnet.Curvnet(td)
		log = append(log, event{arg.(string), cur, cur.State(), cur.Vnet_shutdown.Load(), inList(td, cur)})
	}
	names := func() []string {
		var out []string
		for _, e := range log {
			out = append(out, e.name)
		}
		return out
	}
	// Declared out of order, as the linker set would hold them.
	decl := []struct {
		name  string
		sub   kern.SubsystemID
		order kern.SysinitOrder
	}{
		{"c", kern.SI_SUB_PROTO_DOMAIN, kern.SI_ORDER_SECOND},
		{"a", kern.SI_SUB_INIT_IF, kern.SI_ORDER_FIRST},
		{"d", kern.SI_SUB_PSEUDO, kern.SI_ORDER_ANY},
		{"b", kern.SI_SUB_PROTO_DOMAIN, kern.SI_ORDER_FIRST},
	}
	for _, d := range decl {
		vnet.VNET_SYSINIT(k, "init_"+d.name, d.sub, d.order, rec, d.name)
		vnet.VNET_SYSUNINIT(k, "uninit_"+d.name, d.sub, d.order, rec, "~"+d.name)
	}
	mustPanic(t, func() { vnet.VNET_SYSINIT(k, "early", kern.SI_SUB_VNET, 0, rec, "") }, "CTASSERT")
	mustPanic(t, func() { vnet.VNET_SYSUNINIT(k, "late", kern.SI_SUB_LAST, 0, rec, "") }, "CTASSERT")

	// Booting registers them in (subsystem, order) order; each is applied
	// to vnet0 as it is registered.
	k.Boot(td)
	v0 := s.Vnet0()
	require.Equal(t, []string{"a", "d", "b", "c"}, names())
	// vnet0 was allocated at SI_SUB_VNET, before any constructor was
	// registered, and registration does not move vnet_state: in the C too,
	// vnet0's vnet_state stays 0.
	require.Zero(t, v0.State())

	// vnet_alloc: constructors ascending, curvnet and vnet_state set,
	// the vnet linked only afterwards.
	log = nil
	v1 := vnet.VnetAlloc(td)
	require.Equal(t, []string{"a", "d", "b", "c"}, names())
	for _, e := range log {
		assert.Same(t, v1, e.vnet)
		assert.False(t, e.inList, "%s ran on a linked vnet", e.name)
		assert.False(t, e.shutdown)
	}
	assert.Equal(t, kern.SI_SUB_INIT_IF, log[0].state)
	assert.Equal(t, kern.SI_SUB_PSEUDO, log[1].state)
	assert.Equal(t, kern.SI_SUB_PROTO_DOMAIN, log[3].state)
	require.Equal(t, kern.SI_SUB_VNET_DONE, v1.State(), "vnet_sysinit_done is the last constructor")
	require.Equal(t, []*vnet.Vnet{v1, v0}, vnets(td))
	require.Nil(t, vnet.Curvnet(td))

	// vnet_destroy: unlinked, vnet_shutdown set, destructors descending.
	log = nil
	vnet.VnetDestroy(td, v1)
	require.Equal(t, []string{"~c", "~b", "~d", "~a"}, names())
	for _, e := range log {
		assert.Same(t, v1, e.vnet)
		assert.True(t, e.shutdown)
		assert.False(t, e.inList)
	}
	assert.Equal(t, kern.SI_SUB_PROTO_DOMAIN, log[0].state)
	assert.Equal(t, kern.SI_SUB_INIT_IF, log[3].state)
	require.Equal(t, []*vnet.Vnet{v0}, vnets(td))

	// Registered at run time, a constructor runs on every existing vnet,
	// newest first, and then on every new one in its place in the order.
	v2 := vnet.VnetAlloc(td)
	log = nil
	late := &vnet.VnetSysinit{Subsystem: kern.SI_SUB_PROTO_IFATTACHDOMAIN, Order: kern.SI_ORDER_FIRST, Func: rec, Arg: "late", Name: "late"}
	vnet.VnetRegisterSysinit(td, late)
	require.Len(t, log, 2)
	assert.Same(t, v2, log[0].vnet)
	assert.Same(t, v0, log[1].vnet)
	assert.Equal(t, kern.SI_SUB_VNET_DONE, log[0].state, "registration does not move vnet_state")
	log = nil
	v3 := vnet.VnetAlloc(td)
	require.Equal(t, []string{"a", "d", "b", "c", "late"}, names())

	// A destructor runs on every existing vnet when it is deregistered.
	lateU := &vnet.VnetSysinit{Subsystem: kern.SI_SUB_PROTO_IFATTACHDOMAIN, Order: kern.SI_ORDER_FIRST, Func: rec, Arg: "~late", Name: "late"}
	log = nil
	vnet.VnetRegisterSysuninit(td, lateU)
	require.Empty(t, log)
	vnet.VnetDeregisterSysuninit(td, lateU)
	require.Equal(t, []string{"~late", "~late", "~late"}, names())
	assert.Equal(t, []*vnet.Vnet{v3, v2, v0}, []*vnet.Vnet{log[0].vnet, log[1].vnet, log[2].vnet})

	// A deregistered constructor no longer runs; it leaves the vnets alone.
	log = nil
	vnet.VnetDeregisterSysinit(td, late)
	require.Empty(t, log)
	v4 := vnet.VnetAlloc(td)
	require.Equal(t, []string{"a", "d", "b", "c"}, names())

	for _, v := range []*vnet.Vnet{v4, v3, v2} {
		vnet.VnetDestroy(td, v)
	}
	// Shutdown deregisters the VNET_SYSUNINITs from the highest subsystem
	// down, each running on vnet0, then (emulation) frees vnet0.
	log = nil
	shutdown(t, k)
	require.Equal(t, []string{"~c", "~b", "~d", "~a"}, names())
	require.Nil(t, s.Vnet0())
}

// TestVnetSysinitMisuse: each misuse panics (a panicking kernel is dead,
// so each gets a fresh one).
func TestVnetSysinitMisuse(t *testing.T) {
	nop := func(*kern.Thread, any) {}
	_, td, _ := boot(t, kern.Config{})
	mustPanic(t, func() {
		vnet.VnetRegisterSysinit(td, &vnet.VnetSysinit{Subsystem: kern.SI_SUB_VNET, Func: nop, Name: "early"})
	}, "vnet sysinit too early")

	_, td, _ = boot(t, kern.Config{})
	vs := &vnet.VnetSysinit{Subsystem: kern.SI_SUB_PSEUDO, Func: nop, Name: "twice"}
	vnet.VnetRegisterSysinit(td, vs)
	mustPanic(t, func() { vnet.VnetRegisterSysinit(td, vs) }, "registered twice")

	_, td, _ = boot(t, kern.Config{})
	mustPanic(t, func() { vnet.VnetDeregisterSysinit(td, vs) }, "Bad link elm")

	_, td, _ = boot(t, kern.Config{})
	ran := 0
	never := &vnet.VnetSysinit{Subsystem: kern.SI_SUB_PSEUDO, Func: func(*kern.Thread, any) { ran++ }, Name: "never"}
	mustPanic(t, func() { vnet.VnetDeregisterSysuninit(td, never) }, "Bad link elm")
	require.Equal(t, 1, ran, "as in the C, the destructor ran on vnet0 before the removal failed")
}

func TestVnetVarsIsolated(t *testing.T) {
	k := kern.NewKernel(kern.Config{})
	td := k.Thread0()
	counter := vnet.Define(td, "counter", 7)
	type cfg struct {
		name string
		ids  []int
	}
	conf := vnet.Define(td, "conf", cfg{name: "lo", ids: []int{1, 2}})
	require.Equal(t, "counter", counter.Name())
	k.Boot(td)
	s := vnet.Of(k)
	v0 := s.Vnet0()
	v1 := vnet.VnetAlloc(td)

	// Each vnet starts from the master copy.
	require.Equal(t, 7, *counter.Get(v0))
	require.Equal(t, 7, *counter.Get(v1))
	require.NotSame(t, counter.Get(v0), counter.Get(v1))
	require.Equal(t, "lo", conf.Get(v1).name)

	// V_counter writes the current vnet's copy only.
	sv := vnet.CurvnetSet(td, v1)
	*counter.V(td) = 42
	conf.V(td).name = "lo1"
	p := counter.V(td)
	vnet.CurvnetRestore(td, sv)
	require.Equal(t, 42, *counter.Get(v1))
	require.Same(t, p, counter.Get(v1), "the address is stable")
	require.Equal(t, 7, *counter.Get(v0))
	require.Equal(t, "lo", conf.Get(v0).name)
	// Copies are shallow, as memcpy is: the slice's array is shared.
	conf.Get(v1).ids[0] = 9
	require.Equal(t, 9, conf.Get(v0).ids[0])

	// A variable defined late (module load) reaches every existing vnet.
	late := vnet.Define(td, "late", "hello")
	require.Equal(t, "hello", *late.Get(v0))
	require.Equal(t, "hello", *late.Get(v1))
	v2 := vnet.VnetAlloc(td)
	require.Equal(t, "hello", *late.Get(v2))
	require.Equal(t, 7, *counter.Get(v2))

	// Unloading frees the slot; a new variable reuses it with its own value.
	late.Undefine(td)
	again := vnet.Define(td, "again", 3.5)
	for _, v := range []*vnet.Vnet{v0, v1, v2} {
		require.Equal(t, 3.5, *again.Get(v))
	}

	// No curvnet, a destroyed vnet, another kernel's vnet: all panic.
	mustPanic(t, func() { counter.V(td) }, "curvnet is NULL")
	vnet.VnetDestroy(td, v2)
	mustPanic(t, func() { counter.Get(v2) }, "destroyed or freed")
	k2, _, s2 := boot(t, kern.Config{})
	mustPanic(t, func() { counter.Get(s2.Vnet0()) }, "another kernel")

	vnet.VnetDestroy(td, v1)
	shutdown(t, k)
	shutdown(t, k2)
}

func TestVnetDestroyPoisonsMagic(t *testing.T) {
	k, td, s := boot(t, kern.Config{})
	before := live(k, "vnet")
	var during []uint32
	vnet.VNET_SYSUNINIT(k, "watch", kern.SI_SUB_INIT_IF, kern.SI_ORDER_ANY, func(td *kern.Thread, _ any) {
		during = append(during, vnet.Curvnet(td).Vnet_magic_n.Load())
	}, nil)
	k.Boot(td) // registers the destructor

	v := vnet.VnetAlloc(td)
	require.Equal(t, before+1, live(k, "vnet"))
	require.Equal(t, uint32(vnet.VNET_MAGIC_N), v.Vnet_magic_n.Load())

	vnet.VnetDestroy(td, v)
	require.Equal(t, []uint32{vnet.VNET_MAGIC_N}, during, "destructors run on a live vnet")
	require.Equal(t, before, live(k, "vnet"))
	require.True(t, kern.IsFreed(k, v))
	require.NotEqual(t, uint32(vnet.VNET_MAGIC_N), v.Vnet_magic_n.Load())
	require.Equal(t, uint32(kern.Poison), v.Vnet_magic_n.Load(), "0xdeadbeef, then trashed by free(9)")
	require.False(t, inList(td, v))

	// Every later use is caught.
	mustPanic(t, func() { vnet.CurvnetSet(td, v) }, "CURVNET_SET at")
	mustPanic(t, func() { vnet.VnetDestroy(td, v) }, "vnet still has sockets")
	require.Same(t, s.Vnet0(), vnets(td)[0])
	shutdown(t, k)
}

// TestVnetDestroyTakesIfnetDetachLock checks the ifnet layer's hook: with
// IfnetDetachSxlock set, the destructors run with it held exclusively.
func TestVnetDestroyTakesIfnetDetachLock(t *testing.T) {
	k, td, s := boot(t, kern.Config{})
	var sx kern.Sx
	sx.Init(k, "ifnet_detach_sx", kern.SX_RECURSE)
	var held []bool
	vs := &vnet.VnetSysinit{Subsystem: kern.SI_SUB_INIT_IF, Func: func(td *kern.Thread, _ any) {
		held = append(held, sx.Xlocked(td))
	}, Name: "probe"}
	vnet.VnetRegisterSysuninit(td, vs)
	v := vnet.VnetAlloc(td)
	vnet.VnetDestroy(td, v)
	s.IfnetDetachSxlock.Store(&sx)
	v = vnet.VnetAlloc(td)
	vnet.VnetDestroy(td, v)
	require.Equal(t, []bool{false, true}, held)
	sx.Assert(td, kern.SA_UNLOCKED)
	vnet.VnetDeregisterSysuninit(td, vs)
	shutdown(t, k)
}

// TestRegisterSysinitRacesAlloc shows, under the controlled scheduler, the
// race the C has between vnet_register_sysinit and vnet_alloc: the list of
// vnets is walked without its locks, and a vnet linked after its own
// constructors ran but after the walk passed never gets the new one. Both
// outcomes must be reachable, and a constructor never runs twice.
func TestRegisterSysinitRacesAlloc(t *testing.T) {
	missed, got := 0, 0
	for seed := uint64(0); seed < 300 && (missed == 0 || got == 0); seed++ {
		k, td0, _ := boot(t, kern.Config{Chooser: kern.NewRandom(seed)})
		runs := map[*vnet.Vnet]int{}
		vs := &vnet.VnetSysinit{Subsystem: kern.SI_SUB_PSEUDO, Name: "probe",
			Func: func(td *kern.Thread, _ any) { runs[vnet.Curvnet(td)]++ }}
		var v *vnet.Vnet
		k.Go("alloc", func(td *kern.Thread) { v = vnet.VnetAlloc(td) })
		k.Go("register", func(td *kern.Thread) { vnet.VnetRegisterSysinit(td, vs) })
		res := k.Run()
		require.Truef(t, res.OK(), "seed %d: %v", seed, res)
		require.LessOrEqual(t, runs[v], 1, "seed %d", seed)
		if runs[v] == 0 {
			missed++
		} else {
			got++
		}
		vnet.VnetDeregisterSysinit(td0, vs)
		vnet.VnetDestroy(td0, v)
		shutdown(t, k)
	}
	require.Positive(t, missed, "the missed-constructor interleaving was not reached")
	require.Positive(t, got)
}

// workload is what each thread of TestKernelsRunInParallel does: a vnet of
// its own, a per-vnet counter bumped through curvnet, a nested set of
// vnet0 (a logged recursion) and the vnet's destruction.
func workload(counter *vnet.Var[int], master int, td *kern.Thread) {
	v := vnet.VnetAlloc(td)
	saved := vnet.CurvnetSet(td, v)
	for range 5 {
		*counter.V(td) += td.Tid
		kern.Preempt(td)
	}
	inner := vnet.CurvnetSet(td, vnet.Of(td.K).Vnet0())
	*counter.V(td) += 1000
	vnet.CurvnetRestore(td, inner)
	vnet.CurvnetRestore(td, saved)
	if got, want := *counter.Get(v), master+5*td.Tid; got != want {
		kern.Panicf(td, "counter of %p is %d, want %d", v, got, want)
	}
	vnet.VnetDestroy(td, v)
}

// TestKernelsRunInParallel runs several kernels at once, controlled and
// native, each with the same workload and a different master value: if any
// state were shared, lists, counters or logs would mix.
func TestKernelsRunInParallel(t *testing.T) {
	const threads = 4
	cfgs := []kern.Config{
		{Name: "ctl-1", Chooser: kern.NewRandom(1)},
		{Name: "ctl-2", Chooser: kern.NewPCT(2, 3, 500)},
		{Name: "native", Native: true},
	}
	var wg sync.WaitGroup
	errs := make([]error, len(cfgs))
	for i, cfg := range cfgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = runKernel(cfg, 100*(i+1), threads)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, cfgs[i].Name)
	}
}

func runKernel(cfg kern.Config, master, threads int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	k := kern.NewKernel(cfg)
	td0 := k.Thread0()
	counter := vnet.Define(td0, "counter", master)
	k.Boot(td0)
	s := vnet.Of(k)
	for range threads {
		k.Go("worker", func(td *kern.Thread) { workload(counter, master, td) })
	}
	if res := k.Run(); !res.OK() {
		return fmt.Errorf("%s: %v", cfg.Name, res)
	}
	if got := *counter.Get(s.Vnet0()); got != master+1000*threads {
		return fmt.Errorf("%s: vnet0 counter %d, want %d", cfg.Name, got, master+1000*threads)
	}
	if n := len(vnets(td0)); n != 1 {
		return fmt.Errorf("%s: %d vnets left", cfg.Name, n)
	}
	if n := len(s.Recursions()); n != 1 {
		return fmt.Errorf("%s: %d recursions logged, want 1", cfg.Name, n)
	}
	k.Shutdown(td0)
	if live(k, "vnet") != 0 || live(k, "vnet_data") != 0 {
		return fmt.Errorf("%s: vnet memory left", cfg.Name)
	}
	return nil
}
