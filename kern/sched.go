// SPDX-License-Identifier: BSD-2-Clause

package kern

import (
	"fmt"
	"iter"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync/atomic"
	"time"
)

// RunResult is what one run of a kernel's threads ended with.
type RunResult struct {
	Panic    *Panic    // first panic (KASSERT, WITNESS in panic mode, fault)
	Deadlock *Deadlock // nothing runnable while threads were blocked
	Livelock bool      // the step budget was spent, or the run repeated a state (LivelockCycle)
	Hang     *Hang     // the watchdog fired: a thread stopped reaching points
	Steps    int64     // scheduling points executed
	Schedule Schedule  // the choices made at decision points
	// LivelockThread is the thread that was running when the step budget
	// ran out, and LivelockStack its Go stack (where the emulated kernel
	// spins).
	LivelockThread, LivelockStack string
	// LivelockCycle, when set, says the livelock was found by repetition
	// (kern/cycle.go) before the budget was spent.
	LivelockCycle *Cycle
	// Witness holds WITNESS reports recorded in record mode.
	Witness []*WitnessReport
	Trace   []TraceEvent // when Config.Trace is set
	// Switches lists every hand-over of the CPU: from Step on, Tid runs.
	Switches []Switch
	// Races are the lockset violations of this run (Config.Lockset), and
	// KnownAccesses the unlocked accesses the C makes on purpose.
	Races, KnownAccesses []*RaceReport
	// Invariants are the kernel invariants found violated in this run
	// (Kernel.SetInvariants, kern/invariant.go).
	Invariants []*InvariantReport
}

// Hang describes a run ended by the watchdog: thread Tid ran for longer
// than Config.Watchdog without reaching a scheduling point (controlled
// mode), or a native run outlived its timeout with a thread that was not
// waiting for a lock.
type Hang struct {
	Tid    int
	Name   string
	Step   int64         // the last scheduling point reached (0 in native mode)
	After  time.Duration // how long the thread had gone without a point (native: the timeout)
	Stacks string        // every goroutine's stack when the watchdog fired
}

func (h *Hang) String() string {
	return fmt.Sprintf("hang: %s(tid %d) reached no scheduling point for %v after step %d", h.Name, h.Tid, h.After, h.Step)
}

// Switch is one context switch of a controlled run.
type Switch struct {
	Step int64
	Tid  int
}

// OK reports a run that ended with every thread finished and no report.
func (r *RunResult) OK() bool {
	return r.Panic == nil && r.Deadlock == nil && !r.Livelock && r.Hang == nil && len(r.Witness) == 0 && len(r.Races) == 0 &&
		len(r.Invariants) == 0
}

func (r *RunResult) String() string {
	switch {
	case r.Panic != nil:
		return r.Panic.Error()
	case r.Deadlock != nil:
		return r.Deadlock.String()
	case r.Livelock && r.LivelockCycle != nil:
		c := r.LivelockCycle
		return fmt.Sprintf("livelock: %s was back at step %d in the state of step %d (a %d-step loop), with no other thread left", r.LivelockThread, c.To, c.From, c.To-c.From)
	case r.Livelock:
		return fmt.Sprintf("livelock: step budget spent after %d steps", r.Steps)
	case r.Hang != nil:
		return r.Hang.String()
	case len(r.Witness) > 0:
		return r.Witness[0].String()
	}
	return fmt.Sprintf("ok (%d steps)", r.Steps)
}

// Deadlock describes the threads left blocked when nothing could run.
type Deadlock struct {
	Blocked []BlockedThread
}

// BlockedThread is one thread of a deadlock: what it waits for and holds.
type BlockedThread struct {
	Tid      int
	Name     string
	WaitsFor string
	Holds    []string
}

func (d *Deadlock) String() string {
	var b strings.Builder
	b.WriteString("deadlock:")
	for _, t := range d.Blocked {
		fmt.Fprintf(&b, " [%s(tid %d) waits for %s, holds %v]", t.Name, t.Tid, t.WaitsFor, t.Holds)
	}
	return b.String()
}

// TraceEvent is one scheduling point of a traced run.
type TraceEvent struct {
	Step  int64
	Tid   int
	What  string   // "mtx_lock", "preempt", "thread_exit" ...
	Lock  string   // lock name, if any
	Where Location // the Go caller outside package kern (printed "file:line (function)")
}

