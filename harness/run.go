// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"kcheck/kern"
	"kcheck/linearize"
	"kcheck/model"
)

// Kind is a verdict kind. Within a phase, verdicts are judged in the
// order of Kinds; Execution.Kind is the first verdict reached, and
// Execution.Verdicts lists them all (verdict.go).
type Kind string

const (
	Pass            Kind = "Pass"
	Panic           Kind = "Panic"
	WitnessReversal Kind = "WitnessReversal"
	WitnessSleep    Kind = "WitnessSleep"
	Deadlock        Kind = "Deadlock"
	Livelock        Kind = "Livelock"
	// Hang: the watchdog fired, a thread stopped reaching scheduling
	// points (an endless loop without a lock operation), or a native run
	// outlived its timeout with a thread not waiting for a lock.
	Hang Kind = "Hang"
	// Crash: the process running the execution died of a fatal Go
	// run-time error (stack overflow, concurrent map writes, out of
	// memory). Only campaigns with isolation (worker processes) can
	// report it: in-process, such an error ends kcheck itself.
	Crash           Kind = "Crash"
	NotLinearizable Kind = "NotLinearizable"
	Unknown         Kind = "Unknown"
	Leak            Kind = "Leak"
	GoroutineLeak   Kind = "GoroutineLeak"
	// InternalError: the harness itself failed (a Go panic in harness
	// code, not in the emulated kernel). It says nothing about the port;
	// the command line exits 3 when one occurs.
	InternalError Kind = "InternalError"
)

// Kinds lists every verdict kind in judging order (Pass last; Invariant
// before it, as it never displaces another kind as Execution.Kind).
var Kinds = []Kind{InternalError, Crash, Panic, WitnessReversal, WitnessSleep, Race, Deadlock, Livelock, Hang, NotLinearizable, Unknown, Leak, GoroutineLeak, Invariant, Pass}

// ParseKind checks a verdict kind's name.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return "", fmt.Errorf("unknown verdict kind %q (want one of %s)", s, strings.Join(names, ", "))
}

// Violation reports a kind that is a finding about the port (not Pass,
// not the harness's own InternalError).
func (k Kind) Violation() bool { return k != Pass && k != InternalError }

// DefaultMaxSteps is the livelock budget of one run phase (scheduling
// points) when a configuration gives none: the one source of that number
// for Execute, campaigns, scenario validation and the command's flag.
const DefaultMaxSteps = 200_000

// Config says how to run one execution.
type Config struct {
	// Chooser is the controlled-mode strategy (ignored when Native).
	Chooser kern.Chooser
	// Native runs free goroutines instead.
	Native bool
	// Mode is the spec mode for the linearizability check.
	Mode model.Mode
	// MaxSteps is the livelock budget per phase (0: 200,000).
	MaxSteps int64
	// CheckTimeout bounds porcupine (0: 10 s); a timeout is Unknown.
	CheckTimeout time.Duration
	// Trace records every scheduling point with its Go caller.
	Trace bool
	// Target, when set, replaces the scenario's target (Scenario.Target):
	// tests use it to run a broken variant of a port or of its model.
	Target Target
	// LoadDrivers, when set, replaces the default driver set (lo, disc,
	// epair, tun/tap/vmnet, vlan): tests use it to run broken variants.
	LoadDrivers func(td *kern.Thread)
	// Watchdog bounds the wall time of each run phase (workload,
	// teardown); past it the execution is a Hang (0: none).
	Watchdog time.Duration
	// NativeTimeout bounds a native run phase (0: kern's 60 s); a thread
	// not waiting for a lock at that point makes it a Hang, else Deadlock.
	NativeTimeout time.Duration
	// Coverage, if set, records the stacks of scheduling points
	// (coverage.go reads them).
	Coverage *kern.Coverage
	// SkipLinearizability leaves out the history check (for stress runs
	// that check histories in bulk); the verdict then says so.
	SkipLinearizability bool
	// NoLockset turns the lockset checker (verdict Race) off.
	NoLockset bool
	// NoInvariants turns the kernel invariant checks (verdict Invariant,
	// invariants.go) off. On, they run at every lock release and between
	// operations; InvariantsEveryPoint runs them at every scheduling
	// point. Native runs check them only between operations.
	NoInvariants         bool
	InvariantsEveryPoint bool
}

