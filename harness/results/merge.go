// SPDX-License-Identifier: BSD-2-Clause

package results

import (
	"fmt"
	"sort"

	"kcheck/harness"
)

// Merge merges shard runs into one summary. For each shard it keeps
// one instance: the last with a summary, else the one with the most
// executions (a retried shard re-runs the same seeds: counting two
// instances would count them twice).
func Merge(runs []*ShardRun, allowMixed bool) (*Summary, error) {
	if len(runs) == 0 {
		return nil, fmt.Errorf("no results records")
	}
	campaigns := map[string]bool{}
	for _, r := range runs {
		campaigns[r.Campaign] = true
	}
	if len(campaigns) > 1 && !allowMixed {
		var cs []string
		for c := range campaigns {
			cs = append(cs, c)
		}
		sort.Strings(cs)
		return nil, fmt.Errorf("the files hold %d different campaigns (%v): merge the shards of one campaign, or pass --allow-mixed", len(cs), cs)
	}
	type key struct {
		campaign string
		shard    int
	}
	chosen := map[key]*ShardRun{}
	var keys []key
	out := &Summary{Verdicts: harness.Tally{}, ByScenario: harness.ByScenario{}}
	for _, r := range runs {
		k := key{r.Campaign, r.Shard}
		old, ok := chosen[k]
		if !ok {
			keys = append(keys, k)
			chosen[k] = r
			continue
		}
		if r.Summary != nil || (old.Summary == nil && r.executions() > old.executions()) {
			chosen[k] = r
		}
		out.Notes = append(out.Notes, fmt.Sprintf("shard %d ran more than once (instances %s, %s): kept %s", r.Shard, old.Instance, r.Instance, chosen[k].Instance))
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].campaign != keys[j].campaign {
			return keys[i].campaign < keys[j].campaign
		}
		return keys[i].shard < keys[j].shard
	})

	edges := map[string]bool{}
	funcs := map[string]bool{}
	hashes := map[string]bool{}
	exact := true
	var sk sketch
	shardsOf := map[string]int{}
	seen := map[string]map[int]bool{}
	var maxElapsed, rate float64
	first := true
	for _, k := range keys {
		r := chosen[k]
		shardsOf[r.Campaign] = r.Shards
		if seen[r.Campaign] == nil {
			seen[r.Campaign] = map[int]bool{}
		}
		seen[r.Campaign][r.Shard] = true
		out.ShardsMerged = append(out.ShardsMerged, r.Shard)
		var s Summary
		if r.Summary != nil {
			s = *r.Summary
		} else {
			out.Incomplete = append(out.Incomplete, r.Shard)
			exact = false
			s = summaryFromBatches(r)
		}
		if first {
			out.Head = s.Head
			out.Seed, out.Strategy, out.Spec, out.Source = s.Seed, s.Strategy, s.Spec, s.Source
			if r.Start != nil {
				out.Seed, out.Strategy, out.Spec, out.Source = r.Start.Seed, r.Start.Strategy, r.Start.Spec, r.Start.Source
			}
			first = false
		}
		out.Executions += s.Executions
		out.Operations += s.Operations
		out.Steps += s.Steps
		out.Verdicts.AddTally(s.Verdicts)
		out.ByScenario.AddAll(s.ByScenario)
		for _, e := range s.Coverage.LockEdges {
			edges[e] = true
		}
		for _, f := range s.Coverage.Functions {
			funcs[f] = true
		}
		out.Coverage.TracedExecutions += s.Coverage.TracedExecutions
		if r.Summary != nil {
			if s.Coverage.ScheduleHashes == nil && s.Coverage.DistinctSchedules > 0 {
				exact = false
			}
			for _, h := range s.Coverage.ScheduleHashes {
				hashes[h] = true
			}
			if s.Coverage.ScheduleSketch != "" {
				o, err := decodeSketch(s.Coverage.ScheduleSketch)
				if err != nil {
					return nil, fmt.Errorf("shard %d: %v", r.Shard, err)
				}
				sk.merge(o)
			}
		}
		out.Expected = addExpectations(out.Expected, s.Expected)
		if r.Start != nil {
			out.Expected = addExpectations(out.Expected, r.Start.Expected)
		}
		out.Bundles = append(out.Bundles, s.Bundles...)
		out.Errors = append(out.Errors, s.Errors...)
		mergeLabels(out, &s)
		out.Interrupted = out.Interrupted || s.Interrupted
		out.Abandoned += s.Abandoned
		out.AbandonedRuns = append(out.AbandonedRuns, s.AbandonedRuns...)
		if s.ElapsedSec > maxElapsed {
			maxElapsed = s.ElapsedSec
		}
		if s.ElapsedSec > 0 {
			rate += float64(s.Executions) / s.ElapsedSec
		}
	}
	for c, n := range shardsOf {
		for i := 0; i < n; i++ {
			if !seen[c][i] {
				out.Missing = append(out.Missing, i)
			}
		}
	}
	out.Type = "merge"
	out.Instance = ""
	out.Shard = 0
	out.ElapsedSec = maxElapsed
	out.ExecPerSec = rate
	out.Violations = out.Verdicts.Violations()
	out.Unexpected = out.ByScenario.Unexpected(out.Expected)
	out.Coverage.LockEdges = sortedSet(edges)
	out.Coverage.LockOrderEdges = len(out.Coverage.LockEdges)
	out.Coverage.Functions = sortedSet(funcs)
	out.Coverage.FunctionsReached = len(out.Coverage.Functions)
	out.Coverage.FunctionsTotal = len(harness.SeedFunctions)
	if exact {
		out.Coverage.DistinctSchedules = int64(len(hashes))
		out.Coverage.SchedulesExact = true
	} else {
		out.Coverage.DistinctSchedules = sk.estimate()
		out.Notes = append(out.Notes, "distinct schedules estimated (HyperLogLog, about 1.6% error): a shard listed no exact hashes or left no summary")
	}
	if len(out.Incomplete) > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("shards %v left no summary (killed?): their totals are the sum of their batches", out.Incomplete))
	}
	return out, nil
}

func summaryFromBatches(r *ShardRun) Summary {
	s := Summary{Verdicts: harness.Tally{}, ByScenario: harness.ByScenario{}}
	edges := map[string]bool{}
	funcs := map[string]bool{}
	for _, b := range r.Batches {
		s.Executions += b.Executions
		s.Operations += b.Operations
		s.Steps += b.Steps
		s.Verdicts.AddTally(b.Verdicts)
		s.ByScenario.AddAll(b.ByScenario)
		for _, e := range b.NewLockEdges {
			edges[e] = true
		}
		for _, f := range b.NewFunctions {
			funcs[f] = true
		}
		s.Coverage.TracedExecutions += b.Traced
		s.Bundles = append(s.Bundles, b.Bundles...)
		if b.ElapsedSec > s.ElapsedSec {
			s.ElapsedSec = b.ElapsedSec
		}
	}
	s.Coverage.LockEdges = sortedSet(edges)
	s.Coverage.Functions = sortedSet(funcs)
	s.Interrupted = true
	return s
}

// addExpectations adds to out the scenarios of in it does not list yet.
func addExpectations(out, in harness.Expectations) harness.Expectations {
	for sc, ks := range in {
		if out == nil {
			out = harness.Expectations{}
		}
		if _, ok := out[sc]; !ok {
			out[sc] = ks
		}
	}
	return out
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
