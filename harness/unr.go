// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"kcheck/kern"
	"kcheck/linearize"
	"kcheck/model"
	"kcheck/unrhdr"
)

// The unrhdr target is the port of subr_unit.c (package unrhdr) under the
// same Execute, judging, bundles, minimization and campaigns as ifclone.
// A scenario (Target "unrhdr") makes its headers with new_unrhdr before
// the threads start (Scenario.Headers); each header has its own mutex or
// subr_unit.c's global one. Threads call the API: alloc_unr, alloc_unrl
// (under the header's mutex, taken by the caller as alloc_unrl requires),
// alloc_unr_specific and free_unr, optionally while holding other
// headers' mutexes (Op.Holding): alloc_unr on header B while holding A's
// mutex is a legal caller pattern (alloc_unr never sleeps) and teaches
// WITNESS the order A -> B, so another thread doing the reverse is a
// WitnessReversal; free_unr and alloc_unr_specific may sleep (M_WAITOK,
// after WITNESS_WARN), so calling them with a mutex held is WitnessSleep.
// The teardown frees what the threads still hold, runs clean_unrhdr and
// delete_unrhdr (which asserts the header is empty) and destroys the
// headers' own mutexes; every M_UNIT object must then be freed.
//
// The history is checked against a set model per header: alloc_unr and
// alloc_unrl return the lowest free unit (strict; subr_unit.c's
// allocation policy, and alloc_unrl runs wholly under the header's
// mutex) or any free unit (relaxed), -1 only when the space is full;
// alloc_unr_specific returns the unit if it is free and in range, else
// -1; free_unr frees an allocated unit.

// UnrHeader is one unit number space of an unrhdr scenario:
// new_unrhdr(Low, High, mutex) (subr_unit.c:371).
type UnrHeader struct {
	Low  int `json:"low"`
	High int `json:"high"`
	// Mutex names the header's own mutex, mtx_init'ed with that name
	// (its WITNESS lock class: headers with the same name share a class,
	// as in FreeBSD). "" passes NULL: the header uses subr_unit.c's
	// global "unit# allocation" mutex.
	Mutex string `json:"mutex,omitempty"`
}

// Limits of an unrhdr scenario.
const (
	// MaxUnrHeaders bounds Scenario.Headers.
	MaxUnrHeaders = 16
	// MaxUnrSpan bounds a header's High-Low: the model enumerates a
	// header's units for an operation with an unknown outcome.
	MaxUnrSpan = 1 << 20
)

// unrOpKinds are the unrhdr target's operations.
var unrOpKinds = map[string]bool{"alloc_unr": true, "alloc_unrl": true, "alloc_unr_specific": true, "free_unr": true}

// UnrInput is the model input of an unrhdr operation.
type UnrInput struct {
	Op  string `json:"op"`
	Hdr int    `json:"hdr"`
	// Unit is alloc_unr_specific's item, or the unit free_unr frees (the
	// calling thread's oldest unit on the header; -1 if it holds none, in
	// which case nothing is called).
	Unit int `json:"unit"`
}

func (in UnrInput) String() string {
	switch in.Op {
	case "alloc_unr_specific", "free_unr":
		return fmt.Sprintf("%s(h%d, %d)", in.Op, in.Hdr, in.Unit)
	}
	return fmt.Sprintf("%s(h%d)", in.Op, in.Hdr)
}

// UnrOutput is what an unrhdr operation returned: the unit or -1 for an
// allocation, 0 for free_unr.
type UnrOutput struct {
	Ret int `json:"ret"`
}

func (o UnrOutput) String() string { return strconv.Itoa(o.Ret) }

func (o Op) unrString() string {
	s := fmt.Sprintf("%s(h%d)", o.Kind, o.Hdr)
	if o.Kind == "alloc_unr_specific" {
		s = fmt.Sprintf("%s(h%d, %d)", o.Kind, o.Hdr, o.Unit)
	}
	if len(o.Holding) > 0 {
		hs := make([]string, len(o.Holding))
		for i, h := range o.Holding {
			hs[i] = fmt.Sprintf("h%d", h)
		}
		s += " holding " + strings.Join(hs, ",")
	}
	return s
}

// unrTarget is the subr_unit.c port. Its fields are for tests only:
// allocTOCTOU replaces alloc_unr with a broken caller-side allocation
// (look up the lowest free unit, give it back, then ask for it with
// alloc_unr_specific: two threads can both pick it and the loser gets
// -1 from a space that is not full); highestFirst makes the model's
// strict allocation the highest free unit instead of the lowest.
type unrTarget struct {
	allocTOCTOU  bool
	highestFirst bool
}

