// SPDX-License-Identifier: BSD-2-Clause

package kern

import (
	"fmt"
	"sync/atomic"
)

type threadState uint8

const (
	tdNew threadState = iota
	tdRunnable
	tdBlocked
	tdExited
)

// Thread is struct thread as the emulation needs it: curthread is passed
// explicitly as the first argument of every function that in C would use
// it. A Thread belongs to one goroutine at a time.
type Thread struct {
	K    *Kernel
	Tid  int
	Name string

	// TdVnet is td_vnet. kern cannot import package vnet, so the current
	// vnet is held opaquely; package vnet stores and reads a *vnet.Vnet.
	TdVnet any
	// TdVnetLpush is td_vnet_lpush: the function that last set curvnet.
	TdVnetLpush string

	// Cred is td_ucred as far as priv_check(9) needs it; nil grants all.
	Cred *Ucred

	held []heldLock // WITNESS: locks held, oldest first
	// heldBuf is held's first array: the usual few locks without
	// allocating as the list grows.
	heldBuf [6]heldLock

	epochNest int    // net epoch section depth
	epochSeq  uint64 // sequence number of the outermost enter

	// scheduler state (controlled mode)
	fn        func(td *Thread)
	resume    func() (struct{}, bool) // iter.Pull's next: runs the coroutine to its next yield
	stop      func()                  // iter.Pull's stop: makes the parked yield return false
	yield     func(struct{}) bool     // the coroutine's yield, called at a switch
	unwinding bool                    // the run was aborted: td is on its way out
	state     threadState
	waitFor   func() bool
	waitDesc  string
	done      bool // fn returned (distinguishes exit from abort)
	inRun     bool // takes part in the scheduler

	// native mode: what a blocked thread publishes for deadlock reports
	nsnap   atomic.Pointer[BlockedThread]
	nexited atomic.Bool
}

type heldLock struct {
	lo     *lockObject
	shared bool
}

func (td *Thread) String() string { return fmt.Sprintf("%s(tid %d)", td.Name, td.Tid) }

// Held lists the names of the locks td holds, oldest first.
func (td *Thread) Held() []string {
	out := make([]string, 0, len(td.held))
	for _, h := range td.held {
		out = append(out, h.lo.name)
	}
	return out
}

// EpochNesting is td's net epoch section depth.
func (td *Thread) EpochNesting() int { return td.epochNest }

func (k *Kernel) newThread(name string, fn func(td *Thread)) *Thread {
	k.mu.Lock()
	// Threads come from a slab, a few at a time (an execution makes
	// five or six); a full slab is left to its threads.
	if len(k.threadSlab) == cap(k.threadSlab) {
		k.threadSlab = make([]Thread, 0, 6)
	}
	k.threadSlab = append(k.threadSlab, Thread{K: k, Tid: len(k.threads), Name: name, fn: fn})
	td := &k.threadSlab[len(k.threadSlab)-1]
	td.held = td.heldBuf[:0]
	if k.threads == nil {
		k.threads = make([]*Thread, 0, 8)
	}
	k.threads = append(k.threads, td)
	k.mu.Unlock()
	return td
}

// Go creates a kernel thread running fn (kthread_add(9)). Before Run it
// waits for Run; from inside a running thread it joins the current run and
// its creation is a scheduling point.
func (k *Kernel) Go(name string, fn func(td *Thread)) *Thread {
	td := k.newThread(name, fn)
	if k.sched != nil {
		k.sched.add(td)
	} else {
		k.nativeAdd(td)
	}
	return td
}

// Preempt is an explicit scheduling point: put one where the C reads or
// writes shared state without a lock, so the controlled scheduler can
// interleave other threads exactly there.
func Preempt(td *Thread) { td.point("preempt", nil) }

// point is a scheduling point. In controlled mode the strategy may switch
// to another thread here; in native mode it only notices an aborted run.
func (td *Thread) point(what string, lo *lockObject) {
	if s := td.K.sched; s != nil {
		if td.inRun {
			s.yield(td, what, lo)
		}
		return
	}
	if td.K.aborted.Load() && td.inRun {
		td.abandon()
	}
}

// block waits until cond holds. desc says what td waits for (for deadlock
// reports). In native mode it spins with runtime.Gosched.
func (td *Thread) block(desc string, cond func() bool) {
	if s := td.K.sched; s != nil {
		if !td.inRun {
			Panicf(td, "%s would block on %s outside a scheduled run", td.Name, desc)
		}
		s.block(td, desc, cond)
		return
	}
	td.nativeBlock(desc, cond)
}

// WaitUntil sleeps until cond holds, as a tsleep(9) loop on a wait channel
// would: it is a sleep for WITNESS and, while cond is false, td is not
// runnable (a deadlock verdict names wmesg). cond must only read state
// that other threads change; it is evaluated by the scheduler.
func WaitUntil(td *Thread, wmesg string, cond func() bool) {
	td.K.witness.warnSleep(td, wmesg)
	td.point("tsleep", nil)
	if !cond() {
		td.block(wmesg, cond)
	}
}
