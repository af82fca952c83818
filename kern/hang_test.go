package kern

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// waitNoLive waits until k has no goroutine left, or fails the test.
func waitNoLive(t *testing.T, k *Kernel) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for k.LiveGoroutines() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines of the kernel still running", k.LiveGoroutines())
		}
		time.Sleep(time.Millisecond)
	}
}

// hangBudget is the watchdog of the hang tests: long enough that the
// delays of a loaded machine (and of -race) stay within the 2x bound the
// tests check.
func hangBudget() time.Duration {
	if raceEnabled {
		return time.Second
	}
	return 500 * time.Millisecond
}

type node struct{ next *node }

//go:noinline
func nextNode(n *node) *node { return n.next }

// TestHangVerdict: a thread that loops in pure Go (a corrupted circular
// list walked without a scheduling point) is reported as a Hang within
// about the watchdog budget. The spinner is abandoned; released later, it
// leaves at its next point without touching the scheduler, and the
// deferred unlock it runs on the way leaves the mutex free.
func TestHangVerdict(t *testing.T) {
	wd := hangBudget()
	k := NewKernel(Config{Chooser: NewRandom(3), Watchdog: wd, WitnessRecord: true})
	var m Mtx
	m.Init(k, "list", "", MTX_DEF)
	var release atomic.Bool
	k.Go("walker", func(td *Thread) {
		m.Lock(td)
		defer m.Unlock(td)
		a, b := &node{}, &node{}
		a.next, b.next = b, a // the corruption: a cycle
		// The walk calls a function per node: under -race nearly every
		// instruction of a bare loop is in the race runtime, where the
		// goroutine cannot be preempted, and the watchdog's stack dump and
		// the GC would wait for it; a call's prologue is a safe point.
		for n, i := a, 0; n != nil; n, i = nextNode(n), i+1 {
			if i%(1<<20) == 0 && release.Load() {
				break
			}
		}
		Preempt(td)
		t.Error("the abandoned walker went on past its first point")
	})
	parked := false
	k.Go("waiter", func(td *Thread) {
		defer func() { parked = true }()
		for i := 0; i < 5; i++ {
			Preempt(td)
		}
		m.Lock(td)
		m.Unlock(td)
	})
	start := time.Now()
	res := runWithin(t, k, 10*wd)
	took := time.Since(start)
	require.NotNil(t, res.Hang, "%v", res)
	assert.False(t, res.OK())
	assert.Less(t, took, 2*wd, "Run returned after %v", took)
	assert.Equal(t, "walker", res.Hang.Name)
	assert.Equal(t, 1, res.Hang.Tid)
	assert.GreaterOrEqual(t, res.Hang.After, wd)
	assert.Contains(t, res.Hang.Stacks, "TestHangVerdict")
	assert.Contains(t, res.String(), "hang: walker(tid 1)")
	assert.Equal(t, res.Steps, res.Hang.Step)
	assert.True(t, parked, "the parked waiter was unwound before Run returned")
	// The kernel runs nothing more.
	assert.NotNil(t, k.Run().Hang)

	release.Store(true)
	waitNoLive(t, k)
	assert.Nil(t, m.ownerTd(), "the walker's deferred unlock ran")

	// Another kernel in the same process runs normally, with and without
	// a watchdog.
	for _, w := range []time.Duration{0, wd} {
		r2, o2 := racyWorkloadCfg(Config{Chooser: NewRandom(1), Watchdog: w})
		r3, o3 := racyWorkloadCfg(Config{Chooser: NewRandom(1)})
		require.True(t, r2.OK(), "%v", r2)
		assert.Equal(t, r3.Schedule, r2.Schedule)
		assert.Equal(t, o3, o2)
	}
}

// TestHangVerdictNative: past NativeTimeout, a run with a thread that
// waits for nothing is a Hang naming it, not a Deadlock; the threads that
// wait for its lock are released.
func TestHangVerdictNative(t *testing.T) {
	timeout := hangBudget()
	k := NewKernel(Config{Native: true, NativeTimeout: timeout})
	var m Mtx
	m.Init(k, "list", "", MTX_DEF)
	var release atomic.Bool
	locked := make(chan struct{})
	k.Go("spinner", func(td *Thread) {
		m.Lock(td)
		defer m.Unlock(td)
		close(locked)
		for i := 0; i%(1<<20) != 0 || !release.Load(); i++ {
		}
		Preempt(td)
		t.Error("the abandoned spinner went on past its first point")
	})
	k.Go("waiter", func(td *Thread) {
		<-locked
		m.Lock(td)
		m.Unlock(td)
	})
	start := time.Now()
	res := runWithin(t, k, 20*timeout)
	took := time.Since(start)
	require.NotNil(t, res.Hang, "%v", res)
	assert.Nil(t, res.Deadlock)
	assert.Less(t, took, 2*timeout)
	assert.Equal(t, "spinner", res.Hang.Name)
	assert.Contains(t, res.Hang.Stacks, "TestHangVerdictNative")
	release.Store(true)
	waitNoLive(t, k)
}

// TestHangKeepsInvariants: what the invariant check saw before a thread
// stalled is part of the Hang's result. The walker corrupts its list under
// the lock (the release after it is where the check sees the cycle), then
// walks it without a scheduling point; the result carries both the Hang
// and the report filed at that release.
func TestHangKeepsInvariants(t *testing.T) {
	wd := hangBudget()
	k := NewKernel(Config{Chooser: NewRandom(5), Watchdog: wd})
	var m Mtx
	m.Init(k, "list", "", MTX_DEF)
	a, b := &node{}, &node{}
	k.SetInvariants(func(_ *Kernel, _ bool) []InvariantViolation {
		for n, i := a, 0; n != nil; n, i = n.next, i+1 {
			if i > 10 {
				return []InvariantViolation{{Name: "list-terminates", Msg: "the list is a cycle"}}
			}
		}
		return nil
	}, false)
	var release atomic.Bool
	k.Go("walker", func(td *Thread) {
		m.Lock(td)
		a.next, b.next = b, a
		m.Unlock(td)
		m.Lock(td)
		defer m.Unlock(td)
		for n, i := a, 0; n != nil; n, i = nextNode(n), i+1 {
			if i%(1<<20) == 0 && release.Load() {
				break
			}
		}
		Preempt(td)
	})
	res := runWithin(t, k, 10*wd)
	require.NotNil(t, res.Hang, "%v", res)
	require.Len(t, res.Invariants, 1)
	assert.Equal(t, "list-terminates", res.Invariants[0].Name)
	assert.Equal(t, "walker", res.Invariants[0].Thread)
	assert.Less(t, res.Invariants[0].Step, res.Hang.Step+1)
	release.Store(true)
	waitNoLive(t, k)
}