// Execution is the outcome of running one scenario once.
type Execution struct {
	Scenario *Scenario
	// Native: the threads ran as free goroutines (Config.Native); the
	// history's times are then nanoseconds since the kernel was made,
	// not scheduling steps.
	Native bool
	// Kind, Summary and Details are those of the first verdict reached
	// (Pass when there is none).
	Kind    Kind
	Summary string // one line
	Details string // the panic, WITNESS report, deadlock, leaks ...
	// Verdicts are all the verdicts the execution reached, in order.
	Verdicts []Verdict
	// Events is the history, whatever the target; History is the same in
	// linearize's typed form for targets checked against package model
	// (ifclone), nil for the others.
	Events  Events
	History linearize.History
	// Checked is the linearizability check (nil if skipped or not
	// reached); Check is linearize's result within it (ifclone).
	Checked  *Checked
	Check    *linearize.Result
	Run      *kern.RunResult // the workload phase
	Teardown *kern.RunResult
	Schedule kern.Schedule // all choices, workload and teardown
	Steps    int64
	Threads  int
	Elapsed  time.Duration
	// Switches are the context switches of the workload phase, as clock
	// times of the history, for the HTML picture.
	Switches []linearize.Switch
	// Witness edges learned by this kernel ("a -> b").
	LockOrder []string
	// Trace of every scheduling point (Config.Trace).
	Trace []kern.TraceEvent
	// Known names objects left after teardown that the C itself never
	// frees (a documented finding), reported instead of a Leak verdict.
	Known string
	// TidOf maps a kern tid to the scenario thread index (-1: setup).
	TidOf map[int]int
}

// Failed reports a verdict other than Pass.
func (e *Execution) Failed() bool { return e.Kind != Pass }

// Spec returns the model the history is checked against: one Spec per
// mode for the whole process (a Spec is immutable and keeps its initial
// state, so sharing it saves building that state on every check).
func Spec(mode model.Mode) *model.Spec {
	if mode == model.Strict || mode == model.Relaxed {
		return specs[mode]()
	}
	return model.New(model.Config{Mode: mode})
}

var specs = [...]func() *model.Spec{
	model.Strict:  sync.OnceValue(func() *model.Spec { return model.New(model.Config{Mode: model.Strict}) }),
	model.Relaxed: sync.OnceValue(func() *model.Spec { return model.New(model.Config{Mode: model.Relaxed}) }),
}

