// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"strings"
	"testing"

	"kcheck/kern"
	"kcheck/model"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// replayKind re-executes a minimized counterexample independently of the
// minimizer and reports its verdict and whether the replay followed the
// schedule exactly.
func replayKind(scn *Scenario, sched kern.Schedule, mode model.Mode, maxSteps int64) (Kind, string) {
	rp := kern.NewReplay(sched)
	ex := Execute(scn, Config{Chooser: rp, Mode: mode, MaxSteps: maxSteps})
	return ex.Kind, rp.Diverged()
}

func TestMinimizeKeepsVerdict(t *testing.T) {
	t.Run("race", func(t *testing.T) {
		// WildcardBurst under the strict spec: three threads, one of which
		// a counterexample does not need.
		scn, err := NamedScenario("WildcardBurst")
		require.NoError(t, err)
		ex, _, _, err := FindMinimal(scn, model.Strict, 1, 3000, func(ex *Execution) bool { return ex.Kind == NotLinearizable })
		require.NoError(t, err)
		var log []string
		res, err := Minimize(scn, ex.Schedule, MinimizeConfig{Budget: 300, Mode: model.Strict, Log: func(s string) { log = append(log, s) }})
		require.NoError(t, err)
		assert.Equal(t, NotLinearizable, res.Kind)
		assert.Equal(t, NotLinearizable, res.Execution.Kind)
		k, div := replayKind(res.Scenario, res.Schedule, model.Strict, 0)
		assert.Equal(t, NotLinearizable, k, "the minimized counterexample replays to the same verdict")
		assert.Empty(t, div, "and follows its schedule exactly")
		assert.LessOrEqual(t, res.Executions, 300)
		assert.Less(t, res.Minimized.Ops, res.Original.Ops, "some operation was not needed: %v", res.Reductions)
		assert.Less(t, len(res.Scenario.Threads), len(scn.Threads), "one thread was not needed: %v", res.Reductions)
		assert.False(t, res.Original.less(res.Minimized), "never larger")
		assert.Equal(t, log, res.Reductions)
		assert.Equal(t, "WildcardBurst-min", res.Scenario.Name)
		assert.Len(t, scn.Threads, 3, "the named scenario itself is left alone")
		assert.NotEmpty(t, res.Execution.Trace, "the final run is traced for the report")
	})
	t.Run("livelock", func(t *testing.T) {
		// A step budget the workload does not fit in: Livelock whatever
		// the port does. One wildcard disc create takes about 50 steps, so
		// a budget of 170 needs four of them (or a teardown that long).
		c := func() Op { return Op{Kind: "create", Name: "disc"} }
		scn := &Scenario{Name: "discs", Threads: [][]Op{{c(), c(), c()}, {c(), c(), c()}}}
		const maxSteps = 170
		ex := Execute(scn, Config{Chooser: kern.NewRandom(3), Mode: model.Relaxed, MaxSteps: maxSteps})
		require.Equal(t, Livelock, ex.Kind)
		res, err := Minimize(scn, ex.Schedule, MinimizeConfig{Budget: 300, Mode: model.Relaxed, MaxSteps: maxSteps})
		require.NoError(t, err)
		assert.Equal(t, Livelock, res.Kind)
		k, _ := replayKind(res.Scenario, res.Schedule, model.Relaxed, maxSteps)
		assert.Equal(t, Livelock, k)
		assert.Less(t, res.Minimized.Ops, scn.Ops())
		require.GreaterOrEqual(t, res.Minimized.Ops, 2, "one create fits in the budget")
		t.Logf("%s -> %s: %v", res.Original, res.Minimized, res.Reductions)
		// Every operation left is needed: without it (under the same
		// schedule, as the minimizer tried) the run fits in the budget.
		for th := range res.Scenario.Threads {
			for j := range res.Scenario.Threads[th] {
				c := cloneScenario(res.Scenario)
				c.Threads[th] = append(c.Threads[th][:j], c.Threads[th][j+1:]...)
				if len(c.Threads[th]) == 0 {
					c.Threads = append(c.Threads[:th], c.Threads[th+1:]...)
				}
				rex := Execute(c, Config{Chooser: kern.NewReplay(res.Schedule), Mode: model.Relaxed, MaxSteps: maxSteps})
				assert.False(t, rex.HasIdentity(res.Identity), "removing t%d op %d keeps the workload livelock, yet it was kept", th, j)
			}
		}
	})
	t.Run("budget", func(t *testing.T) {
		scn, err := NamedScenario("SameExplicitName")
		require.NoError(t, err)
		ex := Execute(scn, Config{Chooser: kern.NewRandom(3), Mode: model.Relaxed, MaxSteps: 60})
		require.Equal(t, Livelock, ex.Kind)
		res, err := Minimize(scn, ex.Schedule, MinimizeConfig{Budget: 3, Mode: model.Relaxed, MaxSteps: 60})
		require.NoError(t, err)
		assert.LessOrEqual(t, res.Executions, 3)
		assert.Equal(t, Livelock, res.Kind)
	})
	t.Run("pass", func(t *testing.T) {
		scn, err := NamedScenario("Lo0Protected")
		require.NoError(t, err)
		ex := Execute(scn, Config{Chooser: kern.NewRandom(1), Mode: model.Relaxed})
		require.Equal(t, Pass, ex.Kind)
		_, err = Minimize(scn, ex.Schedule, MinimizeConfig{Mode: model.Relaxed})
		assert.ErrorContains(t, err, "nothing to minimize")
	})
}

