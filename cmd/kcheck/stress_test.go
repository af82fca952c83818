// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"kcheck/harness"
	"kcheck/harness/stress"
)

// stressRaceSkip: native stress over the port reproduces the C's own
// unlocked accesses, which the race detector reports (see TestStressShort).
const stressRaceSkip = "skipped under -race: native stress over the port reproduces the C's races (finding F2; if_flags read by ifunit while if_up writes it), which the race detector reports"

// TestStressCommand runs the command on one cloner and reads its JSON.
// do_stress over disc can meet finding F2, the C's own race (more often
// on a loaded machine): with --allow-known the command exits 0 then, and
// every result must be a pass or name F2.
func TestStressCommand(t *testing.T) {
	if raceEnabled {
		t.Skip(stressRaceSkip)
	}
	r := kcheck(t, "stress", "--cloners", "disc", "--duration", "300ms", "--json", "--allow-known")
	require.Equal(t, 0, r.code, r.stderr)
	var res []stress.StressResult
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
	require.Len(t, res, 2)
	failed := false
	for _, x := range res {
		if x.Kind != harness.Pass {
			failed = true
			require.Equal(t, "F2", x.Finding, "%+v", x)
		}
	}
	if failed {
		t.Log("do_stress met finding F2 (the C's race); --allow-known accepted it")
	}
	r = kcheck(t, "stress", "--cloners", "gif")
	require.Equal(t, exitUsage, r.code)
}
