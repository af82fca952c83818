// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"context"
	"os"
	"sort"
	"sync"
	"testing"

	"kcheck/kern"
	"kcheck/model"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSeedFunctionAt(t *testing.T) {
	for _, tc := range []struct {
		where kern.Location
		want  string
	}{
		{kern.Location{File: "ifclone/if_clone.go", Line: 293, Func: "ifclone.IfCloneCreate"}, "IfCloneCreate"},
		{kern.Location{File: "ifclone/if_clone.go", Line: 300, Func: "ifclone.IfCloneCreate.func1"}, "IfCloneCreate"},
		{kern.Location{File: "ifclone/if.go", Line: 939, Func: "ifclone.Ifunit"}, ""},
		{kern.Location{File: "ifclone/if_clone.go", Line: 10, Func: "ifclone.helper"}, ""},
		{kern.Location{File: "unrhdr/subr_unit.go", Line: 154, Func: "unrhdr.malloc"}, ""},
		{kern.Location{}, ""},
	} {
		assert.Equal(t, tc.want, SeedFunctionAt(tc.where), tc.where.String())
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
