// SPDX-License-Identifier: BSD-2-Clause

package stress

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/harness"
	"kcheck/model"
)

// TestStressShort runs if_clone_test.sh's do_stress and do_up_stress
// natively for about a second per cloner family: both loops make progress,
// nothing panics, deadlocks, reverses a lock order or leaks, and the
// recorded history is linearizable (relaxed spec) or, when it is not,
// finding F2 explains it: do_stress can reproduce that race of the C in
// any run (the destroy loop frees the interface while the create copies
// its name out), and nothing else may fail.
func TestStressShort(t *testing.T) {
	if raceEnabled {
		// The port keeps the C's unlocked accesses (if_flags and IFF_DYING,
		// if_xname read by ifunit during a rename, the ifindex table in
		// if_attach_internal's MPASS) and its races: under -race this test
		// stops at finding F2 (if_clone_create's strlcpy of the name of an
		// interface a concurrent destroy has freed: the detector sees
		// free(9)'s poisoning race with that read). Those are the C's races,
		// recorded in docs/FINDINGS.md, not the emulation's; kern's native
		// mode itself is checked under -race by TestNativeModeUnderRace.
		t.Skip("skipped under -race: native stress over the port reproduces the C's races (finding F2 first), which the race detector reports")
	}
	d := 1500 * time.Millisecond
	if testing.Short() {
		d = 500 * time.Millisecond
	}
	var rs []*StressResult
	for _, c := range []string{"lo", "disc", "epair", "tun", "vlan"} {
		for _, test := range Tests {
			r := RunStress(StressConfig{Cloner: c, Test: test, Duration: d, Mode: model.Relaxed, Seed: 1, MaxOps: 10000})
			rs = append(rs, r)
			name := c + "_" + test
			require.Empty(t, r.SetupFailed, name)
			if r.KnownOnly() {
				t.Logf("%s: %s: known finding %s (%s)", name, r.Kind, r.Finding, r.FindingWhy)
				assert.Equal(t, "F2", r.Finding, name)
				assert.Equal(t, "stress", test, "%s: F2 needs a create racing a destroy", name)
				assert.Equal(t, "illegal", r.Linearize, name)
			} else {
				assert.Equal(t, harness.Pass, r.Kind, "%s: %v", name, r.Verdicts)
				assert.Equal(t, "ok", r.Linearize, name)
			}
			assert.Empty(t, r.Panic, name)
			assert.Empty(t, r.Deadlock, name)
			assert.Empty(t, r.Witness, name)
			assert.Empty(t, r.Leaks, name)
			assert.Zero(t, r.Goroutines, name)
			assert.Positive(t, r.Destroyed, name)
			if test == "stress" {
				assert.Positive(t, r.Created, name)
			} else {
				assert.Positive(t, r.Upped, name)
			}
			assert.Positive(t, r.Ops, name)
			assert.Positive(t, r.LockOrder, name)
			assert.True(t, r.OK() || r.KnownOnly(), name)
		}
	}
	tally := Tally(rs)
	assert.Equal(t, int64(len(rs)), tally[harness.Pass]+tally[harness.NotLinearizable], "every test passed or met F2: %v", tally)
}

// TestStressCap: recording stops at the cap at a quiescent point, so the
// history is complete (every call returned) and about the cap long, while
// the loops go on unrecorded.
func TestStressCap(t *testing.T) {
	if raceEnabled {
		t.Skip("skipped under -race: see TestStressShort")
	}
	r := RunStress(StressConfig{Cloner: "lo", Test: "stress", Duration: 300 * time.Millisecond, Mode: model.Relaxed, MaxOps: 200})
	require.True(t, r.OK() || r.Finding == "F2", "%v", r.Verdicts)
	assert.True(t, r.Capped)
	assert.GreaterOrEqual(t, r.Ops, 200)
	assert.Less(t, r.Ops, 200+4, "the setup's create and one operation per loop past the cap at most")
	assert.GreaterOrEqual(t, r.Seconds, 0.3, "the loops went on past the cap, to the end of the duration")
}

// TestStressJudges: a failing stress test says so, through the harness's
// verdicts: a cloner nothing can create fails its setup, and a cancelled
// context ends the loops early but still judges what ran.
func TestStressJudges(t *testing.T) {
	r := RunStress(StressConfig{Cloner: "gif", Test: "stress", Duration: time.Second, Mode: model.Relaxed})
	assert.NotEmpty(t, r.SetupFailed)
	assert.False(t, r.OK())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	t0 := time.Now()
	r = RunStress(StressConfig{Ctx: ctx, Cloner: "disc", Test: "up_stress", Duration: time.Minute, Mode: model.Relaxed, Seed: 1})
	assert.Less(t, time.Since(t0), 30*time.Second, "cancelled: the loops end at once")
	assert.Equal(t, harness.Pass, r.Kind, "%v", r.Verdicts)
	assert.Equal(t, harness.Tally{harness.Pass: 1}, Tally([]*StressResult{r}))
}

// TestPrint: the script's counts, then one line per finding of the
// judging (first lines only).
func TestPrint(t *testing.T) {
	var b strings.Builder
	r := &StressResult{Cloner: "epair", Test: "stress", Iface: "epair0a", Seconds: 1, Created: 5, Destroyed: 4, Ops: 9,
		Linearize: "ok", Panic: "panic: boom\nmore", Leaks: []string{"M_IFNET: 1 live"}}
	r.Print(&b)
	out := b.String()
	assert.Contains(t, out, "== epair_stress (epair0a, 1.0 s)\nCreated epair0 5 times.\nDestroyed it 4 times.\n")
	assert.Contains(t, out, "   PANIC: panic: boom\n")
	assert.NotContains(t, out, "more")
	assert.Contains(t, out, "   LEAK: M_IFNET: 1 live\n")
	b.Reset()
	(&StressResult{Cloner: "gif", Test: "up_stress", SetupFailed: "could not create a gif interface"}).Print(&b)
	assert.Contains(t, b.String(), "   skipped: could not create a gif interface\n")
}
