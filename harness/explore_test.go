package harness

import (
	"fmt"
	"os"
	"sort"
	"testing"

	"kcheck/model"
)

// TestSurveyNamed prints what each named scenario yields (development aid,
// enabled with KCHECK_SURVEY=1).
func TestSurveyNamed(t *testing.T) {
	if os.Getenv("KCHECK_SURVEY") == "" {
		t.Skip("set KCHECK_SURVEY=1 to survey the named scenarios")
	}
	for _, scn := range Named() {
		counts := map[Kind]int{}
		var first = map[Kind]*Execution{}
		e := &Explorer{Kind: DFS, Bound: 1, MaxSchedules: 3000}
		for {
			ch, _, _, ok := e.Next()
			if !ok {
				break
			}
			mode := model.Strict
			if os.Getenv("KCHECK_SURVEY") == "relaxed" {
				mode = model.Relaxed
			}
			ex := Execute(scn, Config{Chooser: ch, Mode: mode})
			counts[ex.Kind]++
			if first[ex.Kind] == nil {
				first[ex.Kind] = ex
			}
		}
		var ks []string
		for k, n := range counts {
			ks = append(ks, fmt.Sprintf("%s=%d", k, n))
		}
		sort.Strings(ks)
		t.Logf("%-28s dfs(b1) %d schedules exhausted=%v: %v", scn.Name, e.Executions(), e.Exhausted(), ks)
		for k, ex := range first {
			if k != Pass {
				t.Logf("    %s: %s", k, ex.Summary)
			}
		}
	}
}
