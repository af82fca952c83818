package kern

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// twoLockKernel sets up the classic ABBA deadlock.
func twoLockKernel(ch Chooser) *Kernel {
	k := NewKernel(Config{Chooser: ch, WitnessRecord: true})
	var a, b Mtx
	a.Init(k, "lock_a", "", MTX_DEF)
	b.Init(k, "lock_b", "", MTX_DEF)
	k.Go("ab", func(td *Thread) { a.Lock(td); b.Lock(td); b.Unlock(td); a.Unlock(td) })
	k.Go("ba", func(td *Thread) { b.Lock(td); a.Lock(td); a.Unlock(td); b.Unlock(td) })
	return k
}

func checkABBADeadlock(t *testing.T, d *Deadlock) {
	t.Helper()
	require.Len(t, d.Blocked, 2)
	byName := map[string]BlockedThread{}
	for _, b := range d.Blocked {
		byName[b.Name] = b
	}
	assert.Equal(t, "mtx lock_b", byName["ab"].WaitsFor)
	assert.Equal(t, []string{"lock_a"}, byName["ab"].Holds)
	assert.Equal(t, "mtx lock_a", byName["ba"].WaitsFor)
	assert.Equal(t, []string{"lock_b"}, byName["ba"].Holds)
	assert.Contains(t, d.String(), "ab(tid 1) waits for mtx lock_b")
}

func TestDeadlockFoundByDFS(t *testing.T) {
	dfs := NewDFS(1)
	var found *Deadlock
	for dfs.Next() {
		res := twoLockKernel(dfs).Run()
		if res.Deadlock != nil {
			found = res.Deadlock
			break
		}
	}
	require.NoError(t, dfs.Err())
	require.NotNil(t, found, "DFS with preemption bound 1 missed the ABBA deadlock after %d schedules", dfs.Explored())
	checkABBADeadlock(t, found)

	// With bound 0 (no preemptions) the deadlock is unreachable.
	dfs0 := NewDFS(0)
	for dfs0.Next() {
		res := twoLockKernel(dfs0).Run()
		require.Nil(t, res.Deadlock)
	}
	assert.True(t, dfs0.Exhausted())
	assert.Equal(t, 2, dfs0.Explored())
}

func TestDeadlockFoundByPCT(t *testing.T) {
	for seed := uint64(0); seed < 1000; seed++ {
		res := twoLockKernel(NewPCT(seed, 2, 20)).Run()
		if res.Deadlock != nil {
			checkABBADeadlock(t, res.Deadlock)
			t.Logf("found at seed %d", seed)
			return
		}
	}
	t.Fatal("PCT depth 2 did not find the ABBA deadlock in 1,000 seeds")
}

// racyWorkload: three threads update shared state with unlocked
// read-modify-write sequences; the outcome depends on the schedule.
func racyWorkload(ch Chooser) (*RunResult, string) {
	return racyWorkloadCfg(Config{Chooser: ch})
}

func racyWorkloadCfg(cfg Config) (*RunResult, string) {
	k := NewKernel(cfg)
	var m Mtx
	m.Init(k, "m", "", MTX_DEF)
	x, log := 0, ""
	for i := 0; i < 3; i++ {
		i := i
		k.Go(fmt.Sprintf("t%d", i), func(td *Thread) {
			for j := 0; j < 3; j++ {
				v := x
				Preempt(td)
				x = v + i + 1
				m.Lock(td)
				log += fmt.Sprint(i)
				m.Unlock(td)
			}
		})
	}
	res := k.Run()
	return res, fmt.Sprintf("%d/%s", x, log)
}

