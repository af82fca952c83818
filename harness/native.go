// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"kcheck/ifclone"
	"kcheck/kern"
	"kcheck/linearize"
	"kcheck/model"
)

// Session is one booted kernel of the ifclone target that code of its own
// drives instead of a Scenario's fixed threads: the loops of kcheck
// stress (package harness/stress), which run for a wall-clock time. It
// boots and judges as Execute does: the kernel's configuration, the
// drivers, the verdicts of each run phase (panic, WITNESS, deadlock,
// livelock, hang), the linearizability of the recorded history, the
// teardown and the leaks after it, all reported as an Execution.
//
// Use: NewSession, then Kernel().Go threads whose operations go through
// Op (any operation, as Execute's threads run it) or a Caller (creates
// and destroys in vnet0 at the rate of a tight loop), then Run("workload"),
// then Finish.
type Session struct {
	cfg Config
	k   *kern.Kernel
	x   *ifcloneInstance
	rec *linearize.Recorder
	ex  *Execution
	// stopped: a phase was stopped (or boot failed); nothing more runs.
	stopped bool
	start   time.Time
	checked time.Duration // the linearizability check's wall time
	// recorded counts the operations recorded (threads record
	// concurrently in native mode).
	recorded atomic.Int64
}

// NewSession boots a kernel named name under cfg (Chooser, Native,
// MaxSteps, CheckTimeout, Watchdog, NativeTimeout, LoadDrivers, NoLockset,
// NoInvariants, SkipLinearizability as for Execute). A boot that panics
// leaves a stopped session whose Finish reports the panic.
func NewSession(name string, cfg Config) *Session {
	if cfg.MaxSteps == 0 {
		cfg.MaxSteps = DefaultMaxSteps
	}
	if cfg.CheckTimeout == 0 {
		cfg.CheckTimeout = DefaultCheckTimeout
	}
	s := &Session{cfg: cfg, start: time.Now(), ex: &Execution{Scenario: &Scenario{Name: name}, TidOf: map[int]int{}}}
	s.k = kern.NewKernel(kern.Config{Name: name, Chooser: cfg.Chooser, Native: cfg.Native,
		MaxSteps: cfg.MaxSteps, Trace: cfg.Trace, WitnessNoStacks: !cfg.Trace, Lockset: !cfg.NoLockset,
		Watchdog: cfg.Watchdog, NativeTimeout: cfg.NativeTimeout, Coverage: cfg.Coverage})
	if !cfg.NoInvariants {
		installInvariants(s.k, cfg.InvariantsEveryPoint, cfg.LoadDrivers == nil)
	}
	if p := protect(func() { s.x = bootIfclone(s.k, cfg.LoadDrivers) }); p != nil {
		s.ex.judgePanic(p, "boot")
		s.stopped = true
	}
	s.rec = linearize.NewRecorder(s.k.Now)
	s.ex.TidOf[s.k.Thread0().Tid] = -1
	return s
}

// Kernel is the session's kernel: Go starts its threads.
func (s *Session) Kernel() *kern.Kernel { return s.k }

// Stopped reports whether boot or a run phase was stopped (a panic,
// deadlock, livelock or hang): threads started now would run on a kernel
// in an undefined state.
func (s *Session) Stopped() bool { return s.stopped }

// Op runs one operation on td the way Execute's threads do (a socket in
// the caller's vnet and ioctl(2), or jail(2)); with record, it is
// recorded in the history as thread's. An error is the harness's own
// failure (the verdict InternalError at Finish).
func (s *Session) Op(td *kern.Thread, thread int, in model.Input, record bool) (model.Output, error) {
	id := -1
	if record {
		id = s.call(thread, in)
	}
	out, err := s.x.exec(td, in)
	if err != nil {
		s.x.internalError(fmt.Errorf("thread %d, %v: %w", thread, in, err))
		return out, err
	}
	if record {
		s.rec.Return(id, out)
	}
	return out, nil
}

// Run runs the threads started so far to completion and judges the run
// as the phase named phase; it reports whether the phase was stopped.
func (s *Session) Run(phase string) bool {
	if s.stopped {
		return true
	}
	res := s.k.Run()
	s.ex.Run = res
	s.ex.Steps = res.Steps
	s.ex.Schedule = res.Schedule
	s.ex.LockOrder = s.k.WitnessEdges()
	if err := s.x.internal(); err != nil {
		s.ex.judgeInternal(err)
		s.stopped = true
		return true
	}
	if s.ex.judgeRun(res, phase) {
		s.stopped = true
	}
	return s.stopped
}

// CheckTime is the wall time of Finish's linearizability check.
func (s *Session) CheckTime() time.Duration { return s.checked }