// scheduler runs the threads of a controlled kernel one at a time.
//
// Each emulated thread's body runs as a Go runtime coroutine (iter.Pull).
// The scheduler loop owns the coroutines: it resumes s.cur; the thread runs
// until a scheduling point at which the strategy picks another thread (or
// until it exits), stores its successor in s.cur and yields back to the loop,
// which resumes that one. The strategy is consulted by the thread that
// reached the point, so a point that keeps the running thread costs no
// switch at all. Exactly one of {loop, thread coroutines} runs at a time and
// every hand-over is a coroutine switch, so the state below needs no mutex.
//
// Aborting (panic, deadlock, livelock, a panicking strategy) sets aborted;
// the loop then stops every parked coroutine with td.unwinding set: the
// coroutine's yield returns false and the thread panics with unwindSentinel,
// which runProtected recovers. Deferred calls run on the way out; any
// scheduling point they reach returns at once and any block ends the thread,
// so unwinding never schedules and never waits (see abortUnwind).
//
// With Config.Watchdog the loop runs on its own goroutine and Run waits for
// it or for the watchdog (runWatched); gone and beat are the only fields
// shared with Run's goroutine while the loop runs.
type scheduler struct {
	k        *Kernel
	chooser  Chooser
	threads  []*Thread // taking part in the run, by creation order
	running  bool
	step     int64
	choices  Schedule
	aborted  bool
	result   RunResult
	dec      Decision
	runnable []int
	cand     []*Thread
	// cur is the thread that runs now, or that the loop resumes next; nil
	// when the run is over.
	cur *Thread
	// phaseStart is the step count when the current Run began: a kernel
	// may Run several times in sequence (workload, then teardown), each
	// with its own step budget.
	phaseStart int64
	// chooserPanic is a panic raised by the strategy, re-raised by Run.
	chooserPanic any
	// loopPanic and loopGoexit carry a panic or a runtime.Goexit that
	// escaped a thread body through the coroutine into the loop goroutine
	// of a watched run, re-raised in Run's goroutine.
	loopPanic  any
	loopGoexit bool

	// watchdog (Config.Watchdog > 0)
	wd   bool
	beat atomic.Uint64 // (step << beatTidBits) | tid at the last point or resume
	gone atomic.Bool   // the watchdog fired: the run is abandoned
	hung *RunResult    // the result Run returned then (Run's goroutine only)

	// cycle is the livelock probe's state (kern/cycle.go), made at the
	// first probe.
	cycle *cycleState
}

// beatTidBits is the width of the tid in scheduler.beat.
const beatTidBits = 24

// beatOf is the beat of td running at step.
func beatOf(step int64, td *Thread) uint64 {
	return uint64(step)<<beatTidBits | uint64(td.Tid)&(1<<beatTidBits-1)
}

func newScheduler(k *Kernel, ch Chooser) *scheduler {
	// choices holds every decision of the kernel's runs (a harness
	// execution makes a few hundred): room for them from the start.
	return &scheduler{k: k, chooser: ch, wd: k.cfg.Watchdog > 0, choices: make(Schedule, 0, 512)}
}

// abortUnwind is the type of the value an aborted thread panics with to
// unwind its stack; runProtected recovers it and it is never reported.
type abortUnwind struct{}

func (*abortUnwind) Error() string { return "kern: thread unwound after the run was aborted" }

var unwindSentinel = &abortUnwind{}

// unwind ends td after its run was aborted or abandoned: deferred calls
// run, and every scheduling point they reach returns at once.
func (td *Thread) unwind() {
	td.unwinding = true
	panic(unwindSentinel)
}

func (s *scheduler) add(td *Thread) {
	td.state = tdRunnable
	td.inRun = true
	if !s.running {
		// Coroutines of threads created before Run start in Run, so a
		// kernel that never runs leaves none behind.
		s.threads = append(s.threads, td)
		return
	}
	cur := s.cur
	if s.gone.Load() || s.aborted || cur != nil && cur.unwinding {
		// Created by a thread on its way out of an aborted run: it never
		// runs.
		td.state = tdExited
		return
	}
	s.threads = append(s.threads, td)
	s.start(td)
	// Called by the running thread: thread creation is a point.
	if cur != nil {
		cur.point("thread_create", nil)
	}
}

