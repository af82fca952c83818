// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/kern"
	"kcheck/model"
)

// unrHoldReversal: t0 calls alloc_unr on header B while holding header
// A's mutex, a legal caller pattern (alloc_unr never sleeps) that teaches
// WITNESS A -> B; t1 does the reverse. Each thread has one operation more
// than the reversal needs, for minimization to remove.
func unrHoldReversal() *Scenario {
	return &Scenario{Name: "UnrHoldReversal", Target: "unrhdr",
		Headers: []UnrHeader{{Low: 0, High: 7, Mutex: "unr A"}, {Low: 0, High: 7, Mutex: "unr B"}},
		Threads: [][]Op{
			{{Kind: "alloc_unr", Hdr: 1, Holding: []int{0}}, {Kind: "free_unr", Hdr: 1}},
			{{Kind: "alloc_unr"}, {Kind: "alloc_unr", Hdr: 0, Holding: []int{1}}},
		}}
}

// TestTargetsShareExecute: ifclone and unrhdr scenarios go through the
// same exported code: Execute judges them (here a WITNESS reversal from
// real subr_unit.c API use, and an ifclone invariant), WriteBundle writes
// a bundle, ReadBundle and Replay reproduce its verdict, MinimizeBundle
// shrinks it to a bundle that replays to the same verdict identity, and
// a campaign finds and bundles the failure.
func TestTargetsShareExecute(t *testing.T) {
	for _, tc := range []struct {
		scn  *Scenario
		kind Kind
		id   string // a substring of the headline verdict's identity
	}{
		{unrHoldReversal(), WitnessReversal, "unr B -> unr A"},
		{&Scenario{Name: "split-hazard", Threads: [][]Op{{mkC(0, "disc0"), mkRename(0, "disc0", "tun0")}, {mkC(0, "tun")}}}, Invariant, "Invariant (workload)"},
	} {
		t.Run(tc.scn.Target+"/"+tc.scn.Name, func(t *testing.T) {
			require.NoError(t, tc.scn.Validate())
			tg, err := TargetOf(tc.scn.Target)
			require.NoError(t, err)
			cfg := Config{Chooser: kern.NewReplay(nil), Mode: model.Relaxed, MaxSteps: 20_000}
			ex := Execute(tc.scn, cfg)
			require.Equal(t, tc.kind, ex.Kind, "%s: %s\n%s", tg.Name(), ex.Summary, ex.Details)
			id := ex.headline().Identity
			assert.Contains(t, id, tc.id)
			t.Logf("%s: %s: %s", tg.Name(), ex.Kind, id)

			dir := t.TempDir()
			path, err := WriteBundle(dir, ex, cfg, "replay")
			require.NoError(t, err)
			for _, f := range []string{fileScenario, fileMeta, fileSchedule, fileHistory, fileHTML, fileReport} {
				st, err := os.Stat(filepath.Join(path, f))
				require.NoError(t, err, f)
				assert.Positive(t, st.Size(), f)
			}
			lb, err := ReadBundle(path)
			require.NoError(t, err)
			assert.Equal(t, tc.scn.Target, lb.Scenario.Target)
			rex, diverged, err := Replay(lb)
			require.NoError(t, err)
			assert.Empty(t, diverged)
			assert.Equal(t, ex.Kind, rex.Kind, rex.Summary)
			assert.True(t, rex.HasIdentity(id), rex.VerdictKinds())
			assert.Equal(t, ex.Schedule.String(), rex.Schedule.String())
			report, err := os.ReadFile(filepath.Join(path, fileReport))
			require.NoError(t, err)
			assert.Contains(t, string(report), string(ex.Kind))

			res, err := MinimizeBundle(lb, 300)
			require.NoError(t, err)
			assert.True(t, res.Execution.HasIdentity(id), res.Execution.VerdictKinds())
			assert.True(t, res.Minimized.less(res.Original), "%s -> %s", res.Original, res.Minimized)
			assert.Equal(t, tc.scn.Target, res.Scenario.Target)
			t.Logf("minimized %s -> %s: %v", res.Original, res.Minimized, res.Reductions)
			mpath, err := WriteBundle(dir, res.Execution, Config{Mode: model.Relaxed, MaxSteps: cfg.MaxSteps}, "minimized")
			require.NoError(t, err)
			mlb, err := ReadBundle(mpath)
			require.NoError(t, err)
			mex, diverged, err := Replay(mlb)
			require.NoError(t, err)
			assert.Empty(t, diverged)
			assert.True(t, mex.HasIdentity(id), mex.VerdictKinds())
			assert.Equal(t, res.Scenario, mlb.Scenario)

			out := t.TempDir()
			c, err := NewCampaign(CampaignConfig{Scenarios: []*Scenario{tc.scn}, Strategy: DFS, Bound: 1, MaxSchedules: 30,
				Mode: model.Relaxed, MaxSteps: 20_000, Workers: 1, OutDir: out, BundlesPerKind: 1, TraceEvery: -1})
			require.NoError(t, err)
			cr := c.Run(context.Background())
			st := cr.Stats
			assert.Positive(t, st.Verdicts[tc.kind], "%v", st.Verdicts)
			require.NotEmpty(t, st.Bundles)
			clb, err := ReadBundle(st.Bundles[0].Path)
			require.NoError(t, err)
			cex, _, err := Replay(clb)
			require.NoError(t, err)
			assert.Equal(t, clb.Meta.Kind, cex.Kind)
		})
	}
}

