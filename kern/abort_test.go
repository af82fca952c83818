package kern

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// runWithin runs k and fails the test, instead of hanging it, when Run
// does not return within d.
func runWithin(t *testing.T, k *Kernel, d time.Duration) *RunResult {
	t.Helper()
	ch := make(chan *RunResult, 1)
	go func() { ch <- k.Run() }()
	select {
	case res := <-ch:
		return res
	case <-time.After(d):
		t.Fatalf("Run did not return within %v", d)
		return nil
	}
}

// holderThenOther runs the thread named "holder" until it owns *m, then
// prefers the others, so that holder is parked with its locks held when
// another thread ends the run.
func holderThenOther(k **Kernel, m *Mtx) Chooser {
	return ChooserFunc(func(d *Decision) int {
		held := m.owner.Load() != nil && m.owner.Load().Name == "holder"
		for i, tid := range d.Runnable {
			if ((*k).Threads()[tid].Name == "holder") != held {
				return i
			}
		}
		return 0
	})
}

// TestAbortWithDeferredUnlock: a thread that holds an sx lock and a mutex,
// each with a deferred unlock, is parked when another thread ends the run
// (a panic, the step budget, a deadlock). Unwinding runs the deferred
// unlocks, whose scheduling points must neither schedule nor wait; Run
// returns, the lock bookkeeping is consistent and no goroutine is left.
func TestAbortWithDeferredUnlock(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name  string
		other func(td *Thread, m *Mtx)
		steps int64
		check func(t *testing.T, res *RunResult)
	}{
		{"panic", func(td *Thread, _ *Mtx) { Preempt(td); Panicf(td, "other thread panics") }, 0,
			func(t *testing.T, res *RunResult) {
				require.NotNil(t, res.Panic)
				assert.Equal(t, "other thread panics", res.Panic.Msg)
			}},
		{"livelock", func(td *Thread, _ *Mtx) {
			for {
				Preempt(td)
			}
		}, 50, func(t *testing.T, res *RunResult) { assert.True(t, res.Livelock) }},
		{"deadlock", func(td *Thread, m *Mtx) { m.Lock(td); defer m.Unlock(td); Preempt(td) }, 0,
			func(t *testing.T, res *RunResult) {
				require.NotNil(t, res.Deadlock)
				assert.Len(t, res.Deadlock.Blocked, 2)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var k *Kernel
			var sx Sx
			var m, m2 Mtx
			k = NewKernel(Config{Chooser: holderThenOther(&k, &m), MaxSteps: tc.steps, WitnessRecord: true})
			sx.Init(k, "table", 0)
			m.Init(k, "m", "", MTX_DEF)
			m2.Init(k, "m2", "", MTX_DEF)
			unlocked := 0
			k.Go("holder", func(td *Thread) {
				sx.Slock(td)
				defer func() { sx.Sunlock(td); unlocked++ }()
				m.Lock(td)
				defer func() { m.Unlock(td); unlocked++ }()
				if tc.name == "deadlock" {
					// Wait for m2, which "other" holds while it waits for m.
					Preempt(td)
					m2.Lock(td)
					defer m2.Unlock(td)
				}
				for i := 0; i < 1000; i++ {
					Preempt(td)
				}
			})
			other := &m
			if tc.name == "deadlock" {
				other = &m2
			}
			k.Go("other", func(td *Thread) {
				if tc.name == "deadlock" {
					other.Lock(td)
					defer other.Unlock(td)
					m.Lock(td)
					return
				}
				tc.other(td, other)
			})
			res := runWithin(t, k, 10*time.Second)
			tc.check(t, res)
			assert.Equal(t, 2, unlocked, "the holder's deferred unlocks ran")
			assert.Equal(t, int32(0), sx.readers.Load())
			assert.Empty(t, sx.sholders)
			assert.Nil(t, m.owner.Load())
			assert.Zero(t, k.LiveGoroutines())
			// A Run of an aborted kernel returns its verdict again.
			assert.Equal(t, res.String(), k.Run().String())
		})
	}
}
