package kern

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWitnessReversal(t *testing.T) {
	// One thread takes A then B and finishes; a later thread takes B then
	// A. The run cannot deadlock (the first thread is gone), but WITNESS
	// must report the reversal with both classes.
	k := NewKernel(Config{Chooser: NewRandom(1)})
	var a, b Mtx
	a.Init(k, "lock_a", "class A", MTX_DEF)
	b.Init(k, "lock_b", "class B", MTX_DEF)
	td := k.Thread0()
	a.Lock(td)
	b.Lock(td)
	b.Unlock(td)
	a.Unlock(td)
	assert.Equal(t, []string{"class A -> class B"}, k.WitnessEdges())

	k.Go("reverser", func(td *Thread) {
		b.Lock(td)
		a.Lock(td)
		a.Unlock(td)
		b.Unlock(td)
	})
	res := k.Run()
	require.NotNil(t, res.Panic, "reversal not reported: %v", res)
	require.Equal(t, PanicWitness, res.Panic.Kind)
	w := res.Panic.Witness
	require.NotNil(t, w)
	assert.Equal(t, WitnessReversal, w.Kind)
	assert.Equal(t, "class B", w.First)
	assert.Equal(t, "class A", w.Second)
	assert.Contains(t, w.Msg, "lock order reversal")
	assert.Contains(t, w.Established, "class A -> class B first seen at")
	assert.Contains(t, w.Established, "thread0")
	assert.Equal(t, "reverser", w.Thread)

	// Record mode: the run goes on and the report is kept.
	k2 := NewKernel(Config{WitnessRecord: true})
	var c, d Mtx
	c.Init(k2, "c", "", MTX_DEF)
	d.Init(k2, "d", "", MTX_DEF)
	k2.Go("t1", func(td *Thread) { c.Lock(td); d.Lock(td); d.Unlock(td); c.Unlock(td) })
	k2.Run()
	td2 := k2.Thread0()
	d.Lock(td2)
	c.Lock(td2)
	c.Unlock(td2)
	d.Unlock(td2)
	reps := k2.WitnessReports()
	require.Len(t, reps, 1)
	assert.Equal(t, WitnessReversal, reps[0].Kind)

	// A consistent order is never reported, whatever the interleaving.
	for seed := uint64(0); seed < 100; seed++ {
		k := NewKernel(Config{Chooser: NewRandom(seed)})
		var x, y Mtx
		x.Init(k, "x", "", MTX_DEF)
		y.Init(k, "y", "", MTX_DEF)
		for i := 0; i < 3; i++ {
			k.Go("w", func(td *Thread) {
				x.Lock(td)
				y.Lock(td)
				y.Unlock(td)
				x.Unlock(td)
				y.Lock(td)
				y.Unlock(td)
			})
		}
		res := k.Run()
		require.True(t, res.OK(), "seed %d: %v", seed, res)
	}
}

func TestWitnessSleepWithMutex(t *testing.T) {
	k := NewKernel(Config{WitnessRecord: true})
	td := k.Thread0()
	var m Mtx
	m.Init(k, "nonsleepable", "", MTX_DEF)
	mt := k.MallocType("M_TEST", "test")

	// Without a mutex, M_WAITOK is fine.
	p := Malloc[int](td, mt, M_WAITOK)
	Free(td, p, mt)
	require.Empty(t, k.WitnessReports())

	m.Lock(td)
	p = Malloc[int](td, mt, M_WAITOK)
	Free(td, p, mt)
	q := Malloc[int](td, mt, M_NOWAIT) // M_NOWAIT does not sleep
	Free(td, q, mt)
	var sx Sx
	sx.Init(k, "sleepable", 0)
	sx.Xlock(td)
	sx.Xunlock(td)
	m.Unlock(td)

	reps := k.WitnessReports()
	require.Len(t, reps, 3, "malloc(M_WAITOK) warn + sx sleep warn + sleepable-after-mutex")
	for _, r := range reps {
		assert.Equal(t, WitnessSleep, r.Kind)
		assert.Equal(t, []string{"nonsleepable"}, r.Held)
	}
	assert.Contains(t, reps[0].Msg, "malloc(M_WAITOK)")

	// epoch_wait with a mutex held panics in the default mode.
	k2 := NewKernel(Config{})
	td2 := k2.Thread0()
	var m2 Mtx
	m2.Init(k2, "held", "", MTX_DEF)
	m2.Lock(td2)
	pn := mustPanic(t, func() { NetEpochWait(td2) })
	assert.Equal(t, PanicWitness, pn.Kind)
	assert.Contains(t, pn.Msg, "epoch_wait")
}