// start makes td's coroutine; its body begins at the first resume.
func (s *scheduler) start(td *Thread) {
	td.resume, td.stop = iter.Pull(func(yield func(struct{}) bool) {
		td.yield = yield
		s.threadMain(td)
	})
}

// threadMain is the body of a thread's coroutine.
func (s *scheduler) threadMain(td *Thread) {
	growStack(0)
	s.k.live.Add(1)
	defer s.k.live.Add(-1)
	p := runProtected(td)
	if s.gone.Load() || td.unwinding {
		// Abandoned by the watchdog (touch nothing), or stopped by the
		// loop: a panic while unwinding is not a verdict.
		return
	}
	if p != nil {
		s.fail(p)
		return
	}
	s.exit(td)
}

// growStack has a frame as deep as a thread's kernel call chains go, so
// that a new coroutine's stack grows to its working size at once, while it
// holds one frame, instead of doubling several times deep in a call
// chain, where each copy walks and adjusts every frame. It changes no
// scheduling.
//
//go:noinline
func growStack(i int) byte {
	var buf [growStackBytes]byte
	buf[i] = 1
	return buf[i/2]
}

// growStackBytes is the frame of growStack: the goroutine's stack grows
// to the next power of two above it, 16 KB. That holds the standard
// scenario's deepest chains (a CPU profile shows no later growth in a
// thread), and it is the largest size the runtime serves from its per-P
// stack caches: a 32 KB stack is a heap span, taken and given back under
// the heap lock at every thread start and exit, and its pages are often
// returned to the OS in between (a page fault each after that).
const growStackBytes = 8 << 10

// runProtected runs the thread's function and the WITNESS exit check,
// turning a panic into a *Panic. The unwinding of an aborted thread is not
// a panic.
func runProtected(td *Thread) (p *Panic) {
	defer func() {
		if r := recover(); r != nil {
			if r == any(unwindSentinel) {
				p = nil
				return
			}
			p = AsPanic(td, r)
		}
	}()
	td.fn(td)
	td.done = true
	td.K.witness.threadExit(td)
	return nil
}

// Run runs every thread created with Go until all have exited, or until a
// panic, deadlock or livelock ends the run, or the watchdog fires. It
// returns the outcome; when it returns, no goroutine of the run is left,
// except after a Hang (the stuck thread cannot be stopped: see runWatched).
func (k *Kernel) Run() *RunResult {
	if k.sched == nil {
		return k.nativeRun()
	}
	s := k.sched
	if s.hung != nil {
		// Abandoned by the watchdog: runs nothing more.
		r := *s.hung
		return &r
	}
	if s.running {
		panic("kern: Run called from a running thread")
	}
	if s.aborted {
		// A panicked (or deadlocked) kernel runs nothing more.
		r := s.result
		return &r
	}
	s.running = true
	s.phaseStart = s.step
	if len(s.threads) == 0 {
		return s.finish()
	}
	if next := s.pick(nil); next != nil {
		s.cur = next
		s.result.Switches = append(s.result.Switches, Switch{Step: s.step, Tid: next.Tid})
	} else {
		s.aborted = true
	}
	if s.wd {
		return s.runWatched()
	}
	s.runLoop()
	return s.finish()
}

// runLoop starts the coroutines of the threads present at the start of
// the run and runs the loop. A runtime.Goexit that leaves a thread body
// (t.FailNow in a thread) comes out of the coroutine into this goroutine;
// the parked threads are stopped on the way so that none is left behind.
func (s *scheduler) runLoop() {
	normal := false
	defer func() {
		if !normal && !s.gone.Load() {
			s.aborted = true
			s.stopAll(nil)
		}
	}()
	for _, td := range s.threads {
		if td.resume == nil && td.state != tdExited {
			s.start(td)
		}
	}
	s.loop()
	normal = true
}

// loop resumes the chosen thread until the run ends or is aborted.
func (s *scheduler) loop() {
	for {
		td := s.cur
		if td == nil || s.aborted {
			break
		}
		if s.wd {
			s.beat.Store(beatOf(s.step, td))
		}
		td.resume()
		if s.gone.Load() {
			return // abandoned: Run's goroutine has cleaned up
		}
	}
	if s.aborted {
		s.stopAll(nil)
	}
}

