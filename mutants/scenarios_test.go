// SPDX-License-Identifier: BSD-2-Clause

package mutants

import (
	"testing"

	"kcheck/harness"
	"kcheck/model"
)

// TestExtraScenariosPassOnFaithfulPort checks the promise of the x-
// scenarios: the faithful port passes each under every schedule, so any
// failing verdict on one is the mutant's. Bounded DFS (bound 1 with
// -short, 2 otherwise: exhaustive for every one of them) and a few
// hundred PCT seeds per scenario.
func TestExtraScenariosPassOnFaithfulPort(t *testing.T) {
	bound, seeds := 2, 500
	if testing.Short() {
		bound, seeds = 1, 100
	}
	for _, scn := range extra {
		t.Run(scn.Name, func(t *testing.T) {
			t.Parallel()
			run := func(e *harness.Explorer) {
				for {
					ch, _, desc, ok := e.Next()
					if !ok {
						break
					}
					ex := harness.Execute(scn, harness.Config{Chooser: ch, Mode: model.Relaxed})
					if ex.Kind != harness.Pass && ex.Kind != harness.Unknown {
						t.Fatalf("%s: %s: %s", desc, ex.Kind, ex.Summary)
					}
					if e.Kind == harness.PCT && e.Executions() >= uint64(seeds) {
						break
					}
				}
				t.Logf("%s: %d executions", e.Kind, e.Executions())
				if err := e.Err(); err != nil {
					t.Fatal(err)
				}
			}
			run(&harness.Explorer{Kind: harness.DFS, Bound: bound})
			run(&harness.Explorer{Kind: harness.PCT, Seed: 1, Depth: 3, Steps: 600})
		})
	}
}
