// SPDX-License-Identifier: BSD-2-Clause

package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"kcheck/harness"
	"kcheck/internal/sysinfo"
	"kcheck/kern"
	"kcheck/linearize"
	"kcheck/model"
	"kcheck/unrhdr"
)

// BenchReport is kcheck bench's output.
type BenchReport struct {
	Machine    sysinfo.Machine `json:"machine"`
	Date       time.Time       `json:"date"`
	Mode       string          `json:"mode"`
	Quick      bool            `json:"quick,omitempty"`
	Sched      SchedFigures    `json:"sched"`
	Executions []ExecFigure    `json:"executions"`
	Unrhdr     []UnrFigure     `json:"unrhdr"`
	// UnrhdrC says where the C figures the unrhdr ratios divide by come
	// from (nil if unrhdr's c_bench.txt did not parse).
	UnrhdrC *UnrCSource   `json:"unrhdr_c,omitempty"`
	Checker []CheckFigure `json:"checker"`
	// PeakRSS is the process's peak resident set size in bytes when the
	// measurements end (0 where the platform does not report it).
	PeakRSS int64 `json:"peak_rss_bytes"`
	// LoadStart and LoadEnd are the machine's one-minute load average
	// when the measurements begin and end (-1 where /proc/loadavg is
	// missing): above the figures' own one or two, other processes
	// shared the CPUs and the absolute figures are low.
	LoadStart float64 `json:"load_start"`
	LoadEnd   float64 `json:"load_end"`
}

// loadAverage is the one-minute load average, -1 if unknown.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return v
}

// SchedFigures are the controlled scheduler's costs.
type SchedFigures struct {
	SwitchNs float64 `json:"switch_ns"` // per scheduling point that switches threads
	// FloorNs is a bare iter.Pull round trip (next, then yield), timed
	// between the switch runs under the same load; XFloor is
	// SwitchNs / FloorNs (kern's BenchmarkControlledSwitch).
	FloorNs    float64 `json:"floor_ns"`
	XFloor     float64 `json:"x_floor"`
	PointNs    float64 `json:"point_ns"`      // per scheduling point without a switch
	MtxPairNs  float64 `json:"mtx_pair_ns"`   // controlled Mtx lock+unlock, one thread
	NativeMtxN float64 `json:"native_mtx_ns"` // native Mtx lock+unlock (sync.Mutex below)
	// The iteration counts of the runs measured (the last, longest run of
	// each figure), for the benchmark format.
	SwitchN     int `json:"switch_n,omitempty"`
	PointN      int `json:"point_n,omitempty"`
	MtxPairN    int `json:"mtx_pair_n,omitempty"`
	NativeMtxNN int `json:"native_mtx_n,omitempty"`
}

// ExecFigure is one strategy's throughput on the standard scenario.
type ExecFigure struct {
	Strategy string `json:"strategy"`
	// Workers is the number of emulated kernels run at once, one per
	// goroutine (0 or 1: one); PerSecond is then their sum and PullUnits
	// one execution's time on one worker.
	Workers    int     `json:"workers,omitempty"`
	Executions int     `json:"executions"`
	Seconds    float64 `json:"seconds"`
	PerSecond  float64 `json:"per_second"`
	StepsPerEx float64 `json:"steps_per_execution"`
	// PullUnits is the time of one execution in iter.Pull round trips
	// (Sched.FloorNs): a figure that cancels most of the machine's speed.
	PullUnits float64 `json:"pull_units,omitempty"`
	// AllocsPerEx is the heap allocations per execution.
	AllocsPerEx float64       `json:"allocs_per_execution"`
	Verdicts    harness.Tally `json:"verdicts"`
}

// UnrFigure is the unrhdr driver mix.
type UnrFigure struct {
	Variant   string  `json:"variant"` // check, nocheck, short-check or short-nocheck
	Calls     int     `json:"calls"`
	NsPerCall float64 `json:"ns_per_call"`
	// CPUNsPerCall is the process CPU time per call (the collector's
	// included; 0 where the platform does not report it).
	CPUNsPerCall float64 `json:"cpu_ns_per_call,omitempty"`
	// The C's figures for the same mix from unrhdr's c_bench.txt (medians
	// of gen.sh's runs, measured then, not in this run) and the port's
	// time over them; 0 when the file has no such figure.
	CNsPerCall    float64 `json:"c_ns_per_call,omitempty"`
	CCPUNsPerCall float64 `json:"c_cpu_ns_per_call,omitempty"`
	Ratio         float64 `json:"ratio_to_c,omitempty"`     // NsPerCall / CNsPerCall
	CPURatio      float64 `json:"cpu_ratio_to_c,omitempty"` // CPUNsPerCall / CCPUNsPerCall
}

// UnrCSource is where the unrhdr C figures were measured: the header of
// unrhdr/testdata/cgen/c_bench.txt.
type UnrCSource struct {
	File     string `json:"file"`
	Date     string `json:"date"`
	Machine  string `json:"machine"`
	Compiler string `json:"compiler"`
	Load     string `json:"load"`
}

