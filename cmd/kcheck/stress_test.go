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
func TestStressCommand(t *testing.T) {
	if raceEnabled {
		t.Skip(stressRaceSkip)
	}
	r := kcheck(t, "stress", "--cloners", "disc", "--duration", "300ms", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var res []stress.StressResult
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
	require.Len(t, res, 2)
	for _, x := range res {
		require.Equal(t, harness.Pass, x.Kind, "%+v", x)
	}
	r = kcheck(t, "stress", "--cloners", "gif")
	require.Equal(t, exitUsage, r.code)
}
