// SPDX-License-Identifier: BSD-2-Clause

package linearize

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/anishathalye/porcupine"

	"kcheck/model"
)

// Verdict is the outcome of a check.
type Verdict string

const (
	// Ok: the history is linearizable.
	Ok Verdict = "ok"
	// Illegal: it is not.
	Illegal Verdict = "illegal"
	// Unknown: the check timed out. Never a pass.
	Unknown Verdict = "unknown"
)

// Options tune Check.
type Options struct {
	// Timeout bounds each porcupine run; zero means no bound.
	Timeout time.Duration
	// NoPartition checks the history as one piece even where it could be
	// partitioned (for comparison and benchmarks). Over the memory budget
	// the partitioned check is used instead (Result.Limit says so).
	NoPartition bool
	// MemoryBudget bounds the checker's estimated memory in bytes (see
	// EstimateMemory): a check estimated above it is not run and its
	// verdict is Unknown, never a pass. Zero means DefaultMemoryBudget,
	// a negative value no bound.
	MemoryBudget int64
	// NoFastPath always runs porcupine, even where the history in the
	// order of its returns is already a linearization (see Check); for
	// tests that compare the two and for benchmarks.
	NoFastPath bool
}

// DefaultMemoryBudget is the memory budget of a check when Options leaves
// it zero: 512 MiB, about a 23,000-operation history in one piece.
const DefaultMemoryBudget = 512 << 20

// EstimateMemory is the memory porcupine is expected to need for pieces
// of the given sizes (operations), checked together: the sum of the
// squared sizes, in bytes. Porcupine caches every (set of operations
// linearized, state) pair it visits, each with a bitset of the piece's
// length, and visits a number of them roughly proportional to that
// length, hence the square. Measured on kcheck bench's generated
// histories (8 threads, about four overlapping operations): 10,000 ops in
// one piece 109 MB peak RSS, 20,000 ops 417 MB, 40,000 ops 1.48 GB; seven
// partitions of 100,000 ops (sum of squares 1.66e9) 1.50 GB.
func EstimateMemory(sizes ...int) int64 {
	var b int64
	for _, n := range sizes {
		b += int64(n) * int64(n)
	}
	return b
}

func (o Options) budget() int64 {
	if o.MemoryBudget == 0 {
		return DefaultMemoryBudget
	}
	return o.MemoryBudget
}

// Result is the outcome of Check.
type Result struct {
	Verdict    Verdict
	Ops        int
	Partitions int
	// Whole says why the history was checked in one piece ("" if it was
	// partitioned, or had one family only).
	Whole string
	// Limit says how the memory budget changed the check: "" if it did
	// not; else why the check ran partitioned although NoPartition asked
	// for one piece, or why it did not run at all (Verdict Unknown).
	Limit string
	// Estimate is EstimateMemory of the pieces checked (or refused).
	Estimate int64
	// Nondeterministic: the check used the power-set construction
	// (porcupine.NondeterministicModel), needed for Relaxed mode and for
	// operations with unknown outcomes.
	Nondeterministic bool
	// FastPath: the fast path found a linearization of every piece
	// (see Check), so porcupine was not run; the verdict is Ok.
	FastPath bool
	// Porcupine is the number of pieces the fast path left to porcupine
	// (all of them with NoFastPath): zero if FastPath, or if the memory
	// budget refused the check.
	Porcupine int
	Elapsed   time.Duration

	spec    *model.Spec
	hist    History // as given to Check (not copied)
	parts   [][]int
	ops     []porcupine.Operation // made with pmodel when first needed (prepare)
	opts    Options
	refused bool // over the memory budget: porcupine never ran
	pmodel  porcupine.Model
	info    porcupine.LinearizationInfo
	hasInfo bool
}

// Passed reports whether the verdict is Ok.
func (r *Result) Passed() bool { return r.Verdict == Ok }

func (r *Result) String() string {
	s := fmt.Sprintf("%s: %d ops in %d partition(s), %v", r.Verdict, r.Ops, r.Partitions, r.Elapsed.Round(time.Microsecond))
	if r.Whole != "" {
		s += " (whole: " + r.Whole + ")"
	}
	if r.Limit != "" {
		s += " (" + r.Limit + ")"
	}
	return s
}

// opMeta is the metadata a porcupine operation carries for the picture.
type opMeta struct {
	ID     int
	Thread int
}

