package harness

import (
	"sync/atomic"
	"testing"

	"kcheck/kern"
	"kcheck/model"
)

// BenchmarkExecution runs the standard scenario (3 threads x 4 random ops
// over lo and epair) under PCT with every check on, on all cores (one
// emulated kernel per goroutine), and reports executions per second.
func BenchmarkExecution(b *testing.B) {
	var seed atomic.Uint64
	var failed atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s := seed.Add(1)
			scn := StandardScenario(s % 64)
			ex := Execute(scn, Config{Chooser: kern.NewPCT(s, 3, 400), Mode: model.Relaxed})
			if ex.Kind == Unknown || ex.Kind == GoroutineLeak {
				failed.Add(1)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "executions/s")
	if failed.Load() > 0 {
		b.Fatalf("%d executions ended Unknown or with goroutines left", failed.Load())
	}
}

// BenchmarkExecutionSequential is the same on one core.
func BenchmarkExecutionSequential(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Execute(StandardScenario(uint64(i%64)), Config{Chooser: kern.NewPCT(uint64(i), 3, 400), Mode: model.Relaxed})
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "executions/s")
}
