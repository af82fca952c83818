package proptests

import (
	"sort"
	"testing"

	"kcheck/harness"
	"kcheck/model"

	"github.com/stretchr/testify/assert"
)

// TestNamedScenarios explores every named scenario by DFS (preemption
// bound 1 under -short, 2 otherwise) and PCT (100 seeds under -short, 500
// otherwise) with the relaxed spec. The verdicts other than Pass must be
// exactly the ones the scenario lists in Expect, each explained by a
// finding in docs/FINDINGS.md: a new kind is a regression (or a new
// finding to write up), a missing one means the checker lost its power.
// Under -short the exploration is smaller, so only the first half holds
// fully: no unexpected kind, and at least one expected kind per scenario
// that has any.
func TestNamedScenarios(t *testing.T) {
	bound, seeds, maxSched := 2, uint64(500), 6000
	if testing.Short() {
		bound, seeds, maxSched = 1, 100, 3000
	}
	for _, scn := range harness.Named() {
		t.Run(scn.Name, func(t *testing.T) {
			t.Parallel()
			seen := map[harness.Kind]string{}
			run := func(e *harness.Explorer, limit uint64) {
				for e.Executions() < limit {
					ch, _, desc, ok := e.Next()
					if !ok {
						return
					}
					ex := harness.Execute(scn, harness.Config{Chooser: ch, Mode: model.Relaxed})
					if ex.Failed() {
						if _, ok := seen[ex.Kind]; !ok {
							seen[ex.Kind] = desc + ": " + ex.Summary
						}
					}
				}
			}
			for b := 1; b <= bound; b++ {
				dfs := &harness.Explorer{Kind: harness.DFS, Bound: b, MaxSchedules: maxSched}
				run(dfs, uint64(maxSched))
				if err := dfs.Err(); err != nil {
					t.Fatal(err)
				}
			}
			run(&harness.Explorer{Kind: harness.PCT, Seed: 1, Depth: 3, Steps: 400}, seeds)

			var got, want []string
			for k := range seen {
				got = append(got, string(k))
			}
			for _, k := range scn.Expect {
				want = append(want, string(k))
			}
			sort.Strings(got)
			sort.Strings(want)
			if testing.Short() {
				// Bound 1 and 100 seeds reach all but the deepest
				// findings (F9 needs two preemptions): nothing new may
				// appear, and a scenario with findings must show one.
				assert.Subset(t, want, got, "unexpected verdicts (first of each: %v)", seen)
				if len(want) > 0 {
					assert.NotEmpty(t, got, "none of the expected findings %v was reached", want)
				}
				return
			}
			assert.Equal(t, want, got, "verdicts other than Pass (first of each: %v)", seen)
		})
	}
}
