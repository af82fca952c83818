// SPDX-License-Identifier: BSD-2-Clause

// Package results is the JSON-lines results format of kcheck campaigns
// (kcheck run --json-lines FILE) and the summary a campaign ends with:
// the records (Start, Batch, Exec, Summary; see Version), the Writer a run
// appends them with, Read and Merge, which turn the files of a sharded
// campaign into one Summary (a HyperLogLog sketch estimates the distinct
// schedules when the exact hashes are not all there), the labelled
// summary's final line, and the summary's text form (Summary.Print).
// Verdict counts are harness.Tally values throughout.
//
// It lives beside package harness, on which it builds, so that the kcheck
// command keeps flags, printing of its own and exit codes only.
package results
