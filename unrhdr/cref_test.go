// SPDX-License-Identifier: BSD-2-Clause

package unrhdr

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCReference: c_bench.txt (gen.sh's output) parses, says where and
// when it was measured, and has a figure for every mix of
// BenchmarkDriverMix with the C's call counts, which the port's runs
// must equal (the short mix's is pinned by TestShortMixCalls).
func TestCReference(t *testing.T) {
	c, err := CReference()
	require.NoError(t, err)
	require.NotEmpty(t, c.Date)
	require.NotEmpty(t, c.Machine)
	require.NotEmpty(t, c.Compiler)
	calls := map[string]int{"check": 128747, "nocheck": 128747, "short-check": 102734, "short-nocheck": 102734}
	for mix, n := range calls {
		f, ok := c.Figure(mix)
		require.True(t, ok, mix)
		require.Equal(t, n, f.Calls, mix)
		require.LessOrEqual(t, f.CPUBestNs, f.CPUMedianNs, mix)
		require.LessOrEqual(t, f.WallBestNs, f.WallMedianNs, mix)
	}
	require.Len(t, c.Figures, len(calls))
}

// TestDriverMixCalls: the port's driver mix makes as many unr calls as
// the C's (bench.c prints 128,747 for 10 reps of count 10,000).
func TestDriverMixCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("10 x 10,000 driver ops")
	}
	k, td := newSeqKernel()
	ri, rc := driverOps(10000, 10)
	d := &driverState{td: td}
	m := 0
	runDriver(d, 10000, 10, false, func() (uint32, bool) {
		m++
		return ri[m-1], rc[m-1]
	})
	require.Equal(t, 128747, d.calls)
	require.Zero(t, MUnit(k).Live())
}

// TestParseCBenchRejects: a malformed line is an error, not a zero figure.
func TestParseCBenchRejects(t *testing.T) {
	head := "date=2026-01-01T00:00Z\nmachine=m\n"
	for _, bad := range []string{
		head + "mix=check calls=1 runs=1 wall_median_ns=x cpu_median_ns=1",
		head + "mix=check calls=1 runs=1 wall_median_ns=1",
		head + "mix=check calls=1 runs=1 wall_median_ns=1 cpu_median_ns=1 bogus=2",
		"mix=check calls=1 runs=1 wall_median_ns=1 cpu_median_ns=1",
		head + "nokey",
	} {
		_, err := parseCBench(bad)
		require.Error(t, err, bad)
	}
	c, err := parseCBench(head + "mix=check calls=1 runs=1 wall_median_ns=2 cpu_median_ns=3")
	require.NoError(t, err)
	require.Equal(t, 3.0, c.Figures[0].CPUMedianNs)
}