// stopAll ends every parked thread but skip: each unwinds (see
// abortUnwind) and its coroutine returns.
func (s *scheduler) stopAll(skip *Thread) {
	for i := 0; i < len(s.threads); i++ {
		t := s.threads[i]
		if t != skip && t.stop != nil {
			t.unwinding = true
			t.stop()
		}
	}
}

func (s *scheduler) finish() *RunResult {
	if cp := s.chooserPanic; cp != nil {
		panic(cp)
	}
	s.running = false
	s.result.Steps = s.step
	s.result.Schedule = append(Schedule(nil), s.choices...)
	s.result.Witness = s.k.witness.recorded()
	s.result.Races, s.result.KnownAccesses = s.k.lockset.take()
	if s.k.inv != nil && !s.aborted && !s.gone.Load() {
		s.k.checkInvariants(nil, "quiescent", nil, s.step, true)
	}
	s.result.Invariants = s.k.takeInvariants()
	r := s.result
	r.Switches = append([]Switch(nil), s.result.Switches...)
	if !s.aborted {
		// Ready for another phase: a later Run starts the threads created
		// since, continuing the same step count and schedule.
		s.threads = s.threads[:0]
		s.cur = nil
		s.result.Trace = nil
	}
	return &r
}

// runWatched runs the loop on a goroutine of its own while Run's goroutine
// watches the beat, which the loop and the running thread store at every
// resume and point. When it has not moved for Config.Watchdog, the running
// thread is spinning without reaching a point: the run is abandoned.
//
// A goroutine cannot be killed in Go. The stuck one is left running; when
// it reaches a scheduling point later it finds gone set and unwinds without
// touching the scheduler, and the loop goroutine that waited for it then
// returns. The other parked threads are stopped before Run returns.
func (s *scheduler) runWatched() *RunResult {
	wd := s.k.cfg.Watchdog
	done := make(chan struct{})
	if s.cur != nil {
		// The beat of the first resume, so that a stall is timed from
		// the start of Run.
		s.beat.Store(beatOf(s.step, s.cur))
	}
	go func() {
		defer close(done)
		s.k.live.Add(1)
		defer s.k.live.Add(-1)
		normal := false
		defer func() {
			if !normal {
				if r := recover(); r != nil {
					s.loopPanic = r
				} else {
					s.loopGoexit = true
				}
			}
		}()
		s.runLoop()
		normal = true
	}()
	period := wd / 16
	if period < time.Millisecond {
		period = time.Millisecond
	}
	tick := time.NewTicker(period)
	defer tick.Stop()
	last, since := s.beat.Load(), time.Now()
	for {
		select {
		case <-done:
			if s.loopPanic != nil {
				panic(s.loopPanic)
			}
			if s.loopGoexit {
				runtime.Goexit()
			}
			return s.finish()
		case <-tick.C:
			// The time of the reading, not of the tick: a tick that
			// waited in the channel would shorten the stall seen.
			now := time.Now()
			if b := s.beat.Load(); b != last {
				last, since = b, now
			} else if stall := now.Sub(since); stall >= wd {
				return s.hang(b, stall)
			}
		}
	}
}

// hang abandons a run whose running thread stopped reaching points. Every
// scheduler field it reads was written before the last beat store, which
// it has loaded.
func (s *scheduler) hang(b uint64, stall time.Duration) *RunResult {
	s.gone.Store(true)
	tid := int(b & (1<<beatTidBits - 1))
	var stuck *Thread
	for _, t := range s.threads {
		if t.Tid == tid {
			stuck = t
		}
	}
	h := &Hang{Tid: tid, Step: int64(b >> beatTidBits), After: stall, Stacks: allStacks()}
	if stuck != nil {
		h.Name = stuck.Name
	}
	// Stop the parked threads from a fresh goroutine: stop switches to
	// their coroutines, which must not happen from a goroutine locked to
	// its OS thread, as Run's caller may be.
	c := make(chan struct{})
	go func() {
		defer close(c)
		s.stopAll(stuck)
	}()
	<-c
	r := s.result
	r.Hang = h
	r.Steps = h.Step
	r.Schedule = append(Schedule(nil), s.choices...)
	r.Switches = append([]Switch(nil), s.result.Switches...)
	r.Witness = s.k.witness.recorded()
	// What the invariant checks saw before the stall stands: a corrupted
	// list that a later walk spins on is first seen at the release after
	// the corruption. The checks ran inside points before the last beat,
	// and the stuck thread files no more (it reaches no point). Races
	// are not taken: a spinning thread may still be recording accesses.
	r.Invariants = s.k.takeInvariants()
	s.hung = &r
	out := r
	return &out
}

