// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"os"
	"runtime/debug"
)

// kcheckGCPercent is the collector's target unless GOGC says otherwise.
// One execution allocates about 100 KB (a booted kernel, its history, the
// checker's state) and keeps nothing once judged, so the live heap stays a
// few MB and the default target (100%) collects every few dozen
// executions: a third of a campaign's CPU went to collections, assists and
// the wake-ups around them. At 400% the heap peaks a few MB higher per
// process and the collector runs a quarter as often (docs/PERFORMANCE.md).
const kcheckGCPercent = 400

// tuneGC applies kcheckGCPercent when the environment does not set GOGC.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(kcheckGCPercent)
	}
}
