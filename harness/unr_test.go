// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/kern"
	"kcheck/linearize"
	"kcheck/model"
)

// unrAllocFree is concurrent allocation and freeing on one header
// (units 0..5), with the global mutex or the header's own. Its
// alloc_unr_specific asks for the lowest unit only: asked for a unit
// above the lowest free one while the header has no chunks, the faithful
// port gets finding F12 (TestUnrFindsF12).
func unrAllocFree(own bool) *Scenario {
	h := UnrHeader{Low: 0, High: 5}
	if own {
		h.Mutex = "unr test"
	}
	return &Scenario{Name: "unr-alloc-free", Target: "unrhdr", Headers: []UnrHeader{h}, Threads: [][]Op{
		{{Kind: "alloc_unr"}, {Kind: "alloc_unr"}, {Kind: "free_unr"}, {Kind: "alloc_unrl"}},
		{{Kind: "alloc_unr_specific", Unit: 0}, {Kind: "alloc_unr"}, {Kind: "free_unr"}},
		{{Kind: "alloc_unrl"}, {Kind: "alloc_unr_specific", Unit: 0}, {Kind: "alloc_unr"}},
	}}
}

// TestUnrFindsF12: the shared judging finds a real bug of subr_unit.c
// through the unrhdr target. On [0, 5] with unit 0 taken and no chunks,
// alloc_unr_specific(3) records one free unit too many at the top
// (finding F12, subr_unit.c:709 in the ported revision: uh->last is set
// without subtracting uh->first), so after 1, 2, 4 and 5 alloc_unr
// returns 6, above high: no sequential order of the set model explains
// it, and the teardown's free_unr(6) trips free_unrl's range KASSERT.
func TestUnrFindsF12(t *testing.T) {
	scn := &Scenario{Name: "unr-F12", Target: "unrhdr", Headers: []UnrHeader{{Low: 0, High: 5}}, Threads: [][]Op{{
		{Kind: "alloc_unr"}, {Kind: "alloc_unr_specific", Unit: 3},
		{Kind: "alloc_unr"}, {Kind: "alloc_unr"}, {Kind: "alloc_unr"}, {Kind: "alloc_unr"}, {Kind: "alloc_unr"}}}}
	require.NoError(t, scn.Validate())
	ex := Execute(scn, Config{Chooser: kern.NewReplay(nil), Mode: model.Relaxed})
	require.Equal(t, NotLinearizable, ex.Kind, "%s\n%s", ex.Summary, ex.Details)
	last := ex.Events[len(ex.Events)-1]
	assert.Equal(t, UnrOutput{Ret: 6}, last.Output, "alloc_unr above high")
	require.Len(t, ex.Verdicts, 2, ex.VerdictKinds())
	assert.Equal(t, Panic, ex.Verdicts[1].Kind)
	assert.Contains(t, ex.Verdicts[1].Summary, "free_unr(6) out of range [0...5]")
}

// dfs runs scn under every schedule with at most bound preemptions (at
// most max) and counts the verdict kinds.
func dfs(t *testing.T, scn *Scenario, cfg Config, bound, max int) map[Kind]int {
	t.Helper()
	kinds := map[Kind]int{}
	e := &Explorer{Kind: DFS, Bound: bound, MaxSchedules: max}
	for {
		ch, _, _, ok := e.Next()
		if !ok {
			break
		}
		cfg.Chooser = ch
		ex := Execute(scn, cfg)
		kinds[ex.Kind]++
		if ex.Kind != Pass && kinds[ex.Kind] == 1 {
			t.Logf("%s: %s (schedule %s)", ex.Kind, ex.Summary, ex.Schedule)
		}
	}
	require.NoError(t, e.Err())
	return kinds
}

