// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"os"
	"runtime/debug"
)

// kcheckGCPercent is the collector's target unless GOGC says otherwise.
// One execution allocates about 100 KB (a booted kernel, its history, the
// checker's state) and keeps nothing once judged, so the live heap stays a
// few MB and the target decides how often the collector runs: the heap
// may grow to max(live x (1 + GOGC/100), 4 MB x GOGC/100) before a
// collection. At Go's default (100%) a third of a campaign's CPU went to
// collections, assists and the wake-ups around them; at 400% the heap
// peaked at 16 MB and the collector still took 4-17% of the CPU of two
// workers (gctrace; its mark phases, with write barriers on and running
// threads preempted, covered up to a fifth of the wall time). At 1600%
// the heap peaks near 64 MB per process, the collector runs a quarter as
// often and took 1%, and one worker's execution cost about a fifth less
// CPU (2026-12-05, shared 2-core machine: 203-214 against 265-274 µs).
const kcheckGCPercent = 1600

// kcheckMemoryLimit is the soft memory limit unless GOMEMLIMIT says
// otherwise: with a large live heap (a long history under check), a
// target of 1600% alone would let the heap grow to 17 times it; the
// limit makes the collector run as often as it takes to stay under it
// instead (a limit is never an allocation failure).
const kcheckMemoryLimit = 1 << 30

// tuneGC applies kcheckGCPercent and kcheckMemoryLimit when the
// environment sets neither.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(kcheckGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(kcheckMemoryLimit)
	}
}
