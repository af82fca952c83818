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
//
// Cost in a campaign. The campaign (harness/label.go) does not label every
// failure: each failure gets a class key where it ran (harness.ClassKey of
// harness.FailureKey: a panic's identity; an illegal history's state
// changes; a leak's sorted types), and only the first LabelSamples of each
// class are attributed here, the rest inheriting their class's label when
// the samples agree (a one-of label "F3|F4" when they name different
// findings, UNLABELLED when one is NEW). A class whose samples agreed is
// remembered per source state (classes.go, harness.ClassMemory): the next
// campaign on the same sources gives its failures that label without
// replays, counted apart from the labelled ones. The cheap identities come
// first: QuickLabel replays the failure in process and lets the signature
// findings decide, and the campaign runs it on every class's samples
// before it sends any to Attribute, whose fix runners run as servers
// (server.go: one process per fix, or a few when attributions run in
// parallel, fed request after request until Close). When a fix changes
// the scheduling points so that the recorded schedule no longer applies,
// the DFS fallback explores the scenario, but only when no other
// candidate's fix removed the failure on its recorded schedule; its answer
// is cached per (fix, scenario) in memory and on disk, and for a generated
// scenario ("random-" or "focused-") it is capped at RandomDFSCap (20)
// schedules. The campaign labels while its executions run and within a
// budget (10% of its time budget by default); what the budget does not
// reach is UNLABELLED (pending). Runner builds are not cut by a budget:
// Close waits for them. Measurements: README's "Cost" paragraph and
// docs/FINDINGS.md, "Labelling cost"; BenchmarkLabelling tracks the cost
// per class.
package triage