// unrCFile is the C figures' file, as the reports name it.
const unrCFile = "unrhdr/testdata/cgen/c_bench.txt"

// withC adds the C's figures of c_bench.txt to the port's, and returns
// where they come from (nil if the file does not parse).
func withC(figs []UnrFigure) *UnrCSource {
	c, err := unrhdr.CReference()
	if err != nil {
		return nil
	}
	for i := range figs {
		u := &figs[i]
		f, ok := c.Figure(u.Variant)
		if !ok {
			continue
		}
		u.CNsPerCall, u.CCPUNsPerCall = f.WallMedianNs, f.CPUMedianNs
		u.Ratio = u.NsPerCall / f.WallMedianNs
		if u.CPUNsPerCall > 0 {
			u.CPURatio = u.CPUNsPerCall / f.CPUMedianNs
		}
	}
	return &UnrCSource{File: unrCFile, Date: c.Date, Machine: c.Machine, Compiler: c.Compiler, Load: c.Load}
}

// CheckFigure is one linearizability check.
type CheckFigure struct {
	Ops         int     `json:"ops"`
	Partitioned bool    `json:"partitioned"`
	Partitions  int     `json:"partitions"`
	Seconds     float64 `json:"seconds"`
	Verdict     string  `json:"verdict"`
	// Limit is linearize.Result.Limit: how the memory budget changed the
	// check ("" if it did not).
	Limit string `json:"limit,omitempty"`
}

// BenchConfig configures RunBench.
type BenchConfig struct {
	Budget       time.Duration
	Lengths      []int
	CheckTimeout time.Duration
	Mode         model.Mode
	Quick        bool
	Progress     func(string)
}

// RunBench takes every measurement.
func RunBench(cfg BenchConfig) *BenchReport {
	say := cfg.Progress
	if say == nil {
		say = func(string) {}
	}
	rep := &BenchReport{Machine: sysinfo.ThisMachine(), Date: time.Now().UTC(), Mode: cfg.Mode.String(), Quick: cfg.Quick,
		LoadStart: loadAverage()}
	say("sched ...")
	rep.Sched = benchSched(cfg.Quick)
	for _, s := range harness.Strategies {
		say("executions " + string(s) + " ...")
		rep.Executions = append(rep.Executions, benchExecutions(s, cfg.Budget, cfg.Mode))
	}
	if w := runtime.GOMAXPROCS(0); w > 1 {
		say(fmt.Sprintf("executions pct on %d workers ...", w))
		rep.Executions = append(rep.Executions, benchExecutionsParallel(harness.PCT, cfg.Budget, cfg.Mode, w))
	}
	for i := range rep.Executions {
		if e := &rep.Executions[i]; e.PerSecond > 0 && rep.Sched.FloorNs > 0 {
			e.PullUnits = float64(max(e.Workers, 1)) * 1e9 / e.PerSecond / rep.Sched.FloorNs
		}
	}
	say("unrhdr ...")
	reps := 10
	if cfg.Quick {
		reps = 1
	}
	for _, check := range []bool{true, false} {
		rep.Unrhdr = append(rep.Unrhdr, benchUnrhdr(check, reps))
	}
	for _, check := range []bool{true, false} {
		rep.Unrhdr = append(rep.Unrhdr, benchUnrShort(check, reps))
	}
	rep.UnrhdrC = withC(rep.Unrhdr)
	for _, n := range cfg.Lengths {
		h := genHistory(n, 8, uint64(n))
		for _, part := range []bool{true, false} {
			say(fmt.Sprintf("checker ops=%d partitioned=%v ...", n, part))
			t0 := time.Now()
			r := linearize.Check(harness.Spec(cfg.Mode), h, linearize.Options{Timeout: cfg.CheckTimeout, NoPartition: !part})
			rep.Checker = append(rep.Checker, CheckFigure{Ops: n, Partitioned: part, Partitions: r.Partitions,
				Seconds: time.Since(t0).Seconds(), Verdict: string(r.Verdict), Limit: r.Limit})
		}
	}
	rep.PeakRSS, _ = sysinfo.PeakRSS()
	rep.LoadEnd = loadAverage()
	return rep
}

// alternate switches to another thread at every scheduling point.
var alternate = kern.ChooserFunc(func(d *kern.Decision) int {
	for i, t := range d.Runnable {
		if t != d.Prev {
			return i
		}
	}
	return 0
})

// benchTime is how long nsPer grows n until one run of f(n) lasts, as
// go test's default -benchtime.
const benchTime = time.Second

