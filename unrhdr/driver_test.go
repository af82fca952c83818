// SPDX-License-Identifier: BSD-2-Clause

package unrhdr

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"kcheck/kern"
)

// driverState is the state of the C file's userland test driver: a[i] says
// whether the driver holds unit i.
type driverState struct {
	td    *kern.Thread
	uh    *Unrhdr
	a     []byte
	calls int // unr calls made (alloc_unr, alloc_unr_specific, free_unr)
	// verify compares every alloc_unr with the lowest unit a[] says is
	// free; the C driver only runs check_unrhdr.
	verify bool
	t      testing.TB
}

// testAllocUnr is test_alloc_unr (subr_unit.c:991). It frees unit i if
// the driver holds it, else allocates the lowest free unit.
func (d *driverState) testAllocUnr(i uint32) {
	if d.a[i] != 0 {
		FreeUnr(d.td, d.uh, i)
		d.calls++
		d.a[i] = 0
		return
	}
	j := AllocUnr(d.td, d.uh)
	d.calls++
	if d.verify {
		want := bytes.IndexByte(d.a, 0)
		if j != want {
			d.t.Fatalf("alloc_unr returned %d, lowest free unit is %d\n%s", j, want, d.uh)
		}
	}
	if j != -1 {
		d.a[j] = 1
	}
}

// testAllocUnrSpecific is test_alloc_unr_specific (subr_unit.c:1011). It
// allocates unit i, or frees it when it was taken.
func (d *driverState) testAllocUnrSpecific(i uint32) {
	j := AllocUnrSpecific(d.td, d.uh, i)
	d.calls++
	if d.verify && (j == -1) != (d.a[i] != 0) {
		d.t.Fatalf("alloc_unr_specific(%d) returned %d while the driver holds it=%v\n%s", i, j, d.a[i] != 0, d.uh)
	}
	if j == -1 {
		d.a[i] = 0
		FreeUnr(d.td, d.uh, i)
		d.calls++
	} else {
		d.a[i] = 1
	}
}

// runDriver is main (subr_unit.c:1033). It runs count*reps random ops, each
// either test_alloc_unr or test_alloc_unr_specific on a random unit, the
// consistency check after every op when check is set, then every held unit
// freed and the header deleted. next supplies (unit, coin) pairs.
func runDriver(d *driverState, count, reps int, check bool, next func() (uint32, bool)) {
	td := d.td
	d.uh = NewUnrhdr(td, 0, count-1, nil)
	d.a = make([]byte, count)
	for m := 0; m < count*reps; m++ {
		i, coin := next()
		if coin {
			d.testAllocUnr(i)
		} else {
			d.testAllocUnrSpecific(i)
		}
		if check {
			CheckUnrhdr(td, d.uh, 1090)
		}
	}
	for i := 0; i < count; i++ {
		if d.a[i] != 0 {
			FreeUnr(td, d.uh, uint32(i))
			d.calls++
		}
	}
	DeleteUnrhdr(td, d.uh)
	d.uh = nil
}

// TestStochasticDriver ports the C file's own driver (count 10,000): 1
// repetition with -short, 10 otherwise, a check after every op, and in
// addition every result compared with the driver's array. At the end
// M_UNIT must be back to zero.
func TestStochasticDriver(t *testing.T) {
	reps := 10
	if testing.Short() {
		reps = 1
	}
	const count = 10000
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	k, td := newSeqKernel()
	d := &driverState{td: td, verify: true, t: t}
	p := catchPanic(td, func() {
		runDriver(d, count, reps, true, func() (uint32, bool) {
			return rng.Uint32N(count), rng.Uint32()&1 != 0
		})
	})
	if p != nil {
		t.Fatalf("seed %d: %v\n%s", seed, p, d.uh)
	}
	require.Zero(t, MUnit(k).Live(), "M_UNIT objects left")
	require.Greater(t, d.calls, count*reps)
}

// driverOps precomputes the op sequence of testdata/cgen/bench.c (splitmix64
// seeded 42), so that the Go and C figures time the same work.
func driverOps(count, reps int) ([]uint32, []bool) {
	r := &splitmix64{s: 42}
	n := count * reps
	ri := make([]uint32, n)
	rc := make([]bool, n)
	for m := 0; m < n; m++ {
		ri[m] = r.uniform(uint32(count))
		rc[m] = r.next()&1 != 0
	}
	return ri, rc
}