// Check checks h against sp, piece by piece (see Partition).
//
// Fast path: first it looks for a linearization of each piece itself, a
// sequential order of the piece's operations that respects real-time
// order (an operation that returned before another was called comes
// first) and that the model accepts step by step. Such an order proves
// the piece linearizable, so porcupine would say Ok for it. Most pieces
// are linearized by their return order; where that fails, a bounded
// backtracking search tries other orders (search.go). The pieces it
// cannot decide, and only those, go to porcupine's CheckOperationsTimeout:
// its verdict is the only source of Illegal and Unknown, and only if it
// says Illegal is the whole history re-checked verbosely to keep what
// WriteHTML draws. If every piece has a linearization, the verdict is Ok
// and porcupine does not run (Result.FastPath).
func Check(sp *model.Spec, h History, opts Options) *Result {
	start := time.Now()
	r := &Result{Ops: len(h), spec: sp, opts: opts}
	unknown := false
	for _, op := range h {
		unknown = unknown || op.Output.Unknown
	}
	r.Nondeterministic = sp.Mode() == model.Relaxed || unknown
	parts, whole := Partition(sp, h)
	budget := opts.budget()
	if opts.NoPartition {
		wholeCost := EstimateMemory(len(h))
		if budget < 0 || wholeCost <= budget || len(parts) <= 1 || estimateParts(parts) > budget {
			parts, whole = [][]int{allIndexes(len(h))}, "partitioning disabled"
		} else {
			r.Limit = fmt.Sprintf("partitioning disabled, but one piece of %d ops is estimated at %s, over the budget of %s: checked partitioned",
				len(h), mib(wholeCost), mib(budget))
		}
	}
	r.Partitions, r.Whole = len(parts), whole
	r.Estimate = estimateParts(parts)
	r.hist, r.parts = h, parts
	if budget >= 0 && r.Estimate > budget {
		r.Limit = fmt.Sprintf("not checked: %d ops in %d piece(s) (largest %d) estimated at %s, over the budget of %s",
			len(h), len(parts), largest(parts), mib(r.Estimate), mib(budget))
		r.Verdict, r.refused = Unknown, true
		r.Elapsed = time.Since(start)
		return r
	}
	undecided := parts
	if !opts.NoFastPath {
		undecided = fastPath(sp, h, parts)
		if len(undecided) == 0 {
			r.Verdict, r.FastPath = Ok, true
			r.Elapsed = time.Since(start)
			return r
		}
	}
	r.Porcupine = len(undecided)
	var pmodel porcupine.Model
	var ops []porcupine.Operation
	if len(undecided) == len(parts) {
		r.prepare()
		pmodel, ops = r.pmodel, r.ops
	} else {
		pmodel, ops = porcupineSubset(sp, r.Nondeterministic, h, undecided)
	}
	switch porcupine.CheckOperationsTimeout(pmodel, ops, opts.Timeout) {
	case porcupine.Ok:
		r.Verdict = Ok
	case porcupine.Illegal:
		r.Verdict = Illegal
		// Verbose only now, and on the whole history, for the
		// picture: it keeps every partial linearization.
		r.prepare()
		res, info := porcupine.CheckOperationsVerbose(r.pmodel, r.ops, opts.Timeout)
		if res == porcupine.Illegal {
			r.info, r.hasInfo = info, true
		}
	default:
		r.Verdict = Unknown
	}
	r.Elapsed = time.Since(start)
	return r
}

// WriteHTML writes porcupine's visualization of the checked history, with
// the annotations, to path. For a history that was not found Illegal it
// first runs the verbose check (bounded by the same timeout).
func (r *Result) WriteHTML(path string, annotations []Annotation) error {
	if r.refused {
		return errors.New("linearize: history over the checker's memory budget; no picture")
	}
	r.prepare()
	if !r.hasInfo {
		res, info := porcupine.CheckOperationsVerbose(r.pmodel, r.ops, r.opts.Timeout)
		if res == porcupine.Unknown {
			return errors.New("linearize: verbose check timed out; no picture")
		}
		r.info, r.hasInfo = info, true
	}
	info := r.info
	pa := make([]porcupine.Annotation, 0, len(annotations))
	for _, a := range annotations {
		pa = append(pa, a.porcupine())
	}
	info.AddAnnotations(pa)
	return porcupine.VisualizePath(r.pmodel, info, path)
}

// prepare makes porcupine's operations and model for the whole history,
// once: the fast path needs neither, and a check that gives porcupine
// only some pieces makes its own (porcupineSubset).
func (r *Result) prepare() {
	if r.pmodel.Init == nil {
		r.ops = toPorcupine(r.hist)
		r.pmodel = porcupineModel(r.spec, r.Nondeterministic, r.parts)
	}
}

// Visualize checks h and writes its picture to path.
func Visualize(sp *model.Spec, h History, opts Options, path string, annotations []Annotation) (*Result, error) {
	r := Check(sp, h, opts)
	return r, r.WriteHTML(path, annotations)
}

func estimateParts(parts [][]int) int64 {
	var b int64
	for _, p := range parts {
		b += EstimateMemory(len(p))
	}
	return b
}