// nsPer returns f's nanoseconds per unit and the n it measured them
// with: f(n) does n units and returns the time they took. Without quick
// it grows n as testing.Benchmark does (1, then a prediction from the
// last run with 20% to spare, at most 100 times the last n) until one run
// lasts benchTime, and uses that run; quick runs n = 20,000 once.
func nsPer(quick bool, f func(n int) time.Duration) (float64, int) {
	if quick {
		const n = 20000
		return float64(f(n).Nanoseconds()) / n, n
	}
	return nsPerRun(benchTime, f)
}

// nsPerRun is nsPer's growing loop with its target run time.
func nsPerRun(target time.Duration, f func(n int) time.Duration) (float64, int) {
	n := 1
	d := f(n)
	for d < target && n < 1e9 {
		last := n
		per := max(d.Nanoseconds()/int64(last), 1)
		next := int(min(int64(1.2*float64(target.Nanoseconds())/float64(per)), int64(100*last), 1e9))
		n = max(next, last+1)
		d = f(n)
	}
	return float64(d.Nanoseconds()) / float64(n), n
}

func benchSched(quick bool) SchedFigures {
	var s SchedFigures
	// As kern's BenchmarkControlledSwitch: runs of at most 10,000 points,
	// the floor timed after each run over as many round trips.
	var floorNs, switchNs, switches float64
	_, s.SwitchN = nsPer(quick, func(n int) time.Duration {
		const perRun = 10_000
		var el time.Duration
		for left := n; left > 0; left -= perRun {
			m := min(left, perRun)
			k := kern.NewKernel(kern.Config{Chooser: alternate, MaxSteps: int64(m) + 100})
			for i := 0; i < 2; i++ {
				k.Go("t", func(td *kern.Thread) {
					for j := 0; j < m/2; j++ {
						kern.Preempt(td)
					}
				})
			}
			t0 := time.Now()
			res := k.Run()
			d := time.Since(t0)
			el += d
			sw := len(res.Switches)
			f := kern.PullRoundTrip(sw)
			switchNs += float64(d.Nanoseconds())
			floorNs += float64(f.Nanoseconds())
			switches += float64(sw)
		}
		return el
	})
	if switches > 0 {
		s.SwitchNs = switchNs / switches
		s.FloorNs = floorNs / switches
		s.XFloor = s.SwitchNs / s.FloorNs
	}
	s.PointNs, s.PointN = nsPer(quick, func(n int) time.Duration {
		k := kern.NewKernel(kern.Config{MaxSteps: int64(n) + 100})
		k.Go("t", func(td *kern.Thread) {
			for j := 0; j < n; j++ {
				kern.Preempt(td)
			}
		})
		t0 := time.Now()
		k.Run()
		return time.Since(t0)
	})
	s.MtxPairNs, s.MtxPairN = nsPer(quick, func(n int) time.Duration {
		k := kern.NewKernel(kern.Config{MaxSteps: 2*int64(n) + 100})
		var m kern.Mtx
		m.Init(k, "bench", "", kern.MTX_DEF)
		k.Go("t", func(td *kern.Thread) {
			for i := 0; i < n; i++ {
				m.Lock(td)
				m.Unlock(td)
			}
		})
		t0 := time.Now()
		k.Run()
		return time.Since(t0)
	})
	s.NativeMtxN, s.NativeMtxNN = nsPer(quick, func(n int) time.Duration {
		k := kern.NewKernel(kern.Config{Native: true})
		var m kern.Mtx
		m.Init(k, "bench", "", kern.MTX_DEF)
		td := k.Thread0()
		t0 := time.Now()
		for i := 0; i < n; i++ {
			m.Lock(td)
			m.Unlock(td)
		}
		return time.Since(t0)
	})
	return s
}

// benchExecutions runs the standard scenario (a new seed per scenario
// once DFS has exhausted one) for budget.
func benchExecutions(s harness.StrategyKind, budget time.Duration, mode model.Mode) ExecFigure {
	return benchExecutionsParallel(s, budget, mode, 1)
}

// benchExecutionsParallel runs executions of the standard scenario on
// workers goroutines at once, each with its own kernels, for budget:
// worker w explores standard scenario 1 with explorer seed w+1 and, when
// its explorer is exhausted (DFS), the next scenario seed of its own
// (seed+workers); the figure sums them. With one worker it is
// benchExecutions: scenario seeds 1, 2, 3, ... each explored with its own
// seed.
func benchExecutionsParallel(s harness.StrategyKind, budget time.Duration, mode model.Mode, workers int) ExecFigure {
	fig := ExecFigure{Strategy: string(s), Verdicts: harness.Tally{}}
	if workers > 1 {
		fig.Workers = workers
	}
	var mu sync.Mutex
	var steps int64
	var wg sync.WaitGroup
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	t0 := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			// The one-worker row's scenario, each worker exploring it
			// with its own seed.
			seed := uint64(1)
			scn := harness.StandardScenario(seed)
			e := &harness.Explorer{Kind: s, Seed: uint64(w + 1), Bound: 2}
			n, st := 0, int64(0)
			tally := harness.Tally{}
			for time.Since(t0) < budget {
				ch, native, _, ok := e.Next()
				if !ok {
					seed += uint64(workers)
					scn = harness.StandardScenario(seed)
					e = &harness.Explorer{Kind: s, Seed: seed + uint64(w), Bound: 2}
					continue
				}
				ex := harness.Execute(scn, harness.Config{Chooser: ch, Native: native, Mode: mode})
				n++
				tally.Add(ex.Kind, 1)
				st += ex.Steps
			}
			mu.Lock()
			defer mu.Unlock()
			fig.Executions += n
			steps += st
			fig.Verdicts.AddTally(tally)
		}(w)
	}
	wg.Wait()
	fig.Seconds = time.Since(t0).Seconds()
	runtime.ReadMemStats(&ms1)
	fig.PerSecond = float64(fig.Executions) / fig.Seconds
	if fig.Executions > 0 {
		fig.StepsPerEx = float64(steps) / float64(fig.Executions)
		fig.AllocsPerEx = float64(ms1.Mallocs-ms0.Mallocs) / float64(fig.Executions)
	}
	return fig
}

