// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"fmt"
	"strings"

	"kcheck/kern"
)

// Race is the verdict of an execution in which the lockset checker
// (kern/lockset.go) saw shared state the C guards with a lock touched
// without it. It is judged after Panic and the WITNESS kinds, which are
// the kernel's own assertions and name the failure more concretely (a
// race that corrupts a list usually ends in one of them, and its report
// is then in the details), and before Deadlock, Livelock and
// NotLinearizable, which a race can cause: the race is the root, the hang
// or the wrong answer its symptom.
const Race Kind = "Race"

// judgeRace adds a Race verdict for the run's lockset reports (one
// verdict per phase; its details list every report).
func (ex *Execution) judgeRace(races []*kern.RaceReport, phase string) {
	r := races[0]
	var b strings.Builder
	for i, r := range races {
		if i > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(r.String())
	}
	ex.add(Verdict{Kind: Race, Phase: phase,
		Summary: fmt.Sprintf("%s: lockset: %s of %s by %s at %s (%s) without %s",
			phase, r.Access.Kind, r.Var, r.Access.Thread, r.Access.Where, r.Access.Func, guardOf(r)),
		Details: b.String(), Identity: raceIdentity(r, phase)})
}

func guardOf(r *kern.RaceReport) string {
	if r.Rule == "guard" {
		return "its guard " + r.Guard
	}
	return "a consistent lock (candidate lockset empty)"
}

// KnownAccesses lists the unlocked accesses the C makes on purpose that the
// execution went through, one line each (workload, then teardown).
func (ex *Execution) KnownAccesses() []string {
	var out []string
	for _, res := range []*kern.RunResult{ex.Run, ex.Teardown} {
		if res == nil {
			continue
		}
		for _, r := range res.KnownAccesses {
			out = append(out, r.String())
		}
	}
	return out
}
