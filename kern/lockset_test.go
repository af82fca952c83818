package kern

import (
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// locksetRun runs fns as threads t0, t1 ... of a controlled kernel with
// lockset checking, one after the other (a chooser that always keeps the
// lowest tid), and returns the result.
func locksetRun(t *testing.T, k *Kernel, fns ...func(td *Thread)) *RunResult {
	t.Helper()
	for i, fn := range fns {
		k.Go([]string{"t0", "t1", "t2"}[i], fn)
	}
	return k.Run()
}

// newLocksetKernel makes a kernel whose strategy always runs the oldest
// runnable thread: each thread runs to its end before the next starts.
func newLocksetKernel(native bool) *Kernel {
	return NewKernel(Config{Lockset: true, Native: native, Chooser: ChooserFunc(func(*Decision) int { return 0 })})
}

func TestLocksetWriteWithoutGuard(t *testing.T) {
	k := newLocksetKernel(false)
	var m Mtx
	m.Init(k, "list lock", "", MTX_DEF)
	var sh Shadow
	GuardBy(&sh, "the_list", &m, 0)
	locked := func(td *Thread) { m.Lock(td); Write(td, &sh); m.Unlock(td) }
	res := locksetRun(t, k, locked, func(td *Thread) {
		Write(td, &sh) // line checked below: no lock held
	})
	require.Len(t, res.Races, 1, "%v", res.Races)
	r := res.Races[0]
	assert.Equal(t, "guard", r.Rule)
	assert.Equal(t, "the_list", r.Var)
	assert.Equal(t, "list lock", r.Guard)
	assert.Equal(t, "t1", r.Access.Thread)
	assert.Equal(t, AccessWrite, r.Access.Kind)
	assert.Contains(t, r.Access.Where, "kern/lockset_test.go:")
	assert.Contains(t, r.Access.Func, "TestLocksetWriteWithoutGuard")
	assert.Empty(t, r.Access.Held)
	require.NotNil(t, r.Prev)
	assert.Equal(t, "t0", r.Prev.Thread)
	assert.Equal(t, []string{"list lock"}, r.Prev.Held)
	assert.Contains(t, r.String(), "without its guard")
	assert.False(t, res.OK())

	// The same two threads, both locked: no report.
	k2 := newLocksetKernel(false)
	m.Init(k2, "list lock", "", MTX_DEF)
	GuardBy(&sh, "the_list", &m, 0)
	res = locksetRun(t, k2, locked, locked)
	assert.Empty(t, res.Races)
	assert.True(t, res.OK())
}

func TestLocksetEraserNarrowsToEmpty(t *testing.T) {
	k := newLocksetKernel(false)
	var a, b Mtx
	a.Init(k, "lock a", "", MTX_DEF)
	b.Init(k, "lock b", "", MTX_DEF)
	var sh Shadow
	GuardBy(&sh, "counter", nil, 0) // no declared guard: Eraser only
	res := locksetRun(t, k,
		func(td *Thread) { a.Lock(td); Write(td, &sh); a.Unlock(td) }, // exclusive: C(v) untouched
		func(td *Thread) {
			a.Lock(td)
			b.Lock(td)
			Write(td, &sh) // shared-modified, C = {a, b}
			b.Unlock(td)
			a.Unlock(td)
			b.Lock(td)
			Read(td, &sh) // C = {b}
			b.Unlock(td)
		},
		func(td *Thread) {
			a.Lock(td)
			Write(td, &sh) // C = {} : race
			a.Unlock(td)
		})
	require.Len(t, res.Races, 1, "%v", res.Races)
	r := res.Races[0]
	assert.Equal(t, "lockset", r.Rule)
	assert.Equal(t, "t2", r.Access.Thread)
	assert.Equal(t, []string{"lock a"}, r.Access.Held)
	require.NotNil(t, r.Prev)
	assert.Equal(t, "t1", r.Prev.Thread)
	assert.Equal(t, AccessRead, r.Prev.Kind)
	assert.Equal(t, []string{"lock b"}, r.Prev.Held)

	// Read-only sharing without locks is not a race (Eraser's Shared state).
	k2 := newLocksetKernel(false)
	GuardBy(&sh, "config", nil, 0)
	res = locksetRun(t, k2,
		func(td *Thread) { Write(td, &sh) },
		func(td *Thread) { Read(td, &sh) },
		func(td *Thread) { Read(td, &sh) })
	assert.Empty(t, res.Races)
}

func TestLocksetEpochReaders(t *testing.T) {
	k := newLocksetKernel(false)
	var sx Sx
	sx.Init(k, "ifnet_sx", 0)
	var sh Shadow
	GuardBy(&sh, "V_ifnet", &sx, EpochRead)
	res := locksetRun(t, k,
		func(td *Thread) { sx.Xlock(td); Write(td, &sh); sx.Xunlock(td) },
		func(td *Thread) { NetEpochEnter(td); Read(td, &sh); NetEpochExit(td) },
		func(td *Thread) {
			sx.Slock(td)
			Read(td, &sh)
			sx.Sunlock(td)
			sx.Xlock(td)
			Write(td, &sh)
			sx.Xunlock(td)
		})
	assert.Empty(t, res.Races)

	// A write with the sx lock held shared is a race; so is a read
	// outside the epoch without the lock.
	k2 := newLocksetKernel(false)
	sx.Init(k2, "ifnet_sx", 0)
	GuardBy(&sh, "V_ifnet", &sx, EpochRead)
	res = locksetRun(t, k2,
		func(td *Thread) { sx.Xlock(td); Write(td, &sh); sx.Xunlock(td) },
		func(td *Thread) { sx.Slock(td); Write(td, &sh); sx.Sunlock(td) })
	require.Len(t, res.Races, 1)
	assert.Equal(t, AccessWrite, res.Races[0].Access.Kind)
	k3 := newLocksetKernel(false)
	sx.Init(k3, "ifnet_sx", 0)
	GuardBy(&sh, "V_ifnet", &sx, EpochRead)
	res = locksetRun(t, k3,
		func(td *Thread) { sx.Xlock(td); Write(td, &sh); sx.Xunlock(td) },
		func(td *Thread) { Read(td, &sh) })
	require.Len(t, res.Races, 1)
	assert.Equal(t, AccessRead, res.Races[0].Access.Kind)
}

func TestLocksetKnownAccessNotReported(t *testing.T) {
	k := newLocksetKernel(false)
	var m Mtx
	m.Init(k, "list lock", "", MTX_DEF)
	var sh Shadow
	GuardBy(&sh, "the_list", &m, 0)
	res := locksetRun(t, k,
		func(td *Thread) { m.Lock(td); Write(td, &sh); m.Unlock(td) },
		func(td *Thread) {
			Known(td, &sh, AccessRead, "x.c:10 LIST_EMPTY")
			Known(td, &sh, AccessRead, "x.c:10 LIST_EMPTY") // once per site
			m.Lock(td)
			Known(td, &sh, AccessRead, "x.c:11 held") // guard held: nothing to say
			Write(td, &sh)
			m.Unlock(td)
		})
	assert.Empty(t, res.Races)
	require.Len(t, res.KnownAccesses, 1)
	kr := res.KnownAccesses[0]
	assert.True(t, kr.Known)
	assert.Equal(t, "x.c:10 LIST_EMPTY", kr.Cite)
	assert.Equal(t, "t1", kr.Access.Thread)
	assert.Contains(t, kr.String(), "known unlocked access to the_list")
	assert.True(t, res.OK())
}

func TestLocksetOffAndPoisoned(t *testing.T) {
	k := NewKernel(Config{})
	var sh Shadow
	GuardBy(&sh, "v", nil, 0)
	res := locksetRun(t, k, func(td *Thread) { Write(td, &sh) }, func(td *Thread) { Write(td, &sh) })
	assert.Empty(t, res.Races)
	assert.False(t, k.LocksetEnabled())

	// A freed object's shadow is poisoned: accesses are not checked (the
	// use after free is poison's to report).
	type obj struct {
		x  int
		sh Shadow
	}
	k2 := newLocksetKernel(false)
	mt := k2.MallocType("test", "test")
	o := Malloc[obj](k2.Thread0(), mt, M_WAITOK|M_ZERO)
	GuardBy(&o.sh, "o.x", nil, 0)
	Free(k2.Thread0(), o, mt)
	res = locksetRun(t, k2, func(td *Thread) { Write(td, &o.sh) }, func(td *Thread) { Write(td, &o.sh) })
	assert.Empty(t, res.Races)
}

func TestLocksetNative(t *testing.T) {
	// Free goroutines hammer one guarded variable; the lockset
	// bookkeeping must itself be race-free (run with -race) and find
	// the unlocked writer.
	k := newLocksetKernel(true)
	var m Mtx
	m.Init(k, "list lock", "", MTX_DEF)
	var sh Shadow
	GuardBy(&sh, "the_list", &m, 0)
	// The unlocked writer starts once a locked write is made: were it to
	// run all its writes first, the variable would only be its own
	// (exclusive) until the locked writers came, and their lockset {m}
	// would hold from then on: no race to report.
	var lockedWrites atomic.Int32
	for i := 0; i < 4; i++ {
		k.Go("locked", func(td *Thread) {
			for j := 0; j < 200; j++ {
				m.Lock(td)
				Write(td, &sh)
				m.Unlock(td)
				lockedWrites.Add(1)
			}
		})
	}
	k.Go("unlocked", func(td *Thread) {
		for lockedWrites.Load() == 0 {
			runtime.Gosched()
		}
		for j := 0; j < 200; j++ {
			Write(td, &sh)
		}
	})
	res := k.Run()
	require.Nil(t, res.Panic)
	require.NotEmpty(t, res.Races)
	assert.Equal(t, "unlocked", res.Races[0].Access.Thread)
}
