package harness

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"kcheck/kern"
	"kcheck/model"
)

// The iter.Pull unit: ns per execution divided by the time of one bare
// iter.Pull round trip (next, then yield: the two coroutine switches a
// hand-over of the CPU between emulated threads needs at least), timed in
// the same run, between executions, as kern's BenchmarkControlledSwitch
// times its floor. It cancels most of the machine's speed and load out of
// the figure.

// floorEvery is how many executions pass between two timings of the
// floor, and floorTrips how many round trips each timing makes.
const (
	floorEvery = 8
	floorTrips = 1000
)

// pullFloor accumulates floor timings.
type pullFloor struct {
	ns    atomic.Int64
	trips atomic.Int64
}

func (f *pullFloor) sample() {
	f.ns.Add(kern.PullRoundTrip(floorTrips).Nanoseconds())
	f.trips.Add(floorTrips)
}

// ns is the mean round trip.
func (f *pullFloor) mean() float64 {
	return float64(f.ns.Load()) / float64(f.trips.Load())
}

// BenchmarkExecution runs the standard scenario (3 threads x 4 random ops
// over lo and epair) under PCT with every check on, on all cores (one
// emulated kernel per goroutine), and reports executions per second,
// executions per second per worker, and pull-units: the CPU time of one
// execution on one worker in iter.Pull round trips (see pullFloor).
func BenchmarkExecution(b *testing.B) {
	b.ReportAllocs()
	var seed atomic.Uint64
	var failed atomic.Int64
	var floor pullFloor
	var timed atomic.Int64 // ns spent executing, summed over workers
	b.RunParallel(func(pb *testing.PB) {
		n := 0
		for pb.Next() {
			s := seed.Add(1)
			scn := StandardScenario(s % 64)
			t0 := time.Now()
			ex := Execute(scn, Config{Chooser: kern.NewPCT(s, 3, 400), Mode: model.Relaxed})
			timed.Add(time.Since(t0).Nanoseconds())
			if ex.Kind == Unknown || ex.Kind == GoroutineLeak {
				failed.Add(1)
			}
			// The floor on this worker, under the same load; its time
			// is in the benchmark's elapsed time but not in timed.
			if n++; n%floorEvery == 0 {
				floor.sample()
			}
		}
	})
	if floor.trips.Load() == 0 {
		floor.sample()
	}
	workers := runtime.GOMAXPROCS(0)
	wall := b.Elapsed().Seconds() - float64(floor.ns.Load())/1e9/float64(workers)
	b.ReportMetric(float64(b.N)/wall, "executions/s")
	b.ReportMetric(float64(b.N)/wall/float64(workers), "executions/s/worker")
	b.ReportMetric(float64(timed.Load())/float64(b.N)/floor.mean(), "pull-units")
	if failed.Load() > 0 {
		b.Fatalf("%d executions ended Unknown or with goroutines left", failed.Load())
	}
}

// BenchmarkExecutionSequential is the same on one core.
func BenchmarkExecutionSequential(b *testing.B) {
	b.ReportAllocs()
	var floor pullFloor
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		Execute(StandardScenario(uint64(i%64)), Config{Chooser: kern.NewPCT(uint64(i), 3, 400), Mode: model.Relaxed})
		if (i+1)%floorEvery == 0 {
			b.StopTimer()
			floor.sample()
			b.StartTimer()
		}
	}
	b.StopTimer()
	cpu := processCPU() - cpu0 - time.Duration(floor.ns.Load())
	if floor.trips.Load() == 0 {
		floor.sample()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "executions/s")
	if cpu > 0 {
		// CPU time of the process (GC included) per execution: less
		// sensitive than wall time to other load on the machine.
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/floor.mean(), "pull-units")
	b.ReportMetric(floor.mean(), "floor-ns")
}
