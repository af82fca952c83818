// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"context"
	"os"
	"regexp"
	"sort"
	"sync"
	"testing"

	"kcheck/model"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSeedFunctionsMatchSource: the coverage denominator is exactly the
// ported functions of if_clone.c, as their doc comments name them.
func TestSeedFunctionsMatchSource(t *testing.T) {
	b, err := os.ReadFile("../ifclone/if_clone.go")
	require.NoError(t, err)
	re := regexp.MustCompile(`(?m)^// (\w+) is (\w+) \(if_clone\.c:\d+\)`)
	var got []string
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		got = append(got, m[1])
		assert.Equal(t, m[2], SeedCName(m[1]), "C name of %s", m[1])
	}
	want := append([]string(nil), SeedFunctions...)
	sort.Strings(got)
	sort.Strings(want)
	assert.Equal(t, want, got)
}

func TestSeedFunctionAt(t *testing.T) {
	for where, want := range map[string]string{
		"ifclone/if_clone.go:293 (ifclone.IfCloneCreate)":       "IfCloneCreate",
		"ifclone/if_clone.go:300 (ifclone.IfCloneCreate.func1)": "IfCloneCreate",
		"ifclone/if.go:939 (ifclone.Ifunit)":                    "",
		"ifclone/if_clone.go:10 (ifclone.helper)":               "",
		"unrhdr/subr_unit.go:154 (unrhdr.malloc)":               "",
		"?": "",
	} {
		assert.Equal(t, want, SeedFunctionAt(where), where)
	}
}

func TestCampaignShardSeeds(t *testing.T) {
	assert.EqualValues(t, 10+4*3+2, ShardSeed(10, 4, 2, 3))
	assert.EqualValues(t, 17, ShardSeed(10, 7, 0, 1))
	assert.EqualValues(t, 17, ShardSeed(10, 7, 0, 0), "0 shards is 1")

	seeds := func(shard, shards int, n int64) []uint64 {
		var mu sync.Mutex
		var out []uint64
		c, err := NewCampaign(CampaignConfig{Gen: GenConfig{Threads: 2, Ops: 2, Families: []string{"lo"}},
			Strategy: Random, Executions: n, Seed: 50, Workers: 3, Shard: shard, Shards: shards,
			OnExecution: func(r ExecRecord) { mu.Lock(); out = append(out, r.Seed); mu.Unlock() }})
		require.NoError(t, err)
		res := c.Run(context.Background())
		require.EqualValues(t, n, res.Executions)
		sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
		return out
	}
	var union []uint64
	for s := 0; s < 4; s++ {
		union = append(union, seeds(s, 4, 5)...)
	}
	sort.Slice(union, func(i, j int) bool { return union[i] < union[j] })
	assert.Equal(t, seeds(0, 1, 20), union)
}

func TestCampaignDFSExhaustsAndCancels(t *testing.T) {
	scn, err := NamedScenario("Lo0Protected")
	require.NoError(t, err)
	c, err := NewCampaign(CampaignConfig{Scenarios: []*Scenario{scn, scn}, Strategy: DFS, Bound: 0, Workers: 2, Mode: model.Relaxed})
	require.NoError(t, err)
	res := c.Run(context.Background())
	assert.True(t, res.Exhausted)
	assert.False(t, res.Interrupted)
	assert.Equal(t, res.Executions, res.Verdicts[Pass])
	assert.Greater(t, res.Executions, int64(2))
	assert.EqualValues(t, res.Schedules, len(res.ScheduleHashes))

	// Shard 1 of 2 gets the second scenario only.
	c, err = NewCampaign(CampaignConfig{Scenarios: []*Scenario{scn, scn}, Strategy: DFS, Bound: 0, Workers: 2, Shard: 1, Shards: 2})
	require.NoError(t, err)
	res2 := c.Run(context.Background())
	assert.Equal(t, res.Executions/2, res2.Executions)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c, err = NewCampaign(CampaignConfig{Scenarios: []*Scenario{scn}, Strategy: PCT, Workers: 2})
	require.NoError(t, err)
	res = c.Run(ctx)
	assert.True(t, res.Interrupted)
	assert.Zero(t, res.Executions)
}

func TestCampaignConfigErrors(t *testing.T) {
	for _, cfg := range []CampaignConfig{
		{Strategy: "bogus", Gen: GenConfig{Threads: 1, Ops: 1}},
		{Strategy: PCT, Gen: GenConfig{Threads: 0, Ops: 1}},
		{Strategy: PCT, Gen: GenConfig{Threads: 1, Ops: 1}, Shard: 2, Shards: 2},
		{Strategy: PCT, Gen: GenConfig{Threads: 1, Ops: 1}, Workers: -1},
		{Strategy: PCT, Scenarios: []*Scenario{{Name: "empty"}}},
	} {
		_, err := NewCampaign(cfg)
		assert.Error(t, err, "%+v", cfg)
	}
}

func TestCampaignBundleCap(t *testing.T) {
	scn, err := NamedScenario("SameExplicitName")
	require.NoError(t, err)
	out := t.TempDir()
	c, err := NewCampaign(CampaignConfig{Scenarios: []*Scenario{scn}, Strategy: Random, MaxSteps: 40,
		Executions: 12, Workers: 3, OutDir: out, BundlesPerKind: 2})
	require.NoError(t, err)
	res := c.Run(context.Background())
	assert.EqualValues(t, 12, res.Verdicts[Livelock])
	assert.Len(t, res.Bundles, 2)
	ents, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Len(t, ents, 2)
	assert.Contains(t, res.FirstFailure("SameExplicitName", Livelock), "livelock")
}
