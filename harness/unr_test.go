package harness

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUnrTarget: the harness drives the unrhdr port too. Concurrent
// alloc/free on one header is linearizable against lowest-free allocation
// under every explored schedule, with the global mutex and a caller's.
func TestUnrTarget(t *testing.T) {
	for _, own := range []bool{false, true} {
		s := &UnrScenario{Name: "unr", Low: 0, High: 5, OwnMutex: own, Threads: [][]UnrOp{
			{{Kind: "alloc"}, {Kind: "alloc"}, {Kind: "free"}, {Kind: "alloc"}},
			{{Kind: "alloc_specific", Unit: 1}, {Kind: "alloc"}, {Kind: "free"}},
			{{Kind: "alloc"}, {Kind: "alloc_specific", Unit: 4}, {Kind: "alloc"}},
		}}
		kinds := map[Kind]int{}
		e := &Explorer{Kind: DFS, Bound: 1, MaxSchedules: 2000}
		for {
			ch, _, _, ok := e.Next()
			if !ok {
				break
			}
			ex := ExecuteUnr(s, ch)
			kinds[ex.Kind]++
			require.Equal(t, Pass, ex.Kind, "%s (schedule %s)", ex.Summary, ex.Schedule)
		}
		require.NoError(t, e.Err())
		assert.Greater(t, kinds[Pass], 10)
	}

	// The model is not vacuous: a history where alloc skips the lowest
	// free unit is rejected.
	m := unrModel(0, 3)
	ok, st := m.Step(m.Init(), unrIn{op: UnrOp{Kind: "alloc"}}, unrOut{1})
	assert.False(t, ok)
	ok, st = m.Step(st, unrIn{op: UnrOp{Kind: "alloc"}}, unrOut{0})
	assert.True(t, ok)
	ok, _ = m.Step(st, unrIn{op: UnrOp{Kind: "alloc_specific", Unit: 0}}, unrOut{0})
	assert.False(t, ok, "a taken unit cannot be allocated again")
}
