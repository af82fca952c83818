// SPDX-License-Identifier: BSD-2-Clause

package linearize

import (
	"cmp"
	"slices"
	"sync"

	"kcheck/internal/mix"
	"kcheck/model"
)

// The fast path decides pieces of a history without porcupine, but only
// one way: it answers "linearizable" when it holds a witness, a sequential
// order of the piece's operations that respects real-time order and that
// the model accepts, and "undecided" otherwise. Undecided pieces go to
// porcupine, whose verdict is the only source of Illegal and Unknown.
//
// For each piece it runs a depth-first search over linearization prefixes
// in the manner of Wing and Gong (as refined by Lowe, and as porcupine
// does): after a prefix, the operations that may come next are the ones
// not yet placed whose call is no later than the earliest return among
// the ones not yet placed (any other was preceded in real time by one of
// those). They are tried in the order of their returns, so the first
// descent is exactly the history's return order, which suffices for most
// pieces. The search backtracks only in pieces of at most searchOps
// operations, does not enter again a configuration it has left as a dead
// end (as porcupine's cache does), and gives up after searchSteps model
// steps: what it costs is bounded, and the exhaustive search of a large
// or hard piece is left to porcupine.

// fastPathStates bounds the set of states the fast path follows (Relaxed
// mode and unknown outcomes leave several possible). A step that leaves
// more is treated as a dead end: the search may still find a witness
// along another branch, and otherwise porcupine decides.
const fastPathStates = 64

// searchOps is the size of the largest piece the fast path backtracks
// in; a larger piece is decided only if its return order is a
// linearization.
const searchOps = 24

// The placed operations of a piece the search backtracks in must fit in
// memoKey.placed.
var _ [64 - searchOps]struct{}

// searchSteps bounds the model steps (StepAll calls) the search spends on
// one piece: past it the piece is undecided.
const searchSteps = 4096

// searcher holds the fast path's working memory, reused from piece to
// piece and, through searchers, from check to check.
type searcher struct {
	sp    *model.Spec
	h     History
	order []int  // the piece's indexes into h, sorted by return time (stably)
	done  []bool // by position in order: placed in the current prefix
	// frames[d] is the choice made at depth d of the current prefix.
	frames []frame
	// sets[d&slot] is the set of states the model can be in after the
	// first d operations of the prefix: never empty along the prefix.
	// Where the search does not backtrack, only the last two are kept.
	sets  [][]*model.State
	slot  int
	steps int // model steps spent on the current piece
	// failed holds the configurations (operations placed, states
	// possible) from which the search has tried every continuation in
	// vain, by a hash of both: the search does not enter them again. A
	// hash collision could only hide a witness, never make one.
	failed map[memoKey]struct{}
}

// memoKey identifies a configuration of the search: the set of positions
// in order placed, and a hash of the set of states.
type memoKey struct {
	placed uint64
	states uint64
}

// frame is one level of the search.
type frame struct {
	lo  int // position in order of the first operation not placed before this level
	pos int // position in order of the operation placed at this level
}

var searchers = sync.Pool{New: func() any { return new(searcher) }}

// linearizes reports whether the search finds a linearization of the piece
// of h (indexes into h, in ascending order as Partition makes them) from
// init, sp's initial state; if it does, s.witness returns it until the
// next call.
func (s *searcher) linearizes(sp *model.Spec, init *model.State, h History, piece []int) bool {
	s.sp, s.h, s.steps = sp, h, 0
	n := len(piece)
	s.order = append(s.order[:0], piece...)
	// Stably: operations that return at the same time (which overlap,
	// so either order is allowed) keep their order in the history.
	slices.SortStableFunc(s.order, func(a, b int) int { return cmp.Compare(h[a].Return, h[b].Return) })
	s.done = append(s.done[:0], make([]bool, n)...)
	s.frames = slices.Grow(s.frames[:0], n)
	backtrack := n <= searchOps
	keep := 2
	s.slot = 1
	if backtrack {
		keep, s.slot = n+1, -1 // every bit: d&slot == d
	}
	for len(s.sets) < keep {
		s.sets = append(s.sets, nil)
	}
	s.sets[0] = append(s.sets[0][:0], init)
	if len(s.failed) > 0 {
		clear(s.failed)
	}
	var placed uint64 // with backtrack: bit p set if order[p] is placed
	d, lo, pos := 0, 0, 0
	for d < n {
		if s.step(d, s.order[pos]) && (!backtrack || !s.knownFailed(placed|1<<pos, d+1)) {
			s.done[pos] = true
			placed |= 1 << pos
			s.frames = append(s.frames, frame{lo: lo, pos: pos})
			d++
			for lo < n && s.done[lo] {
				lo++
			}
			pos = lo
			continue
		}
		if !backtrack || s.steps >= searchSteps {
			return false
		}
		// The next candidate at this depth, or back up to a depth that
		// has one, noting the configurations left as failed.
		for {
			pos = s.nextCandidate(lo, pos)
			if pos < n {
				break
			}
			if d == 0 {
				return false
			}
			s.markFailed(placed, d)
			d--
			f := s.frames[d]
			s.frames = s.frames[:d]
			lo, pos = f.lo, f.pos
			s.done[pos] = false
			placed &^= 1 << pos
		}
	}
	return true
}

