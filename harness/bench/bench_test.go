// SPDX-License-Identifier: BSD-2-Clause

package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/harness"
	"kcheck/linearize"
	"kcheck/model"
	"kcheck/unrhdr"
)

// TestNsPerGrows: the loop grows n until one run lasts the target and
// reports that run's time per unit.
func TestNsPerGrows(t *testing.T) {
	var ns []int
	per, n := nsPerRun(20*time.Millisecond, func(n int) time.Duration {
		ns = append(ns, n)
		return time.Duration(n) * time.Microsecond // 1 µs a unit
	})
	assert.InDelta(t, 1000, per, 1e-9)
	assert.Equal(t, ns[len(ns)-1], n, "the n of the run measured")
	require.Greater(t, len(ns), 1)
	assert.Equal(t, 1, ns[0])
	for i := 1; i < len(ns); i++ {
		assert.Greater(t, ns[i], ns[i-1], "n grows: %v", ns)
		assert.LessOrEqual(t, ns[i], 100*ns[i-1], "at most 100 times: %v", ns)
	}
	assert.GreaterOrEqual(t, time.Duration(ns[len(ns)-1])*time.Microsecond, 20*time.Millisecond, "the last run lasts the target")
	// Quick: one fixed run.
	calls := 0
	per, n = nsPer(true, func(n int) time.Duration { calls++; return time.Duration(2 * n) })
	assert.InDelta(t, 2, per, 1e-9)
	assert.Equal(t, 20000, n)
	assert.Equal(t, 1, calls)
}

// TestGenHistoryLinearizable: the checker's benchmark histories are
// linearizable by construction, with every thread's operations in order.
func TestGenHistoryLinearizable(t *testing.T) {
	h := genHistory(300, 8, 3)
	require.Len(t, h, 300)
	last := map[int]int64{}
	for _, op := range h {
		assert.Less(t, op.Call, op.Return)
		assert.Greater(t, op.Call, last[op.Thread], "thread %d overlaps itself", op.Thread)
		last[op.Thread] = op.Return
	}
	r := linearize.Check(harness.Spec(model.Strict), h, linearize.Options{Timeout: time.Minute})
	assert.Equal(t, linearize.Ok, r.Verdict)
}

// TestReportForms: the table, the markdown and the benchmark format carry
// the figures, verdicts in judging order.
func TestReportForms(t *testing.T) {
	rep := &BenchReport{Mode: "relaxed", Sched: SchedFigures{SwitchNs: 300, FloorNs: 100, XFloor: 3, PointNs: 50, MtxPairNs: 80, NativeMtxN: 20},
		Executions: []ExecFigure{{Strategy: "pct", Executions: 10, Seconds: 1, PerSecond: 10, StepsPerEx: 400,
			Verdicts: harness.Tally{harness.Pass: 9, harness.Panic: 1}}},
		Unrhdr:  []UnrFigure{{Variant: "check", Calls: 1000, NsPerCall: 250}},
		Checker: []CheckFigure{{Ops: 100, Partitioned: true, Partitions: 4, Seconds: 0.5, Verdict: "ok"}}}
	rep.Machine.CPUs = 2
	tab := rep.Table()
	assert.Contains(t, tab, "(3.0 x an iter.Pull round trip of 100 ns)")
	assert.Contains(t, tab, "Panic 1, Pass 9")
	md := rep.Markdown("kcheck bench")
	assert.Contains(t, md, "| pct | 10 |")
	gb := rep.GoBench()
	for _, want := range []string{
		"BenchmarkControlledSwitch \t1\t300 ns/op\t3.000 x-floor",
		"BenchmarkExecution/pct \t10\t100000000 ns/op\t400.0 steps/op\t0.0 allocs/op",
		"BenchmarkUnrhdrMix/check \t1000\t250 ns/op",
		"BenchmarkCheck/ops=100/partitioned \t1\t500000000 ns/op",
	} {
		assert.Contains(t, gb, want)
	}
	for _, line := range strings.Split(strings.TrimSpace(gb), "\n") {
		if strings.HasPrefix(line, "Benchmark") {
			assert.Regexp(t, `^Benchmark\S+ \t\d+\t`, line)
		}
	}
}

// TestUnrhdrAgainstC: the unrhdr figures carry the C's from c_bench.txt,
// the ratio is the port's over the C's median, and every form of the
// report says where the C figures come from.
func TestUnrhdrAgainstC(t *testing.T) {
	c, err := unrhdr.CReference()
	require.NoError(t, err)
	cf, ok := c.Figure("short-nocheck")
	require.True(t, ok)
	figs := []UnrFigure{{Variant: "short-nocheck", Calls: 10, NsPerCall: 2 * cf.WallMedianNs, CPUNsPerCall: 3 * cf.CPUMedianNs},
		{Variant: "nosuchmix", Calls: 10, NsPerCall: 1}}
	src := withC(figs)
	require.NotNil(t, src)
	assert.Equal(t, c.Date, src.Date)
	assert.InDelta(t, 2, figs[0].Ratio, 1e-9)
	assert.InDelta(t, 3, figs[0].CPURatio, 1e-9)
	assert.Equal(t, cf.CPUMedianNs, figs[0].CCPUNsPerCall)
	assert.Zero(t, figs[1].Ratio)
	rep := &BenchReport{Unrhdr: figs, UnrhdrC: src}
	for _, form := range []string{rep.Table(), rep.Markdown("kcheck bench")} {
		assert.Contains(t, form, "not measured by this run but read from unrhdr/testdata/cgen/c_bench.txt")
		assert.Contains(t, form, c.Machine)
	}
	assert.Contains(t, rep.Table(), "2.00x, cpu 3.00x")
	assert.Contains(t, rep.Markdown("kcheck bench"), "| 2.00x | 3.00x |")
	assert.Contains(t, rep.GoBench(), "3.000 cpu-x-C")
	assert.Contains(t, (&BenchReport{}).Table(), "C figures: none")
}