// TestUnrLinearizable: the faithful subr_unit.c port's histories are
// linearizable w.r.t. lowest-free allocation (strict) and any-free
// allocation (relaxed) under every schedule with at most one preemption,
// with the global mutex and a header's own; the teardown empties and
// deletes every header and nothing of M_UNIT is left.
func TestUnrLinearizable(t *testing.T) {
	for _, own := range []bool{false, true} {
		for _, mode := range []model.Mode{model.Strict, model.Relaxed} {
			scn := unrAllocFree(own)
			require.NoError(t, scn.Validate())
			kinds := dfs(t, scn, Config{Mode: mode}, 1, 400)
			assert.Equal(t, []Kind{Pass}, keys(kinds), "own mutex %v, %v: %v", own, mode, kinds)
			assert.Greater(t, kinds[Pass], 10)
		}
	}
	ex := Execute(unrAllocFree(true), Config{Chooser: kern.NewPCT(1, 3, 200), Mode: model.Strict})
	require.Equal(t, Pass, ex.Kind, ex.Summary)
	require.NotNil(t, ex.Checked)
	assert.Equal(t, linearize.Ok, ex.Checked.Verdict)
	assert.Len(t, ex.Events, unrAllocFree(true).Ops())
	assert.Nil(t, ex.History, "an unrhdr history is not package model's")
}

func keys(m map[Kind]int) []Kind {
	var out []Kind
	for _, k := range Kinds {
		if m[k] > 0 {
			out = append(out, k)
		}
	}
	return out
}

// TestUnrInjectedBugNotLinearizable: the check can fail. A caller that
// looks up the lowest free unit, gives it back and asks for it by number
// (allocTOCTOU) lets two threads pick the same unit; the loser's
// alloc_unr returns -1 from a space that is not full, which no
// sequential order explains. The faithful port passes the same
// schedules.
func TestUnrInjectedBugNotLinearizable(t *testing.T) {
	scn := &Scenario{Name: "unr-toctou", Target: "unrhdr", Headers: []UnrHeader{{Low: 0, High: 3}},
		Threads: [][]Op{{{Kind: "alloc_unr"}}, {{Kind: "alloc_unr"}}}}
	require.NoError(t, scn.Validate())
	bug := dfs(t, scn, Config{Mode: model.Relaxed, Target: unrTarget{allocTOCTOU: true}}, 2, 500)
	assert.Positive(t, bug[NotLinearizable], "%v", bug)
	// The failure is the injected one: an alloc_unr that returned -1.
	e := &Explorer{Kind: DFS, Bound: 2, MaxSchedules: 500}
	lost := false
	for !lost {
		ch, _, _, ok := e.Next()
		if !ok {
			break
		}
		ex := Execute(scn, Config{Chooser: ch, Mode: model.Relaxed, Target: unrTarget{allocTOCTOU: true}})
		if ex.Kind == NotLinearizable {
			for _, ev := range ex.Events {
				lost = lost || ev.Output == UnrOutput{Ret: -1}
			}
		}
	}
	assert.True(t, lost, "no non-linearizable history with an alloc_unr returning -1")
	faithful := dfs(t, scn, Config{Mode: model.Relaxed}, 2, 500)
	assert.Equal(t, []Kind{Pass}, keys(faithful), "%v", faithful)
}

// TestUnrWrongModelNotLinearizable: a model that allocates the highest
// free unit rejects the faithful port's lowest-first history.
func TestUnrWrongModelNotLinearizable(t *testing.T) {
	scn := unrAllocFree(false)
	ex := Execute(scn, Config{Chooser: kern.NewReplay(nil), Mode: model.Strict, Target: unrTarget{highestFirst: true}})
	require.Equal(t, NotLinearizable, ex.Kind, ex.Summary)
	assert.Contains(t, ex.Summary, "strict unrhdr spec")
	assert.Equal(t, "NotLinearizable (history): ops alloc_unr,alloc_unr_specific,alloc_unrl,free_unr", ex.Verdicts[0].Identity)
	ok := Execute(scn, Config{Chooser: kern.NewReplay(nil), Mode: model.Strict})
	assert.Equal(t, Pass, ok.Kind, ok.Summary)
}

