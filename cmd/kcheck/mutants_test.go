// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"kcheck/mutants"
)

// TestMutantsSmoke builds three mutants of different kinds with -overlay
// and checks that a short random-walk campaign kills each with a verdict
// the faithful port does not give: a double free_unr (Panic), a lock-order
// reversal (WITNESS) and an off-by-one at the top of the unit space
// (NotLinearizable).
func TestMutantsSmoke(t *testing.T) {
	ids := []string{"M06", "M08", "M11"}
	r := kcheck(t, "mutants", "--mutants", "M06,M08,M11", "--strategies", "random", "--budget", "2s",
		"--baseline-factor", "1", "--random", "2", "--out", "", "--json", "--workdir", t.TempDir())
	require.Equal(t, 0, r.code, "stderr:\n%s", r.stderr)
	var mx mutants.Matrix
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &mx), r.stdout)
	require.Len(t, mx.Rows, len(ids))
	require.NotNil(t, mx.Baseline["random"])
	require.Positive(t, mx.Baseline["random"].Executions)
	want := map[string]string{"M06": "Panic", "M08": "WitnessReversal", "M11": "NotLinearizable"}
	for _, row := range mx.Rows {
		c := row.Cells["random"]
		require.NotNil(t, c, row.ID)
		require.Empty(t, row.BuildError, row.ID)
		require.True(t, c.Killed, "%s not killed: %+v", row.ID, c)
		require.Equal(t, want[row.ID], c.Kind, "%s: %s", row.ID, c.Summary)
		require.Positive(t, c.Executions)
		require.Less(t, c.Seconds, 2.0)
	}
	// The report lists the mutants removed as equivalent, with reasons.
	md := mx.Markdown()
	require.Contains(t, md, "## Equivalent mutants (removed)")
	for _, r := range mutants.RemovedMutants() {
		require.Contains(t, md, "| "+r.ID+" | `"+r.Name+"` |")
	}
}

// TestMutantsList prints the catalogue without building anything.
func TestMutantsList(t *testing.T) {
	r := kcheck(t, "mutants", "--list")
	require.Equal(t, 0, r.code, r.stderr)
	for _, m := range mutants.Catalogue() {
		require.Contains(t, r.stdout, m.ID+"  "+m.Name)
	}
	for _, m := range mutants.RemovedMutants() {
		require.Contains(t, r.stdout, m.ID+"  "+m.Name)
		require.Contains(t, r.stdout, "replaced by "+m.ReplacedBy)
	}
	r = kcheck(t, "mutants", "--mutants", "M99")
	require.Equal(t, exitUsage, r.code)
}