// Execute runs scn once under cfg and judges it: the same code for every
// target (Scenario.Target; targets.go).
func Execute(scn *Scenario, cfg Config) (ex *Execution) {
	start := time.Now()
	if cfg.MaxSteps == 0 {
		cfg.MaxSteps = DefaultMaxSteps
	}
	if cfg.CheckTimeout == 0 {
		cfg.CheckTimeout = 10 * time.Second
	}
	ex = &Execution{Scenario: scn, Native: cfg.Native, Threads: len(scn.Threads), TidOf: make(map[int]int, len(scn.Threads)+2)}
	defer func() { ex.Elapsed = time.Since(start) }()
	tg := cfg.Target
	if tg == nil {
		var err error
		if tg, err = TargetOf(scn.Target); err != nil {
			ex.judgeInternal(err)
			return ex
		}
	}

	k := newKernel(scn.Name, cfg)
	var x Instance
	if p := protect(func() { x = tg.Boot(k, scn, cfg) }); p != nil {
		ex.judgePanic(p, "boot")
		return ex
	}
	rec := newRecorder(k.Now)
	herr := &firstError{} // the harness's own failures in the threads
	setHistory := func() {
		ex.Events = rec.events()
		ex.History = typed(ex.Events)
	}
	setupThread := len(scn.Threads)
	td0 := k.Thread0()
	ex.TidOf[td0.Tid] = -1
	for _, op := range tg.Setup(scn) {
		in, serr := x.Input(setupThread, op)
		if serr != nil {
			setHistory()
			ex.judgeInternal(fmt.Errorf("setup, %v: %w", op, serr))
			return ex
		}
		id := rec.call(setupThread, in)
		var out any
		if p := protect(func() { out, serr = x.Exec(td0, setupThread, op, in) }); p != nil {
			rec.interrupted(id)
			setHistory()
			ex.judgePanic(p, "setup")
			return ex
		}
		if serr != nil {
			rec.interrupted(id)
			setHistory()
			ex.judgeInternal(fmt.Errorf("setup, %v: %w", in, serr))
			return ex
		}
		rec.ret(id, out)
	}

	open := make([]int, len(scn.Threads))
	for i := range open {
		open[i] = -1
	}
	for i, ops := range scn.Threads {
		i, ops := i, ops
		td := k.Go(threadName(i), func(td *kern.Thread) {
			for _, op := range ops {
				in, err := x.Input(i, op)
				if err != nil {
					herr.set(fmt.Errorf("thread %d, %v: %w", i, op, err))
					return
				}
				open[i] = rec.call(i, in)
				out, err := x.Exec(td, i, op, in)
				if err != nil {
					// The harness failed, not the kernel: this thread
					// stops, its operation stays open, the verdict is
					// InternalError.
					herr.set(fmt.Errorf("thread %d, %v: %w", i, in, err))
					return
				}
				rec.ret(open[i], out)
				open[i] = -1
			}
		})
		ex.TidOf[td.Tid] = i
	}
	res := k.Run()
	ex.Run = res
	for _, id := range open {
		if id >= 0 {
			rec.interrupted(id)
		}
	}
	setHistory()
	ex.Switches = make([]linearize.Switch, 0, len(res.Switches))
	for _, sw := range res.Switches {
		if th, ok := ex.TidOf[sw.Tid]; ok && th >= 0 {
			ex.Switches = append(ex.Switches, linearize.Switch{At: kern.StepTime(sw.Step), Thread: th})
		}
	}
	ex.Trace = res.Trace
	ex.Schedule = res.Schedule
	ex.Steps = res.Steps

	// The lock orders learned are listed once, at the end: here if the
	// execution ends with the workload, else by finish after the teardown
	// (a superset).
	if err := herr.or(x.Internal()); err != nil {
		ex.LockOrder = k.WitnessEdges()
		ex.judgeInternal(err)
		return ex
	}
	if ex.judgeRun(res, "workload") {
		// The workload was stopped (panic, deadlock, livelock, hang): its
		// threads were unwound mid-operation, so neither its history nor
		// a teardown of what it left says anything more.
		ex.LockOrder = k.WitnessEdges()
		return ex
	}

	// Linearizability of the workload's history.
	if !cfg.SkipLinearizability {
		c := tg.Check(scn, ex.Events, cfg.Mode, linearize.Options{Timeout: cfg.CheckTimeout})
		ex.Checked, ex.Check = c, c.Result
		ex.judgeChecked(c)
	}
	ex.finish(k, x, herr.or, len(ex.Events), cfg.SkipLinearizability)
	return ex
}

// threadNames are the names of a scenario's first threads, made once.
var threadNames = [...]string{"t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7"}

// threadName is the name of scenario thread i: "t<i>".
func threadName(i int) string {
	if i < len(threadNames) {
		return threadNames[i]
	}
	return fmt.Sprintf("t%d", i)
}