// label names the row: the strategy, with the workers when more than one.
func (e ExecFigure) label() string {
	if e.Workers > 1 {
		return fmt.Sprintf("%s x%d", e.Strategy, e.Workers)
	}
	return e.Strategy
}

// splitmix64 is the generator of subr_unit.c's benchmark driver port.
type splitmix64 struct{ s uint64 }

func (r *splitmix64) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// uniform is a draw in [0, n), as unrhdr's helpers_test.go makes it.
func (r *splitmix64) uniform(n uint32) uint32 { return uint32(r.next() % uint64(n)) }

// benchUnrhdr is the op mix of subr_unit.c's test driver (main, with
// test_alloc_unr and test_alloc_unr_specific) at count 10,000: reps x count
// random calls, then every held unit freed.
func benchUnrhdr(check bool, reps int) UnrFigure {
	const count = 10000
	k := kern.NewKernel(kern.Config{Name: "unrhdr-bench"})
	td := k.Thread0()
	r := &splitmix64{s: 42}
	n := count * reps
	ri := make([]uint32, n)
	rc := make([]bool, n)
	for m := 0; m < n; m++ {
		ri[m] = uint32(r.next() % count)
		rc[m] = r.next()&1 != 0
	}
	uh := unrhdr.NewUnrhdr(td, 0, count-1, nil)
	a := make([]bool, count)
	calls := 0
	cpu0 := processCPU()
	t0 := time.Now()
	for m := 0; m < n; m++ {
		i := ri[m]
		if rc[m] { // test_alloc_unr
			if a[i] {
				unrhdr.FreeUnr(td, uh, i)
				a[i] = false
			} else if j := unrhdr.AllocUnr(td, uh); j != -1 {
				a[j] = true
			}
			calls++
		} else { // test_alloc_unr_specific
			j := unrhdr.AllocUnrSpecific(td, uh, i)
			calls++
			if j == -1 {
				a[i] = false
				unrhdr.FreeUnr(td, uh, i)
				calls++
			} else {
				a[i] = true
			}
		}
		if check {
			unrhdr.CheckUnrhdr(td, uh, 1090)
		}
	}
	for i := 0; i < count; i++ {
		if a[i] {
			unrhdr.FreeUnr(td, uh, uint32(i))
			calls++
		}
	}
	el := time.Since(t0)
	cpu := processCPU() - cpu0
	unrhdr.DeleteUnrhdr(td, uh)
	v := "nocheck"
	if check {
		v = "check"
	}
	return unrFigure(v, calls, el, cpu)
}

// The short-list mix (testdata/cgen/bench.c "short", unrhdr's
// BenchmarkDriverMix short-check/short-nocheck): units 5..300, where the
// chunk list stays a few entries long and the fixed cost of each call
// dominates.
const (
	shortLow  = 5
	shortHigh = 300
	shortN    = shortHigh - shortLow + 1
	shortOps  = 100000
)

