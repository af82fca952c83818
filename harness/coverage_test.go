package harness

import (
	"context"
	"testing"

	"kcheck/kern"
	"kcheck/model"
)

// BenchmarkExecutionSequentialCoverage is BenchmarkExecutionSequential
// with the per-execution coverage a campaign collects (every scheduling
// point's stack recorded, resolved once at the end): the difference
// between the two is the cost of coverage.
func BenchmarkExecutionSequentialCoverage(b *testing.B) {
	for i := 0; i < b.N; i++ {
		cov := kern.NewCoverage()
		Execute(StandardScenario(uint64(i%64)), Config{Chooser: kern.NewPCT(uint64(i), 3, 400), Mode: model.Relaxed, Coverage: cov})
		var cs coverageSet
		cs.addKernel(cov, map[string]struct{}{})
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "executions/s")
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