// newKernel is the kernel of one execution (Execute's or a Session's)
// under cfg.
func newKernel(name string, cfg Config) *kern.Kernel {
	return kern.NewKernel(kern.Config{Name: name, Chooser: cfg.Chooser, Native: cfg.Native,
		MaxSteps: cfg.MaxSteps, Trace: cfg.Trace, WitnessNoStacks: !cfg.Trace, Lockset: !cfg.NoLockset,
		Watchdog: cfg.Watchdog, NativeTimeout: cfg.NativeTimeout, Coverage: cfg.Coverage})
}

// judgeChecked adds the verdict of a linearizability check: Illegal is
// NotLinearizable, a timeout Unknown (never a pass), Ok nothing.
func (ex *Execution) judgeChecked(c *Checked) {
	switch c.Verdict {
	case linearize.Illegal:
		ex.add(Verdict{Kind: NotLinearizable, Phase: "history",
			Summary:  "history is not linearizable w.r.t. the " + c.Spec + " spec",
			Details:  c.Details,
			Identity: c.Identity})
	case linearize.Unknown:
		ex.add(Verdict{Kind: Unknown, Phase: "history",
			Summary:  "linearizability check timed out: outcome unknown (not a pass)",
			Details:  c.Details,
			Identity: string(Unknown) + " (history)"})
	}
}

// finish is the end of every execution, Execute's and a Session's: the
// teardown (ifclone: every jail destroyed, drivers unloaded, vnet0 gone)
// runs on k as a run phase of its own and is judged whatever the
// workload's verdicts (a wrong answer often leaves the state that the
// teardown then trips over), then the leaks after it; an execution with
// no verdict at all is a Pass of nops operations. harnessErr merges the
// caller's own record of harness failures with the instance's. It
// reports whether the teardown was stopped.
func (ex *Execution) finish(k *kern.Kernel, x Instance, harnessErr func(error) error, nops int, skippedLin bool) (stopped bool) {
	tdT := k.Go("teardown", x.Teardown)
	ex.TidOf[tdT.Tid] = -1
	tres := k.Run()
	ex.Teardown = tres
	ex.Schedule = tres.Schedule
	ex.Steps = tres.Steps
	ex.LockOrder = k.WitnessEdges()
	if err := harnessErr(x.Internal()); err != nil {
		ex.judgeInternal(err)
		return false
	}
	if ex.judgeRun(tres, "teardown") {
		return true
	}
	leaks, known := x.Leaks()
	ex.Known = known
	if len(leaks) > 0 {
		ex.add(Verdict{Kind: Leak, Phase: "after teardown",
			Summary:  "memory left after teardown: " + strings.Join(leaks, ", "),
			Details:  strings.Join(leaks, "\n"),
			Identity: string(Leak) + ": " + normalise(strings.Join(leaks, ", "))})
	} else if n := k.LiveGoroutines(); n != 0 {
		ex.add(Verdict{Kind: GoroutineLeak, Phase: "after teardown",
			Summary:  fmt.Sprintf("%d emulated-thread goroutines still running", n),
			Identity: string(GoroutineLeak)})
	}
	if len(ex.Verdicts) > 0 {
		return false
	}
	ex.Kind, ex.Summary = Pass, fmt.Sprintf("pass: %d ops, %d steps", nops, ex.Steps)
	if known != "" {
		ex.Summary += " (" + known + ")"
	}
	if skippedLin {
		ex.Summary += " (linearizability not checked)"
	}
	return false
}

// firstError keeps the first error set (threads set it concurrently in
// native mode).
type firstError struct {
	mu  sync.Mutex
	err error // (mu)
}

func (f *firstError) set(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.err = err
	}
}

// or is the first error set, else other.
func (f *firstError) or(other error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	return other
}

