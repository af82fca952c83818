// SPDX-License-Identifier: BSD-2-Clause

package kern

// Kernel invariants checked at scheduling points.
//
// A target (the harness's ifclone target) registers with SetInvariants a
// check that reads the emulated kernel's state and names what is wrong
// with it. In controlled mode the scheduler calls it at every lock release
// (mtx_unlock, sx_xunlock, sx_sunlock: the points after which the state a
// lock guards must be whole again), or at every scheduling point when
// asked, and once more at the end of each run in which every thread
// exited (quiescent: no operation is under way, so the check may also
// demand what only holds between operations). At each call every other
// thread is parked at a point and the caller is at one, so the check sees
// a state no one is changing; it must neither take kernel locks nor reach
// a scheduling point (it runs inside one). A check that faults (a Go
// run-time error while reading, e.g. through a pointer that free(9)
// poisoned) is reported as a violation of its own.
//
// A violation does not stop the run: checks observe. The first report of
// each invariant name is kept (RunResult.Invariants), with the step, the
// point, and every thread's state.
//
// Native mode: free goroutines change the state while a check would read
// it, so the scheduler never calls it (SetInvariants is accepted and
// ignored); only the quiescent check at the end of a native Run, when
// every thread goroutine has exited, is safe, and it is made there.
//
// Cost when off: one nil test per scheduling point.

import (
	"fmt"
	"strings"
)

// InvariantViolation is what a check finds wrong.
type InvariantViolation struct {
	// Name identifies the invariant ("ifnet-unique-name").
	Name string
	// Msg says what is wrong, State shows the state it was read from.
	Msg, State string
}

// InvariantCheck reads k's state and returns what is wrong with it.
// quiescent is true when no thread is inside an operation.
type InvariantCheck func(k *Kernel, quiescent bool) []InvariantViolation

// InvariantReport is a violation with where the run was.
type InvariantReport struct {
	InvariantViolation
	Step   int64
	Point  string // the scheduling point ("mtx_unlock if_clone lock"), or "quiescent"
	Thread string // the thread at the point
	Tid    int
	// Threads is every thread of the run: name, tid, state, held locks.
	Threads []string
}

func (r *InvariantReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invariant %s violated at step %d (%s by %s, tid %d): %s\n", r.Name, r.Step, r.Point, r.Thread, r.Tid, r.Msg)
	b.WriteString("threads:\n")
	for _, t := range r.Threads {
		b.WriteString("  " + t + "\n")
	}
	if r.State != "" {
		b.WriteString("state:\n" + r.State)
	}
	return b.String()
}

type invariantState struct {
	check   InvariantCheck
	every   bool
	seen    map[string]bool
	reports []*InvariantReport
}

const maxInvariantReports = 16

// SetInvariants installs check (nil: none). With every set it runs at
// every scheduling point, else at lock releases only. Call before Run.
func (k *Kernel) SetInvariants(check InvariantCheck, every bool) {
	if check == nil {
		k.inv = nil
		return
	}
	k.inv = &invariantState{check: check, every: every, seen: map[string]bool{}}
}

// InvariantWanted reports whether a violation of the invariant name
// found now would be reported: true unless this kernel already filed a
// report of it (only the first of each is kept) or filed the most it
// keeps in this run, or when no check is installed (a check called
// directly). A check may skip building the text of one that is not.
func (k *Kernel) InvariantWanted(name string) bool {
	inv := k.inv
	return inv == nil || !inv.seen[name] && len(inv.reports) < maxInvariantReports
}

// isRelease reports a point that releases a lock.
func isRelease(what string) bool {
	return what == "mtx_unlock" || what == "sx_xunlock" || what == "sx_sunlock"
}

// checkInvariants runs the check at a point reached by td (nil: at the end
// of a run), filing the first report of each invariant.
func (k *Kernel) checkInvariants(td *Thread, what string, lo *lockObject, step int64, quiescent bool) {
	inv := k.inv
	vs := inv.run(k, quiescent)
	if len(vs) == 0 {
		return
	}
	point := what
	if lo != nil {
		point += " " + lo.name
	}
	for _, v := range vs {
		if inv.seen[v.Name] || len(inv.reports) >= maxInvariantReports {
			continue
		}
		inv.seen[v.Name] = true
		r := &InvariantReport{InvariantViolation: v, Step: step, Point: point, Tid: -1}
		if td != nil {
			r.Thread, r.Tid = td.Name, td.Tid
		}
		r.Threads = k.threadStates()
		inv.reports = append(inv.reports, r)
	}
}

// run calls the check, turning a fault while reading into a violation.
func (inv *invariantState) run(k *Kernel, quiescent bool) (vs []InvariantViolation) {
	defer func() {
		if r := recover(); r != nil {
			vs = append(vs, InvariantViolation{Name: "observer-fault",
				Msg: fmt.Sprintf("the invariant check faulted reading kernel state (a freed or torn object is reachable): %v", r)})
		}
	}()
	return inv.check(k, quiescent)
}

// threadStates describes the run's threads for a report.
func (k *Kernel) threadStates() []string {
	var ts []*Thread
	if k.sched != nil {
		ts = k.sched.threads
	} else {
		k.mu.Lock()
		ts = append(ts, k.threads...)
		k.mu.Unlock()
	}
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		st := "runnable"
		switch t.state {
		case tdBlocked:
			st = "blocked on " + t.waitDesc
		case tdExited:
			st = "exited"
		}
		s := fmt.Sprintf("%s(tid %d) %s, holding [%s]", t.Name, t.Tid, st, strings.Join(t.Held(), ", "))
		if t.epochNest > 0 {
			s += " in net_epoch"
		}
		out = append(out, s)
	}
	return out
}

// takeInvariants returns the reports filed since the last call.
func (k *Kernel) takeInvariants() []*InvariantReport {
	if k.inv == nil {
		return nil
	}
	r := k.inv.reports
	k.inv.reports = nil
	return r
}

// Holder is the thread that holds m exclusively, nil if none: for
// observers (an invariant check), which must not lock.
func (m *Mtx) Holder() *Thread { return m.ownerTd() }
