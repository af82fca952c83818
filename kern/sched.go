// SPDX-License-Identifier: BSD-2-Clause

package kern

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

// RunResult is what one run of a kernel's threads ended with.
type RunResult struct {
	Panic    *Panic    // first panic (KASSERT, WITNESS in panic mode, fault)
	Deadlock *Deadlock // nothing runnable while threads were blocked
	Livelock bool      // the step budget was spent
	Hang     *Hang     // the watchdog fired: a thread stopped reaching points
	Steps    int64     // scheduling points executed
	Schedule Schedule  // the choices made at decision points
	// Witness holds WITNESS reports recorded in record mode.
	Witness []*WitnessReport
	Trace   []TraceEvent // when Config.Trace is set
	// Switches lists every hand-over of the CPU: from Step on, Tid runs.
	Switches []Switch
}

// Hang describes a run ended by the watchdog: thread Tid ran for longer
// than Config.Watchdog without reaching a scheduling point (controlled
// mode), or a native run outlived its timeout with a thread that was not
// waiting for a lock.
type Hang struct {
	Tid    int
	Name   string
	Step   int64         // the last scheduling point reached
	After  time.Duration // how long the run had lasted
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
	return r.Panic == nil && r.Deadlock == nil && !r.Livelock && len(r.Witness) == 0
}

func (r *RunResult) String() string {
	switch {
	case r.Panic != nil:
		return r.Panic.Error()
	case r.Deadlock != nil:
		return r.Deadlock.String()
	case r.Livelock:
		return fmt.Sprintf("livelock: step budget spent after %d steps", r.Steps)
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
	What  string // "mtx_lock", "preempt", "thread_exit" ...
	Lock  string // lock name, if any
	Where string // Go caller outside package kern: file:line (function)
}

// scheduler runs the threads of a controlled kernel one at a time. It is
// touched only by the running thread (or by Run while none runs), and each
// hand-over is a channel operation, so no mutex is needed.
type scheduler struct {
	k        *Kernel
	chooser  Chooser
	threads  []*Thread // taking part in the run, by creation order
	running  bool
	step     int64
	choices  Schedule
	aborted  bool
	result   RunResult
	done     chan struct{}
	wg       sync.WaitGroup
	dec      Decision
	runnable []int
	cand     []*Thread
	prev     int
	// phaseStart is the step count when the current Run began: a kernel
	// may Run several times in sequence (workload, then teardown), each
	// with its own step budget.
	phaseStart int64
	// chooserPanic is a panic raised by the strategy, re-raised by Run.
	chooserPanic any
}

func newScheduler(k *Kernel, ch Chooser) *scheduler {
	return &scheduler{k: k, chooser: ch, done: make(chan struct{}), prev: -1}
}

func (s *scheduler) add(td *Thread) {
	td.wake = make(chan struct{}, 1)
	td.state = tdRunnable
	td.inRun = true
	s.threads = append(s.threads, td)
	if s.running {
		// Goroutines of threads created before Run start in Run, so a
		// kernel that never runs leaves none behind.
		s.wg.Add(1)
		go s.threadMain(td)
		// Called by the running thread: thread creation is a point.
		if cur := s.current(); cur != nil {
			cur.point("thread_create", nil)
		}
	}
}

// current is the thread that runs now (the only non-parked one).
func (s *scheduler) current() *Thread {
	if s.prev < 0 {
		return nil
	}
	for _, t := range s.threads {
		if t.Tid == s.prev {
			return t
		}
	}
	return nil
}

func (s *scheduler) threadMain(td *Thread) {
	s.k.live.Add(1)
	defer s.wg.Done()
	defer s.k.live.Add(-1) // before Done: Run must not see it running
	<-td.wake
	if s.aborted {
		return
	}
	if p := runProtected(td); p != nil {
		s.fail(p)
		return
	}
	s.exit(td) // reached only when fn returned (an abort ends in Goexit)
}

// runProtected runs the thread's function and the WITNESS exit check,
// turning a panic into a *Panic.
func runProtected(td *Thread) (p *Panic) {
	defer func() {
		if r := recover(); r != nil {
			p = AsPanic(td, r)
		}
	}()
	td.fn(td)
	td.done = true
	td.K.witness.threadExit(td)
	return nil
}

// Run runs every thread created with Go until all have exited, or until a
// panic, deadlock or livelock ends the run. It returns the outcome; the
// goroutines of the threads have all ended when it returns.
func (k *Kernel) Run() *RunResult {
	if k.sched == nil {
		return k.nativeRun()
	}
	s := k.sched
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
	for _, td := range s.threads {
		s.wg.Add(1)
		go s.threadMain(td)
	}
	if next := s.pick(nil); next != nil {
		s.prev = next.Tid
		s.result.Switches = append(s.result.Switches, Switch{Step: s.step, Tid: next.Tid})
		next.wake <- struct{}{}
		<-s.done
	} else {
		s.aborted = true
	}
	return s.finish()
}

func (s *scheduler) finish() *RunResult {
	if s.aborted {
		for _, t := range s.threads {
			if t.state != tdExited {
				select {
				case t.wake <- struct{}{}:
				default:
				}
			}
		}
	}
	s.wg.Wait()
	if cp := s.chooserPanic; cp != nil {
		panic(cp)
	}
	s.running = false
	s.result.Steps = s.step
	s.result.Schedule = append(Schedule(nil), s.choices...)
	s.result.Witness = s.k.witness.recorded()
	r := s.result
	r.Switches = append([]Switch(nil), s.result.Switches...)
	if !s.aborted {
		// Ready for another phase: a later Run starts the threads created
		// since, continuing the same step count and schedule.
		s.threads = s.threads[:0]
		s.done = make(chan struct{})
		s.prev = -1
		s.result.Trace = nil
	}
	return &r
}

// yield is a scheduling point reached by the running thread td.
func (s *scheduler) yield(td *Thread, what string, lo *lockObject) {
	if s.aborted {
		// A deferred call of a thread that the abort is unwinding reached
		// a point: nobody will wake it again, so it goes on unwinding.
		runtime.Goexit()
	}
	s.tick(td, what, lo)
	next := s.pick(td)
	if next != td {
		if c := s.k.cfg.Coverage; c != nil && next != nil {
			c.preempted()
		}
		s.switchTo(td, next)
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
		s.result.Livelock = true
		s.abort()
		runtime.Goexit()
	}
}

// block parks td until cond holds and the strategy picks it.
func (s *scheduler) block(td *Thread, desc string, cond func() bool) {
	if s.aborted {
		runtime.Goexit() // as in yield
	}
	td.state = tdBlocked
	td.waitFor, td.waitDesc = cond, desc
	s.tick(td, "block", nil)
	next := s.pick(td)
	if next != td {
		s.switchTo(td, next)
	}
	td.state = tdRunnable
	td.waitFor, td.waitDesc = nil, ""
}

// exit retires td and hands the CPU on.
func (s *scheduler) exit(td *Thread) {
	td.state = tdExited
	s.step++
	next := s.pick(td)
	if next == nil {
		return // finished or aborted inside pick
	}
	s.prev = next.Tid
	s.result.Switches = append(s.result.Switches, Switch{Step: s.step, Tid: next.Tid})
	next.wake <- struct{}{}
}

func (s *scheduler) switchTo(td, next *Thread) {
	s.prev = next.Tid
	s.result.Switches = append(s.result.Switches, Switch{Step: s.step, Tid: next.Tid})
	next.wake <- struct{}{}
	<-td.wake
	if s.aborted {
		runtime.Goexit()
	}
}

// pick chooses the next thread to run after td reached a point (td is nil
// at the start of a run). It returns nil when the run is over, after
// recording why.
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
			s.abort()
			if td != nil && td.state != tdExited {
				runtime.Goexit()
			}
			return nil
		}
		close(s.done) // every thread has exited
		return nil
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
	if cp != nil {
		// The strategy itself panicked (rapid stops a test case this
		// way): end the run and re-raise it in Run's caller.
		s.chooserPanic = cp
		s.abort()
		if td != nil && td.state != tdExited {
			runtime.Goexit()
		}
		return nil
	}
	if i < 0 || i >= len(s.cand) {
		panic(fmt.Sprintf("kern: chooser returned %d of %d", i, len(s.cand)))
	}
	s.choices = append(s.choices, int32(s.cand[i].Tid))
	return s.cand[i]
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

