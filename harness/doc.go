// SPDX-License-Identifier: BSD-2-Clause

// Package harness runs scenarios against the emulated kernel under a
// scheduler strategy and judges each execution.
//
// A scenario names the port under test, its Target (targets.go): ifclone
// (if_clone.c with the cloning drivers, target.go) or unrhdr
// (subr_unit.c, unr.go). The Target boots the port, runs one operation
// on an emulated thread, gives the sequential model its history is
// checked against, tears down and accounts for leaks. Everything else is
// shared by every target: Execute and its verdicts (run.go, verdict.go),
// bundles and replay (bundle.go), minimization (minimize.go) and
// campaigns (campaign.go).
package harness