func TestScheduleDeterministic(t *testing.T) {
	outcomes := map[string]bool{}
	for seed := uint64(0); seed < 1000; seed++ {
		r1, o1 := racyWorkload(NewRandom(seed))
		r2, o2 := racyWorkload(NewRandom(seed))
		require.True(t, r1.OK())
		require.Equal(t, r1.Schedule.String(), r2.Schedule.String(), "seed %d", seed)
		require.Equal(t, o1, o2, "seed %d", seed)

		// The recorded schedule, through its string form, replays exactly.
		sched, err := ParseSchedule(r1.Schedule.String())
		require.NoError(t, err)
		rp := NewReplay(sched)
		r3, o3 := racyWorkload(rp)
		require.Empty(t, rp.Diverged(), "seed %d", seed)
		require.Equal(t, o1, o3, "seed %d", seed)
		require.Equal(t, r1.Schedule, r3.Schedule)
		outcomes[o1] = true
	}
	assert.Greater(t, len(outcomes), 50, "the workload should have many outcomes")

	// PCT is deterministic too.
	rA, oA := racyWorkload(NewPCT(7, 3, 40))
	rB, oB := racyWorkload(NewPCT(7, 3, 40))
	assert.Equal(t, rA.Schedule, rB.Schedule)
	assert.Equal(t, oA, oB)

	// A schedule that does not fit the program is reported as divergence.
	bad := NewReplay(Schedule{2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2})
	racyWorkload(bad)
	assert.NotEmpty(t, bad.Diverged())
}

func binom(n, k int) int {
	r := 1
	for i := 1; i <= k; i++ {
		r = r * (n - k + i) / i
	}
	return r
}

// stepsKernel: thread i performs steps[i] visible actions separated by
// scheduling points, appending its id to a shared trace.
func stepsKernel(ch Chooser, steps []int, trace *[]byte) *Kernel {
	k := NewKernel(Config{Chooser: ch})
	for i, n := range steps {
		i, n := i, n
		k.Go(fmt.Sprint(i), func(td *Thread) {
			for j := 0; j < n; j++ {
				if j > 0 {
					Preempt(td)
				}
				*trace = append(*trace, byte('a'+i))
			}
		})
	}
	return k
}

func TestDFSCountsSchedules(t *testing.T) {
	for _, c := range []struct{ a, b int }{{1, 1}, {2, 3}, {3, 4}, {4, 4}} {
		steps := []int{c.a, c.b}
		for _, tc := range []struct {
			bound int
			want  int
		}{
			{-1, binom(c.a+c.b, c.a)},
			{0, 2},
			{1, c.a + c.b},
		} {
			dfs := NewDFS(tc.bound)
			seen := map[string]bool{}
			for dfs.Next() {
				var tr []byte
				res := stepsKernel(dfs, steps, &tr).Run()
				require.True(t, res.OK())
				require.False(t, seen[string(tr)], "schedule %s explored twice", tr)
				seen[string(tr)] = true
			}
			require.NoError(t, dfs.Err())
			assert.True(t, dfs.Exhausted())
			assert.Equal(t, tc.want, dfs.Explored(), "a=%d b=%d bound=%d", c.a, c.b, tc.bound)
			assert.Len(t, seen, tc.want)
		}
	}
	// Three threads, unbounded: the multinomial 6!/(2!2!2!) = 90.
	dfs := NewDFS(-1)
	for dfs.Next() {
		var tr []byte
		stepsKernel(dfs, []int{2, 2, 2}, &tr).Run()
	}
	assert.Equal(t, 90, dfs.Explored())
}

// TestPCTFindsOrderingBug: a depth-3 bug (t0 writes 1, t1 reads it before
// t0 overwrites it with 2, and t1 must not read before the first write)
// needs two ordering constraints. PCT's guarantee for n threads and k
// steps is a hit probability of at least 1/(n*k^(d-1)) per run.
func TestPCTFindsOrderingBug(t *testing.T) {
	const runs = 3000
	hits, maxSteps := 0, int64(0)
	for seed := uint64(0); seed < runs; seed++ {
		k := NewKernel(Config{Chooser: NewPCT(seed, 3, 24)})
		x := 0
		bug := false
		k.Go("writer", func(td *Thread) {
			for i := 0; i < 5; i++ {
				Preempt(td)
			}
			x = 1
			Preempt(td)
			x = 2
			for i := 0; i < 5; i++ {
				Preempt(td)
			}
		})
		k.Go("reader", func(td *Thread) {
			for i := 0; i < 5; i++ {
				Preempt(td)
				if x == 1 {
					bug = true
				}
			}
		})
		res := k.Run()
		require.True(t, res.OK())
		if res.Steps > maxSteps {
			maxSteps = res.Steps
		}
		if bug {
			hits++
		}
	}
	n, d := 2.0, 3.0
	bound := 1 / (n * float64(maxSteps) * float64(maxSteps))
	_ = d
	rate := float64(hits) / runs
	t.Logf("PCT depth 3: %d hits in %d runs (rate %.4f), bound 1/(n k^2) = %.5f with k=%d", hits, runs, rate, bound, maxSteps)
	assert.GreaterOrEqual(t, rate, bound)
	assert.Greater(t, hits, 0)
}