func (unrTarget) Name() string { return "unrhdr" }

// Validate checks the headers and every operation's arguments.
func (unrTarget) Validate(s *Scenario) error {
	if len(s.Jails) > 0 {
		return fmt.Errorf("jails apply to the ifclone target only")
	}
	if len(s.Headers) == 0 || len(s.Headers) > MaxUnrHeaders {
		return fmt.Errorf("an unrhdr scenario has 1..%d headers, not %d", MaxUnrHeaders, len(s.Headers))
	}
	for i, h := range s.Headers {
		// init_unrhdr (subr_unit.c:342) asserts 0 <= low <= high.
		if h.Low < 0 || h.Low > h.High || h.High > math.MaxInt32 {
			return fmt.Errorf("header %d: [%d, %d]: want 0 <= low <= high <= %d (init_unrhdr)", i, h.Low, h.High, math.MaxInt32)
		}
		if h.High-h.Low >= MaxUnrSpan {
			return fmt.Errorf("header %d: [%d, %d] spans more than %d units, the model's bound", i, h.Low, h.High, MaxUnrSpan)
		}
		if len(h.Mutex) > MaxNameLen || strings.IndexByte(h.Mutex, 0) >= 0 {
			return fmt.Errorf("header %d: mutex name %q: at most %d bytes, no NUL", i, h.Mutex, MaxNameLen)
		}
	}
	for i, th := range s.Threads {
		for j, op := range th {
			if err := op.validateUnr(len(s.Headers)); err != nil {
				return fmt.Errorf("thread %d op %d (%s): %w", i, j, op.Kind, err)
			}
		}
	}
	return nil
}

func (o Op) validateUnr(nhdr int) error {
	if !unrOpKinds[o.Kind] {
		return fmt.Errorf("unknown unrhdr operation %q (want alloc_unr, alloc_unrl, alloc_unr_specific or free_unr)", o.Kind)
	}
	if o.Vnet != 0 || o.Name != "" || o.NewName != "" || o.Jail != 0 || o.Count != 0 || o.NoBuffer || o.Params || o.Parent != "" || o.Vid != 0 || o.Driver != "" {
		return fmt.Errorf("only hdr, unit and holding apply to unrhdr operations")
	}
	if o.Hdr < 0 || o.Hdr >= nhdr {
		return fmt.Errorf("hdr %d: the scenario has headers 0..%d", o.Hdr, nhdr-1)
	}
	if o.Kind == "alloc_unr_specific" {
		if o.Unit < 0 || o.Unit > math.MaxInt32 {
			return fmt.Errorf("unit %d: want 0..%d", o.Unit, math.MaxInt32)
		}
	} else if o.Unit != 0 {
		return fmt.Errorf("unit applies to alloc_unr_specific only")
	}
	seen := map[int]bool{}
	for _, h := range o.Holding {
		if h < 0 || h >= nhdr || seen[h] {
			return fmt.Errorf("holding %v: headers 0..%d, each at most once", o.Holding, nhdr-1)
		}
		seen[h] = true
	}
	return nil
}

func (unrTarget) Setup(*Scenario) []Op { return nil }

// unrInstance is the headers of one scenario in one kernel.
type unrInstance struct {
	t    unrTarget
	k    *kern.Kernel
	hdrs []*unrhdr.Unrhdr
	mtxs []*kern.Mtx // each header's mutex: its own, or the global one
	own  []bool      // whether mtxs[i] is the header's own (destroyed at teardown)
	// mine[th][h] are the units thread th allocated on header h and has
	// not freed, oldest first. Only thread th touches its row while the
	// workload runs; the teardown reads them all after.
	mine [][][]int
}

// Boot makes the headers on thread0: new_unrhdr with the header's own
// mutex (mtx_init'ed here, as a subsystem does before new_unrhdr) or NULL.
func (t unrTarget) Boot(k *kern.Kernel, scn *Scenario, _ Config) Instance {
	td := k.Thread0()
	x := &unrInstance{t: t, k: k, mine: make([][][]int, len(scn.Threads)+1)}
	for i := range x.mine {
		x.mine[i] = make([][]int, len(scn.Headers))
	}
	for _, h := range scn.Headers {
		var m *kern.Mtx
		if h.Mutex != "" {
			m = &kern.Mtx{}
			m.Init(k, h.Mutex, "", kern.MTX_DEF)
		}
		x.hdrs = append(x.hdrs, unrhdr.NewUnrhdr(td, h.Low, h.High, m))
		x.own = append(x.own, m != nil)
		if m == nil {
			m = k.UnitMtx()
		}
		x.mtxs = append(x.mtxs, m)
	}
	return x
}