// abort ends the run: parked threads are released by finish and exit
// through runtime.Goexit.
func (s *scheduler) abort() {
	if s.aborted {
		return
	}
	s.aborted = true
	close(s.done)
}

func (s *scheduler) fail(p *Panic) {
	if s.result.Panic == nil && s.result.Deadlock == nil && !s.result.Livelock {
		s.result.Panic = p
	}
	s.abort()
}

func callerFunc() string {
	pcs := make([]uintptr, 24)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if !isKernFrame(f.Function) && !(isMacroFrame(f.Function) && more) {
			fn := f.Function
			if i := strings.LastIndexByte(fn, '/'); i >= 0 {
				fn = fn[i+1:]
			}
			return fmt.Sprintf("%s:%d (%s)", shortFile(f.File), f.Line, fn)
		}
		if !more {
			return "?"
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
		d := &Deadlock{}
		for _, t := range k.Threads() {
			if !t.inRun || t.nexited.Load() {
				continue
			}
			if b := t.nsnap.Load(); b != nil {
				d.Blocked = append(d.Blocked, *b)
			} else {
				d.Blocked = append(d.Blocked, BlockedThread{Tid: t.Tid, Name: t.Name, WaitsFor: "running"})
			}
		}
		res.Deadlock = d
		k.aborted.Store(true)
		<-fin
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
	return &res
}

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