func TestWitnessThreadExitWithLocks(t *testing.T) {
	k := NewKernel(Config{Chooser: NewRandom(3)})
	var m Mtx
	m.Init(k, "leaked", "", MTX_DEF)
	k.Go("sloppy", func(td *Thread) { m.Lock(td) })
	res := k.Run()
	require.NotNil(t, res.Panic)
	require.NotNil(t, res.Panic.Witness)
	assert.Equal(t, WitnessHeldAtExit, res.Panic.Witness.Kind)
	assert.Equal(t, []string{"leaked"}, res.Panic.Witness.Held)
	assert.Equal(t, "sloppy", res.Panic.Thread)

	// A thread that releases everything is fine.
	k2 := NewKernel(Config{})
	var m2 Mtx
	m2.Init(k2, "fine", "", MTX_DEF)
	k2.Go("tidy", func(td *Thread) { m2.Lock(td); m2.Unlock(td) })
	require.True(t, k2.Run().OK())
}

// TestWitnessOrderCache: once an order is learned, taking the same pair
// again is answered from the class's cache; the cache must never hide a
// reversal, a duplicate, or a class beyond its reach.
func TestWitnessOrderCache(t *testing.T) {
	k := NewKernel(Config{WitnessRecord: true})
	td := k.Thread0()
	var a, b Mtx
	a.Init(k, "a", "", MTX_DEF)
	b.Init(k, "b", "", MTX_DEF)
	for i := 0; i < 3; i++ { // the second and third pass hit the cache
		a.Lock(td)
		b.Lock(td)
		b.Unlock(td)
		a.Unlock(td)
	}
	require.True(t, a.lo.class.ordered(b.lo.class.id))
	require.False(t, b.lo.class.ordered(a.lo.class.id))
	b.Lock(td)
	a.Lock(td)
	a.Unlock(td)
	b.Unlock(td)
	reps := k.WitnessReports()
	require.Len(t, reps, 1)
	assert.Equal(t, WitnessReversal, reps[0].Kind)
	assert.Equal(t, []string{"a -> b"}, k.WitnessEdges())

	// Classes past the cache's reach take the locked path and still find
	// a reversal.
	locks := make([]Mtx, witnessCacheWords*64+2)
	for i := range locks {
		locks[i].Init(k, fmt.Sprintf("m%d", i), "", MTX_DEF)
	}
	hi, lo := &locks[len(locks)-1], &locks[len(locks)-2]
	require.GreaterOrEqual(t, lo.lo.class.id, witnessCacheWords*64)
	for i := 0; i < 2; i++ {
		lo.Lock(td)
		hi.Lock(td)
		hi.Unlock(td)
		lo.Unlock(td)
	}
	hi.Lock(td)
	lo.Lock(td)
	lo.Unlock(td)
	hi.Unlock(td)
	require.Len(t, k.WitnessReports(), 2)
	assert.Equal(t, WitnessReversal, k.WitnessReports()[1].Kind)
}

// TestMtxLockUnlockNoAlloc: the uncontended lock/unlock path allocates
// nothing, with and without a lock already held (WITNESS order check).
func TestMtxLockUnlockNoAlloc(t *testing.T) {
	k := NewKernel(Config{})
	td := k.Thread0()
	var outer, m Mtx
	outer.Init(k, "outer", "", MTX_DEF)
	m.Init(k, "m", "", MTX_DEF)
	outer.Lock(td)
	m.Lock(td) // learn the order and grow the held list once
	m.Unlock(td)
	allocs := testing.AllocsPerRun(1000, func() {
		m.Lock(td)
		m.Unlock(td)
	})
	outer.Unlock(td)
	assert.Zero(t, allocs)
	allocs = testing.AllocsPerRun(1000, func() {
		m.Lock(td)
		m.Unlock(td)
	})
	assert.Zero(t, allocs)
}

// TestWitnessUnlockOutOfOrder: locks released in any order leave the held
// list exact (unlock takes the last one held fast, any other by search),
// and a shared hold is not taken for an exclusive one.
func TestWitnessUnlockOutOfOrder(t *testing.T) {
	k := NewKernel(Config{})
	td := k.Thread0()
	var a, b, c Mtx
	a.Init(k, "a", "", MTX_DEF)
	b.Init(k, "b", "", MTX_DEF)
	c.Init(k, "c", "", MTX_DEF)
	a.Lock(td)
	b.Lock(td)
	c.Lock(td)
	assert.Equal(t, []string{"a", "b", "c"}, td.Held())
	b.Unlock(td) // from the middle
	assert.Equal(t, []string{"a", "c"}, td.Held())
	a.Unlock(td) // from the bottom
	assert.Equal(t, []string{"c"}, td.Held())
	c.Unlock(td) // the last one
	assert.Empty(t, td.Held())

	w := &k.witness
	w.lock(td, &a.lo, true)
	assert.False(t, dropTop(td, &a.lo, false), "a shared hold is not an exclusive one")
	w.unlock(td, &a.lo)
	assert.Len(t, td.held, 1, "nor dropped by the search")
	w.unlockShared(td, &a.lo)
	assert.Empty(t, td.held)
}