func (x *unrInstance) Input(th int, op Op) (any, error) {
	if !unrOpKinds[op.Kind] || op.Hdr < 0 || op.Hdr >= len(x.hdrs) || th < 0 || th >= len(x.mine) {
		return nil, fmt.Errorf("operation %s is not one of this unrhdr scenario's", op)
	}
	in := UnrInput{Op: op.Kind, Hdr: op.Hdr}
	switch op.Kind {
	case "alloc_unr_specific":
		in.Unit = op.Unit
	case "free_unr":
		in.Unit = -1
		if m := x.mine[th][op.Hdr]; len(m) > 0 {
			in.Unit = m[0]
		}
	}
	return in, nil
}

// Exec calls the API as a consumer does, with the Holding mutexes held
// around the call.
func (x *unrInstance) Exec(td *kern.Thread, th int, op Op, in any) (any, error) {
	ui, ok := in.(UnrInput)
	if !ok {
		return nil, fmt.Errorf("input %v (%T) is not an unrhdr operation", in, in)
	}
	for _, h := range op.Holding {
		if h < 0 || h >= len(x.mtxs) {
			return nil, fmt.Errorf("holding header %d: no such header", h)
		}
	}
	for _, h := range op.Holding {
		x.mtxs[h].Lock(td)
	}
	uh := x.hdrs[ui.Hdr]
	ret := 0
	switch ui.Op {
	case "alloc_unr":
		if x.t.allocTOCTOU {
			ret = x.allocTOCTOU(td, ui.Hdr)
		} else {
			ret = unrhdr.AllocUnr(td, uh)
		}
	case "alloc_unrl":
		// alloc_unrl asserts the header's mutex is held (subr_unit.c:613).
		x.mtxs[ui.Hdr].Lock(td)
		ret = unrhdr.AllocUnrl(td, uh)
		x.mtxs[ui.Hdr].Unlock(td)
	case "alloc_unr_specific":
		ret = unrhdr.AllocUnrSpecific(td, uh, uint32(ui.Unit))
	case "free_unr":
		if ui.Unit >= 0 {
			unrhdr.FreeUnr(td, uh, uint32(ui.Unit))
			x.mine[th][ui.Hdr] = x.mine[th][ui.Hdr][1:]
		}
	}
	for i := len(op.Holding) - 1; i >= 0; i-- {
		x.mtxs[op.Holding[i]].Unlock(td)
	}
	if ui.Op != "free_unr" && ret >= 0 {
		x.mine[th][ui.Hdr] = append(x.mine[th][ui.Hdr], ret)
	}
	return UnrOutput{Ret: ret}, nil
}

// allocTOCTOU is the injected bug (tests): the unit alloc_unr would give
// is given back and then asked for by number, leaving a window in which
// another thread takes it.
func (x *unrInstance) allocTOCTOU(td *kern.Thread, h int) int {
	uh := x.hdrs[h]
	u := unrhdr.AllocUnr(td, uh)
	if u < 0 {
		return u
	}
	unrhdr.FreeUnr(td, uh, uint32(u))
	return unrhdr.AllocUnrSpecific(td, uh, uint32(u))
}

// Teardown frees the units the threads still hold (free_unr), empties
// each header's postponed frees (clean_unrhdr), deletes it
// (delete_unrhdr asserts it is empty) and destroys its own mutex.
func (x *unrInstance) Teardown(td *kern.Thread) {
	for th := range x.mine {
		for h, units := range x.mine[th] {
			for _, u := range units {
				unrhdr.FreeUnr(td, x.hdrs[h], uint32(u))
			}
			x.mine[th][h] = nil
		}
	}
	for i, uh := range x.hdrs {
		unrhdr.CleanUnrhdr(td, uh)
		unrhdr.DeleteUnrhdr(td, uh)
		if x.own[i] {
			x.mtxs[i].Destroy(td)
		}
	}
}

// Leaks lists the malloc types (M_UNIT) with live objects.
func (x *unrInstance) Leaks() (leaks []string, known string) {
	x.k.EpochDrainCallbacks()
	for _, mt := range x.k.MallocTypes() {
		if n := mt.Live(); n != 0 {
			leaks = append(leaks, fmt.Sprintf("%s: %d live", mt.Shortdesc, n))
		}
	}
	sort.Strings(leaks)
	return leaks, ""
}

func (x *unrInstance) Internal() error { return nil }