// BenchmarkDriverMix times the C driver's op mix at count 10,000 (10
// repetitions per iteration, as testdata/cgen/bench.c does) and the
// short-list mix (units 5..300, bench.c "short"), and reports ns per unr
// call, wall clock and process CPU time (bench.c's cpu_*_ns; the Go figure
// includes the collector's CPU), with and without the driver's check after
// every op.
func BenchmarkDriverMix(b *testing.B) {
	const count, reps = 10000, 10
	ri, rc := driverOps(count, reps)
	for _, v := range []struct {
		name  string
		check bool
	}{{"check", true}, {"nocheck", false}} {
		b.Run(v.name, func(b *testing.B) {
			k, td := newSeqKernel()
			calls := 0
			b.ResetTimer()
			cpu0 := processCPU()
			for n := 0; n < b.N; n++ {
				d := &driverState{td: td}
				m := 0
				runDriver(d, count, reps, v.check, func() (uint32, bool) {
					m++
					return ri[m-1], rc[m-1]
				})
				calls += d.calls
			}
			b.StopTimer()
			reportPerCall(b, calls, processCPU()-cpu0)
			if MUnit(k).Live() != 0 {
				b.Fatal("M_UNIT leak")
			}
		})
	}
	kind, x, coin := shortMixOps()
	for _, v := range []struct {
		name  string
		check bool
	}{{"short-check", true}, {"short-nocheck", false}} {
		b.Run(v.name, func(b *testing.B) {
			k, td := newSeqKernel()
			calls := 0
			b.ResetTimer()
			cpu0 := processCPU()
			for n := 0; n < b.N; n++ {
				calls += runShortMix(td, v.check, kind, x, coin)
			}
			b.StopTimer()
			reportPerCall(b, calls, processCPU()-cpu0)
			if MUnit(k).Live() != 0 {
				b.Fatal("M_UNIT leak")
			}
		})
	}
}

// reportPerCall reports the wall and CPU time of the timed loop per unr call.
func reportPerCall(b *testing.B, calls int, cpu time.Duration) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(calls), "ns/unr-call")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(calls), "cpu-ns/unr-call")
	}
}

// The short-list mix (testdata/cgen/bench.c "short"): units 5..300, where
// the chunk list stays a few entries long and the fixed cost of each call
// (lock, WITNESS, malloc/free of the two spare chunks) dominates.
const (
	shortLow  = 5
	shortHigh = 300
	shortN    = shortHigh - shortLow + 1
	shortOps  = 100000
)

// shortMixOps precomputes the short-list mix from splitmix64 seeded 7, in the
// order bench.c draws it: per op a kind (0..99), a unit or index, a coin.
func shortMixOps() (kind, x []uint32, coin []bool) {
	r := &splitmix64{s: 7}
	kind = make([]uint32, shortOps)
	x = make([]uint32, shortOps)
	coin = make([]bool, shortOps)
	for m := range kind {
		kind[m] = r.uniform(100)
		x[m] = uint32(r.next())
		coin[m] = r.next()&1 != 0
	}
	return kind, x, coin
}

// shortHeld is the set of units the short-list driver holds, dense (a
// swap-remove array) so that picking a random held unit is O(1).
type shortHeld struct {
	held [shortN]uint32
	pos  [shortN]uint32
	n    uint32
	a    [shortN]bool
}

func (h *shortHeld) hold(u uint32) {
	h.pos[u-shortLow] = h.n
	h.held[h.n] = u
	h.n++
	h.a[u-shortLow] = true
}

func (h *shortHeld) unhold(u uint32) {
	h.n--
	p, v := h.pos[u-shortLow], h.held[h.n]
	h.held[p] = v
	h.pos[v-shortLow] = p
	h.a[u-shortLow] = false
}

// runShortMix is bench.c's run_short: 40% alloc_unr, 25%
// alloc_unr_specific of a random unit, 30% free_unr of a random held unit,
// 5% the C driver's op on a random unit; then every held unit freed. It
// returns the number of unr calls.
func runShortMix(td *kern.Thread, check bool, kind, x []uint32, coin []bool) int {
	var h shortHeld
	n := 0
	uh := NewUnrhdr(td, shortLow, shortHigh, nil)
	for m := range kind {
		switch k := kind[m]; {
		case k < 40:
			n++
			if j := AllocUnr(td, uh); j != -1 {
				h.hold(uint32(j))
			}
		case k < 65:
			i := shortLow + x[m]%shortN
			n++
			if AllocUnrSpecific(td, uh, i) != -1 {
				h.hold(i)
			}
		case k < 95:
			if h.n > 0 {
				i := h.held[x[m]%h.n]
				n++
				FreeUnr(td, uh, i)
				h.unhold(i)
			}
		default:
			i := shortLow + x[m]%shortN
			switch {
			case coin[m] && h.a[i-shortLow]:
				n++
				FreeUnr(td, uh, i)
				h.unhold(i)
			case coin[m]:
				n++
				if j := AllocUnr(td, uh); j != -1 {
					h.hold(uint32(j))
				}
			default:
				n++
				if AllocUnrSpecific(td, uh, i) == -1 {
					h.unhold(i)
					n++
					FreeUnr(td, uh, i)
				} else {
					h.hold(i)
				}
			}
		}
		if check {
			CheckUnrhdr(td, uh, 1090)
		}
	}
	for i := uint32(0); i < shortN; i++ {
		if h.a[i] {
			n++
			FreeUnr(td, uh, shortLow+i)
		}
	}
	DeleteUnrhdr(td, uh)
	return n
}

// TestShortMixCalls pins the short-list mix to the C's: the same number of
// unr calls per run (bench.c short prints 102,734) and no M_UNIT leak.
func TestShortMixCalls(t *testing.T) {
	k, td := newSeqKernel()
	kind, x, coin := shortMixOps()
	require.Equal(t, 102734, runShortMix(td, true, kind, x, coin))
	require.Zero(t, MUnit(k).Live())
}