// judgeRun adds a verdict for each failure of a run phase; it reports
// whether the phase was stopped (a panic, deadlock, livelock or hang),
// after which the kernel runs nothing more.
func (ex *Execution) judgeRun(res *kern.RunResult, phase string) (stopped bool) {
	if res.Panic != nil {
		ex.judgePanic(res.Panic, phase)
	}
	for _, w := range res.Witness {
		ex.judgeWitness(w, phase)
	}
	if len(res.Races) > 0 {
		ex.judgeRace(res.Races, phase)
	}
	ex.judgeInvariants(res.Invariants, phase)
	switch {
	case res.Deadlock != nil:
		ex.add(Verdict{Kind: Deadlock, Phase: phase, Summary: phase + ": " + res.Deadlock.String(),
			Details: res.Deadlock.String(), Identity: deadlockIdentity(res.Deadlock, phase)})
	case res.Livelock && res.LivelockCycle != nil:
		c := res.LivelockCycle
		ex.add(Verdict{Kind: Livelock, Phase: phase,
			Summary: fmt.Sprintf("%s: livelock, the kernel came back to a state it was in (step %d as at step %d, a %d-step loop)", phase, c.To, c.From, c.To-c.From),
			Details: fmt.Sprintf("thread %s, the only one left, was at step %d where it was at step %d: the same stack, the same locks, the same malloc counts and the same interfaces, cloners and units; its stack:\n\n%s",
				res.LivelockThread, c.To, c.From, res.LivelockStack),
			Identity: fmt.Sprintf("%s (%s)", Livelock, phase)})
	case res.Livelock:
		ex.add(Verdict{Kind: Livelock, Phase: phase,
			Summary: fmt.Sprintf("%s: livelock, step budget spent (%d steps)", phase, res.Steps),
			Details: fmt.Sprintf("thread %s was running when the step budget ran out; its stack:\n\n%s",
				res.LivelockThread, res.LivelockStack),
			Identity: fmt.Sprintf("%s (%s)", Livelock, phase)})
	case res.Hang != nil:
		ex.add(Verdict{Kind: Hang, Phase: phase, Summary: phase + ": " + res.Hang.String(),
			Details:  res.Hang.String() + "\n\nstacks when the watchdog fired:\n" + res.Hang.Stacks,
			Identity: fmt.Sprintf("%s (%s)", Hang, phase)})
	}
	return res.Panic != nil || res.Deadlock != nil || res.Livelock || res.Hang != nil
}

// judgeInternal records a failure of the harness itself.
func (ex *Execution) judgeInternal(err error) {
	ex.add(Verdict{Kind: InternalError, Phase: "harness", Summary: "harness internal error: " + err.Error(),
		Details: err.Error(), Identity: string(InternalError)})
}

func (ex *Execution) judgePanic(p *kern.Panic, phase string) {
	if p.Witness != nil {
		ex.judgeWitnessStack(p.Witness, phase, p.Stack)
		return
	}
	ex.add(Verdict{Kind: Panic, Phase: phase,
		Summary:  fmt.Sprintf("%s: %s in %s: %s", phase, p.Kind, p.Thread, p.Msg),
		Details:  fmt.Sprintf("%s\n\n%s", p.Error(), p.Stack),
		Identity: p.Identity()})
}

func (ex *Execution) judgeWitness(w *kern.WitnessReport, phase string) {
	ex.judgeWitnessStack(w, phase, "")
}

func (ex *Execution) judgeWitnessStack(w *kern.WitnessReport, phase, stack string) {
	kind := WitnessSleep
	switch w.Kind {
	case kern.WitnessReversal, kern.WitnessDuplicate:
		kind = WitnessReversal
	case kern.WitnessHeldAtExit:
		kind = Panic
	}
	v := Verdict{Kind: kind, Phase: phase, Summary: fmt.Sprintf("%s: WITNESS %s in %s", phase, w.Kind, w.Thread),
		Details: w.Msg, Identity: witnessIdentity(kind, w, phase)}
	if stack != "" {
		v.Details += "\n\n" + stack
	}
	ex.add(v)
}

// protect runs f, turning a kernel panic into a value.
func protect(f func()) (p *kern.Panic) {
	defer func() {
		if r := recover(); r != nil {
			p = kern.AsPanic(nil, r)
		}
	}()
	f()
	return nil
}
