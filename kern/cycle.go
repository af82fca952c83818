// SPDX-License-Identifier: BSD-2-Clause

package kern

// Livelock by repetition.
//
// The step budget (Config.MaxSteps) ends a run that never finishes, but
// only after spending all of it: a kernel loop that can never end (finding
// F29: if_clone_detach relinking a vlan its driver refuses to destroy, for
// ever) costs 200,000 scheduling points of every execution that reaches
// it, which in a campaign is most of the time of the ones that do.
//
// A controlled run with a state digest installed (SetStateDigest) also
// looks for a state it has been in before. Once a phase has gone on for
// cycleProbeAfter points, at every cycleProbeEvery-th point reached by a
// thread that is the only one of the run not yet exited, the scheduler
// takes a key of the whole run: that thread, its Go stack (the program
// counters of every frame: where in the kernel it is and by which calls),
// the locks it holds, the number of live objects of every malloc type, and the
// target's digest of the kernel state (for ifclone: every vnet's
// interfaces and cloners, their names, units, references and flags; see
// ifclone.StateDigest). When a key comes back, the thread has returned
// to the same place, under the same locks, in a kernel that looks the
// same, with no other thread to change anything and nothing for the
// strategy to choose: the run is judged a livelock there, naming both
// steps, instead of at the end of the budget.
//
// What the key does not see is the thread's local variables: a loop that
// makes progress only in a counter on its stack, with no kernel state
// changing, is judged a livelock after cycleProbeAfter points instead of
// after MaxSteps. Measured (24,274 generated executions, random strategy,
// 2-8 threads of 4-16 operations, budget 100,000): the probe ended 11, and
// each of the 11, replayed without a digest, ran on to a budget of
// 1,000,000 points; finishing executions reached 21,609 points, some with
// teardowns of about 20,300 that the probe saw and let finish. With
// two or more threads left, nothing is concluded: the strategy's choices
// and what blocked threads wait for are outside the key, so only the
// budget ends such runs, as before.
//
// Determinism: probes fall on fixed step counts and the key hashes no
// address other than program counters, so a replay of the schedule ends
// at the same step with the same verdict.

import (
	"hash/maphash"
	"runtime"

	"kcheck/internal/mix"
)

const (
	// cycleProbeAfter is how many points of a phase pass before probing
	// starts.
	cycleProbeAfter = 20_000
	// cycleProbeEvery is the probe period in points. A cycle of c points
	// shows within c probes of its first (c / gcd(c, period) probes).
	cycleProbeEvery = 16
	// cycleMaxKeys bounds the keys kept: past it they are dropped and
	// the search starts again (a cycle longer than this many probes is
	// left to the budget).
	cycleMaxKeys = 1 << 14
	// cycleStackDepth is how many frames of the stack the key hashes.
	cycleStackDepth = 64
)

// StateDigest hashes the emulated kernel's state as a target sees it, for
// the livelock probe. It runs inside a scheduling point with every other
// thread exited: it must read without locking and reach no point, and two
// calls on equal states must give the same value (hash contents, not
// addresses).
type StateDigest func(k *Kernel) uint64

// SetStateDigest installs the target's digest (nil: none, and no probe).
// Call before Run.
func (k *Kernel) SetStateDigest(d StateDigest) { k.digest = d }

// Cycle is where a livelock by repetition was found.
type Cycle struct {
	// From and To are the two steps at which the run was in the same
	// state; To-From points make one turn of the loop (or a multiple).
	From, To int64
}

// cycleState is one phase's probe: the keys seen and where.
type cycleState struct {
	phase int64 // phaseStart of the phase the keys belong to
	seen  map[cycleKey]int64
	pcs   [cycleStackDepth]uintptr
	seed  maphash.Seed
}

type cycleKey struct {
	tid          int
	stack, state uint64
}

// probeCycle is called at every point of a controlled run (td running);
// it returns the cycle found, or nil.
func (s *scheduler) probeCycle(td *Thread) *Cycle {
	n := s.step - s.phaseStart
	if n < cycleProbeAfter || n%cycleProbeEvery != 0 || s.k.digest == nil {
		return nil
	}
	for _, t := range s.threads {
		if t != td && t.state != tdExited {
			return nil
		}
	}
	c := s.cycle
	if c == nil {
		c = &cycleState{seed: maphash.MakeSeed()}
		s.cycle = c
	}
	if c.seen == nil || c.phase != s.phaseStart || len(c.seen) >= cycleMaxKeys {
		c.phase = s.phaseStart
		c.seen = make(map[cycleKey]int64, 256)
	}
	key := cycleKey{tid: td.Tid, stack: c.stackHash(), state: s.k.stateHash(td, c.seed)}
	if from, ok := c.seen[key]; ok {
		return &Cycle{From: from, To: s.step}
	}
	c.seen[key] = s.step
	return nil
}

// stackHash hashes the program counters of the calling goroutine's stack.
func (c *cycleState) stackHash() uint64 {
	n := runtime.Callers(3, c.pcs[:])
	h := uint64(n)
	for _, pc := range c.pcs[:n] {
		h = mix.Mix64(h ^ uint64(pc))
	}
	return h
}

// stateHash is the kernel's part of the key (td's locks, the number of
// live objects of each malloc type: what is allocated, not how often it
// was, since a loop may allocate and free on every turn) and the target's
// digest.
func (k *Kernel) stateHash(td *Thread, seed maphash.Seed) uint64 {
	h := k.digest(k)
	for i := range td.held {
		h = mix.Mix64(h ^ maphash.String(seed, td.held[i].lo.name))
		if td.held[i].shared {
			h = mix.Mix64(h ^ 1)
		}
	}
	// The malloc types are in a map: combine their terms by addition, so
	// that the order they come in does not matter.
	m := &k.malloc
	var sum uint64
	for name, mt := range m.types {
		sum += mix.Mix64(maphash.String(seed, name) ^ mix.Mix64(uint64(mt.allocs-mt.frees)))
	}
	return mix.Mix64(h ^ sum)
}
