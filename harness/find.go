// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"fmt"

	"kcheck/linearize"
	"kcheck/model"
)

// FindMinimal searches scn's schedules by bounded DFS with an increasing
// preemption bound (0, 1, ... maxBound) and returns the first execution
// whose verdict satisfies want, with its strategy description: the
// counterexample with the fewest preemptions that DFS meets first.
func FindMinimal(scn *Scenario, mode model.Mode, maxBound, maxSchedules int, want func(*Execution) bool) (*Execution, Config, string, error) {
	for b := 0; b <= maxBound; b++ {
		e := &Explorer{Kind: DFS, Bound: b, MaxSchedules: maxSchedules}
		for {
			ch, _, desc, ok := e.Next()
			if !ok {
				break
			}
			cfg := Config{Chooser: ch, Mode: mode}
			ex := Execute(scn, cfg)
			if err := e.Err(); err != nil {
				return nil, cfg, "", err
			}
			if want(ex) {
				cfg.Chooser = nil
				return ex, cfg, desc, nil
			}
		}
	}
	return nil, Config{}, "", fmt.Errorf("%s: no schedule with at most %d preemptions gives the wanted verdict", scn.Name, maxBound)
}

// SameHistory reports whether two histories agree operation by operation:
// same threads, inputs, outputs, call and return times.
func SameHistory(a, b linearize.History) error {
	if len(a) != len(b) {
		return fmt.Errorf("%d operations vs %d", len(a), len(b))
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Thread != y.Thread || x.Call != y.Call || x.Return != y.Return ||
			x.Input.String() != y.Input.String() || !x.Output.Equal(y.Output) {
			return fmt.Errorf("operation %d differs: %v -> %v [%d..%d] vs %v -> %v [%d..%d]",
				i, x.Input, x.Output, x.Call, x.Return, y.Input, y.Output, y.Call, y.Return)
		}
	}
	return nil
}
