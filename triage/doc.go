// SPDX-License-Identifier: BSD-2-Clause

// Package triage turns a failing execution into the names of the known
// findings it is (docs/FINDINGS.md), or "NEW".
//
// A finding is data (Catalogue): its C, its bundles, its reachability and
// an identity. For most findings the identity is the fix a FreeBSD
// developer would commit, written as exact-text rules on the port (the
// mutants package's overlays, used the other way round): a failure is
// attributed to finding F when the port built with F's fix no longer
// fails that way. The Labeler replays the failing execution (scenario and
// recorded schedule, through kern.Replay's lenient mode) in a binary built
// with each candidate fix; when the fix changes the scheduling points so
// that the schedule no longer applies and the diverged replay passes, it
// explores the scenario under bounded DFS (bound 2, capped) with the fix
// instead. Findings that have no fix in the port (documented behaviour,
// defects only a unit test can drive) carry a precise signature instead.
//
// Only failures are labelled, and each fix binary is built once per source
// state and cached (its name is a hash of the overlay), so a label costs a
// few replays in already-built binaries.
package triage
