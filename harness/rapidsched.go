// SPDX-License-Identifier: BSD-2-Clause

// Package harness runs scenarios against the emulated kernel under a
// scheduler strategy and judges each execution.
package harness

import (
	"kcheck/kern"

	"pgregory.net/rapid"
)

// RapidChooser is a controlled-mode strategy whose every choice is a draw
// from t, so that when a property fails rapid shrinks the schedule (toward
// lower choice indexes: fewer switches) together with the scenario.
func RapidChooser(t *rapid.T) kern.Chooser {
	return kern.ChooserFunc(func(d *kern.Decision) int {
		// Index 0 is the current thread when it may continue, so the
		// minimal value means "no preemption" and shrinking removes
		// preemptions first.
		order := preemptionOrder(d)
		i := rapid.IntRange(0, len(order)-1).Draw(t, "sched")
		return order[i]
	})
}

// preemptionOrder lists indexes of d.Runnable with the current thread first.
func preemptionOrder(d *kern.Decision) []int {
	out := make([]int, 0, len(d.Runnable))
	cur := -1
	for i, tid := range d.Runnable {
		if tid == d.Current {
			cur = i
			out = append(out, i)
		}
	}
	for i := range d.Runnable {
		if i != cur {
			out = append(out, i)
		}
	}
	return out
}
