// SPDX-License-Identifier: BSD-2-Clause

// Package rapidsched lets rapid (pgregory.net/rapid) drive the controlled
// scheduler, so that a failing property shrinks its schedule together with
// its scenario. It is for tests: keeping it out of package harness keeps
// rapid out of the kcheck binary.
package rapidsched

import (
	"kcheck/kern"

	"pgregory.net/rapid"
)

// Chooser is a controlled-mode strategy whose every choice is a draw from
// t, so that when a property fails rapid shrinks the schedule (toward lower
// choice indexes: fewer switches) together with the scenario.
func Chooser(t *rapid.T) kern.Chooser {
	return kern.ChooserFunc(func(d *kern.Decision) int {
		// Index 0 is the current thread when it may continue, so the
		// minimal value means "no preemption" and shrinking removes
		// preemptions first.
		order := PreemptionOrder(d)
		i := rapid.IntRange(0, len(order)-1).Draw(t, "sched")
		return order[i]
	})
}

// PreemptionOrder lists indexes of d.Runnable with the current thread
// first.
func PreemptionOrder(d *kern.Decision) []int {
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