// TestUnrWitnessEveryOrder: whichever thread runs first, the second order
// is the reversal WITNESS reports, with both lock classes named.
func TestUnrWitnessEveryOrder(t *testing.T) {
	kinds := dfs(t, unrHoldReversal(), Config{Mode: model.Strict}, 1, 200)
	assert.Positive(t, kinds[WitnessReversal], "%v", kinds)
	for _, k := range keys(kinds) {
		assert.Contains(t, []Kind{WitnessReversal}, k, "%v", kinds)
	}
	// Without the held mutexes the same operations pass.
	scn := unrHoldReversal()
	for _, th := range scn.Threads {
		for j := range th {
			th[j].Holding = nil
		}
	}
	kinds = dfs(t, scn, Config{Mode: model.Strict}, 1, 200)
	assert.Equal(t, []Kind{Pass}, keys(kinds), "%v", kinds)
}

// TestUnrSleepWithMutexHeld: free_unr may sleep (it allocates with
// M_WAITOK after WITNESS_WARN, subr_unit.c free_unr), so calling it with
// another header's mutex held is WITNESS's sleep warning.
func TestUnrSleepWithMutexHeld(t *testing.T) {
	scn := &Scenario{Name: "unr-free-held", Target: "unrhdr",
		Headers: []UnrHeader{{Low: 0, High: 3, Mutex: "unr A"}, {Low: 0, High: 3}},
		Threads: [][]Op{{{Kind: "alloc_unr", Hdr: 1}, {Kind: "free_unr", Hdr: 1, Holding: []int{0}}}}}
	require.NoError(t, scn.Validate())
	ex := Execute(scn, Config{Chooser: kern.NewReplay(nil)})
	assert.Equal(t, WitnessSleep, ex.Kind, "%s\n%s", ex.Summary, ex.Details)
}

// TestOldBundlesHaveNoTarget: the ifclone scenarios saved before targets
// existed name none, and a scenario's JSON still has no "target" field
// unless it names one (so ifclone bundles are written as before).
func TestOldBundlesHaveNoTarget(t *testing.T) {
	dirs, _ := filepath.Glob("../testdata/findings/*")
	more, _ := filepath.Glob("testdata/bundles/*")
	dirs = append(dirs, more...)
	require.NotEmpty(t, dirs)
	for _, d := range dirs {
		lb, err := ReadBundle(d)
		require.NoError(t, err, d)
		assert.Empty(t, lb.Scenario.Target, d)
		assert.NotEmpty(t, lb.History, d)
	}
	b := mustJSON(t, &Scenario{Name: "x", Threads: [][]Op{{mkC(0, "lo1")}}})
	assert.False(t, strings.Contains(string(b), "target") || strings.Contains(string(b), "hdr") || strings.Contains(string(b), "headers"), string(b))
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}
