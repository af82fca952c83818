// SPDX-License-Identifier: BSD-2-Clause

package results

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/harness"
)

func TestSketchEstimates(t *testing.T) {
	var a, b sketch
	for i := uint64(0); i < 30000; i++ {
		a.add(i * 0x9e3779b97f4a7c15)
		if i >= 10000 {
			b.add(i * 0x9e3779b97f4a7c15)
		}
	}
	b2, err := decodeSketch(b.encode())
	require.NoError(t, err)
	a.merge(b2)
	assert.InEpsilon(t, 30000, float64(a.estimate()), 0.05)
	var small sketch
	for i := uint64(0); i < 100; i++ {
		small.add(i)
	}
	assert.InDelta(t, 100, float64(small.estimate()), 3)
	_, err = decodeSketch("AAAA")
	assert.Error(t, err, "a sketch of the wrong size")
}

// stats is a campaign's running totals after n executions of which the
// last fail with kind k.
func stats(n, fails int64, k harness.Kind, edges ...string) harness.Stats {
	s := harness.Stats{Executions: n, Operations: 4 * n, Steps: 100 * n, LockEdges: edges, Elapsed: time.Duration(n) * time.Millisecond}
	s.Verdicts.Add(harness.Pass, n-fails)
	s.Verdicts.Add(k, fails)
	s.ByScenario.Add("S", harness.Pass, n-fails)
	s.ByScenario.Add("S", k, fails)
	return s
}

// TestWriteReadMerge: a shard's batches are the differences of its
// running totals; Merge sums two shards, counts a shard without a
// summary from its batches, and judges Unexpected against the scenarios'
// Expect lists.
func TestWriteReadMerge(t *testing.T) {
	dir := t.TempDir()
	exp := harness.Expectations{"S": {harness.NotLinearizable}}
	write := func(shard int, kill bool) string {
		p := filepath.Join(dir, "s"+string(rune('0'+shard))+".jsonl")
		w, err := Open(p, Head{Version: Version, Campaign: "c1", Instance: "i" + string(rune('0'+shard)), Shard: shard, Shards: 2}, 10)
		require.NoError(t, err)
		w.Start(Start{Seed: 1, Strategy: "pct", Spec: "relaxed", Source: "test", Expected: exp})
		w.Tick(stats(10, 1, harness.NotLinearizable), false)
		w.Tick(stats(15, 2, harness.NotLinearizable, "a -> b"), false) // fewer than 10 new: no batch
		final := stats(25, 3, harness.NotLinearizable, "a -> b")
		final.Verdicts.Add(harness.Panic, 1)
		final.ByScenario.Add("S", harness.Panic, 1)
		final.Executions++
		if kill {
			w.Tick(final, true)
			w.flush()
			return p
		}
		var sum Summary
		sum.Executions = final.Executions
		sum.Verdicts = final.Verdicts
		sum.ByScenario = final.ByScenario
		sum.Expected = exp
		sum.Coverage.LockEdges = final.LockEdges
		require.NoError(t, w.Finish(final, sum, []uint64{1, 2, 3}))
		return p
	}
	p0, p1 := write(0, false), write(1, true)
	b, err := os.ReadFile(p1)
	require.NoError(t, err)
	assert.Equal(t, 3, strings.Count(string(b), "\n"), "start and two batches")

	runs, err := Read([]string{p0, p1})
	require.NoError(t, err)
	require.Len(t, runs, 2)
	require.NotNil(t, runs[0].Summary)
	require.Nil(t, runs[1].Summary)
	require.Len(t, runs[1].Batches, 2)
	assert.Equal(t, harness.Tally{harness.Pass: 9, harness.NotLinearizable: 1}, runs[1].Batches[0].Verdicts)
	assert.Equal(t, harness.Tally{harness.Pass: 13, harness.NotLinearizable: 2, harness.Panic: 1}, runs[1].Batches[1].Verdicts)

	m, err := Merge(runs, false)
	require.NoError(t, err)
	assert.EqualValues(t, 52, m.Executions)
	assert.Equal(t, harness.Tally{harness.Pass: 44, harness.NotLinearizable: 6, harness.Panic: 2}, m.Verdicts)
	assert.EqualValues(t, 8, m.Violations)
	assert.EqualValues(t, 2, m.Unexpected, "the panics: S is known for NotLinearizable only")
	assert.Equal(t, []int{1}, m.Incomplete)
	assert.True(t, m.Interrupted, "a shard without a summary")
	assert.Equal(t, []string{"a -> b"}, m.Coverage.LockEdges)
	assert.False(t, m.Coverage.SchedulesExact)

	_, err = Merge(nil, false)
	assert.Error(t, err)
}

// TestMergeLabels: merged shards sum their label groups.
func TestMergeLabels(t *testing.T) {
	a := Summary{Labelled: true, Labels: []harness.LabelGroup{
		{Label: "F3", IDs: []string{"F3"}, Count: 5, Kinds: map[harness.Kind]int64{harness.NotLinearizable: 5}, Keys: []string{"k1"}},
		{Label: harness.LabelNew, Count: 1, Kinds: map[harness.Kind]int64{harness.Panic: 1}, Keys: []string{"k2"}, Bundles: []string{"b1"}}}}
	b := Summary{Labelled: true, Labels: []harness.LabelGroup{
		{Label: "F3", IDs: []string{"F3"}, Count: 2, Kinds: map[harness.Kind]int64{harness.NotLinearizable: 2}, Keys: []string{"k1", "k3"}},
		{Label: "F10", IDs: []string{"F10"}, Count: 1, Kinds: map[harness.Kind]int64{harness.WitnessReversal: 1}, Keys: []string{"k4"}}}}
	var out Summary
	mergeLabels(&out, &a)
	mergeLabels(&out, &b)
	require.Len(t, out.Labels, 3)
	assert.EqualValues(t, 7, out.Labels[0].Count)
	assert.EqualValues(t, 7, out.Labels[0].Kinds[harness.NotLinearizable])
	assert.Equal(t, []string{"k1", "k3"}, out.Labels[0].Keys)
	assert.EqualValues(t, 1, out.New)
	assert.Equal(t, []string{"F3", "F10"}, out.Known)
	out.Violations, out.Executions = 9, 100
	assert.Equal(t, "NEW failures: 1 (bundles: b1); known findings seen: F3 F10", out.FinalLine())
	assert.EqualValues(t, 5, a.Labels[0].Count, "merging leaves its input alone")
	assert.EqualValues(t, 5, a.Labels[0].Kinds[harness.NotLinearizable], "merging leaves its input's kinds alone")
}
