// SPDX-License-Identifier: BSD-2-Clause

package stress

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"kcheck/harness"
	"kcheck/ifclone"
	"kcheck/kern"
	"kcheck/model"
	"kcheck/vnet"
)

// Cloners are the cloners of this port, in the order
// tests/sys/net/if_clone_test.sh lists its cases (faith and gif are not
// ported).
var Cloners = []string{"epair", "lo", "tap", "tun", "vlan", "vmnet", "disc"}

// Tests are the script's two stress tests.
var Tests = []string{"stress", "up_stress"}

// StressResult is one test of one cloner.
type StressResult struct {
	Cloner    string   `json:"cloner"`
	Test      string   `json:"test"` // stress or up_stress
	Iface     string   `json:"iface"`
	Seconds   float64  `json:"seconds"`
	Created   int64    `json:"created"`   // do_stress: successful creates
	Destroyed int64    `json:"destroyed"` // both tests: successful destroys
	Upped     int64    `json:"upped"`     // do_up_stress: successful ups
	Ops       int      `json:"history_ops"`
	Capped    bool     `json:"history_capped,omitempty"` // recording stopped at --max-history
	Linearize string   `json:"linearizability"`          // ok, illegal, unknown, skipped
	CheckSec  float64  `json:"check_s"`
	Witness   []string `json:"witness,omitempty"`
	Panic     string   `json:"panic,omitempty"`
	Deadlock  string   `json:"deadlock,omitempty"`
	Leaks     []string `json:"leaks,omitempty"`
	Known     string   `json:"known,omitempty"` // leaks that are findings of the C, not of the port
	// Finding names the known finding of the C (docs/FINDINGS.md) that
	// every failing verdict is, and FindingWhy how it was recognised (see
	// explainF2); empty when the test passed or a failure is unexplained.
	Finding     string `json:"finding,omitempty"`
	FindingWhy  string `json:"finding_why,omitempty"`
	Goroutines  int64  `json:"goroutines_left"`
	LockOrder   int    `json:"lock_order_edges"`
	SetupFailed string `json:"setup_failed,omitempty"`
	// Kind is the verdict of the test's execution (harness.Session: the
	// first of Verdicts, Pass when there is none); Verdicts lists them all.
	Kind     harness.Kind      `json:"kind"`
	Verdicts []harness.Verdict `json:"verdicts,omitempty"`
}

// OK reports a clean run: the interface was set up and the execution's
// verdict is Pass.
func (r *StressResult) OK() bool { return r.SetupFailed == "" && r.Kind == harness.Pass }

// Tally counts the tests' verdicts.
func Tally(rs []*StressResult) harness.Tally {
	t := harness.Tally{}
	for _, r := range rs {
		t.Add(r.Kind, 1)
	}
	return t
}

// StressConfig is one stress test.
type StressConfig struct {
	// Ctx, when cancelled (Ctrl-C), ends the test's loops early.
	Ctx      context.Context
	Cloner   string
	Test     string // stress or up_stress
	Duration time.Duration
	Mode     model.Mode
	Seed     uint64
	// MaxOps caps the recorded history of do_stress: once it is reached,
	// both loops stop at a quiescent point (no operation in flight), and
	// go on unrecorded from there, so that the recorded part is a complete
	// history. 0: no cap.
	MaxOps int
}

// stressKernel is a native session with the five drivers, and the
// recording cap of its history (StressConfig.MaxOps).
type stressKernel struct {
	ctx context.Context // the loops stop when it is cancelled
	s   *harness.Session

	maxOps    int
	workers   int32
	recording atomic.Bool
	stopReq   atomic.Bool
	arrived   atomic.Int32
	released  atomic.Bool
}

// quiesce is called by each recording worker between operations. Once
// the cap is reached every worker waits here until all have arrived; the
// last one turns recording off, then all go on.
func (sk *stressKernel) quiesce(parked *bool) {
	if *parked || !sk.stopReq.Load() {
		return
	}
	*parked = true
	if sk.arrived.Add(1) == sk.workers {
		sk.recording.Store(false)
		sk.released.Store(true)
		return
	}
	for !sk.released.Load() {
		time.Sleep(20 * time.Microsecond)
	}
}

// retire is a worker's last call: it counts as arrived for good, so that
// the others do not wait for it.
func (sk *stressKernel) retire(parked *bool) {
	if *parked {
		return
	}
	*parked = true
	if sk.arrived.Add(1) == sk.workers {
		sk.recording.Store(false)
		sk.released.Store(true)
	}
}

// caller is one emulated process (a harness.Caller: its ioctl argument
// buffer is mapped once and rewritten for every call).
type caller struct {
	sk *stressKernel
	c  *harness.Caller
}