// key is the memo key of the configuration with the positions in placed
// placed and the set of states after d operations possible.
func (s *searcher) key(placed uint64, d int) memoKey {
	var h uint64
	for _, st := range s.sets[d&s.slot] {
		h += mix.Mix64(st.Hash()) // a set: the sum does not depend on the order
	}
	return memoKey{placed: placed, states: h}
}

func (s *searcher) knownFailed(placed uint64, d int) bool {
	if len(s.failed) == 0 {
		return false
	}
	_, ok := s.failed[s.key(placed, d)]
	return ok
}

func (s *searcher) markFailed(placed uint64, d int) {
	if s.failed == nil {
		s.failed = make(map[memoKey]struct{})
	}
	s.failed[s.key(placed, d)] = struct{}{}
}

// nextCandidate returns the position in order after pos of the next
// operation that may be placed when lo is the first one not yet placed
// (its return is then the earliest among them), or len(order) if none.
func (s *searcher) nextCandidate(lo, pos int) int {
	minReturn := s.h[s.order[lo]].Return
	for p := pos + 1; p < len(s.order); p++ {
		if !s.done[p] && s.h[s.order[p]].Call <= minReturn {
			return p
		}
	}
	return len(s.order)
}

// step makes the set of states after d+1 operations the ones the model
// can reach through operation h[i] from the set after d, and reports
// whether there are any (and not more than fastPathStates).
func (s *searcher) step(d, i int) bool {
	op := &s.h[i]
	to := (d + 1) & s.slot
	next := s.sets[to][:0]
	for _, st := range s.sets[d&s.slot] {
		s.steps++
		for _, n := range s.sp.StepAll(st, op.Input, op.Output) {
			next = appendNewState(next, n)
		}
	}
	s.sets[to] = next
	return len(next) > 0 && len(next) <= fastPathStates
}

// witness returns the linearization the last successful call of
// linearizes found, as indexes into h.
func (s *searcher) witness() []int {
	w := make([]int, len(s.frames))
	for d, f := range s.frames {
		w[d] = s.order[f.pos]
	}
	return w
}

// release drops the references to the history and the states, so that a
// pooled searcher keeps only its slices' memory.
func (s *searcher) release() {
	s.sp, s.h = nil, nil
	for d := range s.sets {
		clear(s.sets[d][:cap(s.sets[d])])
		s.sets[d] = s.sets[d][:0]
	}
	searchers.Put(s)
}

// fastPath decides each piece of h (parts: indexes into h) with the
// search and returns the pieces it could not decide, in their order in
// parts: none if it found a linearization of every piece.
func fastPath(sp *model.Spec, h History, parts [][]int) (undecided [][]int) {
	s := searchers.Get().(*searcher)
	defer s.release()
	init := sp.Init() // never modified: shared by the pieces
	for _, p := range parts {
		if !s.linearizes(sp, init, h, p) {
			undecided = append(undecided, p)
		}
	}
	return undecided
}

// fastPathWitnesses is the fast path's answer for each piece of h, for
// tests: the linearization it found, as indexes into h, or nil where it
// left the piece to porcupine.
func fastPathWitnesses(sp *model.Spec, h History, parts [][]int) [][]int {
	s := searchers.Get().(*searcher)
	defer s.release()
	out := make([][]int, len(parts))
	init := sp.Init()
	for g, p := range parts {
		if s.linearizes(sp, init, h, p) {
			out[g] = s.witness()
		}
	}
	return out
}

func appendNewState(l []*model.State, x *model.State) []*model.State {
	for _, y := range l {
		if y == x || (y.Hash() == x.Hash() && y.Equal(x)) {
			return l
		}
	}
	return append(l, x)
}