// TestMinimizeKeepsIdentity: a workload livelock (the step budget spent
// by the operations) minimized by kind alone drifts to a livelock of the
// teardown, another failure (a long teardown, not a long workload); the
// identity keeps it in the workload, and the result says what it could
// not remove.
func TestMinimizeKeepsIdentity(t *testing.T) {
	c := func() Op { return Op{Kind: "create", Name: "disc"} }
	scn := &Scenario{Name: "discs", Threads: [][]Op{{c(), c(), c()}, {c(), c(), c()}}}
	const maxSteps = 170
	ex := Execute(scn, Config{Chooser: kern.NewRandom(3), Mode: model.Relaxed, MaxSteps: maxSteps})
	require.Equal(t, Livelock, ex.Kind)
	require.Equal(t, "Livelock (workload)", ex.Verdicts[0].Identity)

	old, err := Minimize(scn, ex.Schedule, MinimizeConfig{Budget: 300, Mode: model.Relaxed, MaxSteps: maxSteps, KindOnly: true})
	require.NoError(t, err)
	assert.Equal(t, Livelock, old.Execution.Kind)
	assert.Equal(t, "Livelock (teardown)", old.Execution.Verdicts[0].Identity, "kind-only minimisation drifts to the teardown: %v", old.Reductions)

	res, err := Minimize(scn, ex.Schedule, MinimizeConfig{Budget: 300, Mode: model.Relaxed, MaxSteps: maxSteps})
	require.NoError(t, err)
	assert.Equal(t, "Livelock (workload)", res.Identity)
	assert.True(t, res.Execution.HasIdentity("Livelock (workload)"), res.Execution.VerdictKinds())
	assert.Greater(t, res.Minimized.Ops, old.Minimized.Ops, "the workload livelock needs more operations than the drifted one")
	assert.NotEmpty(t, res.Unshrunk, "it says what it could not remove")
	for _, u := range res.Unshrunk {
		assert.Contains(t, u, "loses the bug")
	}
	t.Logf("kind-only: %s; identity: %s; unshrunk: %v", old.Minimized, res.Minimized, res.Unshrunk)

	// A labeller decides instead when given.
	lab, err := Minimize(scn, ex.Schedule, MinimizeConfig{Budget: 300, Mode: model.Relaxed, MaxSteps: maxSteps,
		Label: func(ex *Execution) string { return ex.headline().Phase }})
	require.NoError(t, err)
	assert.Equal(t, "workload", lab.Label)
	assert.Equal(t, "workload", lab.Execution.headline().Phase)
}

// TestMinimizeMergesThreads: two threads that create and destroy in turn
// need no concurrency to leak nothing: a scenario whose bug is in one
// thread's sequence (TunRenameHazard's second tun0, an invariant) is
// found again with its operations merged into one thread.
func TestMinimizeMergesThreads(t *testing.T) {
	scn := &Scenario{Name: "split-hazard", Threads: [][]Op{
		{mkC(0, "disc0"), mkRename(0, "disc0", "tun0")}, {mkC(0, "tun")}}}
	ex := Execute(scn, Config{Chooser: kern.NewReplay(nil)}) // the lowest tid first: t0, then t1
	v := verdictOf(ex, Invariant, "workload")
	require.NotNil(t, v, ex.VerdictKinds())
	res, err := Minimize(scn, ex.Schedule, MinimizeConfig{Budget: 100, Identity: v.Identity})
	require.NoError(t, err)
	assert.Len(t, res.Scenario.Threads, 1, "%v", res.Reductions)
	assert.Equal(t, 3, res.Scenario.Ops())
	assert.Contains(t, strings.Join(res.Reductions, "\n"), "merged t1 into t0")
	assert.True(t, res.Execution.HasIdentity(v.Identity))
}

func TestBlocks(t *testing.T) {
	b := blocks(kern.Schedule{1, 1, 2, 1, 3, 3})
	assert.Equal(t, []block{{1, 0, 2}, {2, 2, 3}, {1, 3, 4}, {3, 4, 6}}, b)
	assert.Empty(t, blocks(nil))
}

// TestMinimizeRefusesInvalidCandidates: a candidate that no longer
// validates (a loan into a jail whose vnet_create the shrinking removed)
// is neither run nor kept, so a minimised bundle always loads again.
func TestMinimizeRefusesInvalidCandidates(t *testing.T) {
	m := &minimizer{cfg: MinimizeConfig{Budget: 10}}
	bad := &Scenario{Name: "x", Threads: [][]Op{{mkLoan("disc0", 2)}}}
	require.Error(t, bad.Validate())
	assert.False(t, m.try(bad, nil, "removed the vnet_create"))
	assert.Zero(t, m.used, "the invalid candidate was run")
}