// TestUnrModel: the model's steps, one by one.
func TestUnrModel(t *testing.T) {
	sp := &unrSpec{hdrs: []UnrHeader{{Low: 2, High: 4}, {Low: 0, High: 0}}}
	s := newUnrState(make([][]int, 2))
	out := func(r int) *UnrOutput { return &UnrOutput{Ret: r} }
	alloc := UnrInput{Op: "alloc_unr"}
	assert.Empty(t, sp.step(s, alloc, out(3)), "strict: the lowest free unit, 2")
	s1 := sp.step(s, alloc, out(2))
	require.Len(t, s1, 1)
	assert.Empty(t, sp.step(s1[0], UnrInput{Op: "alloc_unr_specific", Unit: 2}, out(2)), "2 is taken")
	assert.Len(t, sp.step(s1[0], UnrInput{Op: "alloc_unr_specific", Unit: 2}, out(-1)), 1)
	assert.Len(t, sp.step(s1[0], UnrInput{Op: "alloc_unr_specific", Unit: 9}, out(-1)), 1, "out of range")
	assert.Empty(t, sp.step(s, UnrInput{Op: "free_unr", Unit: 3}, out(0)), "freeing a free unit")
	assert.Len(t, sp.step(s, UnrInput{Op: "free_unr", Unit: -1}, out(0)), 1, "nothing to free")
	full := sp.step(s, UnrInput{Op: "alloc_unrl", Hdr: 1}, out(0))
	require.Len(t, full, 1)
	assert.Empty(t, sp.step(full[0], UnrInput{Op: "alloc_unr", Hdr: 1}, out(0)))
	assert.Len(t, sp.step(full[0], UnrInput{Op: "alloc_unr", Hdr: 1}, out(-1)), 1, "-1 when full")
	assert.Empty(t, sp.step(s, alloc, out(-1)), "-1 only when full")
	assert.Len(t, sp.step(s, alloc, nil), 2, "unknown outcome: not taken effect, or the lowest")
	sp.relaxed = true
	assert.Len(t, sp.step(s, alloc, out(3)), 1, "relaxed: any free unit")
	assert.Len(t, sp.step(s, alloc, nil), 4)
}

// TestUnrValidate: what an unrhdr scenario may not say.
func TestUnrValidate(t *testing.T) {
	base := func() *Scenario {
		return &Scenario{Name: "v", Target: "unrhdr", Headers: []UnrHeader{{Low: 0, High: 3}, {Low: 0, High: 3, Mutex: "m"}},
			Threads: [][]Op{{{Kind: "alloc_unr", Hdr: 1, Holding: []int{0}}}}}
	}
	require.NoError(t, base().Validate())
	for what, f := range map[string]func(s *Scenario){
		"unknown target":   func(s *Scenario) { s.Target = "nope" },
		"no headers":       func(s *Scenario) { s.Headers = nil },
		"low > high":       func(s *Scenario) { s.Headers[0] = UnrHeader{Low: 4, High: 3} },
		"negative low":     func(s *Scenario) { s.Headers[0] = UnrHeader{Low: -1, High: 3} },
		"jails":            func(s *Scenario) { s.Jails = []int{1} },
		"ifclone op":       func(s *Scenario) { s.Threads[0][0] = Op{Kind: "create", Name: "lo"} },
		"bad header":       func(s *Scenario) { s.Threads[0][0].Hdr = 2 },
		"holding twice":    func(s *Scenario) { s.Threads[0][0].Holding = []int{0, 0} },
		"holding absent":   func(s *Scenario) { s.Threads[0][0].Holding = []int{5} },
		"unit on alloc":    func(s *Scenario) { s.Threads[0][0].Unit = 1 },
		"name on unr op":   func(s *Scenario) { s.Threads[0][0].Name = "x" },
		"negative unit":    func(s *Scenario) { s.Threads[0][0] = Op{Kind: "alloc_unr_specific", Unit: -1} },
		"huge span":        func(s *Scenario) { s.Headers[0] = UnrHeader{Low: 0, High: MaxUnrSpan} },
		"NUL in mutex":     func(s *Scenario) { s.Headers[0].Mutex = "a\x00b" },
		"unr op, ifclone":  func(s *Scenario) { s.Target = ""; s.Headers = nil },
		"headers, ifclone": func(s *Scenario) { s.Target = ""; s.Threads[0][0] = Op{Kind: "create", Name: "lo"} },
	} {
		s := base()
		f(s)
		assert.Error(t, s.Validate(), what)
	}
	// The JSON round trip keeps the target and the unrhdr fields.
	s := base()
	b := mustJSON(t, s)
	back, err := DecodeScenario(b)
	require.NoError(t, err)
	assert.Equal(t, s, back)
	assert.True(t, strings.Contains(string(b), `"holding"`))
}