func largest(parts [][]int) int {
	m := 0
	for _, p := range parts {
		m = max(m, len(p))
	}
	return m
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func allIndexes(n int) []int {
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	return all
}

// porcupineSubset makes porcupine's operations and model for some pieces
// of h only (parts: indexes into h): the operations of each piece, piece
// after piece, with a partition function that knows the pieces by their
// positions in that list.
func porcupineSubset(sp *model.Spec, nondet bool, h History, parts [][]int) (porcupine.Model, []porcupine.Operation) {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	sub := make(History, 0, n)
	subParts := make([][]int, len(parts))
	for g, p := range parts {
		subParts[g] = make([]int, len(p))
		for j, i := range p {
			subParts[g][j] = len(sub)
			sub = append(sub, h[i])
		}
	}
	return porcupineModel(sp, nondet, subParts), toPorcupine(sub)
}

func toPorcupine(h History) []porcupine.Operation {
	ops := make([]porcupine.Operation, len(h))
	for i, op := range h {
		ops[i] = porcupine.Operation{
			ClientId: op.Thread,
			Input:    op.Input,
			Call:     op.Call,
			Output:   op.Output,
			Return:   op.Return,
			Metadata: opMeta{ID: op.ID, Thread: op.Thread},
		}
	}
	return ops
}

// Partition splits h into groups of operation indexes that cannot interact:
// the connected components of "shares a footprint key". If any operation
// touches the whole state the history is one group and whole says which.
func Partition(sp *model.Spec, h History) (groups [][]int, whole string) {
	inputs := make([]model.Input, len(h))
	for i := range h {
		inputs[i] = h[i].Input
	}
	return PartitionInputs(sp, inputs)
}

// PartitionInputs is Partition for a scenario's operations before they run.
func PartitionInputs(sp *model.Spec, inputs []model.Input) (groups [][]int, whole string) {
	if len(inputs) == 0 {
		return nil, ""
	}
	parent := make([]int, len(inputs))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	owner := make(map[string]int)
	for i, in := range inputs {
		fp := sp.Footprint(in)
		if fp.Global {
			return [][]int{allIndexes(len(inputs))}, fmt.Sprintf("%s touches every family", in.Kind())
		}
		for _, k := range fp.Keys {
			if j, ok := owner[k]; ok {
				parent[find(i)] = find(j)
			} else {
				owner[k] = i
			}
		}
	}
	index := make(map[int]int)
	for i := range inputs {
		root := find(i)
		g, ok := index[root]
		if !ok {
			g = len(groups)
			index[root] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}
	return groups, ""
}

// porcupineModel adapts the specification: typed values in and out of
// porcupine's interface{} fields happen here and nowhere else.
func porcupineModel(sp *model.Spec, nondet bool, parts [][]int) porcupine.Model {
	partition := func(ops []porcupine.Operation) [][]porcupine.Operation {
		if len(parts) <= 1 {
			return [][]porcupine.Operation{ops}
		}
		out := make([][]porcupine.Operation, len(parts))
		for g, idx := range parts {
			out[g] = make([]porcupine.Operation, len(idx))
			for j, i := range idx {
				out[g][j] = ops[i]
			}
		}
		return out
	}
	partitionEvent := func(evs []porcupine.Event) [][]porcupine.Event { return [][]porcupine.Event{evs} }
	describeOp := func(in, out interface{}) string {
		return model.DescribeOperation(in.(model.Input), out.(model.Output))
	}
	describeState := func(st interface{}) string { return st.(*model.State).String() }
	describeMeta := func(m interface{}) string {
		if md, ok := m.(opMeta); ok {
			return fmt.Sprintf("op %d, thread %d", md.ID, md.Thread)
		}
		return ""
	}
	equal := func(a, b interface{}) bool { return a.(*model.State).Equal(b.(*model.State)) }
	hash := func(st interface{}) uint64 { return st.(*model.State).Hash() }
	if !nondet {
		step := func(st, in, out interface{}) (bool, interface{}) {
			return sp.Step(st.(*model.State), in.(model.Input), out.(model.Output))
		}
		return porcupine.Model{
			Partition:      partition,
			PartitionEvent: partitionEvent,
			Init:           func() interface{} { return sp.Init() },
			Step:           step,
			StepContext: func(ctx context.Context, st, in, out interface{}) (bool, interface{}) {
				if ctx.Err() != nil {
					return false, st
				}
				return step(st, in, out)
			},
			Equal:                     equal,
			Hash:                      hash,
			DescribeOperation:         describeOp,
			DescribeState:             describeState,
			DescribeOperationMetadata: describeMeta,
		}
	}
	step := func(st, in, out interface{}) []interface{} {
		next := sp.StepAll(st.(*model.State), in.(model.Input), out.(model.Output))
		res := make([]interface{}, len(next))
		for i, n := range next {
			res[i] = n
		}
		return res
	}
	nm := porcupine.NondeterministicModel{
		Partition:      partition,
		PartitionEvent: partitionEvent,
		Init:           func() []interface{} { return []interface{}{sp.Init()} },
		Step:           step,
		StepContext: func(ctx context.Context, st, in, out interface{}) []interface{} {
			if ctx.Err() != nil {
				return nil
			}
			return step(st, in, out)
		},
		Equal:                     equal,
		Hash:                      hash,
		DescribeOperation:         describeOp,
		DescribeState:             describeState,
		DescribeOperationMetadata: describeMeta,
	}
	return nm.ToModel()
}
