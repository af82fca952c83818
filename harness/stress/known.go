// SPDX-License-Identifier: BSD-2-Clause

package stress

import (
	"fmt"
	"time"

	"kcheck/harness"
	"kcheck/linearize"
	"kcheck/model"
)

// Native stress cannot be replayed, so the labeller of controlled
// campaigns (which replays a schedule with each finding's fix) does not
// apply to it. What the stress tests can meet is judged here by identity
// instead: a history that is not linearizable is finding F2's
// (docs/FINDINGS.md) when it is the 0xde poison that breaks it and
// nothing else.
//
// F2 is if_clone_create (if_clone.c:212) copying if_name(ifp) into the
// caller's buffer (if_clone.c:220-221) with no reference on an interface
// that if_clone_addif (if_clone.c:327) has already made destroyable: the
// destroy loop of do_stress finds it by name, destroys it and frees it in
// that window, and the create hands freed memory back as the name. A free
// that trashes faster makes the window easier to hit; a port that does
// not reproduce it would not be faithful.

// f2Check bounds the re-check of a history with F2's answers mended.
const f2Check = time.Minute

// explainF2 reports whether finding F2 explains why h is not linearizable
// under sp: some successful creates answered with freed memory's poison
// (n of them), and with each of those taken to have answered the name it
// made, the history is linearizable. The name a poisoned create made is
// the one every unpoisoned create of the same input answered (do_stress
// creates one name over and over; epair's answer is the a side); when no
// such create succeeded, or they answered different names (a wildcard),
// the answer is taken to be unknown.
func explainF2(sp *model.Spec, h linearize.History) (n int, ok bool) {
	made := map[model.Create]string{}
	for _, op := range h {
		if c, isCreate := op.Input.(model.Create); isCreate && op.Output.Err == 0 && !op.Output.Unknown && !harness.PoisonedName(op.Output.Name) {
			if prev, seen := made[c]; seen && prev != op.Output.Name {
				made[c] = "" // answered several names (a wildcard): unknown
			} else {
				made[c] = op.Output.Name
			}
		}
	}
	mended := make(linearize.History, len(h))
	copy(mended, h)
	for i, op := range mended {
		c, isCreate := op.Input.(model.Create)
		if !isCreate || op.Output.Err != 0 || !harness.PoisonedName(op.Output.Name) {
			continue
		}
		n++
		if name := made[c]; name != "" {
			mended[i].Output.Name = name
		} else {
			mended[i].Output = model.UnknownOutput
		}
	}
	if n == 0 {
		return 0, false
	}
	return n, linearize.Check(sp, mended, linearize.Options{Timeout: f2Check}).Verdict == linearize.Ok
}

// judgeKnown names the finding a failed stress test is, when every one of
// its verdicts is a history that is not linearizable and F2 explains it.
func (r *StressResult) judgeKnown(sp *model.Spec, h linearize.History) {
	if r.Kind != harness.NotLinearizable {
		return
	}
	for _, v := range r.Verdicts {
		if v.Kind != harness.NotLinearizable {
			return
		}
	}
	if n, ok := explainF2(sp, h); ok {
		r.Finding = "F2"
		r.FindingWhy = fmt.Sprintf("%d create(s) answered with freed memory's 0xde poison, the name of an interface a concurrent destroy freed; with each taken to have answered the name it made, the history is linearizable", n)
	}
}

// KnownOnly reports whether the test set up and every failure it judged
// is a known finding of the C (Finding), none of the port's or new.
func (r *StressResult) KnownOnly() bool {
	return r.SetupFailed == "" && r.Kind != harness.Pass && r.Finding != ""
}
