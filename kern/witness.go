// SPDX-License-Identifier: BSD-2-Clause
//
// A WITNESS in the manner of sys/kern/subr_witness.c (Copyright (c) 2008
// Isilon Systems, Inc., 1998 Berkeley Software Design, Inc.): lock classes
// keyed by the name given at init, an order graph learned at run time, and
// the checks witness(4) prints.

package kern

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// WitnessKind is what a WITNESS report is about.
type WitnessKind uint8

const (
	// WitnessReversal: a lock order opposite to one already seen.
	WitnessReversal WitnessKind = iota
	// WitnessSleep: sleeping (M_WAITOK malloc, sx, epoch_wait) with a
	// non-sleepable lock held.
	WitnessSleep
	// WitnessHeldAtExit: a thread ended with locks held.
	WitnessHeldAtExit
	// WitnessDuplicate: a second lock of the same class without DUPOK.
	WitnessDuplicate
)

func (k WitnessKind) String() string {
	return [...]string{"lock order reversal", "sleep with non-sleepable lock", "locks held at thread exit", "duplicate lock of same type"}[k]
}

// WitnessReport is one finding, with what witness(4) would print.
type WitnessReport struct {
	Kind   WitnessKind
	Thread string
	Tid    int
	// For a reversal: First is the lock held, Second the one being taken;
	// At is where Second was being taken (structured: the report's
	// printer and the C line map read it, nothing parses Msg), and
	// Established where the opposite order (Second before First) was
	// first seen, with its thread.
	First, Second string
	At            Location
	Established   string
	Held          []string
	Msg           string
}

func (r *WitnessReport) String() string { return r.Msg }

type lockClass struct {
	name      string
	id        int
	sleepable bool
	// before caches the order graph's edges out of this class: bit id is
	// set once "this class before class id" is an edge. Edges are never
	// removed, so a set bit lets checkorder skip witness.mu and the map
	// for a pair it has already judged (the common case: the same nesting
	// again). Classes with ids beyond the cache take the slow path.
	before [witnessCacheWords]atomic.Uint64
}

// witnessCacheWords bounds the classes the order cache covers (64 each).
const witnessCacheWords = 4

// ordered reports whether the edge c -> id is known (cached).
func (c *lockClass) ordered(id int) bool {
	w := id >> 6
	return w < witnessCacheWords && c.before[w].Load()&(1<<(id&63)) != 0
}

// setOrdered caches the edge c -> id.
func (c *lockClass) setOrdered(id int) {
	if w := id >> 6; w < witnessCacheWords {
		c.before[w].Or(1 << (id & 63))
	}
}

// witnessEdge remembers where an order was first seen: the program
// counters of the acquiring stack, resolved only for a report (a kernel
// per execution learns its edges afresh, so this is a hot path).
type witnessEdge struct {
	pcs    [8]uintptr
	n      int
	thread string
	step   int64
	label  string // "a -> b", made by the first WitnessEdges that lists it
}

// name is the edge's "a -> b" (w.mu held).
func (e *witnessEdge) name(w *witness, key [2]int) string {
	if e.label == "" {
		e.label = edgeLabel(w.byID[key[0]].name, w.byID[key[1]].name)
	}
	return e.label
}

// edgeLabels interns "from -> to": every execution's kernel learns the
// same few dozen edges, and WitnessEdges names them all at its end.
var edgeLabels struct {
	mu sync.RWMutex
	m  map[[2]string]string
}

func edgeLabel(from, to string) string {
	k := [2]string{from, to}
	edgeLabels.mu.RLock()
	l, ok := edgeLabels.m[k]
	edgeLabels.mu.RUnlock()
	if ok {
		return l
	}
	edgeLabels.mu.Lock()
	defer edgeLabels.mu.Unlock()
	if l, ok := edgeLabels.m[k]; ok {
		return l
	}
	if edgeLabels.m == nil {
		edgeLabels.m = map[[2]string]string{}
	}
	l = from + " -> " + to
	edgeLabels.m[k] = l
	return l
}