// benchUnrShort is bench.c's run_short, reps times: per op (splitmix64
// seeded 7: a kind 0..99, a unit or index, a coin) 40% alloc_unr, 25%
// alloc_unr_specific of a random unit, 30% free_unr of a random held
// unit, 5% the C driver's op on a random unit; then every held unit
// freed. 102,734 unr calls a run, as the C prints.
func benchUnrShort(check bool, reps int) UnrFigure {
	k := kern.NewKernel(kern.Config{Name: "unrhdr-bench-short"})
	td := k.Thread0()
	r := &splitmix64{s: 7}
	kind := make([]uint32, shortOps)
	x := make([]uint32, shortOps)
	coin := make([]bool, shortOps)
	for m := range kind {
		kind[m] = r.uniform(100)
		x[m] = uint32(r.next())
		coin[m] = r.next()&1 != 0
	}
	var held, pos [shortN]uint32
	var a [shortN]bool
	var nh uint32
	hold := func(u uint32) {
		pos[u-shortLow], held[nh] = nh, u
		nh++
		a[u-shortLow] = true
	}
	unhold := func(u uint32) {
		nh--
		p, v := pos[u-shortLow], held[nh]
		held[p], pos[v-shortLow] = v, p
		a[u-shortLow] = false
	}
	calls := 0
	cpu0 := processCPU()
	t0 := time.Now()
	for rep := 0; rep < reps; rep++ {
		uh := unrhdr.NewUnrhdr(td, shortLow, shortHigh, nil)
		for m := range kind {
			switch kd := kind[m]; {
			case kd < 40:
				calls++
				if j := unrhdr.AllocUnr(td, uh); j != -1 {
					hold(uint32(j))
				}
			case kd < 65:
				i := shortLow + x[m]%shortN
				calls++
				if unrhdr.AllocUnrSpecific(td, uh, i) != -1 {
					hold(i)
				}
			case kd < 95:
				if nh > 0 {
					i := held[x[m]%nh]
					calls++
					unrhdr.FreeUnr(td, uh, i)
					unhold(i)
				}
			default:
				i := shortLow + x[m]%shortN
				switch {
				case coin[m] && a[i-shortLow]:
					calls++
					unrhdr.FreeUnr(td, uh, i)
					unhold(i)
				case coin[m]:
					calls++
					if j := unrhdr.AllocUnr(td, uh); j != -1 {
						hold(uint32(j))
					}
				default:
					calls++
					if unrhdr.AllocUnrSpecific(td, uh, i) == -1 {
						unhold(i)
						calls++
						unrhdr.FreeUnr(td, uh, i)
					} else {
						hold(i)
					}
				}
			}
			if check {
				unrhdr.CheckUnrhdr(td, uh, 1090)
			}
		}
		for i := uint32(0); i < shortN; i++ {
			if a[i] {
				calls++
				unrhdr.FreeUnr(td, uh, shortLow+i)
				unhold(shortLow + i)
			}
		}
		unrhdr.DeleteUnrhdr(td, uh)
	}
	el := time.Since(t0)
	cpu := processCPU() - cpu0
	v := "short-nocheck"
	if check {
		v = "short-check"
	}
	return unrFigure(v, calls, el, cpu)
}

// unrFigure is a mix's figure from its calls, wall and CPU time.
func unrFigure(variant string, calls int, wall, cpu time.Duration) UnrFigure {
	u := UnrFigure{Variant: variant, Calls: calls, NsPerCall: float64(wall.Nanoseconds()) / float64(calls)}
	if cpu > 0 {
		u.CPUNsPerCall = float64(cpu.Nanoseconds()) / float64(calls)
	}
	return u
}

// genHistory makes a linearizable history of n operations by construction:
// create and destroy operations over all cloner families are applied to the Strict model in
// order, each at its own linearization point, with call and return spread
// around it so that up to about four operations overlap; thread t does
// operations t, t+threads, ... (never overlapping itself).
func genHistory(n, threads int, seed uint64) linearize.History {
	rng := rand.New(rand.NewPCG(seed, 0x68697374))
	sp := model.New(model.Config{})
	st := sp.Init()
	names := []string{"lo", "lo1", "lo2", "lo3", "disc", "disc0", "disc1", "disc2", "epair", "epair0", "epair1", "epair0a", "epair1a",
		"tun", "tun0", "tun1", "tap", "tap0", "vmnet0", "vlan", "vlan0", "vlan1"}
	h := make(linearize.History, 0, n)
	const gap = 10
	for i := 0; i < n; i++ {
		name := names[rng.IntN(len(names))]
		var in model.Input = model.Create{Vnet: model.VNET0, Name: name}
		if rng.IntN(100) >= 45 {
			in = model.Destroy{Vnet: model.VNET0, Name: name}
		}
		var out model.Output
		out, st = sp.Apply(st, in)
		at := int64(i+1) * gap * 4
		h = append(h, linearize.Operation{ID: i, Thread: i % threads, Input: in, Output: out,
			Call: at - int64(rng.IntN(2*gap)) - 1, Return: at + int64(rng.IntN(2*gap)) + 1})
	}
	return h
}