// CLocation: no map from the unrhdr port's lines to subr_unit.c's yet
// (the trace shows the port's Go function and line).
func (unrTarget) CLocation(kern.Location) (string, string, bool) { return "", "", false }

// unrState is the allocated units of every header, each sorted, with a
// canonical key for equality and hashing.
type unrState struct {
	sets [][]int
	key  string
}

func newUnrState(sets [][]int) *unrState {
	var b strings.Builder
	for i, s := range sets {
		if i > 0 {
			b.WriteByte('|')
		}
		for j, u := range s {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(u))
		}
	}
	return &unrState{sets: sets, key: b.String()}
}

func (s *unrState) has(h, u int) bool {
	i := sort.SearchInts(s.sets[h], u)
	return i < len(s.sets[h]) && s.sets[h][i] == u
}

// with returns s with unit u added to (add) or removed from header h.
func (s *unrState) with(h, u int, add bool) *unrState {
	sets := make([][]int, len(s.sets))
	copy(sets, s.sets)
	old := s.sets[h]
	n := make([]int, 0, len(old)+1)
	for _, v := range old {
		if v != u {
			n = append(n, v)
		}
	}
	if add {
		n = append(n, u)
		sort.Ints(n)
	}
	sets[h] = n
	return newUnrState(sets)
}

func (s *unrState) String() string {
	parts := make([]string, len(s.sets))
	for i, set := range s.sets {
		parts[i] = fmt.Sprintf("h%d:%v", i, set)
	}
	return strings.Join(parts, " ")
}

// unrSpec is the sequential model of a scenario's headers.
type unrSpec struct {
	hdrs    []UnrHeader
	relaxed bool
	highest bool // tests: a wrong model (highest free unit first)
}

// free lists the free units of header h the model allows an allocation
// to return: the lowest (strict) or every one (relaxed); none when full.
func (sp *unrSpec) free(s *unrState, h int) []int {
	lo, hi := sp.hdrs[h].Low, sp.hdrs[h].High
	var out []int
	if sp.highest {
		for u := hi; u >= lo; u-- {
			if !s.has(h, u) {
				return []int{u}
			}
		}
		return nil
	}
	for u := lo; u <= hi; u++ {
		if !s.has(h, u) {
			out = append(out, u)
			if !sp.relaxed {
				break
			}
		}
	}
	return out
}

// step lists the states after in with output out (nil: unknown, in
// which case the operation may also not have taken effect).
func (sp *unrSpec) step(s *unrState, in UnrInput, out *UnrOutput) []*unrState {
	if in.Hdr < 0 || in.Hdr >= len(sp.hdrs) {
		return nil
	}
	var next []*unrState
	if out == nil {
		next = append(next, s)
	}
	h := sp.hdrs[in.Hdr]
	switch in.Op {
	case "alloc_unr", "alloc_unrl":
		cands := sp.free(s, in.Hdr)
		if out == nil {
			for _, u := range cands {
				next = append(next, s.with(in.Hdr, u, true))
			}
			return next
		}
		if len(cands) == 0 {
			if out.Ret == -1 {
				return []*unrState{s}
			}
			return nil
		}
		for _, u := range cands {
			if u == out.Ret {
				return []*unrState{s.with(in.Hdr, u, true)}
			}
		}
		return nil
	case "alloc_unr_specific":
		if in.Unit < h.Low || in.Unit > h.High || s.has(in.Hdr, in.Unit) {
			if out == nil || out.Ret == -1 {
				return []*unrState{s}
			}
			return nil
		}
		if out == nil {
			return append(next, s.with(in.Hdr, in.Unit, true))
		}
		if out.Ret == in.Unit {
			return []*unrState{s.with(in.Hdr, in.Unit, true)}
		}
		return nil
	case "free_unr":
		if in.Unit < 0 {
			return []*unrState{s}
		}
		if !s.has(in.Hdr, in.Unit) {
			return nil // free_unrl asserts the unit is allocated
		}
		return append(next, s.with(in.Hdr, in.Unit, false))
	}
	return nil
}

func (sp *unrSpec) porcupine() porcupine.Model {
	step := func(st, in, out any) []any {
		var o *UnrOutput
		if out != nil {
			v := out.(UnrOutput)
			o = &v
		}
		var res []any
		for _, n := range sp.step(st.(*unrState), in.(UnrInput), o) {
			res = append(res, n)
		}
		return res
	}
	nm := porcupine.NondeterministicModel{
		Init: func() []any { return []any{newUnrState(make([][]int, len(sp.hdrs)))} },
		Step: step,
		StepContext: func(ctx context.Context, st, in, out any) []any {
			if ctx.Err() != nil {
				return nil
			}
			return step(st, in, out)
		},
		Equal: func(a, b any) bool { return a.(*unrState).key == b.(*unrState).key },
		Hash: func(st any) uint64 {
			f := fnv.New64a()
			f.Write([]byte(st.(*unrState).key))
			return f.Sum64()
		},
		DescribeOperation: func(in, out any) string {
			if out == nil {
				return fmt.Sprint(in) + " -> ?"
			}
			return fmt.Sprintf("%v -> %v", in, out)
		},
		DescribeState: func(st any) string { return st.(*unrState).String() },
	}
	return nm.ToModel()
}

