// SPDX-License-Identifier: BSD-2-Clause

package triage

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"kcheck/harness"
	"kcheck/model"
)

// campaignKinds are the operation kinds of the labelled random campaign:
// every kind the generator draws (harness.OpKinds), module load/unload
// and concurrent jail creation and removal included, as the default
// random campaign of kcheck run draws them.
var campaignKinds = harness.OpKinds

// labelledCampaign runs a random campaign on the faithful port with the
// Labeler and returns its result.
func labelledCampaign(t *testing.T, execs int64, seed uint64) *harness.CampaignResult {
	t.Helper()
	c, err := harness.NewCampaign(harness.CampaignConfig{
		// The default mix, focused scenarios included
		// (harness/generate.go): every failure it meets must be named.
		Gen:      harness.GenConfig{Threads: 3, Ops: 4, Families: harness.Families, Kinds: campaignKinds},
		Strategy: harness.PCT, Depth: 3, Steps: 500, Executions: execs, Seed: seed, Workers: 2,
		Labeler: newLabeler(t), TraceEvery: -1, Mode: model.Relaxed,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c.Run(context.Background())
}

// checkLabels fails the test for a failure the campaign did not label, or
// labelled NEW, and returns the number of failures.
func checkLabels(t *testing.T, res *harness.CampaignResult) int64 {
	t.Helper()
	rep := res.Labels
	if rep == nil {
		t.Fatal("a campaign with a Labeler reported no labels")
	}
	var n int64
	for _, g := range rep.Groups {
		n += g.Count
		t.Logf("%-12s %5d (labelled %d, kinds %v, %d keys) e.g. %s seed %d: %s", g.Label, g.Count, g.Labelled, g.Kinds, len(g.Keys), g.Example.Scenario, g.Example.Seed, g.Example.Summary)
		for _, w := range g.Why {
			t.Logf("    why: %s", w)
		}
		if !g.Known() {
			t.Errorf("%d failures labelled %s (keys %q); e.g. %s seed %d: %s", g.Count, g.Label, g.Keys, g.Example.Scenario, g.Example.Seed, g.Example.Summary)
		}
	}
	for _, e := range rep.Errors {
		t.Errorf("labelling: %s", e)
	}
	if want := res.Failures(); n != want {
		t.Errorf("the label groups count %d failures, the campaign %d", n, want)
	}
	t.Logf("%d executions in %v, %d failures, %d keys, %d labeller runs in %v", res.Executions, res.Elapsed.Round(time.Millisecond), n, rep.Keys, rep.Runs, rep.Elapsed.Round(time.Millisecond))
	return n
}

// TestRandomCampaignLabels: every failure of a random campaign on the
// faithful port is a known finding.
//
// KCHECK_CAMPAIGN_EXECS overrides the number of executions (2,000, or 800
// with -short).
func TestRandomCampaignLabels(t *testing.T) {
	execs := int64(2000)
	if testing.Short() {
		execs = 800
		t.Logf("-short: %d executions", execs)
	}
	if v := os.Getenv("KCHECK_CAMPAIGN_EXECS"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			t.Fatalf("KCHECK_CAMPAIGN_EXECS=%q: want a positive number", v)
		}
		execs = n
	}
	res := labelledCampaign(t, execs, 1)
	if n := checkLabels(t, res); n == 0 {
		t.Error("no failure to label: the test checks nothing")
	}
}