func (e *witnessEdge) where() string {
	if e.n == 0 {
		return fmt.Sprintf("step %d by %s (replay with the trace on for the place)", e.step, e.thread)
	}
	frames := runtime.CallersFrames(e.pcs[:e.n])
	for {
		f, more := frames.Next()
		if !isKernFrame(f.Function) || !more {
			return fmt.Sprintf("%s:%d by %s", shortFile(f.File), f.Line, e.thread)
		}
	}
}

type witness struct {
	k       *Kernel               // const after init
	mu      sync.Mutex            // guards every field below
	classes map[string]*lockClass // (mu) by name
	byID    []*lockClass          // (mu) by class id
	// slab is where classes are allocated, 32 at a time (a booted
	// kernel has a few dozen); a full slab is left to its classes. (mu)
	slab  []lockClass
	edges map[[2]int]*witnessEdge // (mu) from -> to: from taken before to
	succ  map[int][]int           // (mu) successors of each class id
	// edgeSlab is where new edges are taken from (mu): one allocation per
	// chunk of edges, not one per edge.
	edgeSlab []witnessEdge
	seenRev  map[[2]int]bool  // (mu) reversals already reported
	reports  []*WitnessReport // (mu) record mode's reports
}

func (w *witness) init(k *Kernel) {
	w.k = k
	// Sized for a booted kernel with every driver (about 20 classes
	// and 20 edges, out of 4 classes), so that the tables do not grow.
	w.classes = make(map[string]*lockClass, 32)
	w.edges = make(map[[2]int]*witnessEdge, 32)
	w.succ = make(map[int][]int, 8)
	// seenRev is made at the first reversal.
}

func (w *witness) class(name string, sleepable bool) *lockClass {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.classes[name]
	if !ok {
		if len(w.slab) == cap(w.slab) {
			w.slab = make([]lockClass, 0, 32)
		}
		w.slab = append(w.slab, lockClass{name: name, id: len(w.byID), sleepable: sleepable})
		c = &w.slab[len(w.slab)-1]
		w.classes[name] = c
		w.byID = append(w.byID, c)
	}
	return c
}

// report panics (default) or records.
func (w *witness) report(td *Thread, r *WitnessReport) {
	r.Thread, r.Tid = td.Name, td.Tid
	if !w.k.cfg.WitnessRecord {
		p := newPanic(td, PanicWitness, r.Msg)
		p.Witness = r
		panic(p)
	}
	w.mu.Lock()
	w.reports = append(w.reports, r)
	w.mu.Unlock()
}

func (w *witness) recorded() []*WitnessReport {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]*WitnessReport(nil), w.reports...)
}

// Reports returns the WITNESS reports recorded so far (record mode).
func (k *Kernel) WitnessReports() []*WitnessReport { return k.witness.recorded() }

// WitnessEdges lists the lock orders learned, "a -> b", sorted.
func (k *Kernel) WitnessEdges() []string {
	w := &k.witness
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]string, 0, len(w.edges))
	for e := range w.edges {
		out = append(out, w.edges[e].name(w, e))
	}
	sort.Strings(out)
	return out
}

// reachable reports a path from a to b in the order graph (w.mu held).
func (w *witness) reachable(a, b int) bool {
	if a == b {
		return true
	}
	// The classes seen, as bits (a kernel has a few dozen classes: the
	// first 256 without allocating), and the stack, on the goroutine's
	// stack while it is short.
	var seenBits [4]uint64
	var seenMore map[int]bool
	seen := func(n int) bool {
		if n < 256 {
			return seenBits[n>>6]&(1<<(n&63)) != 0
		}
		return seenMore[n]
	}
	mark := func(n int) {
		if n < 256 {
			seenBits[n>>6] |= 1 << (n & 63)
			return
		}
		if seenMore == nil {
			seenMore = map[int]bool{}
		}
		seenMore[n] = true
	}
	var stackBuf [32]int
	stack := append(stackBuf[:0], a)
	mark(a)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, s := range w.succ[n] {
			if s == b {
				return true
			}
			if !seen(s) {
				mark(s)
				stack = append(stack, s)
			}
		}
	}
	return false
}