func TestScheduleStringRoundTrip(t *testing.T) {
	s := Schedule{0, 0, 0, 1, 2, 2, 0}
	assert.Equal(t, "0*3.1.2*2.0", s.String())
	got, err := ParseSchedule(s.String())
	require.NoError(t, err)
	assert.Equal(t, s, got)
	_, err = ParseSchedule("1.x")
	assert.Error(t, err)
	_, err = ParseSchedule("1*0")
	assert.Error(t, err)
	e, err := ParseSchedule("-")
	require.NoError(t, err)
	assert.Empty(t, e)
}

func TestLivelockBudget(t *testing.T) {
	k := NewKernel(Config{MaxSteps: 500})
	flag := false
	k.Go("spinner", func(td *Thread) {
		for !flag {
			Preempt(td)
		}
	})
	res := k.Run()
	assert.True(t, res.Livelock)
	assert.Equal(t, int64(501), res.Steps)
}

func TestPanicInThreadEndsRun(t *testing.T) {
	k := NewKernel(Config{Chooser: NewRandom(5)})
	var m Mtx
	m.Init(k, "m", "", MTX_DEF)
	k.Go("victim", func(td *Thread) { m.Lock(td); Preempt(td); KASSERT(td, false, "boom %d", 7) })
	k.Go("other", func(td *Thread) { m.Lock(td); m.Unlock(td) })
	res := k.Run()
	require.NotNil(t, res.Panic)
	assert.Equal(t, "boom 7", res.Panic.Msg)
	assert.Equal(t, PanicKernel, res.Panic.Kind)

	// A Go run-time fault (nil dereference) is a PanicFault.
	k2 := NewKernel(Config{})
	k2.Go("faulter", func(td *Thread) {
		var p *struct{ x int }
		p.x = 1
	})
	res2 := k2.Run()
	require.NotNil(t, res2.Panic)
	assert.Equal(t, PanicFault, res2.Panic.Kind)
}

func TestRunInPhases(t *testing.T) {
	k := NewKernel(Config{Chooser: NewRandom(9), MaxSteps: 100})
	var m Mtx
	m.Init(k, "m", "", MTX_DEF)
	n := 0
	for i := 0; i < 2; i++ {
		k.Go("w", func(td *Thread) { m.Lock(td); n++; m.Unlock(td) })
	}
	r1 := k.Run()
	require.True(t, r1.OK())
	k.Go("teardown", func(td *Thread) { m.Lock(td); n *= 10; m.Unlock(td) })
	k.Go("teardown2", func(td *Thread) { m.Lock(td); n++; m.Unlock(td) })
	r2 := k.Run()
	require.True(t, r2.OK(), "%v", r2)
	assert.Greater(t, r2.Steps, r1.Steps)
	assert.GreaterOrEqual(t, len(r2.Schedule), len(r1.Schedule))
	assert.Contains(t, []int{21, 30}, n)

	// The budget is per phase; a panicked kernel runs nothing more.
	k.Go("boom", func(td *Thread) { Panicf(td, "dead") })
	r3 := k.Run()
	require.NotNil(t, r3.Panic)
	ran := false
	k.Go("after", func(td *Thread) { ran = true })
	r4 := k.Run()
	require.NotNil(t, r4.Panic)
	assert.False(t, ran)
}