func (sk *stressKernel) caller(id int) *caller { return &caller{sk: sk, c: sk.s.Caller(id)} }

// ioctl runs one SIOCIFCREATE or SIOCIFDESTROY on name from vnet0, as
// the harness's target does, recorded while recording is on.
func (c *caller) ioctl(td *kern.Thread, create bool, name string) kern.Errno {
	var in model.Input = model.Destroy{Vnet: model.VNET0, Name: name}
	if create {
		in = model.Create{Vnet: model.VNET0, Name: name}
	}
	record := c.sk.recording.Load()
	out, err := c.c.Op(td, in, record)
	if err != nil {
		panic(err) // a create or destroy in vnet0: Caller.Op takes them all
	}
	if record && c.sk.maxOps > 0 && c.sk.s.Recorded() >= int64(c.sk.maxOps) {
		c.sk.stopReq.Store(true)
	}
	return kern.Errno(out.Err)
}

// up is "ifconfig IFACE up": ifunit_ref, if_up, if_rele in vnet0. Not
// recorded: the specification has no interface flags.
func (c *caller) up(td *kern.Thread, name string) kern.Errno {
	v0 := vnet.Of(c.sk.s.Kernel()).Vnet0()
	saved := vnet.CurvnetSet(td, v0)
	defer vnet.CurvnetRestore(td, saved)
	ifp := ifclone.IfunitRef(td, append([]byte(name), 0))
	if ifp == nil {
		return kern.ENXIO
	}
	ifclone.IfUp(td, ifp)
	ifclone.IfRele(td, ifp)
	return 0
}

// running reports whether a test's loops go on: before the deadline and
// not interrupted.
func (sk *stressKernel) running(deadline time.Time) bool {
	return sk.ctx.Err() == nil && time.Now().Before(deadline)
}

// RunStress runs one test natively in a harness.Session and judges it
// as harness.Execute judges an execution (without the lockset checker
// and the invariants, which a stress run of minutes would spend its time
// in): panics, WITNESS, deadlock and hang of each phase, the
// linearizability of the recorded history (a minute at most), the
// teardown, the leaks after it.
func RunStress(cfg StressConfig) *StressResult {
	r := &StressResult{Cloner: cfg.Cloner, Test: cfg.Test}
	start := time.Now()
	defer func() { r.Seconds = time.Since(start).Seconds() }()
	if cfg.Ctx == nil {
		cfg.Ctx = context.Background()
	}
	s := harness.NewSession("stress-"+cfg.Cloner, harness.Config{Native: true, NativeTimeout: cfg.Duration + time.Minute,
		Mode: cfg.Mode, CheckTimeout: time.Minute, NoLockset: true, NoInvariants: true})
	sk := &stressKernel{ctx: cfg.Ctx, s: s, maxOps: cfg.MaxOps}
	sk.recording.Store(true)
	k := s.Kernel()

	// get_iface: the first <cloner><N> that can be created.
	setup := sk.caller(2)
	iface := ""
	if !s.Stopped() {
		k.Go("get_iface", func(td *kern.Thread) {
			for n := 0; n <= 8; n++ {
				name := fmt.Sprintf("%s%d", cfg.Cloner, n)
				if setup.ioctl(td, true, name) == 0 {
					iface = name
					if cfg.Cloner == "epair" {
						iface += "a"
					}
					return
				}
			}
		})
	}
	if s.Run("setup") || iface == "" {
		r.SetupFailed = fmt.Sprintf("could not create a %s interface", cfg.Cloner)
	} else {
		r.Iface = iface
		base := strings.TrimSuffix(iface, "a")
		deadline := time.Now().Add(cfg.Duration)
		var created, destroyed, upped atomic.Int64
		switch cfg.Test {
		case "stress":
			cr, de := sk.caller(0), sk.caller(1)
			sk.workers = 2
			k.Go("creator", func(td *kern.Thread) {
				parked := false
				for sk.running(deadline) {
					if cr.ioctl(td, true, base) == 0 {
						created.Add(1)
					}
					sk.quiesce(&parked)
				}
				sk.retire(&parked) // the other may be waiting
			})
			k.Go("destroyer", func(td *kern.Thread) {
				parked := false
				for sk.running(deadline) {
					if de.ioctl(td, false, iface) == 0 {
						destroyed.Add(1)
					}
					sk.quiesce(&parked)
				}
				sk.retire(&parked)
			})
		default:
			upStress(sk, cfg, iface, base, deadline, &upped, &destroyed)
		}
		s.Run("workload")
		r.Created, r.Destroyed, r.Upped = created.Load(), destroyed.Load(), upped.Load()
	}
	r.Capped = sk.stopReq.Load()
	ex := s.Finish()
	r.Ops = len(ex.History)
	r.LockOrder = len(ex.LockOrder)
	r.CheckSec = s.CheckTime().Seconds()
	r.Linearize = "skipped"
	if ex.Check != nil {
		r.Linearize = string(ex.Check.Verdict)
	}
	r.Kind, r.Verdicts, r.Known = ex.Kind, ex.Verdicts, ex.Known
	r.judgeKnown(harness.Spec(cfg.Mode), ex.History)
	for _, v := range ex.Verdicts {
		switch v.Kind {
		case harness.Panic:
			r.Panic, _, _ = strings.Cut(v.Details, "\n\n") // without the stack
		case harness.Deadlock, harness.Hang:
			r.Deadlock, _, _ = strings.Cut(v.Details, "\n\n")
		case harness.WitnessReversal, harness.WitnessSleep:
			r.Witness = append(r.Witness, v.Details)
		case harness.Leak:
			r.Leaks = strings.Split(v.Details, "\n")
		case harness.GoroutineLeak:
			r.Goroutines = s.Kernel().LiveGoroutines()
		}
	}
	return r
}

