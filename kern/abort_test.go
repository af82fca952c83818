package kern

import (
	"runtime"
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
		held := m.ownerTd() != nil && m.ownerTd().Name == "holder"
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
			assert.Equal(t, int32(0), sx.nreaders())
			for _, th := range k.Threads() {
				assert.Zero(t, sx.sharedBy(th), "%s holds the sx shared", th)
			}
			assert.Nil(t, m.ownerTd())
			assert.Zero(t, k.LiveGoroutines())
			// A Run of an aborted kernel returns its verdict again.
			assert.Equal(t, res.String(), k.Run().String())
		})
	}
}

// spawnWorkload: a thread creates two more during the run; each appends
// to a shared log around scheduling points.
func spawnWorkload(ch Chooser) (*RunResult, string, *Kernel) {
	k := NewKernel(Config{Chooser: ch, Trace: true})
	log := ""
	child := func(name string) func(td *Thread) {
		return func(td *Thread) {
			for i := 0; i < 3; i++ {
				log += name
				Preempt(td)
			}
		}
	}
	k.Go("parent", func(td *Thread) {
		log += "p"
		k.Go("a", child("a"))
		log += "p"
		k.Go("b", child("b"))
		log += "p"
	})
	k.Go("sibling", child("s"))
	res := k.Run()
	return res, log, k
}

// TestThreadCreatedDuringRun: threads created by a running thread join the
// run at once, their creation is a scheduling point, and the run replays
// exactly from its schedule.
func TestThreadCreatedDuringRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	logs := map[string]bool{}
	for seed := uint64(0); seed < 200; seed++ {
		res, log, k := spawnWorkload(NewRandom(seed))
		require.True(t, res.OK(), "%v", res)
		assert.Len(t, log, 12)
		assert.Zero(t, k.LiveGoroutines())
		creates := 0
		for _, ev := range res.Trace {
			if ev.What == "thread_create" {
				creates++
				assert.Equal(t, 1, ev.Tid)
			}
		}
		assert.Equal(t, 2, creates)
		rp := NewReplay(res.Schedule)
		res2, log2, _ := spawnWorkload(rp)
		require.Empty(t, rp.Diverged())
		assert.Equal(t, log, log2)
		assert.Equal(t, res.Switches, res2.Switches)
		logs[log] = true
	}
	assert.Greater(t, len(logs), 20)
}

// TestGoexitInThread: runtime.Goexit in a thread body (t.FailNow in a
// test's thread) ends Run's goroutine as it would have ended the thread's,
// and the parked threads are unwound on the way, leaving no goroutine.
func TestGoexitInThread(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, wd := range []time.Duration{0, time.Minute} {
		k := NewKernel(Config{Chooser: NewRandom(2), Watchdog: wd})
		var m Mtx
		m.Init(k, "m", "", MTX_DEF)
		unwound := false
		k.Go("holder", func(td *Thread) {
			m.Lock(td)
			defer func() { m.Unlock(td); unwound = true }()
			for {
				Preempt(td)
			}
		})
		k.Go("quitter", func(td *Thread) { Preempt(td); runtime.Goexit() })
		returned := make(chan bool)
		go func() {
			defer close(returned)
			k.Run()
			returned <- true
		}()
		assert.False(t, <-returned, "Run returned after a thread's Goexit")
		assert.True(t, unwound)
		assert.Nil(t, m.ownerTd())
		waitNoLive(t, k)
	}
}