// checkorder is witness_checkorder: called before td blocks to take lo.
func (w *witness) checkorder(td *Thread, lo *lockObject) {
	c := lo.class
	if c == nil || len(td.held) == 0 {
		return
	}
	for i := range td.held {
		h := td.held[i].lo
		hc := h.class
		if hc == nil {
			continue
		}
		if hc == c {
			if lo.flags&(MTX_DUPOK) != 0 || h == lo {
				continue
			}
			at := callerLocation()
			w.report(td, &WitnessReport{Kind: WitnessDuplicate, First: hc.name, Second: c.name,
				At: at, Held: td.Held(),
				Msg: fmt.Sprintf("acquiring duplicate lock of same type: %q\n 1st %s\n 2nd %s @ %s", c.name, h.name, lo.name, at.FileLine())})
			continue
		}
		if !hc.sleepable && c.sleepable {
			at := callerLocation()
			w.report(td, &WitnessReport{Kind: WitnessSleep, First: hc.name, Second: c.name, At: at, Held: td.Held(),
				Msg: fmt.Sprintf("acquiring sleepable lock %s @ %s while holding non-sleepable %s", lo.name, at.FileLine(), h.name)})
			continue
		}
		if hc.ordered(c.id) {
			continue
		}
		key := [2]int{hc.id, c.id}
		w.mu.Lock()
		if _, ok := w.edges[key]; ok {
			w.mu.Unlock()
			hc.setOrdered(c.id)
			continue
		}
		if w.reachable(c.id, hc.id) {
			rk := [2]int{c.id, hc.id}
			already := w.seenRev[rk]
			if w.seenRev == nil {
				w.seenRev = map[[2]int]bool{}
			}
			w.seenRev[rk] = true
			est := w.path(c.id, hc.id)
			w.mu.Unlock()
			if already {
				continue // witness reports each reversal once
			}
			at := callerLocation()
			where := at.FileLine()
			w.report(td, &WitnessReport{Kind: WitnessReversal, First: hc.name, Second: c.name,
				At: at, Established: est, Held: td.Held(),
				Msg: fmt.Sprintf("lock order reversal:\n 1st %s (%s) held\n 2nd %s (%s) @ %s\nlock order %s -> %s established at:\n%s",
					h.name, hc.name, lo.name, c.name, where, c.name, hc.name, est)})
			continue
		}
		if len(w.edgeSlab) == cap(w.edgeSlab) {
			w.edgeSlab = make([]witnessEdge, 0, 24)
		}
		w.edgeSlab = append(w.edgeSlab, witnessEdge{thread: td.Name})
		e := &w.edgeSlab[len(w.edgeSlab)-1]
		if w.k.sched != nil {
			e.step = w.k.sched.step
		}
		if !w.k.cfg.WitnessNoStacks {
			e.n = runtime.Callers(2, e.pcs[:])
		}
		w.edges[key] = e
		w.succ[hc.id] = append(w.succ[hc.id], c.id)
		w.mu.Unlock()
		hc.setOrdered(c.id)
	}
}

