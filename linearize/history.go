// SPDX-License-Identifier: BSD-2-Clause

package linearize

import (
	"fmt"
	"math"
	"sort"
	"sync"
	"time"

	"kcheck/model"
)

// Infinity is the return time of an operation whose outcome is unknown: it
// is concurrent with everything after its call.
const Infinity int64 = math.MaxInt64

// Operation is one element of a history.
type Operation struct {
	ID     int   // unique in the history; the Recorder numbers calls from 0
	Thread int   // the emulated thread (porcupine's client id), >= 0
	Call   int64 // invocation time
	Return int64 // response time; Infinity if the outcome is unknown
	Input  model.Input
	Output model.Output
}

// History is a list of operations in any order.
type History []Operation

// Validate checks the history's shape: unique ids, non-negative threads,
// Call <= Return, unknown outcomes returning at Infinity, and no thread
// with two overlapping operations.
func (h History) Validate() error {
	ids := make(map[int]bool, len(h))
	byThread := make(map[int][]Operation)
	for _, op := range h {
		switch {
		case ids[op.ID]:
			return fmt.Errorf("operation id %d twice", op.ID)
		case op.Thread < 0:
			return fmt.Errorf("operation %d: negative thread %d", op.ID, op.Thread)
		case op.Input == nil:
			return fmt.Errorf("operation %d: no input", op.ID)
		case op.Call > op.Return:
			return fmt.Errorf("operation %d: returns (%d) before its call (%d)", op.ID, op.Return, op.Call)
		case op.Output.Unknown != (op.Return == Infinity):
			return fmt.Errorf("operation %d: an unknown outcome must return at Infinity, and only it", op.ID)
		}
		ids[op.ID] = true
		byThread[op.Thread] = append(byThread[op.Thread], op)
	}
	for th, ops := range byThread {
		sort.Slice(ops, func(i, j int) bool { return ops[i].Call < ops[j].Call })
		for i := 1; i < len(ops); i++ {
			if ops[i].Call < ops[i-1].Return {
				return fmt.Errorf("thread %d: operations %d and %d overlap", th, ops[i-1].ID, ops[i].ID)
			}
		}
	}
	return nil
}

// Recorder collects a history from concurrent threads. Its methods are safe
// for concurrent use.
type Recorder struct {
	mu    sync.Mutex   // guards ops and done (native threads record concurrently)
	clock func() int64 // const; the scheduler's logical clock or wall time
	ops   []Operation  // (mu) calls in call order; Return fills them in
	done  []bool       // (mu) whether ops[i] has returned or been interrupted
}

// NewRecorder returns a recorder that stamps calls and returns with clock
// (the scheduler's logical clock). A nil clock means monotonic nanoseconds
// since the recorder was made.
func NewRecorder(clock func() int64) *Recorder {
	if clock == nil {
		start := time.Now()
		clock = func() int64 { return int64(time.Since(start)) }
	}
	// Room for a typical scenario's operations (a dozen or two) from
	// the start, rather than growing by doubling.
	return &Recorder{clock: clock, ops: make([]Operation, 0, 16), done: make([]bool, 0, 16)}
}

// Call records the invocation of in by thread and returns its id, to be
// passed to Return.
func (r *Recorder) Call(thread int, in model.Input) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := len(r.ops)
	r.ops = append(r.ops, Operation{ID: id, Thread: thread, Call: r.clock(), Return: Infinity, Input: in, Output: model.UnknownOutput})
	r.done = append(r.done, false)
	return id
}

// Return records the response of call id. An Unknown output (the operation
// was interrupted) keeps the return time at Infinity.
func (r *Recorder) Return(id int, out model.Output) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if id < 0 || id >= len(r.ops) || r.done[id] {
		panic(fmt.Sprintf("linearize: Return of unknown or finished call %d", id))
	}
	r.done[id] = true
	if out.Unknown {
		r.ops[id].Output = model.UnknownOutput
		return
	}
	r.ops[id].Return = r.clock()
	r.ops[id].Output = out
}

// Interrupted records that call id will never return (a kernel panic
// stopped it): its outcome is unknown.
func (r *Recorder) Interrupted(id int) { r.Return(id, model.UnknownOutput) }

// History returns a copy of the history so far; calls that have not
// returned have unknown outcomes.
func (r *Recorder) History() History {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append(History(nil), r.ops...)
}
