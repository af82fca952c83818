// SPDX-License-Identifier: BSD-2-Clause

package linearize

import (
	"fmt"
	"math/rand"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/model"
)

// validWitness checks, without the searcher's code, that w is a
// linearization of the piece of h: every operation of the piece exactly
// once, an operation that returned before another was called placed
// before it, and each step accepted by the model from some state the
// steps before it leave possible.
func validWitness(sp *model.Spec, h History, piece, w []int) error {
	if !slices.Equal(slices.Sorted(slices.Values(w)), piece) {
		return fmt.Errorf("witness %v is not an order of the piece %v", w, piece)
	}
	for a := range w {
		for b := a + 1; b < len(w); b++ {
			if h[w[b]].Return < h[w[a]].Call {
				return fmt.Errorf("op %d placed before op %d, which returned (%d) before its call (%d)",
					h[w[a]].ID, h[w[b]].ID, h[w[b]].Return, h[w[a]].Call)
			}
		}
	}
	states := []*model.State{sp.Init()}
	for k, i := range w {
		var next []*model.State
		for _, s := range states {
			for _, n := range sp.StepAll(s, h[i].Input, h[i].Output) {
				if !slices.ContainsFunc(next, n.Equal) {
					next = append(next, n)
				}
			}
		}
		if len(next) == 0 {
			return fmt.Errorf("step %d of the witness (op %d, %s) rejected by the model", k, h[i].ID, model.DescribeOperation(h[i].Input, h[i].Output))
		}
		states = next
	}
	return nil
}

// returnOrderAccepts reports whether the model accepts the piece in the
// order of its returns (the check the fast path made alone before it
// could search), so that tests can tell the pieces only the search
// decides.
func returnOrderAccepts(sp *model.Spec, h History, piece []int) bool {
	w := slices.Clone(piece)
	slices.SortStableFunc(w, func(a, b int) int {
		switch {
		case h[a].Return < h[b].Return:
			return -1
		case h[a].Return > h[b].Return:
			return 1
		}
		return 0
	})
	return validWitness(sp, h, piece, w) == nil
}

// overlapping generates a small history with much concurrency (few
// operations per thread, so long intervals), possibly perturbed or with
// interrupted operations: histories whose return order is often not a
// linearization.
func overlapping(r *rand.Rand, sp *model.Spec) History {
	var pick picker
	if r.Intn(5) == 0 {
		pick = globalPicker()
	} else {
		fams := slices.Clone(families)
		r.Shuffle(len(fams), func(a, b int) { fams[a], fams[b] = fams[b], fams[a] })
		pick = familyPicker(fams[:1+r.Intn(3)])
	}
	h := generate(r, sp, 4+r.Intn(24), 3+r.Intn(6), pick)
	switch r.Intn(5) {
	case 0, 1:
		h = perturb(r, h)
	case 2:
		h = withUnknown(r, h)
	case 3:
		h = withUnknown(r, perturb(r, h))
	}
	return h
}

// TestFastPathDifferential compares Check with and without the fast path
// (porcupine alone) on small histories with overlapping operations, many
// of them not linearizable, in both modes, partitioned and whole; and
// checks that the fast path says Ok only with a witness (validWitness),
// that it decides every piece it claims, and that the pieces it leaves are
// the ones porcupine is given.
func TestFastPathDifferential(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	specs := []*model.Spec{model.New(model.Config{}), model.New(model.Config{Mode: model.Relaxed})}
	n := 3000
	if testing.Short() {
		n = 1000
	}
	counts := map[string]int{}
	for i := 0; i < n; i++ {
		sp := specs[i%2]
		h := overlapping(r, sp)
		require.NoError(t, h.Validate())
		for _, whole := range []bool{false, true} {
			opts := Options{Timeout: 20 * time.Second, NoPartition: whole}
			fast := Check(sp, h, opts)
			ws := fastPathWitnesses(sp, h, fast.parts)
			left := 0
			for g, w := range ws {
				if w == nil {
					left++
					continue
				}
				require.NoError(t, validWitness(sp, h, fast.parts[g], w), "history %d piece %d", i, g)
				if !returnOrderAccepts(sp, h, fast.parts[g]) {
					counts["pieces found by the search"]++
				}
			}
			require.Equal(t, left, fast.Porcupine, "history %d: pieces left to porcupine", i)

			opts.NoFastPath = true
			slow := Check(sp, h, opts)
			require.NotEqual(t, Unknown, slow.Verdict)
			require.Equal(t, slow.Verdict, fast.Verdict, "history %d (%s, whole %v)", i, sp.Mode(), whole)
			require.Equal(t, slow.Partitions, slow.Porcupine)
			require.False(t, slow.FastPath)
			require.Equal(t, left == 0, fast.FastPath)
			switch {
			case fast.FastPath:
				require.Equal(t, Ok, fast.Verdict)
				counts["fast ok"]++
			case left < len(ws):
				counts["partly fast, porcupine "+string(fast.Verdict)]++
			default:
				counts["porcupine "+string(fast.Verdict)]++
			}
		}
	}
	t.Logf("%v", counts)
	assert.Greater(t, counts["pieces found by the search"], n/10, "the search should decide pieces return order does not")
	assert.Greater(t, counts["fast ok"], n/2)
	assert.Greater(t, counts["porcupine illegal"]+counts["partly fast, porcupine illegal"], n/5)
	assert.Greater(t, counts["partly fast, porcupine illegal"], n/50, "some histories should be split between the two")
}