// Finish judges what the session ran: the recorded history's
// linearizability (unless the workload was stopped, or
// SkipLinearizability), then the teardown (every jail, the drivers,
// vnet0) as a run phase of its own and the leaks after it. The
// Execution's Verdicts and Kind are Execute's for the same events.
func (s *Session) Finish() *Execution {
	ex := s.ex
	defer func() { ex.Elapsed = time.Since(s.start) }()
	ex.History = s.rec.History()
	if s.stopped {
		return ex
	}
	if !s.cfg.SkipLinearizability {
		t0 := time.Now()
		ex.Check = linearize.Check(Spec(s.cfg.Mode), ex.History, linearize.Options{Timeout: s.cfg.CheckTimeout})
		s.checked = time.Since(t0)
		switch ex.Check.Verdict {
		case linearize.Illegal:
			ex.add(Verdict{Kind: NotLinearizable, Phase: "history",
				Summary:  "history is not linearizable w.r.t. the " + s.cfg.Mode.String() + " spec",
				Details:  ex.Check.String(),
				Identity: linIdentity(s.cfg.Mode, ex.History, "history")})
		case linearize.Unknown:
			ex.add(Verdict{Kind: Unknown, Phase: "history",
				Summary:  "linearizability check timed out: outcome unknown (not a pass)",
				Details:  ex.Check.String(),
				Identity: string(Unknown) + " (history)"})
		}
	}
	td := s.k.Go("teardown", s.x.teardown)
	ex.TidOf[td.Tid] = -1
	tres := s.k.Run()
	ex.Teardown = tres
	ex.Steps, ex.Schedule, ex.LockOrder = tres.Steps, tres.Schedule, s.k.WitnessEdges()
	if err := s.x.internal(); err != nil {
		ex.judgeInternal(err)
		return ex
	}
	if ex.judgeRun(tres, "teardown") {
		s.stopped = true
		return ex
	}
	leaks, known := Leaks(s.k)
	ex.Known = known
	if len(leaks) > 0 {
		ex.add(Verdict{Kind: Leak, Phase: "after teardown",
			Summary:  "memory left after teardown: " + strings.Join(leaks, ", "),
			Details:  strings.Join(leaks, "\n"),
			Identity: string(Leak) + ": " + normalise(strings.Join(leaks, ", "))})
	} else if n := s.k.LiveGoroutines(); n != 0 {
		ex.add(Verdict{Kind: GoroutineLeak, Phase: "after teardown",
			Summary:  fmt.Sprintf("%d emulated-thread goroutines still running", n),
			Identity: string(GoroutineLeak)})
	}
	if len(ex.Verdicts) == 0 {
		ex.Kind, ex.Summary = Pass, fmt.Sprintf("pass: %d ops", len(ex.History))
		if known != "" {
			ex.Summary += " (" + known + ")"
		}
		if s.cfg.SkipLinearizability {
			ex.Summary += " (linearizability not checked)"
		}
	}
	return ex
}

// Caller is one userland process of a Session that creates and destroys
// interfaces in vnet0 in a tight loop: the socket and SIOCIFCREATE /
// SIOCIFDESTROY path of Op, with its struct ifreq mapped into the user
// address space once and rewritten for every call (Op maps a fresh one
// per call, as a scenario's few operations can afford; millions of calls
// cannot).
type Caller struct {
	s      *Session
	thread int
	buf    []byte
	uaddr  kern.UserAddr
}

// Caller returns a caller whose operations are thread's in the history.
func (s *Session) Caller(thread int) *Caller {
	b := make([]byte, len((&ifclone.Ifreq{}).Marshal()))
	return &Caller{s: s, thread: thread, buf: b, uaddr: s.k.UserMap(b)}
}

// Op runs in (a model.Create without vlan parameters or a model.Destroy,
// in vnet0) on td, recorded when record is set, and returns the errno.
func (c *Caller) Op(td *kern.Thread, in model.Input, record bool) (model.Output, error) {
	var name string
	cmd := ifclone.SIOCIFDESTROY
	switch in := in.(type) {
	case model.Create:
		if in.Params.Set || in.Vnet != model.VNET0 {
			return model.Output{}, fmt.Errorf("Caller.Op: %v: only creates without parameters in vnet0", in)
		}
		name, cmd = in.Name, ifclone.SIOCIFCREATE
	case model.Destroy:
		if in.Vnet != model.VNET0 {
			return model.Output{}, fmt.Errorf("Caller.Op: %v: only destroys in vnet0", in)
		}
		name = in.Name
	default:
		return model.Output{}, fmt.Errorf("Caller.Op: %T: only creates and destroys", in)
	}
	s := c.s
	id := -1
	if record {
		id = s.call(c.thread, in)
	}
	r := &ifclone.Ifreq{}
	kern.StrlcpyString(r.IfrName[:], name)
	copy(c.buf, r.Marshal())
	v := s.x.vnetOf(model.VNET0)
	v.Vnet_sockcnt.Add(1)
	ifclone.PrisonAttach(td, 0)
	err := ifclone.Ioctl(td, &ifclone.Socket{SoVnet: v}, cmd, c.uaddr)
	v.Vnet_sockcnt.Add(^uint32(0))
	out := errOut(err)
	if err == 0 && cmd == ifclone.SIOCIFCREATE {
		out = model.Output{Name: printable(kern.CString(ifclone.UnmarshalIfreq(c.buf).IfrName[:]))}
	}
	if record {
		s.rec.Return(id, out)
	}
	return out, nil
}

// call records the call of an operation.
func (s *Session) call(thread int, in model.Input) int {
	s.recorded.Add(1)
	return s.rec.Call(thread, in)
}

// Recorded is the number of operations recorded so far.
func (s *Session) Recorded() int64 { return s.recorded.Load() }