// Table is the plain-text report.
func (r *BenchReport) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "machine: %d CPUs, %s, %s (%s)\n\n", r.Machine.CPUs, r.Machine.CPU, r.Machine.GoVersion, r.Machine.OS)
	fmt.Fprintf(&b, "scheduling point, switching threads   %8.0f ns  (%.1f x an iter.Pull round trip of %.0f ns)\n", r.Sched.SwitchNs, r.Sched.XFloor, r.Sched.FloorNs)
	fmt.Fprintf(&b, "scheduling point, same thread         %8.0f ns\n", r.Sched.PointNs)
	fmt.Fprintf(&b, "controlled mtx lock+unlock            %8.0f ns\n", r.Sched.MtxPairNs)
	fmt.Fprintf(&b, "native mtx lock+unlock                %8.0f ns\n\n", r.Sched.NativeMtxN)
	fmt.Fprintf(&b, "executions/s, standard scenario (3x4 over lo and epair, %s spec, all checks on)\n", r.Mode)
	for _, e := range r.Executions {
		fmt.Fprintf(&b, "  %-7s %9.0f/s  %6.0f pull-units  (%d in %.1f s, %s steps, %.0f allocs each; %s)\n", e.label(), e.PerSecond, e.PullUnits, e.Executions, e.Seconds, stepsOf(e), e.AllocsPerEx, e.Verdicts.String())
	}
	b.WriteString("\nunrhdr driver mix (count 10,000; short: units 5..300), ns per call, wall and CPU; the port over the C\n")
	for _, u := range r.Unrhdr {
		fmt.Fprintf(&b, "  %-13s %7.0f ns/call  cpu %7.0f  (%d calls)", u.Variant, u.NsPerCall, u.CPUNsPerCall, u.Calls)
		if u.CNsPerCall > 0 {
			fmt.Fprintf(&b, "  C %5.0f, cpu %5.0f: %.2fx, cpu %.2fx", u.CNsPerCall, u.CCPUNsPerCall, u.Ratio, u.CPURatio)
		}
		b.WriteString("\n")
	}
	b.WriteString("  " + r.unrCNote() + "\n")
	b.WriteString("\nlinearizability check vs history length (8 threads, all families)\n")
	for _, c := range r.Checker {
		p := "whole      "
		if c.Partitioned {
			p = fmt.Sprintf("partitioned (%d)", c.Partitions)
		}
		fmt.Fprintf(&b, "  %7d ops  %-18s %9.3f s  %s", c.Ops, p, c.Seconds, c.Verdict)
		if c.Limit != "" {
			fmt.Fprintf(&b, "  (%s)", c.Limit)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\npeak RSS %s\n", rssString(r.PeakRSS))
	return b.String()
}

// rssString prints a peak RSS in MiB ("unknown" where it is not reported).
func rssString(b int64) string {
	if b <= 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}

// stepsOf is the scheduling points per execution ("—" natively, where
// there is no scheduler to count them).
func stepsOf(e ExecFigure) string {
	if e.Strategy == string(harness.Native) {
		return "—"
	}
	return fmt.Sprintf("%.0f", e.StepsPerEx)
}

// Markdown is docs/PERFORMANCE.md.
func (r *BenchReport) Markdown(command string) string {
	var b strings.Builder
	b.WriteString("# Performance\n\n")
	fmt.Fprintf(&b, "Latest figures, written by `%s` on %s.\n\n", command, r.Date.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "Machine: %d CPUs (nproc), %s, %s, %s.", r.Machine.CPUs, r.Machine.CPU, r.Machine.GoVersion, r.Machine.OS)
	if r.LoadStart >= 0 && r.LoadEnd >= 0 {
		fmt.Fprintf(&b, " Load average (1 min) %.1f at the start, %.1f at the end", r.LoadStart, r.LoadEnd)
		if max(r.LoadStart, r.LoadEnd) > float64(r.Machine.CPUs) {
			b.WriteString(": other processes shared the CPUs, so the absolute figures are low; the ratios (x-floor, pull-units) move less")
		}
		b.WriteString(".")
	}
	b.WriteString("\n\n")
	b.WriteString("## Scheduler\n\nMeasured with a loop that grows its iteration count as `testing.Benchmark` does, to runs of 1 s (as kern's BenchmarkControlledSwitch and BenchmarkPointNoSwitch).\n\n| measurement | ns |\n|---|---|\n")
	fmt.Fprintf(&b, "| scheduling point that switches threads (two threads handing over) | %.0f |\n", r.Sched.SwitchNs)
	fmt.Fprintf(&b, "| bare `iter.Pull` round trip (next + yield), timed between the switch runs: the floor | %.0f |\n", r.Sched.FloorNs)
	fmt.Fprintf(&b, "| scheduling point without a switch (one thread) | %.0f |\n", r.Sched.PointNs)
	fmt.Fprintf(&b, "| controlled `Mtx` lock + unlock | %.0f |\n", r.Sched.MtxPairNs)
	fmt.Fprintf(&b, "| native `Mtx` lock + unlock | %.0f |\n", r.Sched.NativeMtxN)
	fmt.Fprintf(&b, "\nA switching point costs %.1f x the floor (x-floor).\n", r.Sched.XFloor)
	fmt.Fprintf(&b, "\n## Executions per second\n\n`harness.StandardScenario` (3 threads × 4 create/destroy operations over lo and epair), every check on\n"+
		"(assertions, WITNESS, linearizability against the %s spec, leaks after teardown); one execution boots a kernel with\n"+
		"all five drivers and tears it down. DFS: preemption bound 2, the next seed's scenario once one is exhausted.\n"+
		"Pull-units: the time of one execution in bare `iter.Pull` round trips (the floor above), a figure that cancels\n"+
		"most of the machine's speed. The row `pct xN` runs N kernels at once, one per core (executions/s is their sum,\n"+
		"pull-units one execution on one of them).\n\n"+
		"| strategy | executions/s | pull-units/execution | allocs/execution | executions | seconds | steps/execution | verdicts |\n|---|---|---|---|---|---|---|---|\n", r.Mode)
	for _, e := range r.Executions {
		fmt.Fprintf(&b, "| %s | %.0f | %.0f | %.0f | %d | %.1f | %s | %s |\n", e.label(), e.PerSecond, e.PullUnits, e.AllocsPerEx, e.Executions, e.Seconds, stepsOf(e), e.Verdicts.String())
	}
	b.WriteString("\n## unrhdr\n\nsubr_unit.c's test-driver op mix at count 10,000 (10 × count random calls: alloc_unr or free of a held\n" +
		"unit, alloc_unr_specific or free when taken; splitmix64 seed 42), then every held unit freed; one kernel thread, on the kernel's global unit mutex (new_unrhdr with NULL), never contended.\n" +
		"The short-list mix (testdata/cgen/bench.c \"short\", 10 runs): units 5..300, 100,000 ops of 40% alloc_unr, 25%\n" +
		"alloc_unr_specific, 30% free_unr of a held unit, 5% the driver's op (splitmix64 seed 7), where the chunk list stays\n" +
		"short and each call's fixed cost dominates. CPU: the process's CPU time (the collector's included).\n\n" +
		r.unrCNote() + " Port/C divides this run's figure by the file's median (wall by wall, CPU by CPU).\n\n" +
		"| variant | calls | ns/call | CPU ns/call | C ns/call | C CPU ns/call | port/C | port/C, CPU |\n|---|---|---|---|---|---|---|---|\n")
	for _, u := range r.Unrhdr {
		v := "check_unrhdr after every call"
		switch u.Variant {
		case "nocheck":
			v = "no extra check (INVARIANTS checks inside still on)"
		case "short-check":
			v = "short list, check_unrhdr after every call"
		case "short-nocheck":
			v = "short list, no extra check"
		}
		c, cc, ra, rc := "—", "—", "—", "—"
		if u.CNsPerCall > 0 {
			c, cc, ra = fmt.Sprintf("%.0f", u.CNsPerCall), fmt.Sprintf("%.0f", u.CCPUNsPerCall), fmt.Sprintf("%.2fx", u.Ratio)
		}
		if u.CPURatio > 0 {
			rc = fmt.Sprintf("%.2fx", u.CPURatio)
		}
		fmt.Fprintf(&b, "| %s | %d | %.0f | %.0f | %s | %s | %s | %s |\n", v, u.Calls, u.NsPerCall, u.CPUNsPerCall, c, cc, ra, rc)
	}
	fmt.Fprintf(&b, "\n## Linearizability checking\n\nHistories linearizable by construction (8 threads; creates and destroys over every cloner family,\n"+
		"outputs from the model, about four operations overlapping), checked against the %s spec, partitioned by the\n"+
		"model's footprints and whole. `linearize.Check` first searches each piece for a linearization (the\n"+
		"order the operations returned first, then a bounded depth-first search over small pieces) and gives porcupine\n"+
		"only the pieces it could not decide; these histories mostly take that fast path.\n\n| ops | partitioned (partitions) | whole |\n|---|---|---|\n", r.Mode)
	byOps := map[int][2]*CheckFigure{}
	var order []int
	for i := range r.Checker {
		c := &r.Checker[i]
		p := byOps[c.Ops]
		if p[0] == nil && p[1] == nil {
			order = append(order, c.Ops)
		}
		if c.Partitioned {
			p[0] = c
		} else {
			p[1] = c
		}
		byOps[c.Ops] = p
	}
	cell := func(c *CheckFigure) string {
		if c == nil {
			return "—"
		}
		s := fmt.Sprintf("%.3f s", c.Seconds)
		if c.Verdict != string(linearize.Ok) {
			s += " (" + c.Verdict + ")"
		}
		return s
	}
	for _, n := range order {
		p := byOps[n]
		parts := ""
		if p[0] != nil {
			parts = fmt.Sprintf(" (%d)", p[0].Partitions)
		}
		fmt.Fprintf(&b, "| %d | %s%s | %s |\n", n, cell(p[0]), parts, cell(p[1]))
	}
	var limits []string
	for _, c := range r.Checker {
		if c.Limit != "" {
			kind := "whole"
			if c.Partitioned {
				kind = "partitioned"
			}
			limits = append(limits, fmt.Sprintf("- %d ops, %s: %s", c.Ops, kind, c.Limit))
		}
	}
	if len(limits) > 0 {
		fmt.Fprintf(&b, "\nThe checker's memory budget (%d MiB) changed these checks:\n\n%s\n", linearize.DefaultMemoryBudget>>20, strings.Join(limits, "\n"))
	}
	fmt.Fprintf(&b, "\n## Memory\n\nPeak RSS of the `kcheck bench` process: %s.\n", rssString(r.PeakRSS))
	b.WriteString("\n## Measuring a change\n\n" +
		"On a shared machine compare binaries, not runs: build the old and the new test binary and run them alternately,\n" +
		"then compare ratios. `cpu-ns/op` (process CPU per execution, collections included) and `pull-units` (the\n" +
		"execution in bare `iter.Pull` round trips timed in the same run) move less with other load than wall time.\n\n" +
		"```\n" +
		"git worktree add /tmp/old <base> && (cd /tmp/old && go test -c -o /tmp/h.old ./harness)\n" +
		"go test -c -o /tmp/h.new ./harness\n" +
		"cd harness && for i in 1 2 3; do for b in old new; do\n" +
		"  /tmp/h.$b -test.run '^$' -test.bench Execution -test.benchtime 1500x -test.cpu 1,2 | sed \"s/^/$b /\"\n" +
		"done; done\n" +
		"go test -run '^$' -bench ExecutionSequential -benchtime 3000x -cpuprofile cpu.out -memprofile mem.out ./harness\n" +
		"```\n\n" +
		"`kcheck` sets the collector's target to 400% unless GOGC is set (cmd/kcheck/gc.go); test binaries keep Go's\n" +
		"default, so run them with `GOGC=400` to see what a campaign sees.\n")
	return b.String()
}

// GoBench is the report in the Go benchmark format, for benchstat: one
// line per figure, with its iteration count, ns/op and extra units
// (x-floor, steps/op, allocs/op).
func (r *BenchReport) GoBench() string {
	var b strings.Builder
	fmt.Fprintf(&b, "goos: %s\ngoarch: %s\npkg: kcheck/harness/bench\ncpu: %s\n", runtime.GOOS, runtime.GOARCH, r.Machine.CPU)
	line := func(name string, n int, nsOp float64, extra string) {
		fmt.Fprintf(&b, "%s \t%d\t%s ns/op%s\n", name, max(n, 1), strconv.FormatFloat(nsOp, 'f', -1, 64), extra)
	}
	s := r.Sched
	line("BenchmarkControlledSwitch", s.SwitchN, round(s.SwitchNs, 0), fmt.Sprintf("\t%.3f x-floor", s.XFloor))
	line("BenchmarkPullRoundTrip", s.SwitchN, round(s.FloorNs, 0), "")
	line("BenchmarkPointNoSwitch", s.PointN, round(s.PointNs, 0), "")
	line("BenchmarkMtxPair/controlled", s.MtxPairN, round(s.MtxPairNs, 0), "")
	line("BenchmarkMtxPair/native", s.NativeMtxNN, round(s.NativeMtxN, 0), "")
	for _, e := range r.Executions {
		if e.PerSecond <= 0 {
			continue
		}
		extra := fmt.Sprintf("\t%.1f allocs/op", e.AllocsPerEx)
		if e.Strategy != string(harness.Native) {
			extra = fmt.Sprintf("\t%.1f steps/op", e.StepsPerEx) + extra
		}
		name := "BenchmarkExecution/" + e.Strategy
		if e.Workers > 1 {
			// go test's -N suffix: the parallelism of the run.
			name = fmt.Sprintf("BenchmarkExecution/%s-%d", e.Strategy, e.Workers)
		}
		line(name, e.Executions, round(1e9/e.PerSecond, 0), extra)
	}
	for _, u := range r.Unrhdr {
		extra := ""
		if u.CPUNsPerCall > 0 {
			extra = fmt.Sprintf("\t%.1f cpu-ns/op", u.CPUNsPerCall)
		}
		if u.CPURatio > 0 {
			extra += fmt.Sprintf("\t%.3f cpu-x-C", u.CPURatio)
		}
		line("BenchmarkUnrhdrMix/"+u.Variant, u.Calls, round(u.NsPerCall, 1), extra)
	}
	for _, c := range r.Checker {
		kind := "whole"
		if c.Partitioned {
			kind = "partitioned"
		}
		line(fmt.Sprintf("BenchmarkCheck/ops=%d/%s", c.Ops, kind), 1, round(c.Seconds*1e9, 0), "")
	}
	return b.String()
}

// unrCNote says plainly where the unrhdr C figures come from.
func (r *BenchReport) unrCNote() string {
	c := r.UnrhdrC
	if c == nil {
		return "C figures: none (" + unrCFile + " did not parse)."
	}
	return fmt.Sprintf("C figures: not measured by this run but read from %s, written by its gen.sh on %s on %s (%s; load average %s then).",
		c.File, c.Date, c.Machine, c.Compiler, c.Load)
}

// round rounds x to d decimals.
func round(x float64, d int) float64 { return math.Round(x*math.Pow10(d)) / math.Pow10(d) }
