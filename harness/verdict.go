// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"fmt"
	"sort"
	"strings"

	"kcheck/kern"
	"kcheck/linearize"
	"kcheck/model"
)

// Verdict is one judgement of an execution. An execution can reach
// several: a workload race and a wrong answer, a non-linearizable history
// and a use-after-free its teardown then hits. Execution.Verdicts lists
// them all, in the order they were reached (phase by phase; within a
// phase in the order of Kinds); Execution.Kind, Summary and Details are
// the first's, except that an Invariant verdict gives way to any later
// verdict of another kind: the invariants came after the saved bundles
// and campaign expectations that record Kind, and a broken invariant is
// usually the early sign of the failure the later verdict names.
type Verdict struct {
	Kind Kind `json:"kind"`
	// Phase is where it was reached: "boot", "setup", "workload",
	// "history" (the linearizability check of the workload's history),
	// "teardown" or "after teardown" (leaks).
	Phase   string `json:"phase"`
	Summary string `json:"summary"`
	Details string `json:"details,omitempty"`
	// Identity names the bug behind the verdict the same way whatever
	// schedule or scenario reached it, so that minimisation and
	// campaigns can tell one bug from another of the same kind: for a
	// panic kern's (*Panic).Identity(); else the kind, the phase and what
	// distinguishes it (the variable and function of a race, the locks of
	// a reversal or a deadlock, the operation kinds of a non-linearizable
	// partition, the invariant's name, the leaked malloc types).
	Identity string `json:"identity"`
}

func (v Verdict) String() string { return fmt.Sprintf("%s (%s): %s", v.Kind, v.Phase, v.Summary) }

// add records a verdict; the first one reached sets Kind, Summary and
// Details.
func (ex *Execution) add(v Verdict) {
	ex.Verdicts = append(ex.Verdicts, v)
	if ex.Kind == "" || ex.Kind == Invariant && v.Kind != Invariant {
		ex.Kind, ex.Summary, ex.Details = v.Kind, v.Summary, v.Details
	}
}

// headline is the verdict that gave Execution.Kind (the zero Verdict
// for a pass).
func (ex *Execution) headline() Verdict {
	for _, v := range ex.Verdicts {
		if v.Kind == ex.Kind {
			return v
		}
	}
	return Verdict{}
}

// HasIdentity reports whether one of the execution's verdicts has the
// given identity.
func (ex *Execution) HasIdentity(id string) bool {
	for _, v := range ex.Verdicts {
		if v.Identity == id {
			return true
		}
	}
	return false
}

// VerdictKinds lists the kinds of all verdicts, e.g. "NotLinearizable,
// Panic" ("Pass" when there is none).
func (ex *Execution) VerdictKinds() string {
	if len(ex.Verdicts) == 0 {
		return string(ex.Kind)
	}
	ks := make([]string, len(ex.Verdicts))
	for i, v := range ex.Verdicts {
		ks[i] = string(v.Kind)
	}
	return strings.Join(ks, ", ")
}

// linIdentity names a non-linearizable history by the operation kinds of
// the partitions that fail on their own (each checked alone; the history
// as a whole when none does, e.g. when it was checked unpartitioned).
func linIdentity(mode model.Mode, h linearize.History, phase string) string {
	sp := Spec(mode)
	parts, _ := linearize.Partition(sp, h)
	kinds := map[string]bool{}
	if len(parts) > 1 {
		for _, p := range parts {
			sub := make(linearize.History, len(p))
			for i, j := range p {
				sub[i] = h[j]
			}
			if linearize.Check(sp, sub, linearize.Options{}).Verdict != linearize.Illegal {
				continue
			}
			for _, op := range sub {
				kinds[op.Input.Kind()] = true
			}
		}
	}
	if len(kinds) == 0 {
		for _, op := range h {
			kinds[op.Input.Kind()] = true
		}
	}
	ks := make([]string, 0, len(kinds))
	for k := range kinds {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return fmt.Sprintf("%s (%s): ops %s", NotLinearizable, phase, strings.Join(ks, ","))
}

// raceIdentity names a race by its variable and the functions of both
// accesses (lines move with edits, functions rarely do).
func raceIdentity(r *kern.RaceReport, phase string) string {
	prev := ""
	if r.Prev != nil {
		prev = " vs " + r.Prev.Func
	}
	return fmt.Sprintf("%s (%s): %s %s of %s in %s%s", Race, phase, r.Rule, r.Access.Kind, r.Var, r.Access.Func, prev)
}

func witnessIdentity(k Kind, w *kern.WitnessReport, phase string) string {
	if w.First != "" || w.Second != "" {
		return fmt.Sprintf("%s (%s): %s %s -> %s", k, phase, w.Kind, w.First, w.Second)
	}
	first, _, _ := strings.Cut(w.Msg, "\n")
	return fmt.Sprintf("%s (%s): %s %s", k, phase, w.Kind, normalise(first))
}

func deadlockIdentity(d *kern.Deadlock, phase string) string {
	var w []string
	for _, b := range d.Blocked {
		w = append(w, b.WaitsFor)
	}
	sort.Strings(w)
	return fmt.Sprintf("%s (%s): waiting for %s", Deadlock, phase, strings.Join(w, "; "))
}
