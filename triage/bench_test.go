// SPDX-License-Identifier: BSD-2-Clause

package triage

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"kcheck/harness"
	"kcheck/model"
)

// classSample is one failure of a failure class, as a campaign keeps it.
type classSample struct {
	class string
	f     Failure
}

// collectClasses runs generated scenarios (the default campaign's: 3
// threads x 4 operations over every family and operation kind, PCT depth
// 3) from seed 1 on, in this process and deterministically, and returns
// the first failure of each of the first n failure classes (the
// campaign's class key), of the kinds a campaign labels.
func collectClasses(tb testing.TB, n int) []classSample {
	tb.Helper()
	gc := harness.GenConfig{Threads: 3, Ops: 4, Families: harness.Families}
	seen := map[string]bool{}
	var out []classSample
	for seed := uint64(1); len(out) < n && seed < 200000; seed++ {
		scn := harness.RandomScenario(rand.New(rand.NewPCG(seed, 0)), gc)
		e := &harness.Explorer{Kind: harness.PCT, Seed: seed, Depth: 3, Steps: 500}
		ch, _, _, _ := e.Next()
		ex := execute(scn, harness.Config{Chooser: ch, Mode: model.Relaxed})
		if !ex.Kind.Violation() || !harness.Labellable(ex.Kind) {
			continue
		}
		class := harness.ClassKey(harness.FailureKey(ex, model.Relaxed))
		if seen[class] {
			continue
		}
		seen[class] = true
		out = append(out, classSample{class: class, f: Failure{Scenario: scn, Schedule: ex.Schedule, Mode: model.Relaxed}})
	}
	if len(out) < n {
		tb.Fatalf("only %d failure classes found", len(out))
	}
	return out
}

// BenchmarkLabelling labels one failure of each of 12 failure classes of
// the default random campaign as a campaign does (the quick step, then the
// full attribution when no signature decides), cold (a new Labeler, no DFS
// answers from the disk cache; the fix runners are built before the timer
// starts), and reports the labelling's wall time per class (ns/class), its
// CPU time per class (cpu-ns/class, this process and the runners
// together), the DFS fallbacks per class and the share of classes the
// quick step named (quick/class). ns/op is the whole batch.
func BenchmarkLabelling(b *testing.B) {
	samples := collectClasses(b, 12)
	warm := newLabeler(b)
	for _, f := range Catalogue {
		if f.Fix != nil {
			if _, err := warm.Runner(context.Background(), f); err != nil {
				b.Fatal(err)
			}
		}
	}
	var wall, cpu time.Duration
	var dfs, quick int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l := newLabeler(b)
		l.NoDiskCache = true
		c0 := cpuTime()
		t0 := time.Now()
		for _, s := range samples {
			req := harness.LabelRequest{Scenario: s.f.Scenario, Schedule: s.f.Schedule, Mode: s.f.Mode, MaxSteps: s.f.MaxSteps}
			_, decided, err := l.QuickLabel(context.Background(), req)
			if err != nil {
				b.Fatalf("%s: %v", s.class, err)
			}
			if decided {
				quick++
				continue
			}
			if _, err := l.Attribute(context.Background(), s.f); err != nil {
				b.Fatalf("%s: %v", s.class, err)
			}
		}
		l.Close()
		wall += time.Since(t0)
		cpu += cpuTime() - c0
		dfs += l.Stats().DFS
	}
	n := float64(b.N * len(samples))
	b.ReportMetric(float64(wall.Nanoseconds())/n, "ns/class")
	b.ReportMetric(float64(cpu.Nanoseconds())/n, "cpu-ns/class")
	b.ReportMetric(float64(dfs)/n, "dfs/class")
	b.ReportMetric(float64(quick)/n, "quick/class")
}