// TestSearchBeyondReturnOrder: a history whose return order the model
// rejects (the create that returned first has unit 1, which only the
// other, earlier called, create could have left it) but which another
// order linearizes is decided by the fast path.
func TestSearchBeyondReturnOrder(t *testing.T) {
	sp := model.New(model.Config{})
	h := History{
		op(0, 0, 0, 10, model.Create{Name: "disc"}, model.Output{Name: "disc0"}),
		op(1, 1, 1, 5, model.Create{Name: "disc"}, model.Output{Name: "disc1"}),
		op(2, 2, 2, 3, model.Create{Name: "epair"}, model.Output{Name: "epair0a"}),
		op(3, 1, 11, 12, model.Destroy{Name: "disc0"}, model.Ok),
	}
	parts, _ := Partition(sp, h)
	require.Equal(t, [][]int{{0, 1, 3}, {2}}, parts)
	require.False(t, returnOrderAccepts(sp, h, parts[0]), "return order must fail for this test to mean anything")

	r := Check(sp, h, Options{})
	assert.Equal(t, Ok, r.Verdict)
	assert.True(t, r.FastPath)
	assert.Zero(t, r.Porcupine)
	ws := fastPathWitnesses(sp, h, parts)
	assert.Equal(t, [][]int{{0, 1, 3}, {2}}, ws)

	// Porcupine agrees, and the same holds with the history in one piece.
	assert.Equal(t, Ok, Check(sp, h, Options{NoFastPath: true}).Verdict)
	r = Check(sp, h, Options{NoPartition: true})
	assert.True(t, r.FastPath)
	assert.Equal(t, 1, r.Partitions)

	// Had the early create got unit 1 as well, no order works; the
	// fast path leaves that to porcupine, which finds it illegal.
	h[0].Output = model.Output{Name: "disc1"}
	r = Check(sp, h, Options{})
	assert.Equal(t, Illegal, r.Verdict)
	assert.False(t, r.FastPath)
	assert.Equal(t, 1, r.Porcupine, "only the disc piece goes to porcupine")
}

// TestFastPathBounds: a piece over searchOps operations is linearized only
// in return order, else left to porcupine; a search that spends
// searchSteps model steps gives up and leaves the piece to porcupine.
func TestFastPathBounds(t *testing.T) {
	sp := model.New(model.Config{})
	// TestSearchBeyondReturnOrder's history, then sequential failing
	// destroys in the disc piece up to k operations.
	withPiece := func(k int) History {
		h := History{
			op(0, 0, 0, 10, model.Create{Name: "disc"}, model.Output{Name: "disc0"}),
			op(1, 1, 1, 5, model.Create{Name: "disc"}, model.Output{Name: "disc1"}),
			op(2, 2, 2, 3, model.Create{Name: "epair"}, model.Output{Name: "epair0a"}),
		}
		for t := int64(20); len(h) < k+1; t += 2 {
			h = append(h, op(len(h), 1, t, t+1, model.Destroy{Name: "disc7"}, model.Fail(model.ENXIO)))
		}
		return h
	}
	atBound := withPiece(searchOps)
	r := Check(sp, atBound, Options{})
	assert.Equal(t, Ok, r.Verdict)
	assert.True(t, r.FastPath, "a piece of searchOps operations is searched")

	over := withPiece(searchOps + 1)
	parts, _ := Partition(sp, over)
	require.Len(t, parts[0], searchOps+1)
	r = Check(sp, over, Options{})
	assert.Equal(t, Ok, r.Verdict)
	assert.False(t, r.FastPath)
	assert.Equal(t, 2, r.Partitions)
	assert.Equal(t, 1, r.Porcupine, "only the large piece goes to porcupine")
	assert.Nil(t, fastPathWitnesses(sp, over, parts)[0])

	// Thirteen concurrent failing destroys, then a create that cannot
	// have its output in any order: the search would try every order of
	// the destroys (they leave the state as it is), and stops at its
	// step budget instead.
	var h History
	for i := 0; i < 12; i++ {
		h = append(h, op(i, i, 0, 50, model.Destroy{Name: "disc7"}, model.Fail(model.ENXIO)))
	}
	h = append(h, op(12, 0, 60, 61, model.Create{Name: "disc"}, model.Output{Name: "disc1"}))
	s := new(searcher)
	assert.False(t, s.linearizes(sp, sp.Init(), h, allIndexes(len(h))))
	assert.GreaterOrEqual(t, s.steps, searchSteps)
	assert.Less(t, s.steps, 2*searchSteps, "the budget bounds the search")
	r = Check(sp, h, Options{Timeout: 10 * time.Second})
	assert.Equal(t, Illegal, r.Verdict)
	assert.Equal(t, 1, r.Porcupine)
	// The same destroys with a create that can have its output: the
	// first order tried works.
	h[12].Output = model.Output{Name: "disc0"}
	r = Check(sp, h, Options{})
	assert.True(t, r.FastPath)
}

