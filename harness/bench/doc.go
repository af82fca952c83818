// SPDX-License-Identifier: BSD-2-Clause

// Package bench is the engine of kcheck bench: it measures the
// controlled scheduler (a switching and a non-switching scheduling
// point against a bare iter.Pull round trip, mutex pairs), executions
// per second of each strategy on harness.StandardScenario, the unrhdr
// driver mixes of subr_unit.c's test program, and linearizability
// checking against history length, and renders them as a table, as
// docs/PERFORMANCE.md, and in the Go benchmark format that benchstat
// reads (BenchReport.GoBench).
//
// It does not import package testing, so that the kcheck binary does not
// link it: nsPer grows its iteration count the way testing.Benchmark
// does, with its own loop. The package's testing.B benchmarks (and
// kern's, harness's) remain the figures to compare changes with.
package bench
