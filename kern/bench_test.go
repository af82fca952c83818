package kern

import (
	"testing"
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

// BenchmarkControlledSwitch: ns per scheduling point that hands the CPU
// to another emulated thread (two goroutines, channel hand-off).
func BenchmarkControlledSwitch(b *testing.B) {
	k := NewKernel(Config{Chooser: alternate, MaxSteps: int64(b.N) + 100})
	per := b.N / 2
	for i := 0; i < 2; i++ {
		k.Go("t", func(td *Thread) {
			for j := 0; j < per; j++ {
				Preempt(td)
			}
		})
	}
	b.ResetTimer()
	res := k.Run()
	b.StopTimer()
	if !res.OK() {
		b.Fatal(res)
	}
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
