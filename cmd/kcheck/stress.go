// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"kcheck/harness"
	"kcheck/ifclone"
	"kcheck/kern"
	"kcheck/linearize"
	"kcheck/model"
	"kcheck/vnet"
)

// stressCloners are the cloners of this port, in the order
// tests/sys/net/if_clone_test.sh lists its cases (faith and gif are not
// ported).
var stressCloners = []string{"epair", "lo", "tap", "tun", "vlan", "vmnet", "disc"}

type stressOptions struct {
	duration time.Duration
	cloners  []string
	tests    []string
	spec     string
	json     bool
	seed     uint64
	maxOps   int
}

func newStressCmd() *cobra.Command {
	o := &stressOptions{}
	cmd := &cobra.Command{
		Use:   "stress",
		Short: "FreeBSD's if_clone_test.sh stress tests, natively, with history, WITNESS and leak checks",
		Long: `stress runs the scenarios of FreeBSD's tests/sys/net/if_clone_test.sh against
the port with real goroutines (native mode), for each cloner:

  do_stress     one loop creates the interface, another destroys it, for
                --duration (the script's TESTLEN, 10 s)
  do_up_stress  a loop that creates the interface, then races "up" (after
                5 ms) against a destroy (after a random delay of up to 10 ms)

It prints the counts as the script does, then checks the recorded history of
creates and destroys for linearizability (--spec, relaxed by default), the
WITNESS lock order and, after teardown, leaks.

"up" is ifunit_ref + if_up + if_rele (SIOCSIFFLAGS's path without the
protocol layer): the port models no addresses, so the script's
"up 192.0.2.2/24" and its IPv6 variants reduce to bringing the interface up.
The script's get_iface is kept: the interface is the first <cloner><N>
(N <= 8) that can be created, epair<N>a for epair.

Exit status: 0 every test clean, 1 a test failed, 2 bad usage, 130
interrupted (the first SIGINT/SIGTERM ends the running test's loops early,
judges what ran and stops; a second one exits at once).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	f.DurationVar(&o.duration, "duration", 10*time.Second, "length of each test (TESTLEN)")
	f.StringSliceVar(&o.cloners, "cloners", stressCloners, "cloners to test")
	f.StringSliceVar(&o.tests, "tests", []string{"stress", "up_stress"}, "tests: stress, up_stress")
	f.StringVar(&o.spec, "spec", "relaxed", "spec mode for the history check: relaxed or strict")
	f.BoolVar(&o.json, "json", false, "print the results as JSON")
	f.Uint64Var(&o.seed, "seed", 1, "seed of do_up_stress's random delays")
	f.IntVar(&o.maxOps, "max-history", 20000, "record (and check) at most about this many operations per test (0: all)")
	return cmd
}

// StressResult is one test of one cloner.
type StressResult struct {
	Cloner      string   `json:"cloner"`
	Test        string   `json:"test"` // stress or up_stress
	Iface       string   `json:"iface"`
	Seconds     float64  `json:"seconds"`
	Created     int64    `json:"created"`   // do_stress: successful creates
	Destroyed   int64    `json:"destroyed"` // both tests: successful destroys
	Upped       int64    `json:"upped"`     // do_up_stress: successful ups
	Ops         int      `json:"history_ops"`
	Capped      bool     `json:"history_capped,omitempty"` // recording stopped at --max-history
	Linearize   string   `json:"linearizability"`          // ok, illegal, unknown, skipped
	CheckSec    float64  `json:"check_s"`
	Witness     []string `json:"witness,omitempty"`
	Panic       string   `json:"panic,omitempty"`
	Deadlock    string   `json:"deadlock,omitempty"`
	Leaks       []string `json:"leaks,omitempty"`
	Known       string   `json:"known,omitempty"` // leaks that are findings of the C, not of the port
	Goroutines  int64    `json:"goroutines_left"`
	LockOrder   int      `json:"lock_order_edges"`
	SetupFailed string   `json:"setup_failed,omitempty"`
}

// OK reports a clean run.
func (r *StressResult) OK() bool {
	return r.SetupFailed == "" && r.Panic == "" && r.Deadlock == "" && len(r.Witness) == 0 && len(r.Leaks) == 0 &&
		r.Goroutines == 0 && (r.Linearize == "ok" || r.Linearize == "skipped")
}

func (o *stressOptions) run(cmd *cobra.Command) error {
	mode, err := parseSpec(o.spec)
	if err != nil {
		return usageErrorf("%v", err)
	}
	if o.duration <= 0 {
		return usageErrorf("--duration %v: want a positive duration", o.duration)
	}
	if o.maxOps < 0 {
		return usageErrorf("--max-history %d: want 0 (all) or more", o.maxOps)
	}
	known := map[string]bool{}
	for _, c := range stressCloners {
		known[c] = true
	}
	for _, c := range o.cloners {
		if !known[c] {
			return usageErrorf("--cloners: unknown cloner %q (want %s)", c, strings.Join(stressCloners, ", "))
		}
	}
	for _, t := range o.tests {
		if t != "stress" && t != "up_stress" {
			return usageErrorf("--tests: unknown test %q (want stress, up_stress)", t)
		}
	}
	w := cmd.OutOrStdout()
	var results []*StressResult
	bad := false
	ctx := cmd.Context()
	for _, c := range o.cloners {
		for _, t := range o.tests {
			if ctx.Err() != nil {
				break
			}
			r := runStress(StressConfig{Ctx: ctx, Cloner: c, Test: t, Duration: o.duration, Mode: mode, Seed: o.seed, MaxOps: o.maxOps})
			results = append(results, r)
			if !r.OK() {
				bad = true
			}
			if !o.json {
				printStress(w, r)
			}
		}
	}
	if o.json {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return exitWith(exitUsage, err)
		}
	}
	if bad {
		return errViolation
	}
	if ctx.Err() != nil {
		return exitWith(exitInterrupted, fmt.Errorf("stress: interrupted: %d of %d tests ran, the last one cut short",
			len(results), len(o.cloners)*len(o.tests)))
	}
	return nil
}

func printStress(w io.Writer, r *StressResult) {
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
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
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

// stressKernel is a native kernel with the five drivers and one user
// thread's view of vnet0 (socket and ioctl buffers).
type stressKernel struct {
	ctx context.Context // the loops stop when it is cancelled
	k   *kern.Kernel
	v0  *vnet.Vnet
	rec *linearize.Recorder

	// The recording cap (StressConfig.MaxOps).
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

// caller is one emulated process: its ioctl argument buffer is mapped
// once and rewritten for every call.
type caller struct {
	sk    *stressKernel
	id    int // history thread
	buf   []byte
	uaddr kern.UserAddr
}

func (sk *stressKernel) caller(id int) *caller {
	b := make([]byte, 32)
	return &caller{sk: sk, id: id, buf: b, uaddr: sk.k.UserMap(b)}
}

// ioctl runs one SIOCIFCREATE or SIOCIFDESTROY on name from vnet0, as the
// harness's target does, and records it.
func (c *caller) ioctl(td *kern.Thread, create bool, name string) kern.Errno {
	var in model.Input = model.Destroy{Vnet: model.VNET0, Name: name}
	cmd := ifclone.SIOCIFDESTROY
	if create {
		in, cmd = model.Create{Vnet: model.VNET0, Name: name}, ifclone.SIOCIFCREATE
	}
	record := c.sk.recording.Load()
	id := -1
	if record {
		id = c.sk.rec.Call(c.id, in)
	}
	clear(c.buf)
	copy(c.buf, name)
	v := c.sk.v0
	v.Vnet_sockcnt.Add(1)
	ifclone.PrisonAttach(td, 0)
	err := ifclone.Ioctl(td, &ifclone.Socket{SoVnet: v}, cmd, c.uaddr)
	v.Vnet_sockcnt.Add(^uint32(0))
	out := model.Fail(model.Errno(err))
	if err == 0 && create {
		out = model.Output{Name: kern.CString(c.buf[:ifclone.IFNAMSIZ])}
	}
	if record {
		c.sk.rec.Return(id, out)
		if c.sk.maxOps > 0 && id+1 >= c.sk.maxOps {
			c.sk.stopReq.Store(true)
		}
	}
	return err
}

// up is "ifconfig IFACE up": ifunit_ref, if_up, if_rele in vnet0. Not
// recorded: the specification has no interface flags.
func (c *caller) up(td *kern.Thread, name string) kern.Errno {
	saved := vnet.CurvnetSet(td, c.sk.v0)
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

// runStress runs one test natively and judges it.
func runStress(cfg StressConfig) *StressResult {
	r := &StressResult{Cloner: cfg.Cloner, Test: cfg.Test}
	start := time.Now()
	defer func() { r.Seconds = time.Since(start).Seconds() }()
	k := kern.NewKernel(kern.Config{Name: "stress-" + cfg.Cloner, Native: true, NativeTimeout: cfg.Duration + time.Minute})
	if cfg.Ctx == nil {
		cfg.Ctx = context.Background()
	}
	sk := &stressKernel{ctx: cfg.Ctx, k: k, maxOps: cfg.MaxOps}
	sk.recording.Store(true)
	td0 := k.Thread0()
	vnet.Of(k)
	ifclone.IfnetInit(k)
	harness.LoadAllDrivers(td0)
	k.Boot(td0)
	sk.v0 = vnet.Of(k).Vnet0()
	sk.rec = linearize.NewRecorder(k.Now)

	// get_iface: the first <cloner><N> that can be created.
	setup := sk.caller(2)
	iface := ""
	var res *kern.RunResult
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
	res = k.Run()
	if iface == "" || !res.OK() {
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
		res = k.Run()
		r.Created, r.Destroyed, r.Upped = created.Load(), destroyed.Load(), upped.Load()
	}
	judgeNative(r, res)
	r.LockOrder = len(k.WitnessEdges())

	h := sk.rec.History()
	r.Ops = len(h)
	r.Capped = sk.stopReq.Load()
	if r.Panic == "" && r.Deadlock == "" {
		t0 := time.Now()
		chk := linearize.Check(harness.Spec(cfg.Mode), h, linearize.Options{Timeout: time.Minute})
		r.CheckSec = time.Since(t0).Seconds()
		r.Linearize = string(chk.Verdict)
	} else {
		r.Linearize = "skipped"
	}

	// Teardown, then leaks.
	if r.Panic == "" && r.Deadlock == "" {
		k.Go("teardown", func(td *kern.Thread) {
			ifclone.PrisonAttach(td, 0)
			vnet.DestroyVnet0(td)
			k.Shutdown(td)
		})
		tres := k.Run()
		judgeNative(r, tres)
		if r.Panic == "" && r.Deadlock == "" {
			r.Leaks, r.Known = nativeLeaks(k)
			r.Goroutines = k.LiveGoroutines()
		}
	}
	return r
}

// upStress is do_up_stress: a loop thread creates the interface, then an
// "up" thread (after 5 ms) and a destroy thread (after a random delay of at
// most 10 ms) race, and the loop waits for both.
func upStress(sk *stressKernel, cfg StressConfig, iface, base string, deadline time.Time, upped, destroyed *atomic.Int64) {
	k := sk.k
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

// judgeNative copies a run's failures into r.
func judgeNative(r *StressResult, res *kern.RunResult) {
	if res == nil {
		return
	}
	if res.Panic != nil && r.Panic == "" {
		r.Panic = res.Panic.Error()
	}
	if res.Deadlock != nil && r.Deadlock == "" {
		r.Deadlock = res.Deadlock.String()
	}
	for _, w := range res.Witness {
		r.Witness = append(r.Witness, w.Msg)
	}
}

// nativeLeaks is harness.Leaks: leaks after teardown, with finding F8's
// cdevs reported apart.
func nativeLeaks(k *kern.Kernel) (leaks []string, known string) { return harness.Leaks(k) }
