// SPDX-License-Identifier: BSD-2-Clause

package unrhdr

import (
	"fmt"
	"math"
	"testing"

	"kcheck/kern"
)

// BenchmarkAllocUnrRun times alloc_unr while the allocated units form one
// unbroken run from low (the "ideal split": no chunk, first and last move).
func BenchmarkAllocUnrRun(b *testing.B) {
	k, td := newSeqKernel()
	uh := NewUnrhdr(td, 0, math.MaxInt32, nil)
	n := 0
	for b.Loop() {
		if AllocUnr(td, uh) != n {
			b.Fatalf("alloc_unr did not return %d", n)
		}
		n++
	}
	if uh.Alloc() != 0 {
		b.Fatalf("an unbroken run used %d chunks", uh.Alloc())
	}
	ClearUnrhdr(td, uh)
	DeleteUnrhdr(td, uh)
	if MUnit(k).Live() != 0 {
		b.Fatal("M_UNIT leak")
	}
}

// BenchmarkFreeUnrBitmap times free_unr of units held in bitmaps: units
// 0..9999 with every other one allocated (40 bitmaps), then every fourth
// unit freed (the bitmaps stay mixed). The re-allocation between batches
// is not timed.
func BenchmarkFreeUnrBitmap(b *testing.B) {
	const n = 10000
	k, td := newSeqKernel()
	uh := NewUnrhdr(td, 0, n-1, nil)
	for i := uint32(0); i < n; i += 2 {
		AllocUnrSpecific(td, uh, i)
	}
	CleanUnrhdr(td, uh)
	if uh.Alloc() != 80 {
		b.Fatalf("every other unit of %d: %d chunks, the C has 80", n, uh.Alloc())
	}
	done := 0
	b.ResetTimer()
	for done < b.N {
		var i uint32
		for i = 0; i < n && done < b.N; i += 4 {
			FreeUnr(td, uh, i)
			done++
		}
		b.StopTimer()
		for j := uint32(0); j < i; j += 4 {
			AllocUnrSpecific(td, uh, j)
		}
		CleanUnrhdr(td, uh)
		b.StartTimer()
	}
	b.StopTimer()
	for i := uint32(0); i < n; i += 2 {
		FreeUnr(td, uh, i)
	}
	DeleteUnrhdr(td, uh)
	if MUnit(k).Live() != 0 {
		b.Fatal("M_UNIT leak")
	}
}

// munitScenario builds one memory scenario and returns its header (clean:
// nothing on ppfree). The same scenarios, on the C, are bench.c's "mem".
func munitScenario(td *kern.Thread, name string, n uint32) *Unrhdr {
	switch name {
	case "run": // one unbroken run of n units
		uh := NewUnrhdr(td, 0, math.MaxInt32, nil)
		for i := uint32(0); i < n; i++ {
			AllocUnr(td, uh)
		}
		return uh
	case "everyother": // every other unit allocated up to n
		uh := NewUnrhdr(td, 0, math.MaxInt32, nil)
		for i := uint32(0); i < n; i += 2 {
			AllocUnrSpecific(td, uh, i)
		}
		CleanUnrhdr(td, uh)
		return uh
	case "random50": // a random half of n units (splitmix64 seed 99 shuffle)
		perm := make([]uint32, n)
		for i := range perm {
			perm[i] = uint32(i)
		}
		r := &splitmix64{s: 99}
		for i := n - 1; i > 0; i-- {
			j := r.uniform(i + 1)
			perm[i], perm[j] = perm[j], perm[i]
		}
		uh := NewUnrhdr(td, 0, int(n-1), nil)
		for _, u := range perm[:n/2] {
			AllocUnrSpecific(td, uh, u)
		}
		CleanUnrhdr(td, uh)
		return uh
	}
	panic(name)
}

// BenchmarkMUnitBytes reports the M_UNIT memory of three allocation
// patterns as chunks x 32 bytes (sizeof(struct unr) on amd64; the 64-byte
// header not included), and checks the chunk counts against the C's
// (testdata/cgen: ./bench mem).
func BenchmarkMUnitBytes(b *testing.B) {
	cChunks := map[string]uint32{
		"run/1000": 0, "everyother/1000": 8,
		"run/10000": 0, "everyother/10000": 80,
		"run/100000": 0, "everyother/100000": 782,
		"random50/10000": 100,
	}
	for _, c := range []struct {
		name string
		n    uint32
	}{
		{"run", 1000}, {"run", 10000}, {"run", 100000},
		{"everyother", 1000}, {"everyother", 10000}, {"everyother", 100000},
		{"random50", 10000},
	} {
		key := fmt.Sprintf("%s/%d", c.name, c.n)
		b.Run(key, func(b *testing.B) {
			var chunks uint32
			for b.Loop() {
				k, td := newSeqKernel()
				uh := munitScenario(td, c.name, c.n)
				chunks = uh.Alloc()
				if live := MUnit(k).Live(); live != int64(chunks)+1 {
					b.Fatalf("M_UNIT live %d, chunks %d + header", live, chunks)
				}
				ClearUnrhdr(td, uh)
				DeleteUnrhdr(td, uh)
			}
			if want := cChunks[key]; chunks != want {
				b.Fatalf("%s: %d chunks, the C has %d", key, chunks, want)
			}
			b.ReportMetric(float64(chunks*SizeofUnr), "M_UNIT-bytes")
			b.ReportMetric(float64(chunks), "chunks")
		})
	}
}
