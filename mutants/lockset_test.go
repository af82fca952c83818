// SPDX-License-Identifier: BSD-2-Clause

package mutants

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"kcheck/harness"
)

// locksetKill builds the killer for mutant id (go build -overlay) and runs
// PCT over the kill set until the first Race verdict; every other kind is
// ignored, so that the port's documented findings (NotLinearizable, F16's
// use-after-free ...) do not stop the cell first. The mutant must be
// caught as a Race within 1,000 executions.
func locksetKill(t *testing.T, id string) {
	if testing.Short() {
		t.Skip("builds a mutant killer (go build -overlay): not with -short")
	}
	m, err := ByID(id)
	require.NoError(t, err)
	root, err := ModuleRoot(".")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin, err := BuildKiller(ctx, root, m, dir)
	require.NoError(t, err)
	var ignore []harness.Kind
	for _, k := range harness.Kinds {
		if k != harness.Race {
			ignore = append(ignore, k)
		}
	}
	ignore = append(ignore, Hang, Crash)
	res, err := runKiller(ctx, bin, dir, CellConfig{Strategy: harness.PCT, Budget: 3 * time.Minute, Seed: 1, Ignore: ignore})
	require.NoError(t, err)
	require.NotNil(t, res.Kill, "%s: no Race verdict in %d executions (%v)", id, res.Executions, res.Kinds)
	require.Equal(t, harness.Race, res.Kill.Kind, res.Kill.Summary)
	require.LessOrEqual(t, res.Kill.Execution, uint64(1000), res.Kill.Summary)
	t.Logf("%s caught as %s at execution %d (%.1fs) on %s: %s", id, res.Kill.Kind, res.Kill.Execution,
		res.Kill.ElapsedSec, res.Kill.Scenario, res.Kill.Summary)
}

// TestLocksetCatchesUnlockedListRemove: ifc_unlink_ifp without
// IF_CLONE_LOCK (M26).
func TestLocksetCatchesUnlockedListRemove(t *testing.T) { locksetKill(t, "M26") }

// TestLocksetCatchesUnlockedClonerWalk: ifc_find_cloner* without
// IF_CLONERS_LOCK (M27).
func TestLocksetCatchesUnlockedClonerWalk(t *testing.T) { locksetKill(t, "M27") }
