package kern

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMtxAssertions(t *testing.T) {
	k := NewKernel(Config{})
	td := k.Thread0()
	var m, r Mtx
	m.Init(k, "plain", "", MTX_DEF)
	r.Init(k, "recursive", "", MTX_RECURSE)

	m.Assert(td, MA_NOTOWNED)
	p := mustPanic(t, func() { m.Assert(td, MA_OWNED) })
	assert.Contains(t, p.Msg, "mutex plain not owned")

	m.Lock(td)
	assert.True(t, m.Owned(td))
	m.Assert(td, MA_OWNED)
	m.Assert(td, MA_OWNED|MA_NOTRECURSED)
	p = mustPanic(t, func() { m.Assert(td, MA_NOTOWNED) })
	assert.Contains(t, p.Msg, "mutex plain owned")
	p = mustPanic(t, func() { m.Assert(td, MA_OWNED|MA_RECURSED) })
	assert.Contains(t, p.Msg, "unrecursed")

	// Recursion on a non-recursive mutex panics as _mtx_lock_sleep does.
	p = mustPanic(t, func() { m.Lock(td) })
	assert.Contains(t, p.Msg, "recursed on non-recursive mutex plain")
	m.Unlock(td)
	assert.False(t, m.Owned(td))

	r.Lock(td)
	r.Lock(td)
	assert.True(t, r.Recursed(td))
	r.Assert(td, MA_OWNED|MA_RECURSED)
	p = mustPanic(t, func() { r.Assert(td, MA_OWNED|MA_NOTRECURSED) })
	assert.Contains(t, p.Msg, "recursed")
	r.Unlock(td)
	assert.True(t, r.Owned(td), "one unlock of a twice-locked recursive mutex keeps it")
	r.Unlock(td)
	assert.False(t, r.Owned(td))

	// Unlock by a thread that does not own it.
	other := k.newThread("other", nil)
	m.Lock(td)
	p = mustPanic(t, func() { m.Unlock(other) })
	assert.Contains(t, p.Msg, "not owned")
	assert.Equal(t, "other", p.Thread)
	m.Unlock(td)

	// Trylock: succeeds when free, fails when owned by another thread.
	require.True(t, m.Trylock(td))
	assert.False(t, m.Trylock(other))
	m.Unlock(td)
}

func TestMtxDestroyedLockPanics(t *testing.T) {
	k := NewKernel(Config{})
	td := k.Thread0()
	var m Mtx
	m.Init(k, "victim", "", MTX_DEF)
	m.Lock(td)
	m.Destroy(td) // destroying a mutex we own is allowed and releases it
	p := mustPanic(t, func() { m.Lock(td) })
	assert.Contains(t, p.Msg, "mtx_lock() of destroyed mutex victim")
	p = mustPanic(t, func() { m.Unlock(td) })
	assert.Contains(t, p.Msg, "mtx_unlock() of destroyed mutex")

	var z Mtx
	p = mustPanic(t, func() { z.Lock(td) })
	assert.Contains(t, p.Msg, "uninitialized")

	// A mutex inside memory that free(9) trashed is a destroyed one too.
	type obj struct {
		n  int
		mu Mtx
	}
	mt := k.MallocType("M_TEST", "test")
	o := Malloc[obj](td, mt, M_WAITOK|M_ZERO)
	o.mu.Init(k, "inner", "", MTX_DEF)
	Free(td, o, mt)
	p = mustPanic(t, func() { o.mu.Lock(td) })
	assert.Contains(t, p.Msg, "poisoned")

	// Destroying a mutex another thread owns is an MPASS failure.
	var b Mtx
	b.Init(k, "busy", "", MTX_DEF)
	other := k.newThread("other", nil)
	b.Lock(other)
	p = mustPanic(t, func() { b.Destroy(td) })
	assert.Contains(t, p.Msg, "owned by other")
}

func TestSxSharedExclusive(t *testing.T) {
	k := NewKernel(Config{})
	td := k.Thread0()
	var sx Sx
	sx.Init(k, "ifnet_sx", SX_RECURSE)
	sx.Slock(td)
	sx.Assert(td, SA_SLOCKED)
	sx.Assert(td, SA_LOCKED)
	p := mustPanic(t, func() { sx.Assert(td, SA_XLOCKED) })
	assert.Contains(t, p.Msg, "not exclusively locked")
	sx.Sunlock(td)
	sx.Assert(td, SA_UNLOCKED)
	p = mustPanic(t, func() { sx.Sunlock(td) })
	assert.Contains(t, p.Msg, "not share locked")

	sx.Xlock(td)
	sx.Xlock(td) // SX_RECURSE
	sx.Assert(td, SA_XLOCKED|SA_RECURSED)
	sx.Xunlock(td)
	sx.Assert(td, SA_XLOCKED|SA_NOTRECURSED)
	sx.Xunlock(td)
	assert.False(t, sx.Xlocked(td))

	// Under the scheduler: two readers may hold it together; a writer
	// excludes everyone. Check with an occupancy counter on many seeds.
	for seed := uint64(0); seed < 200; seed++ {
		k := NewKernel(Config{Chooser: NewRandom(seed)})
		var l Sx
		l.Init(k, "rw", 0)
		readers, writers, maxReaders := 0, 0, 0
		for i := 0; i < 3; i++ {
			k.Go("reader", func(td *Thread) {
				l.Slock(td)
				readers++
				if readers > maxReaders {
					maxReaders = readers
				}
				if writers != 0 {
					Panicf(td, "reader with a writer inside")
				}
				Preempt(td)
				readers--
				l.Sunlock(td)
			})
		}
		k.Go("writer", func(td *Thread) {
			l.Xlock(td)
			writers++
			if readers != 0 || writers != 1 {
				Panicf(td, "writer not alone: %d readers %d writers", readers, writers)
			}
			Preempt(td)
			writers--
			l.Xunlock(td)
		})
		res := k.Run()
		require.True(t, res.OK(), "seed %d: %v", seed, res)
		if maxReaders > 1 {
			return // shared holding happened and exclusion held throughout
		}
	}
	t.Fatal("no schedule let two readers share the lock")
}
