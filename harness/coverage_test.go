package harness

import (
	"context"
	"runtime"
	"testing"
	"time"

	"kcheck/ifclone"

	"kcheck/kern"
	"kcheck/model"
)

// BenchmarkExecutionSequentialCoverage is BenchmarkExecutionSequential
// with the per-execution coverage a campaign collects (every scheduling
// point's stack recorded, resolved once at the end): the difference
// between the two is the cost of coverage.
func BenchmarkExecutionSequentialCoverage(b *testing.B) {
	for i := 0; i < b.N; i++ {
		cov := getCoverage()
		ex := Execute(StandardScenario(uint64(i%64)), Config{Chooser: kern.NewPCT(uint64(i), 3, 400), Mode: model.Relaxed, Coverage: cov})
		var cs coverageSet
		cs.addKernel(cov, map[string]struct{}{})
		putCoverage(cov, ex.Kind)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "executions/s")
}

// BenchmarkCoverageCost measures what per-execution coverage costs: each
// iteration runs the same benchmark execution (StandardScenario, PCT)
// twice, once without coverage and once with it and with the resolution
// and merge a campaign does after every execution, alternating which goes
// first, and times each. It reports both per-execution times and the
// overhead in percent; alternating the two within one loop keeps load
// from other processes on a shared machine out of the ratio as far as
// possible, and the CPU-time figure further. ns/op counts both
// executions.
func BenchmarkCoverageCost(b *testing.B) {
	var off, on, cpuOff, cpuOn time.Duration
	var stacks int64
	var cs coverageSet
	funcs := map[string]struct{}{}
	run := func(i int, withCov bool) {
		cfg := Config{Chooser: kern.NewPCT(uint64(i), 3, 400), Mode: model.Relaxed}
		var cov *kern.Coverage
		if withCov {
			cov = getCoverage()
			cfg.Coverage = cov
		}
		c0, t0 := processCPU(), time.Now()
		ex := Execute(StandardScenario(uint64(i%64)), cfg)
		if withCov {
			cs.addResolved(resolveCov(cov), funcs)
			stacks += int64(cov.Len())
			putCoverage(cov, ex.Kind)
			on += time.Since(t0)
			cpuOn += processCPU() - c0
		} else {
			off += time.Since(t0)
			cpuOff += processCPU() - c0
		}
	}
	for i := 0; i < b.N; i++ {
		first := i%2 == 0
		run(i, first)
		run(i, !first)
	}
	n := float64(b.N)
	b.ReportMetric(float64(off.Nanoseconds())/n, "ns/exec-off")
	b.ReportMetric(float64(on.Nanoseconds())/n, "ns/exec-cov")
	b.ReportMetric(100*(float64(on)-float64(off))/float64(off), "overhead-%")
	if cpuOff > 0 {
		// The same from the process's CPU time (GC included, wherever it
		// falls): less sensitive to other load on the machine.
		b.ReportMetric(100*(float64(cpuOn)-float64(cpuOff))/float64(cpuOff), "cpu-overhead-%")
	}
	b.ReportMetric(float64(stacks)/n, "stacks/exec")
}

// TestCoverageCountsSeedFunctions: the seed functions a campaign's summary
// counts (from the per-execution coverage, with tracing off) are exactly
// those that traced replays of the same executions show on the stacks of
// their scheduling points, found independently: each execution is run
// again with Config.Trace and a chooser that walks the stack at every
// decision (the mechanism behind --trace-every), plus the functions the
// trace names at every point.
func TestCoverageCountsSeedFunctions(t *testing.T) {
	const n = 150
	var seeds []uint64
	c, err := NewCampaign(CampaignConfig{Gen: GenConfig{Threads: 3, Ops: 4}, Strategy: Random, Executions: n,
		Seed: 7, Workers: 1, TraceEvery: -1, NoFeedback: true, BundlesPerKind: 0,
		OnExecution: func(r ExecRecord) { seeds = append(seeds, r.Seed) }})
	if err != nil {
		t.Fatal(err)
	}
	res := c.Run(context.Background())
	if res.Coverage == nil || res.Traced != 0 {
		t.Fatalf("no coverage (%v) or traced executions (%d)", res.Coverage, res.Traced)
	}
	traced := map[string]bool{}
	for _, seed := range seeds {
		scn := RandomScenarioFor(seed, GenConfig{Threads: 3, Ops: 4})
		e := &Explorer{Kind: Random, Seed: seed}
		ch, _, _, _ := e.Next()
		s := &stackSampler{inner: ch, funcs: map[string]bool{}}
		ex := Execute(scn, Config{Chooser: s, Trace: true, Mode: model.Relaxed})
		for f := range s.funcs {
			traced[f] = true
		}
		for _, ev := range ex.Trace {
			if f := SeedFunctionAt(ev.Where); f != "" {
				traced[f] = true
			}
		}
	}
	got := map[string]bool{}
	for _, f := range res.Functions {
		got[f] = true
	}
	for f := range traced {
		if !got[f] {
			t.Errorf("%s on a traced stack but not counted by coverage", f)
		}
	}
	for f := range got {
		if !traced[f] {
			t.Errorf("%s counted by coverage but on no traced stack", f)
		}
	}
	t.Logf("functions %d of %d; seed lines %d of %d", len(res.Functions), len(SeedFunctions),
		len(res.Coverage.LinesReached), res.Coverage.LinesTotal)
	if len(res.Functions)+len(res.Coverage.Unreached) != len(SeedFunctions) {
		t.Fatalf("%d reached + %d unreached != %d", len(res.Functions), len(res.Coverage.Unreached), len(SeedFunctions))
	}
}

// TestCoverageDepth: the frame-pointer walk of a coverage sample keeps
// kern.CoverageDepth frames; every stack a random campaign (all operation
// kinds and drivers) records must have its outermost frame of the seed's
// port at least two frames inside that depth, so that no seed line is cut
// off a sample.
func TestCoverageDepth(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 100
	}
	c := kern.NewCoverage()
	for i := 0; i < n; i++ {
		c.Reset()
		Execute(RandomScenarioFor(uint64(i), GenConfig{Threads: 3, Ops: 4}),
			Config{Chooser: kern.NewPCT(uint64(i), 3, 500), Coverage: c})
	}
	deepest := -1
	for id := 0; ; id++ {
		pcs := kern.CoverageStack(id)
		if pcs == nil {
			break
		}
		for j, pc := range pcs {
			frames := runtime.CallersFrames([]uintptr{pc})
			for {
				f, more := frames.Next()
				if ifclone.InSeedPort(f.File) && j > deepest {
					deepest = j
					if j > kern.CoverageDepth-3 {
						for _, pc := range pcs {
							fr, _ := runtime.CallersFrames([]uintptr{pc}).Next()
							t.Logf("  %s:%d", fr.Function, fr.Line)
						}
					}
				}
				if !more {
					break
				}
			}
		}
	}
	if deepest < 0 {
		t.Fatal("no seed frame on any recorded stack")
	}
	if deepest > kern.CoverageDepth-3 {
		t.Fatalf("a seed frame %d frames above the scheduler; the sample keeps %d", deepest, kern.CoverageDepth)
	}
	t.Logf("outermost seed frame: %d of %d", deepest, kern.CoverageDepth)
}
