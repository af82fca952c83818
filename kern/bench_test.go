package kern

import (
	"testing"
	"time"
)

// alternate always switches to a thread other than the one that reached
// the point, so every scheduling point is a context switch.
var alternate = ChooserFunc(func(d *Decision) int {
	for i, t := range d.Runnable {
		if t != d.Prev {
			return i
		}
	}
	return 0
})

// BenchmarkControlledSwitch: the cost of a scheduling point that hands
// the CPU to another emulated thread (two threads, every point a switch).
// It reports ns/switch and x-floor, the ratio to a bare iter.Pull round
// trip (next, then yield: the two coroutine switches a hand-over needs at
// least) timed over as many iterations in the same run.
func BenchmarkControlledSwitch(b *testing.B) {
	// Runs of switchesPerRun points each, as the harness's executions are
	// short: one run of b.N points would mostly time the growth of
	// RunResult.Switches.
	const switchesPerRun = 10_000
	var elapsed, floorTime time.Duration
	switches := 0
	for left := b.N; left > 0; left -= switchesPerRun {
		n := min(left, switchesPerRun)
		k := NewKernel(Config{Chooser: alternate, MaxSteps: int64(n) + 100})
		for i := 0; i < 2; i++ {
			k.Go("t", func(td *Thread) {
				for j := 0; j < n/2; j++ {
					Preempt(td)
				}
			})
		}
		start := time.Now()
		res := k.Run()
		elapsed += time.Since(start)
		if !res.OK() {
			b.Fatal(res)
		}
		if len(res.Switches) < n/2 {
			b.Fatalf("%d switches for %d points", len(res.Switches), n)
		}
		switches += len(res.Switches)
		// The floor is timed between runs, under the same machine load.
		b.StopTimer()
		floorTime += PullRoundTrip(len(res.Switches))
		b.StartTimer()
	}
	b.StopTimer()
	perSwitch := float64(elapsed.Nanoseconds()) / float64(switches)
	floor := float64(floorTime.Nanoseconds()) / float64(switches)
	b.ReportMetric(perSwitch, "ns/switch")
	b.ReportMetric(floor, "floor-ns")
	b.ReportMetric(perSwitch/floor, "x-floor")
}

// BenchmarkPointNoSwitch: a scheduling point where the strategy keeps the
// running thread (one runnable thread: no decision at all).
func BenchmarkPointNoSwitch(b *testing.B) {
	k := NewKernel(Config{MaxSteps: int64(b.N) + 100})
	k.Go("t", func(td *Thread) {
		for j := 0; j < b.N; j++ {
			Preempt(td)
		}
	})
	b.ResetTimer()
	k.Run()
}

// BenchmarkMtxLockUnlock: one uncontended lock/unlock pair (allocs/op must
// stay 0). "nested" holds another mutex, so every lock runs WITNESS's
// order check against it.
func BenchmarkMtxLockUnlock(b *testing.B) {
	b.Run("native", func(b *testing.B) {
		b.ReportAllocs()
		k := NewKernel(Config{Native: true})
		var m Mtx
		m.Init(k, "bench", "", MTX_DEF)
		td := k.Thread0()
		for i := 0; i < b.N; i++ {
			m.Lock(td)
			m.Unlock(td)
		}
	})
	b.Run("controlled", func(b *testing.B) {
		b.ReportAllocs()
		k := NewKernel(Config{MaxSteps: 2*int64(b.N) + 100})
		var m Mtx
		m.Init(k, "bench", "", MTX_DEF)
		k.Go("t", func(td *Thread) {
			for i := 0; i < b.N; i++ {
				m.Lock(td)
				m.Unlock(td)
			}
		})
		b.ResetTimer()
		k.Run()
	})
	b.Run("controlled-nested", func(b *testing.B) {
		b.ReportAllocs()
		k := NewKernel(Config{MaxSteps: 2*int64(b.N) + 100})
		var outer, m Mtx
		outer.Init(k, "outer", "", MTX_DEF)
		m.Init(k, "bench", "", MTX_DEF)
		k.Go("t", func(td *Thread) {
			outer.Lock(td)
			for i := 0; i < b.N; i++ {
				m.Lock(td)
				m.Unlock(td)
			}
			outer.Unlock(td)
		})
		b.ResetTimer()
		k.Run()
	})
	b.Run("controlled-2threads-random", func(b *testing.B) {
		b.ReportAllocs()
		k := NewKernel(Config{Chooser: NewRandom(1), MaxSteps: 4*int64(b.N) + 100})
		var m Mtx
		m.Init(k, "bench", "", MTX_DEF)
		per := b.N / 2
		for t := 0; t < 2; t++ {
			k.Go("t", func(td *Thread) {
				for i := 0; i < per; i++ {
					m.Lock(td)
					m.Unlock(td)
				}
			})
		}
		b.ResetTimer()
		k.Run()
	})
}

// BenchmarkDFSSchedulesPerSecond explores the unbounded schedule space of
// two threads with 4 steps each (70 schedules) per iteration.
func BenchmarkDFSSchedulesPerSecond(b *testing.B) {
	total := 0
	for i := 0; i < b.N; i++ {
		dfs := NewDFS(-1)
		for dfs.Next() {
			var tr []byte
			stepsKernel(dfs, []int{4, 4}, &tr).Run()
		}
		total += dfs.Explored()
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "schedules/s")
}

// BenchmarkZoneMallocFree: malloc(M_WAITOK|M_ZERO) and free of a recycled
// MallocHeader item (unrhdr's chunk path): the check on reuse, the zeroing,
// the trashing and the accounting.
func BenchmarkZoneMallocFree(b *testing.B) {
	k := NewKernel(Config{})
	td := k.Thread0()
	mt := k.MallocType("M_CHUNK", "chunks")
	Free(td, Malloc[bigChunk](td, mt, M_WAITOK|M_ZERO), mt)
	b.ReportAllocs()
	for b.Loop() {
		Free(td, Malloc[bigChunk](td, mt, M_WAITOK|M_ZERO), mt)
	}
}