// upStress is do_up_stress: a loop thread creates the interface, then an
// "up" thread (after 5 ms) and a destroy thread (after a random delay of at
// most 10 ms) race, and the loop waits for both.
func upStress(sk *stressKernel, cfg StressConfig, iface, base string, deadline time.Time, upped, destroyed *atomic.Int64) {
	k := sk.s.Kernel()
	upC, deC, loopC := sk.caller(0), sk.caller(1), sk.caller(3)
	upGo := make(chan chan struct{}, 1)
	deGo := make(chan chan struct{}, 1)
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x75705f73))
	k.Go("loop", func(td *kern.Thread) {
		defer close(upGo)
		defer close(deGo)
		for first := true; sk.running(deadline); first = false {
			if !first {
				loopC.ioctl(td, true, base)
			}
			u, d := make(chan struct{}), make(chan struct{})
			upGo <- u
			deGo <- d
			<-u
			<-d
		}
	})
	k.Go("up", func(td *kern.Thread) {
		for c := range upGo {
			time.Sleep(5 * time.Millisecond)
			if upC.up(td, iface) == 0 {
				upped.Add(1)
			}
			close(c)
		}
	})
	delays := make([]time.Duration, 0, 4096)
	for i := 0; i < cap(delays); i++ {
		delays = append(delays, time.Duration(rng.IntN(10001))*time.Microsecond)
	}
	k.Go("destroyer", func(td *kern.Thread) {
		i := 0
		for c := range deGo {
			time.Sleep(delays[i%len(delays)])
			i++
			if deC.ioctl(td, false, iface) == 0 {
				destroyed.Add(1)
			}
			close(c)
		}
	})
}

// Print writes the result as the script prints its counts, then what
// the judging found.
func (r *StressResult) Print(w io.Writer) {
	fmt.Fprintf(w, "== %s_%s (%s, %.1f s)\n", r.Cloner, r.Test, r.Iface, r.Seconds)
	if r.SetupFailed != "" {
		fmt.Fprintf(w, "   skipped: %s\n", r.SetupFailed)
		return
	}
	switch r.Test {
	case "stress":
		fmt.Fprintf(w, "Created %s %d times.\nDestroyed it %d times.\n", strings.TrimSuffix(r.Iface, "a"), r.Created, r.Destroyed)
	default:
		fmt.Fprintf(w, "Upped %s %d times.\nDestroyed it %d times.\n", r.Iface, r.Upped, r.Destroyed)
	}
	capped := ""
	if r.Capped {
		capped = " (recording capped)"
	}
	fmt.Fprintf(w, "   history: %d ops%s, linearizability %s (%.2f s); WITNESS: %d edges, %d reports; leaks: %d; goroutines left: %d\n",
		r.Ops, capped, r.Linearize, r.CheckSec, r.LockOrder, len(r.Witness), len(r.Leaks), r.Goroutines)
	for _, s := range r.Witness {
		fmt.Fprintf(w, "   WITNESS: %s\n", firstLine(s))
	}
	if r.Panic != "" {
		fmt.Fprintf(w, "   PANIC: %s\n", firstLine(r.Panic))
	}
	if r.Deadlock != "" {
		fmt.Fprintf(w, "   DEADLOCK: %s\n", firstLine(r.Deadlock))
	}
	for _, l := range r.Leaks {
		fmt.Fprintf(w, "   LEAK: %s\n", l)
	}
	if r.Known != "" {
		fmt.Fprintf(w, "   (not counted: %s)\n", r.Known)
	}
	if r.Finding != "" {
		fmt.Fprintf(w, "   %s: known finding %s (%s)\n", r.Kind, r.Finding, r.FindingWhy)
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
