// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"kcheck/kern"
	"kcheck/linearize"
	"kcheck/model"
)

// Target is what a kernel port under test supplies to the harness. One
// Execute (run.go) boots a fresh emulated kernel, loads the port with
// Boot, runs the scenario's setup operations and then its threads'
// operations through the Instance, records the history, and judges the
// execution the same way for every target: kernel panics, WITNESS,
// deadlock, livelock, hang, lockset races, invariants, the history
// against the target's sequential model (Check), teardown, leaks and
// emulated goroutines left. Bundles (write, read, replay), minimization
// and campaigns only ever go through Execute, so they serve every target.
//
// A scenario names its target in Scenario.Target ("" is ifclone). A new
// port needs its Target, registered in targets below; if its operations
// need arguments that Op does not carry, they are added to Op as
// omitempty fields, so that every other target's JSON is unchanged.
type Target interface {
	// Name is the Scenario.Target value that selects the target.
	Name() string
	// Validate checks what is particular to the target: its operations,
	// their arguments and the scenario's setup fields (Scenario.Validate
	// has checked the shape every scenario shares).
	Validate(scn *Scenario) error
	// Boot loads the port into k on k's thread0 and returns the
	// instance the scenario runs against. A kernel panic in it is a Panic
	// verdict of phase "boot".
	Boot(k *kern.Kernel, scn *Scenario, cfg Config) Instance
	// Setup lists the operations run on thread0, in order, before the
	// threads start; the history records them as thread len(Threads).
	Setup(scn *Scenario) []Op
	// Check judges a history of scn against the target's sequential
	// model. A timeout is linearize.Unknown, never a pass.
	Check(scn *Scenario, h Events, mode model.Mode, opts linearize.Options) *Checked
	// WriteHistory writes a history as bundle's history.json.
	WriteHistory(w io.Writer, h Events) error
	// CLocation maps a trace location of the port (kern.TraceEvent's
	// Where) to the C function it is in
	// and, when known, the C file:line making the same call ("" if not).
	// ok is false where the target knows no C counterpart.
	CLocation(where kern.Location) (cfn, cline string, ok bool)
}

// Instance is a target loaded into one kernel.
type Instance interface {
	// Input is the model input that operation op of scenario thread th
	// is recorded with (th is len(Threads) for setup operations). It is
	// called by the thread that will run op, just before it does.
	Input(th int, op Op) (any, error)
	// Exec runs op on td as scenario thread th and returns what the
	// caller observes (the history's output). An error is a failure of
	// the harness, not the port: the verdict is InternalError.
	Exec(td *kern.Thread, th int, op Op, in any) (any, error)
	// Teardown runs as a scheduled thread after the workload: it undoes
	// what the scenario left (objects, jails, modules) so that the leak
	// accounting sees what the port itself failed to free.
	Teardown(td *kern.Thread)
	// Leaks lists what is still allocated after Teardown (e.g. malloc
	// types with live objects), and separately objects that the C itself
	// never frees, a documented finding that is reported, not a Leak.
	Leaks() (leaks []string, known string)
	// Internal is the first failure of the harness's own code, if any.
	Internal() error
}

// Checked is the outcome of a target's linearizability check.
type Checked struct {
	Verdict linearize.Verdict
	// Spec names the model in the verdict's summary ("relaxed").
	Spec string
	// Details is the check's one-line account.
	Details string
	// Identity is the NotLinearizable verdict's identity (Verdict.Identity).
	Identity string
	// Result is linearize's result, for targets checked by package
	// linearize (ifclone); Execution.Check keeps it.
	Result *linearize.Result
	// html draws the history and the check (the bundle's history.html).
	html func(path string, anns []linearize.Annotation) error
}

// WriteHTML draws the checked history with its annotations.
func (c *Checked) WriteHTML(path string, anns []linearize.Annotation) error {
	if c.html == nil {
		return fmt.Errorf("no picture for this check")
	}
	return c.html(path, anns)
}

