// SPDX-License-Identifier: BSD-2-Clause

package kern

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// spin is a kernel loop that never ends: lock, unlock, a point, with a
// malloc and a free on each turn (what is live stays the same).
func spin(k *Kernel, m *Mtx, mt *MallocType) func(td *Thread) {
	return func(td *Thread) {
		for {
			m.Lock(td)
			m.Unlock(td)
			p := Malloc[[8]int](td, mt, M_WAITOK|M_ZERO)
			Free(td, p, mt)
			Preempt(td)
		}
	}
}

// TestLivelockByRepetition: with a digest installed, a lone thread that
// goes round the same loop in an unchanging kernel is a livelock soon
// after the probe starts, not at the end of the budget; without one, the
// budget ends it as before.
func TestLivelockByRepetition(t *testing.T) {
	for _, digest := range []bool{true, false} {
		k := NewKernel(Config{Chooser: NewRandom(1), MaxSteps: 200_000})
		var m Mtx
		m.Init(k, "spin lock", "", MTX_DEF)
		mt := k.MallocType("spin", "test")
		if digest {
			k.SetStateDigest(func(*Kernel) uint64 { return 42 })
		}
		k.Go("spinner", spin(k, &m, mt))
		res := k.Run()
		require.True(t, res.Livelock, "digest %v", digest)
		assert.Equal(t, "spinner", res.LivelockThread)
		if !digest {
			assert.Nil(t, res.LivelockCycle)
			assert.Equal(t, int64(200_001), res.Steps)
			continue
		}
		require.NotNil(t, res.LivelockCycle)
		c := res.LivelockCycle
		assert.GreaterOrEqual(t, c.From, int64(cycleProbeAfter))
		assert.Less(t, c.From, c.To)
		assert.Equal(t, c.To, res.Steps)
		assert.Less(t, res.Steps, int64(cycleProbeAfter+1000), "found within a few turns of the probe's start")
		assert.Contains(t, res.String(), "spinner was back at step")
	}
}

// TestLivelockByRepetitionReplays: the livelock's step and cycle are the
// same when the run's schedule is replayed.
func TestLivelockByRepetitionReplays(t *testing.T) {
	run := func(ch Chooser) *RunResult {
		k := NewKernel(Config{Chooser: ch, MaxSteps: 200_000})
		var m Mtx
		m.Init(k, "spin lock", "", MTX_DEF)
		mt := k.MallocType("spin", "test")
		k.SetStateDigest(func(*Kernel) uint64 { return 7 })
		k.Go("spinner", spin(k, &m, mt))
		k.Go("short", func(td *Thread) { Preempt(td) })
		return k.Run()
	}
	a := run(NewRandom(3))
	require.NotNil(t, a.LivelockCycle)
	b := run(NewReplay(a.Schedule))
	require.NotNil(t, b.LivelockCycle)
	assert.Equal(t, *a.LivelockCycle, *b.LivelockCycle)
	assert.Equal(t, a.Steps, b.Steps)
}

// TestNoLivelockWhileStateChanges: a long loop whose kernel state moves
// on every turn (the digest sees a counter, live objects pile up) is not
// a livelock, however long past the probe's start it runs, and ends.
func TestNoLivelockWhileStateChanges(t *testing.T) {
	for _, via := range []string{"digest", "malloc"} {
		k := NewKernel(Config{Chooser: NewRandom(1), MaxSteps: 200_000})
		var m Mtx
		m.Init(k, "loop lock", "", MTX_DEF)
		mt := k.MallocType("pile", "test")
		n := uint64(0)
		k.SetStateDigest(func(*Kernel) uint64 {
			if via == "digest" {
				return n
			}
			return 0
		})
		var held []*[8]int
		k.Go("worker", func(td *Thread) {
			for n = 0; n < 3*cycleProbeAfter; n++ {
				m.Lock(td)
				m.Unlock(td)
				if via == "malloc" {
					held = append(held, Malloc[[8]int](td, mt, M_WAITOK))
				}
			}
			for _, p := range held {
				Free(td, p, mt)
			}
		})
		res := k.Run()
		assert.False(t, res.Livelock, "%s: %v", via, res)
		assert.Greater(t, res.Steps, int64(2*cycleProbeAfter), via)
	}
}

// TestNoLivelockProbeWithOtherThreads: two threads spinning, each waiting
// for the other to stop: the probe concludes nothing while another thread
// can run (the strategy's choices are not in the key), so the budget ends
// the run.
func TestNoLivelockProbeWithOtherThreads(t *testing.T) {
	k := NewKernel(Config{Chooser: NewRandom(1), MaxSteps: 60_000})
	var m Mtx
	m.Init(k, "spin lock", "", MTX_DEF)
	mt := k.MallocType("spin", "test")
	k.SetStateDigest(func(*Kernel) uint64 { return 1 })
	k.Go("a", spin(k, &m, mt))
	k.Go("b", spin(k, &m, mt))
	res := k.Run()
	require.True(t, res.Livelock)
	assert.Nil(t, res.LivelockCycle)
	assert.Equal(t, int64(60_001), res.Steps)
}