// allStacks is runtime.Stack of every goroutine.
func allStacks() string {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) || len(buf) >= 64<<20 {
			return string(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}

// yield is a scheduling point reached by the running thread td.
func (s *scheduler) yield(td *Thread, what string, lo *lockObject) {
	if td.unwinding {
		return
	}
	if s.gone.Load() {
		td.unwind()
	}
	s.tick(td, what, lo)
	if s.step-s.phaseStart >= cycleProbeAfter {
		if c := s.probeCycle(td); c != nil {
			s.livelock(td, c)
		}
	}
	if inv := s.k.inv; inv != nil && (inv.every || lo != nil && isRelease(what)) {
		s.k.checkInvariants(td, what, lo, s.step, false)
	}
	next := s.pick(td)
	if next != td {
		if c := s.k.cfg.Coverage; c != nil && next != nil {
			c.preempted()
		}
		s.switchTo(td, next)
	} else if s.wd {
		s.beat.Store(beatOf(s.step, td))
	}
}

func (s *scheduler) tick(td *Thread, what string, lo *lockObject) {
	s.step++
	if c := s.k.cfg.Coverage; c != nil {
		c.hit(4) // Callers, hit, tick, yield/block
	}
	if s.k.cfg.Trace {
		ev := TraceEvent{Step: s.step, Tid: td.Tid, What: what, Where: callerFunc()}
		if lo != nil {
			ev.Lock = lo.name
		}
		s.result.Trace = append(s.result.Trace, ev)
	}
	if s.step-s.phaseStart > s.k.cfg.MaxSteps {
		s.livelock(td, nil)
	}
}

// livelock ends the run as a livelock of td, the running thread: the
// budget is spent (c nil) or the run came back to a state (c).
func (s *scheduler) livelock(td *Thread, c *Cycle) {
	s.result.Livelock = true
	s.result.LivelockCycle = c
	s.result.LivelockThread = td.Name
	s.result.LivelockStack = portableStack(debug.Stack())
	s.abort()
	td.unwind()
}

// block parks td until cond holds and the strategy picks it. In an
// aborted run it ends td instead.
func (s *scheduler) block(td *Thread, desc string, cond func() bool) {
	if td.unwinding || s.gone.Load() {
		td.unwind()
	}
	td.state = tdBlocked
	td.waitFor, td.waitDesc = cond, desc
	s.tick(td, "block", nil)
	next := s.pick(td)
	if next != td {
		s.switchTo(td, next)
	} else if s.wd {
		s.beat.Store(beatOf(s.step, td))
	}
	td.state = tdRunnable
	td.waitFor, td.waitDesc = nil, ""
}

// exit retires td and names the next thread for the loop.
func (s *scheduler) exit(td *Thread) {
	td.state = tdExited
	s.step++
	next := s.pick(td)
	s.cur = next
	if next != nil {
		s.result.Switches = append(s.result.Switches, Switch{Step: s.step, Tid: next.Tid})
	}
}

// switchTo hands the CPU from td to next: td's coroutine yields to the
// loop, which resumes next. A false yield means the loop stopped td
// because the run was aborted.
func (s *scheduler) switchTo(td, next *Thread) {
	s.cur = next
	s.result.Switches = append(s.result.Switches, Switch{Step: s.step, Tid: next.Tid})
	if !td.yield(struct{}{}) {
		td.unwind()
	}
}

// pick chooses the next thread to run after td reached a point (td is nil
// at the start of a run). It returns nil when the run is over, after
// recording why; when the run is aborted it unwinds td unless td has
// exited.
func (s *scheduler) pick(td *Thread) *Thread {
	s.cand = s.cand[:0]
	s.runnable = s.runnable[:0]
	blocked := false
	for _, t := range s.threads {
		switch t.state {
		case tdRunnable:
		case tdBlocked:
			if !t.waitFor() {
				blocked = true
				continue
			}
		default:
			continue
		}
		s.cand = append(s.cand, t)
		s.runnable = append(s.runnable, t.Tid)
	}
	switch len(s.cand) {
	case 0:
		if blocked {
			s.result.Deadlock = s.deadlock()
			s.abortFrom(td)
		}
		return nil // every thread has exited
	case 1:
		return s.cand[0]
	}
	s.dec.Step = s.step
	s.dec.Runnable = s.runnable
	s.dec.Current = -1
	s.dec.Prev = -1
	if td != nil {
		s.dec.Prev = td.Tid
		if td.state == tdRunnable {
			s.dec.Current = td.Tid
		}
	}
	i, cp := s.choose()
	if cp == nil && (i < 0 || i >= len(s.cand)) {
		cp = fmt.Sprintf("kern: chooser returned %d of %d", i, len(s.cand))
	}
	if cp != nil {
		// The strategy itself panicked (rapid stops a test case this
		// way): end the run and re-raise it in Run's caller.
		s.chooserPanic = cp
		s.abortFrom(td)
		return nil
	}
	s.choices = append(s.choices, int32(s.cand[i].Tid))
	return s.cand[i]
}

// abortFrom aborts the run from a point reached by td (nil in Run): td
// unwinds unless it has exited.
func (s *scheduler) abortFrom(td *Thread) {
	s.abort()
	if td != nil && td.state != tdExited {
		td.unwind()
	}
}

func (s *scheduler) choose() (i int, cp any) {
	defer func() {
		if r := recover(); r != nil {
			cp = r
		}
	}()
	return s.chooser.Choose(&s.dec), nil
}

func (s *scheduler) deadlock() *Deadlock {
	d := &Deadlock{}
	for _, t := range s.threads {
		if t.state == tdBlocked {
			d.Blocked = append(d.Blocked, BlockedThread{Tid: t.Tid, Name: t.Name, WaitsFor: t.waitDesc, Holds: t.Held()})
		}
	}
	return d
}

// abort ends the run: the loop stops the parked threads (stopAll).
func (s *scheduler) abort() {
	s.aborted = true
}

func (s *scheduler) fail(p *Panic) {
	if s.result.Panic == nil && s.result.Deadlock == nil && !s.result.Livelock {
		s.result.Panic = p
	}
	s.abort()
}

// callerFunc is the first caller outside package kern that is not a
// function named like a C macro (isMacroFrame), for a trace.
func callerFunc() Location {
	pcs := make([]uintptr, 24)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if !isKernFrame(f.Function) && !(isMacroFrame(f.Function) && more) {
			return frameLocation(f)
		}
		if !more {
			return Location{}
		}
	}
}