// targets are the ports a scenario can name. The empty name is ifclone,
// the target every scenario had before there were others.
var targets = map[string]Target{
	"":        ifcloneTarget{},
	"ifclone": ifcloneTarget{},
	"unrhdr":  unrTarget{},
}

// TargetOf returns the target called name ("" is ifclone).
func TargetOf(name string) (Target, error) {
	if t, ok := targets[name]; ok {
		return t, nil
	}
	return nil, fmt.Errorf("unknown target %q (want one of %s)", name, strings.Join(TargetNames(), ", "))
}

// TargetNames lists the targets' names.
func TargetNames() []string {
	var out []string
	for n := range targets {
		if n != "" {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Event is one operation of an execution's history, in the form every
// target shares: the target's model input and output are opaque here.
type Event struct {
	ID     int   // unique; calls are numbered from 0 in call order
	Thread int   // the scenario thread (len(Threads) for setup)
	Call   int64 // invocation time (the scheduler's logical clock)
	Return int64 // response time; linearize.Infinity if unknown
	Input  any   // the target's model input
	Output any   // the target's output; nil if the outcome is unknown
}

// Unknown reports an operation whose outcome was not observed (it was
// interrupted by a kernel panic, or never returned).
func (e Event) Unknown() bool { return e.Return == linearize.Infinity }

// Events is a history.
type Events []Event

// recorder collects Events from concurrent threads: linearize.Recorder's
// semantics with the target's input and output types left open. Its
// methods are safe for concurrent use (native threads).
type recorder struct {
	mu    sync.Mutex   // guards ops and done
	clock func() int64 // const; the kernel's logical clock
	ops   Events       // (mu) calls in call order
	done  []bool       // (mu) whether ops[i] returned or was interrupted
}

func newRecorder(clock func() int64) *recorder {
	return &recorder{clock: clock, ops: make(Events, 0, 16), done: make([]bool, 0, 16)}
}

// call records the invocation of in by thread and returns its id.
func (r *recorder) call(thread int, in any) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := len(r.ops)
	r.ops = append(r.ops, Event{ID: id, Thread: thread, Call: r.clock(), Return: linearize.Infinity, Input: in})
	r.done = append(r.done, false)
	return id
}

// ret records the response of call id.
func (r *recorder) ret(id int, out any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if id < 0 || id >= len(r.ops) || r.done[id] {
		panic(fmt.Sprintf("harness: return of unknown or finished call %d", id))
	}
	r.done[id] = true
	r.ops[id].Return = r.clock()
	r.ops[id].Output = out
}

// interrupted records that call id will never return.
func (r *recorder) interrupted(id int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if id < 0 || id >= len(r.ops) || r.done[id] {
		panic(fmt.Sprintf("harness: interrupt of unknown or finished call %d", id))
	}
	r.done[id] = true
}

func (r *recorder) events() Events {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append(Events(nil), r.ops...)
}

// typed is h in linearize's typed form when every operation is one of
// package model's (the ifclone target's), else nil.
func typed(h Events) linearize.History {
	if len(h) == 0 {
		return nil
	}
	out := make(linearize.History, len(h))
	for i, e := range h {
		in, ok := e.Input.(model.Input)
		if !ok {
			return nil
		}
		op := linearize.Operation{ID: e.ID, Thread: e.Thread, Call: e.Call, Return: e.Return, Input: in, Output: model.UnknownOutput}
		if !e.Unknown() {
			if op.Output, ok = e.Output.(model.Output); !ok {
				return nil
			}
		}
		out[i] = op
	}
	return out
}

// fromTyped is the inverse of typed.
func fromTyped(h linearize.History) Events {
	out := make(Events, len(h))
	for i, op := range h {
		e := Event{ID: op.ID, Thread: op.Thread, Call: op.Call, Return: op.Return, Input: op.Input}
		if op.Return != linearize.Infinity {
			e.Output = op.Output
		}
		out[i] = e
	}
	return out
}

// outString renders an event's output ("?" when unknown).
func (e Event) outString() string {
	if e.Unknown() {
		return "?"
	}
	return fmt.Sprint(e.Output)
}