func unrPorcupineOps(h Events) []porcupine.Operation {
	ops := make([]porcupine.Operation, len(h))
	for i, e := range h {
		ops[i] = porcupine.Operation{ClientId: e.Thread, Input: e.Input, Call: e.Call, Output: e.Output, Return: e.Return}
	}
	return ops
}

// spec is the model of a scenario with these headers.
func (t unrTarget) spec(hdrs []UnrHeader, mode model.Mode) *unrSpec {
	return &unrSpec{hdrs: hdrs, relaxed: mode == model.Relaxed, highest: t.highestFirst}
}

// Check checks h against the per-header set model of scn's headers
// (see the comment at the top of this file).
func (t unrTarget) Check(scn *Scenario, h Events, mode model.Mode, opts linearize.Options) *Checked {
	return t.check(scn.Headers, h, mode, opts)
}

func (t unrTarget) check(hdrs []UnrHeader, h Events, mode model.Mode, opts linearize.Options) *Checked {
	start := time.Now()
	name := mode.String() + " unrhdr"
	for _, e := range h {
		if _, ok := e.Input.(UnrInput); !ok {
			return &Checked{Verdict: linearize.Unknown, Spec: name, Details: fmt.Sprintf("operation %v is not an unrhdr one: not checked", e.Input)}
		}
		if o := e.Output; o != nil {
			if _, ok := o.(UnrOutput); !ok {
				return &Checked{Verdict: linearize.Unknown, Spec: name, Details: fmt.Sprintf("output %v is not an unrhdr one: not checked", o)}
			}
		}
	}
	sp := t.spec(hdrs, mode)
	pm := sp.porcupine()
	ops := unrPorcupineOps(h)
	res, info := porcupine.CheckOperationsVerbose(pm, ops, opts.Timeout)
	c := &Checked{Spec: name}
	switch res {
	case porcupine.Ok:
		c.Verdict = linearize.Ok
	case porcupine.Illegal:
		c.Verdict = linearize.Illegal
		kinds := map[string]bool{}
		for _, e := range h {
			kinds[e.Input.(UnrInput).Op] = true
		}
		ks := make([]string, 0, len(kinds))
		for k := range kinds {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		c.Identity = fmt.Sprintf("%s (history): ops %s", NotLinearizable, strings.Join(ks, ","))
	default:
		c.Verdict = linearize.Unknown
	}
	c.Details = fmt.Sprintf("%s: %d ops against the %s spec, %v", c.Verdict, len(h), name, time.Since(start).Round(time.Microsecond))
	c.html = func(path string, anns []linearize.Annotation) error {
		pa := make([]porcupine.Annotation, 0, len(anns))
		for _, a := range anns {
			pa = append(pa, porcupine.Annotation{ClientId: a.Thread, Start: a.Start, End: a.End, Description: a.Text, Details: a.Details})
		}
		info.AddAnnotations(pa)
		return porcupine.VisualizePath(pm, info, path)
	}
	return c
}

// unrJSONOp is one operation of an unrhdr history.json.
type unrJSONOp struct {
	ID     int        `json:"id"`
	Thread int        `json:"thread"`
	Call   int64      `json:"call"`
	Return *int64     `json:"return"` // null: unknown outcome
	Input  UnrInput   `json:"input"`
	Output *UnrOutput `json:"output"`
}

func (unrTarget) WriteHistory(w io.Writer, h Events) error {
	ops := make([]unrJSONOp, 0, len(h))
	for _, e := range h {
		in, _ := e.Input.(UnrInput)
		op := unrJSONOp{ID: e.ID, Thread: e.Thread, Call: e.Call, Input: in}
		if !e.Unknown() {
			r := e.Return
			op.Return = &r
			if o, ok := e.Output.(UnrOutput); ok {
				op.Output = &o
			}
		}
		ops = append(ops, op)
	}
	b, err := json.MarshalIndent(struct {
		Target     string      `json:"target"`
		Operations []unrJSONOp `json:"operations"`
	}{"unrhdr", ops}, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