// TestPorcupineSubset: porcupine gets the pieces the fast path left, each
// as its own partition. Three pieces: the first decided by the search,
// the second too large for it but linearizable, the third illegal; the
// verdict is porcupine's on the last two, the picture covers all three.
func TestPorcupineSubset(t *testing.T) {
	sp := model.New(model.Config{})
	h := History{
		op(0, 0, 0, 10, model.Create{Name: "disc"}, model.Output{Name: "disc0"}),
		op(1, 1, 1, 5, model.Create{Name: "disc"}, model.Output{Name: "disc1"}),
		op(2, 2, 0, 10, model.Create{Name: "tun"}, model.Output{Name: "tun0"}),
		op(3, 3, 1, 5, model.Create{Name: "tun"}, model.Output{Name: "tun1"}),
	}
	for t := int64(20); len(h) < 4+searchOps; t += 2 {
		h = append(h, op(len(h), 3, t, t+1, model.Destroy{Name: "tun7"}, model.Fail(model.ENXIO)))
	}
	// Two sequential creates of epair pairs, the second given the
	// first's name.
	h = append(h,
		op(len(h), 4, 0, 1, model.Create{Name: "epair"}, model.Output{Name: "epair0a"}),
		op(len(h)+1, 4, 2, 3, model.Create{Name: "epair"}, model.Output{Name: "epair0a"}))
	parts, _ := Partition(sp, h)
	require.Len(t, parts, 3)
	r := Check(sp, h, Options{Timeout: 10 * time.Second})
	assert.Equal(t, Illegal, r.Verdict)
	assert.Equal(t, 2, r.Porcupine)
	require.NoError(t, r.WriteHTML(filepath.Join(t.TempDir(), "h.html"), nil))
	assert.Len(t, r.info.PartialLinearizations(), 3)

	// Without the illegal piece, porcupine says Ok for the large one.
	h[len(h)-1].Output = model.Output{Name: "epair1a"}
	r = Check(sp, h, Options{Timeout: 10 * time.Second})
	assert.Equal(t, Ok, r.Verdict)
	assert.False(t, r.FastPath)
	assert.Equal(t, 1, r.Porcupine)
}

// TestMissedReturnOrder re-checks histories of the harness's standard
// benchmark scenario (testdata/missed: StandardScenario(i%64) under
// kern.NewPCT(i, 3, 400), Relaxed mode, file names std<scenario>_pct<i>)
// whose return order is not a linearization of some piece: the linearizable
// ones take the fast path; for the others porcupine checks only the pieces
// the fast path did not decide, and the picture still shows every piece.
func TestMissedReturnOrder(t *testing.T) {
	sp := model.New(model.Config{Mode: model.Relaxed})
	files, err := filepath.Glob(filepath.Join("testdata", "missed", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		h := readHistory(t, file)
		parts, _ := Partition(sp, h)
		missed := false
		for _, p := range parts {
			missed = missed || !returnOrderAccepts(sp, h, p)
		}
		assert.True(t, missed, "%s: return order works", file)
		r := Check(sp, h, Options{Timeout: 10 * time.Second})
		if strings.HasSuffix(file, "_ok.json") {
			assert.Equal(t, Ok, r.Verdict, file)
			assert.True(t, r.FastPath, file)
			continue
		}
		require.Equal(t, Illegal, r.Verdict, file)
		assert.Equal(t, 1, r.Porcupine, file)
		assert.Equal(t, 2, r.Partitions, file)
		require.NoError(t, r.WriteHTML(filepath.Join(t.TempDir(), "h.html"), nil))
		assert.Len(t, r.info.PartialLinearizations(), r.Partitions, "%s: the picture has every piece", file)
	}
}