// path describes where each edge of a path a -> ... -> b was first seen.
func (w *witness) path(a, b int) string {
	// BFS for the shortest path.
	prev := map[int]int{a: -1}
	q := []int{a}
	for len(q) > 0 && func() bool { _, ok := prev[b]; return !ok }() {
		n := q[0]
		q = q[1:]
		for _, s := range w.succ[n] {
			if _, ok := prev[s]; !ok {
				prev[s] = n
				q = append(q, s)
			}
		}
	}
	var lines []string
	for n := b; prev[n] != -1; n = prev[n] {
		p := prev[n]
		e := w.edges[[2]int{p, n}]
		lines = append(lines, fmt.Sprintf(" %s -> %s first seen at %s", w.byID[p].name, w.byID[n].name, e.where()))
	}
	for i, j := 0, len(lines)-1; i < j; i, j = i+1, j-1 {
		lines[i], lines[j] = lines[j], lines[i]
	}
	return strings.Join(lines, "\n")
}

func (w *witness) lock(td *Thread, lo *lockObject, shared bool) {
	td.held = append(td.held, heldLock{lo: lo, shared: shared})
}

func (w *witness) unlock(td *Thread, lo *lockObject) { w.drop(td, lo, false) }

func (w *witness) unlockShared(td *Thread, lo *lockObject) { w.drop(td, lo, true) }

// dropTop is drop's fast path, inlined into the unlock paths: locks mostly
// go in the reverse order they came, so lo is the last one held. It
// reports whether it dropped lo.
func dropTop(td *Thread, lo *lockObject, shared bool) bool {
	n := len(td.held) - 1
	if n >= 0 && td.held[n] == (heldLock{lo, shared}) {
		td.held = td.held[:n]
		return true
	}
	return false
}

func (w *witness) drop(td *Thread, lo *lockObject, shared bool) {
	for i := len(td.held) - 1; i >= 0; i-- {
		if td.held[i].lo == lo && td.held[i].shared == shared {
			copy(td.held[i:], td.held[i+1:])
			td.held = td.held[:len(td.held)-1]
			return
		}
	}
}

// warnSleep is WITNESS_WARN(WARN_SLEEPOK ...): td is about to sleep.
func (w *witness) warnSleep(td *Thread, what string) {
	for _, h := range td.held {
		if h.lo.class != nil && !h.lo.class.sleepable {
			at := callerLocation()
			w.report(td, &WitnessReport{Kind: WitnessSleep, First: h.lo.class.name, At: at, Held: td.Held(),
				Msg: fmt.Sprintf("%s @ %s: sleeping with non-sleepable lock %q held", what, at.FileLine(), h.lo.name)})
			return
		}
	}
	if td.epochNest > 0 {
		at := callerLocation()
		w.report(td, &WitnessReport{Kind: WitnessSleep, First: "net_epoch", At: at, Held: td.Held(),
			Msg: fmt.Sprintf("%s @ %s: sleeping inside a net epoch section", what, at.FileLine())})
	}
}

// mayWarnSleep is warnSleep's cheap test: false when td holds no lock and
// is in no epoch section, the usual case, in which warnSleep reports
// nothing.
func mayWarnSleep(td *Thread) bool { return len(td.held) != 0 || td.epochNest != 0 }

// sleepWarns reports whether warnSleep would report for td (a
// non-sleepable lock held, or a net epoch section): callers use it to skip
// building the report's text on the common path.
func (w *witness) sleepWarns(td *Thread) bool {
	for _, h := range td.held {
		if h.lo.class != nil && !h.lo.class.sleepable {
			return true
		}
	}
	return td.epochNest > 0
}

// WitnessWarn is WITNESS_WARN(WARN_SLEEPOK, NULL, what): it reports when
// td holds a non-sleepable lock and is about to sleep.
func WitnessWarn(td *Thread, what string) {
	if mayWarnSleep(td) {
		td.K.witness.warnSleep(td, what)
	}
}

func (w *witness) threadExit(td *Thread) {
	if len(td.held) == 0 {
		return
	}
	held := td.Held()
	td.held = td.held[:0]
	w.report(td, &WitnessReport{Kind: WitnessHeldAtExit, Held: held,
		Msg: fmt.Sprintf("thread %s exiting with the following locks held: %s", td.Name, strings.Join(held, ", "))})
}