// isMacroFrame reports a Go function named like the C macro it ports
// (IF_CLONE_LOCK, CURVNET_SET): a trace names the function that used the
// macro instead.
func isMacroFrame(fn string) bool {
	if i := strings.LastIndexByte(fn, '.'); i >= 0 {
		fn = fn[i+1:]
	}
	if fn == "" {
		return false
	}
	for _, c := range fn {
		if !(c >= 'A' && c <= 'Z' || c == '_' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// ---- native mode ----

func (k *Kernel) nativeAdd(td *Thread) {
	td.inRun = true
	k.mu.Lock()
	running := k.nativeRunning
	if running {
		td.state = tdRunnable
		k.nativeWG.Add(1)
	} else {
		td.state = tdNew
	}
	k.mu.Unlock()
	if running {
		go k.nativeThread(td)
	}
}

func (k *Kernel) nativeThread(td *Thread) {
	k.live.Add(1)
	defer k.nativeWG.Done()
	defer k.live.Add(-1) // before Done: Run must not see it running
	defer func() { td.nexited.Store(true) }()
	defer func() {
		if !td.done {
			td.releaseAll() // a panic, or abandoned after another thread's
		}
	}()
	if p := runProtected(td); p != nil {
		k.nativeFail(p)
	}
}

func (k *Kernel) nativeRun() *RunResult {
	k.mu.Lock()
	var run []*Thread
	for _, t := range k.threads {
		if t.state == tdNew && t.fn != nil {
			t.state = tdRunnable
			run = append(run, t)
			k.nativeWG.Add(1)
		}
	}
	k.nativeRunning = true
	k.mu.Unlock()
	for _, td := range run {
		go k.nativeThread(td)
	}
	fin := make(chan struct{})
	go func() { k.nativeWG.Wait(); close(fin) }()
	var res RunResult
	select {
	case <-fin:
	case <-time.After(k.cfg.NativeTimeout):
		// A deadlock if every unfinished thread waits for a lock (or a
		// wakeup); otherwise a thread that waits for nothing is spinning
		// without reaching a point: a hang.
		d := &Deadlock{}
		var spinning *Thread
		for _, t := range k.Threads() {
			if !t.inRun || t.nexited.Load() {
				continue
			}
			if b := t.nsnap.Load(); b != nil {
				d.Blocked = append(d.Blocked, *b)
			} else if spinning == nil {
				spinning = t
			}
		}
		// The stacks are taken before the abort: a spinning thread that
		// passes points (a livelock, in native mode a Hang) leaves at
		// its next one once the abort is set, and its stack with it.
		var stacks string
		if spinning != nil {
			stacks = allStacks()
		}
		k.aborted.Store(true)
		if spinning == nil {
			if len(d.Blocked) > 0 {
				res.Deadlock = d
			}
			<-fin // waiting threads notice the abort and leave
			break
		}
		res.Hang = &Hang{Tid: spinning.Tid, Name: spinning.Name, After: k.cfg.NativeTimeout, Stacks: stacks}
		// The waiting threads leave at once; the spinning one cannot be
		// stopped and is abandoned (it leaves at its next point). Give
		// the others a moment, not the spinner.
		select {
		case <-fin:
		case <-time.After(nativeHangGrace):
		}
	}
	k.mu.Lock()
	k.nativeRunning = false
	k.mu.Unlock()
	k.resMu.Lock()
	if k.result != nil && k.result.Panic != nil {
		res.Panic = k.result.Panic
	}
	k.resMu.Unlock()
	res.Witness = k.witness.recorded()
	res.Races, res.KnownAccesses = k.lockset.take()
	if k.inv != nil && res.Panic == nil && res.Deadlock == nil && res.Hang == nil {
		k.checkInvariants(nil, "quiescent", nil, 0, true)
	}
	res.Invariants = k.takeInvariants()
	return &res
}

// nativeHangGrace bounds how long a native Run that ends in a Hang waits
// for its other threads to leave.
const nativeHangGrace = 100 * time.Millisecond

func (k *Kernel) nativeFail(p *Panic) {
	k.resMu.Lock()
	if k.result == nil {
		k.result = &RunResult{Panic: p}
	}
	k.resMu.Unlock()
	k.aborted.Store(true)
}

// nativeBlock spins until cond holds, giving way to other goroutines, and
// gives up the thread when the run is aborted.
func (td *Thread) nativeBlock(desc string, cond func() bool) {
	td.nsnap.Store(&BlockedThread{Tid: td.Tid, Name: td.Name, WaitsFor: desc, Holds: td.Held()})
	defer td.nsnap.Store(nil)
	for i := 0; !cond(); i++ {
		if td.K.aborted.Load() && td.inRun {
			td.abandon()
		}
		if i < 64 {
			runtime.Gosched()
		} else {
			time.Sleep(time.Microsecond * 20)
		}
	}
}

// abandon ends a native thread after the run was aborted.
func (td *Thread) abandon() {
	runtime.Goexit()
}

// releaseAll drops every lock td holds, so that after a panic the other
// native threads can run to their next point and leave.
func (td *Thread) releaseAll() {
	for i := len(td.held) - 1; i >= 0; i-- {
		td.held[i].lo.forceRelease(td, td.held[i].shared)
	}
	td.held = td.held[:0]
}

// sortedTids is a helper for strategies.
func sortedTids(ts []int) []int {
	out := append([]int(nil), ts...)
	sort.Ints(out)
	return out
}
