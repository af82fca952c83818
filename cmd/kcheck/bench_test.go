// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"encoding/json"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"kcheck/harness"
	"kcheck/harness/bench"
)

// TestBenchSmoke runs kcheck bench with tiny budgets and checks that the
// JSON has every section with positive numbers.
func TestBenchSmoke(t *testing.T) {
	r := kcheck(t, "bench", "--quick", "--budget", "100ms", "--lengths", "50,200", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var rep bench.BenchReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), r.stdout)
	require.Positive(t, rep.Machine.CPUs)
	require.NotEmpty(t, rep.Machine.GoVersion)
	require.Positive(t, rep.Sched.SwitchNs)
	require.Positive(t, rep.Sched.FloorNs)
	require.Positive(t, rep.Sched.XFloor)
	require.Positive(t, rep.Sched.PointNs)
	require.Positive(t, rep.Sched.MtxPairNs)
	require.Positive(t, rep.Sched.NativeMtxN)
	// One row per strategy, and PCT on every core when there are several.
	rows, w := len(harness.Strategies), runtime.GOMAXPROCS(0)
	if w > 1 {
		rows++
	}
	require.Len(t, rep.Executions, rows)
	if w > 1 {
		require.Equal(t, w, rep.Executions[rows-1].Workers)
	}
	for _, e := range rep.Executions {
		require.Positive(t, e.Executions, e.Strategy)
		require.Positive(t, e.PerSecond, e.Strategy)
		require.Positive(t, e.PullUnits, e.Strategy)
		require.Positive(t, e.AllocsPerEx, e.Strategy)
	}
	require.Len(t, rep.Unrhdr, 4)
	for _, u := range rep.Unrhdr {
		require.Positive(t, u.Calls)
		require.Positive(t, u.NsPerCall)
	}
	// The short-list mix makes as many calls a run as bench.c prints.
	require.Equal(t, "short-check", rep.Unrhdr[2].Variant)
	require.Equal(t, 102734, rep.Unrhdr[2].Calls)
	if runtime.GOOS == "linux" {
		require.Positive(t, rep.PeakRSS)
	}
	require.Len(t, rep.Checker, 4)
	for _, c := range rep.Checker {
		require.Positive(t, c.Ops)
		require.Positive(t, c.Seconds)
		require.Equal(t, "ok", c.Verdict, "%d ops partitioned=%v", c.Ops, c.Partitioned)
	}
}
