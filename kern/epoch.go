// SPDX-License-Identifier: BSD-2-Clause
//
// epoch(9) for the network epoch (net_epoch_preempt), after
// sys/kern/subr_epoch.c: reader sections, epoch_wait and deferred calls.

package kern

import "sync"

// EpochCallback is a function deferred by NET_EPOCH_CALL. It runs on the
// kernel's epoch callback thread identity, with no locks held.
type EpochCallback func(td *Thread)

type epochCall struct {
	seq uint64 // epoch sequence when the call was made
	fn  EpochCallback
}

type epochState struct {
	mu      sync.Mutex
	seq     uint64 // bumped at every outermost enter
	readers map[*Thread]uint64
	calls   []epochCall
	running bool // callbacks being run (no re-entry)
}

func (e *epochState) oldestReader() (uint64, bool) {
	var min uint64
	ok := false
	for _, s := range e.readers {
		if !ok || s < min {
			min, ok = s, true
		}
	}
	return min, ok
}

// NetEpochEnter is NET_EPOCH_ENTER: a reader section; sections nest.
func NetEpochEnter(td *Thread) {
	td.point("epoch_enter", nil)
	if td.epochNest == 0 {
		e := &td.K.epoch
		if td.K.epochLock() {
			e.seq++
			td.epochSeq = e.seq
			if e.readers == nil {
				e.readers = map[*Thread]uint64{}
			}
			e.readers[td] = e.seq
			td.K.epochUnlock()
		}
	}
	td.epochNest++
}

// NetEpochExit is NET_EPOCH_EXIT. Leaving the outermost section may end a
// grace period; ready callbacks then run.
func NetEpochExit(td *Thread) {
	if td.epochNest <= 0 {
		Panicf(td, "epoch_exit_preempt: not in an epoch section @ %s", callerLine())
	}
	td.epochNest--
	if td.epochNest == 0 {
		e := &td.K.epoch
		if td.K.epochLock() {
			delete(e.readers, td)
			td.K.epochUnlock()
		}
		td.K.epochPoll()
	}
	td.point("epoch_exit", nil)
}

// NetEpochAssert is NET_EPOCH_ASSERT: td must be inside a section.
func NetEpochAssert(td *Thread) {
	if td.epochNest == 0 {
		Panicf(td, "NET_EPOCH_ASSERT: not in the net epoch @ %s", callerLine())
	}
}

// InNetEpoch is in_epoch(net_epoch_preempt).
func InNetEpoch(td *Thread) bool { return td.epochNest > 0 }

// NetEpochWait is epoch_wait_preempt(net_epoch_preempt): it sleeps until
// every reader that was inside a section when it was called has left.
func NetEpochWait(td *Thread) {
	if td.epochNest > 0 {
		Panicf(td, "epoch_wait_preempt() called in the middle of an epoch section @ %s", callerLine())
	}
	td.K.witness.warnSleep(td, "epoch_wait")
	e := &td.K.epoch
	var target uint64
	if td.K.epochLock() {
		target = e.seq
		td.K.epochUnlock()
	}
	td.point("epoch_wait", nil)
	// The condition is a closure (an allocation) only when td must wait.
	k := td.K
	if !k.readersPast(target) {
		td.block("epoch_wait", func() bool { return k.readersPast(target) })
	}
	td.K.epochPoll()
}

// readersPast reports whether every reader inside a section entered
// before target has left.
func (k *Kernel) readersPast(target uint64) bool {
	if !k.epochLock() {
		return true // an abandoned run: wait for nothing
	}
	m, ok := k.epoch.oldestReader()
	k.epochUnlock()
	return !ok || m > target
}

// NetEpochCall is NET_EPOCH_CALL: fn runs once every reader inside a
// section now has left.
func NetEpochCall(td *Thread, fn EpochCallback) {
	e := &td.K.epoch
	if td.K.epochLock() {
		e.calls = append(e.calls, epochCall{seq: e.seq, fn: fn})
		td.K.epochUnlock()
	}
	td.K.epochPoll()
}

// epochPoll runs the callbacks whose grace period has ended, on the epoch
// callback identity. The emulation runs them at once, in the thread that
// ended the grace period, instead of on a separate taskqueue thread (see
// docs/DIVERGENCES.md).
func (k *Kernel) epochPoll() {
	e := &k.epoch
	for {
		if !k.epochLock() {
			return
		}
		if e.running || len(e.calls) == 0 {
			k.epochUnlock()
			return
		}
		m, busy := e.oldestReader()
		var ready []epochCall
		rest := e.calls[:0]
		for _, c := range e.calls {
			if !busy || m > c.seq {
				ready = append(ready, c)
			} else {
				rest = append(rest, c)
			}
		}
		e.calls = rest
		if len(ready) == 0 {
			k.epochUnlock()
			return
		}
		e.running = true
		k.epochUnlock()
		for _, c := range ready {
			c.fn(k.epochcb)
		}
		if !k.epochLock() {
			return
		}
		e.running = false
		k.epochUnlock()
	}
}

// EpochDrainCallbacks is epoch_drain_callbacks(9): it runs every pending
// callback whose grace period has ended and reports how many are still
// waiting for readers.
func (k *Kernel) EpochDrainCallbacks() int {
	k.epochPoll()
	k.epoch.mu.Lock()
	defer k.epoch.mu.Unlock()
	return len(k.epoch.calls)
}

// EpochPending is the number of deferred callbacks not yet run.
func (k *Kernel) EpochPending() int {
	k.epoch.mu.Lock()
	defer k.epoch.mu.Unlock()
	return len(k.epoch.calls)
}

// epochLock takes the epoch state's mutex in a native kernel. A
// controlled kernel's threads run one at a time and take none (see
// serialOf). It reports false, and takes nothing, once the watchdog has
// abandoned the run: the stuck thread then runs beside the threads being
// unwound, nothing of the run is checked any more, and no one keeps the
// books (readers is a map: concurrent writes would be fatal).
func (k *Kernel) epochLock() bool {
	if s := k.sched; s != nil {
		return !s.gone.Load()
	}
	k.epoch.mu.Lock()
	return true
}

// epochUnlock releases what epochLock took.
func (k *Kernel) epochUnlock() {
	if k.sched == nil {
		k.epoch.mu.Unlock()
	}
}
