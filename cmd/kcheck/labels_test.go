// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/harness/results"
)

// TestRunLabels: a campaign whose failures are a known finding groups
// them under its ID, exits 0 with --allow-known and ends with one line
// that says so; a failure no finding explains is NEW and fails the run.
func TestRunLabels(t *testing.T) {
	out := t.TempDir()
	r := kcheck(t, "run", "--scenario", "RenameCollision", "--strategy", "dfs", "--bound", "1",
		"--workers", "2", "--progress", "0", "--allow-known", "--json", "--out", out)
	require.Equal(t, exitClean, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	var s results.Summary
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &s))
	require.True(t, s.Labelled)
	assert.Greater(t, s.Violations, int64(0))
	assert.Zero(t, s.New)
	assert.Zero(t, s.Unlabelled)
	assert.Equal(t, []string{"F4"}, s.Known)
	require.Len(t, s.Labels, 1)
	assert.Equal(t, s.Violations, s.Labels[0].Count)
	assert.Len(t, s.Labels[0].Bundles, 1, "--known-bundles 1 (the default)")

	r = kcheck(t, "run", "--scenario", "RenameCollision", "--strategy", "dfs", "--bound", "1",
		"--workers", "2", "--progress", "0", "--allow-known", "--known-bundles", "0", "--out", t.TempDir())
	require.Equal(t, exitClean, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	assert.Regexp(t, `^no new failures in \d+ executions; known findings seen: F4$`, lines[len(lines)-1])
	assert.Contains(t, r.stdout, "bundles written: 0")

	// A livelock (a step budget nothing fits in) is no finding: NEW.
	r = kcheck(t, "run", "--scenario", "RenameCollision", "--max-steps", "40", "--executions", "4",
		"--workers", "2", "--progress", "0", "--allow-known", "--out", t.TempDir())
	assert.Equal(t, exitViolation, r.code)
	lines = strings.Split(strings.TrimSpace(r.stdout), "\n")
	assert.Regexp(t, `^NEW failures: 4 \(bundles: \S+\); known findings seen: none$`, lines[len(lines)-1])
}
