// SPDX-License-Identifier: BSD-2-Clause

package unrhdr

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"kcheck/kern"
)

// concScenario is nthreads threads sharing one header of `size` units,
// each doing `ops` random operations (alloc_unr, alloc_unr_specific of a
// random unit, free_unr of a unit it holds) and freeing what it holds at
// the end. owner records who holds each unit; one emulated thread runs at
// a time, so the test's own bookkeeping needs no lock.
type concScenario struct {
	nthreads, ops int
	size          uint32
	callerMtx     bool
}

// run executes the scenario on a fresh kernel with chooser ch and returns
// an error describing the first violation.
func (sc concScenario) run(ch kern.Chooser) error {
	k := kern.NewKernel(kern.Config{Chooser: ch})
	td0 := k.Thread0()
	var mtx *kern.Mtx
	if sc.callerMtx {
		mtx = new(kern.Mtx)
		mtx.Init(k, "ifc_mtx", "", kern.MTX_DEF)
	}
	uh := NewUnrhdr(td0, 0, int(sc.size-1), mtx)
	owner := make([]int, sc.size)
	for i := range owner {
		owner[i] = -1
	}
	var violation error
	done := 0
	fail := func(format string, args ...any) {
		if violation == nil {
			violation = fmt.Errorf(format, args...)
		}
	}
	for w := 0; w < sc.nthreads; w++ {
		k.Go(fmt.Sprintf("unr%d", w), func(td *kern.Thread) {
			rng := &splitmix64{s: uint64(w)*1000 + 1} // deterministic per thread (DFS)
			var mine []uint32
			take := func(u int, what string) {
				if u < 0 {
					return
				}
				if u >= int(sc.size) {
					fail("%s returned %d, above high %d", what, u, sc.size-1)
					return
				}
				if o := owner[u]; o != -1 {
					fail("%s: unit %d given to thread %d while thread %d holds it", what, u, w, o)
				}
				owner[u] = w
				mine = append(mine, uint32(u))
			}
			for i := 0; i < sc.ops; i++ {
				switch r := rng.next() % 3; {
				case r == 0:
					take(AllocUnr(td, uh), "alloc_unr")
				case r == 1:
					u := rng.uniform(sc.size)
					got := AllocUnrSpecific(td, uh, u)
					if got != -1 && got != int(u) {
						fail("alloc_unr_specific(%d) returned %d", u, got)
					}
					take(got, "alloc_unr_specific")
				case len(mine) > 0:
					j := int(rng.uniform(uint32(len(mine))))
					u := mine[j]
					mine = append(mine[:j], mine[j+1:]...)
					owner[u] = -1
					FreeUnr(td, uh, u)
				}
			}
			for _, u := range mine {
				owner[u] = -1
				FreeUnr(td, uh, u)
			}
			done++
		})
	}
	res := k.Run()
	if !res.OK() {
		return fmt.Errorf("run: %v (schedule %v)", res, res.Schedule)
	}
	if violation != nil {
		return fmt.Errorf("%w (schedule %v)", violation, res.Schedule)
	}
	if done != sc.nthreads {
		return fmt.Errorf("%d of %d threads finished", done, sc.nthreads)
	}
	if res.Schedule.Switches() == 0 {
		return fmt.Errorf("no context switch in %d steps", res.Steps)
	}
	if p := catchPanic(td0, func() { CheckUnrhdr(td0, uh, 0) }); p != nil {
		return fmt.Errorf("check_unrhdr after the run: %v", p)
	}
	if uh.busy != 0 {
		return fmt.Errorf("busy %d after every thread freed its units\n%s", uh.busy, uh)
	}
	CleanUnrhdr(td0, uh)
	DeleteUnrhdr(td0, uh)
	if live := MUnit(k).Live(); live != 0 {
		return fmt.Errorf("M_UNIT live %d after delete_unrhdr", live)
	}
	return nil
}

// TestConcurrentAllocFree: 4 threads allocate and free on one header under
// the controlled scheduler (random walk, PCT, bounded DFS), with the
// kernel's global mutex and with a caller's mutex. No unit is ever held by
// two threads, no unit lies above high, the run has no panic, deadlock or
// WITNESS report, the header checks clean and M_UNIT returns to zero.
func TestConcurrentAllocFree(t *testing.T) {
	seeds := 1000
	if testing.Short() {
		seeds = 200
	}
	// Exhaustive DFS configurations: 4 threads x 3 ops within one
	// preemption (2,544 schedules); with -short off also 3 x 2 within two
	// (8,972 schedules).
	dfsCases := []struct{ threads, ops, bound int }{{4, 3, 1}}
	if !testing.Short() {
		dfsCases = append(dfsCases, struct{ threads, ops, bound int }{3, 2, 2})
	}
	for _, callerMtx := range []bool{false, true} {
		name := "global"
		if callerMtx {
			name = "caller"
		}
		t.Run(name, func(t *testing.T) {
			sc := concScenario{nthreads: 4, ops: 24, size: 300, callerMtx: callerMtx}
			t.Run("random", func(t *testing.T) {
				for s := 0; s < seeds; s++ {
					require.NoError(t, sc.run(kern.NewRandom(uint64(s))), "random seed %d", s)
				}
			})
			t.Run("pct", func(t *testing.T) {
				for s := 0; s < seeds; s++ {
					require.NoError(t, sc.run(kern.NewPCT(uint64(s), 3, 600)), "pct seed %d", s)
				}
			})
			for _, c := range dfsCases {
				t.Run(fmt.Sprintf("dfs-%dx%d-bound%d", c.threads, c.ops, c.bound), func(t *testing.T) {
					small := concScenario{nthreads: c.threads, ops: c.ops, size: 8, callerMtx: callerMtx}
					dfs := kern.NewDFS(c.bound)
					dfs.MaxSchedules = 100000
					n := 0
					for dfs.Next() {
						require.NoError(t, small.run(dfs), "dfs schedule %d", n)
						n++
					}
					require.NoError(t, dfs.Err())
					require.True(t, dfs.Exhausted(), "%d schedules, not exhausted", n)
					t.Logf("dfs: %d schedules, exhaustive", n)
				})
			}
		})
	}
}
