// SPDX-License-Identifier: BSD-2-Clause

package kern

// Lockset checking: the emulation's Eraser (Savage et al., SOSP 1997) and
// guarded-by checker.
//
// A piece of shared state the C guards with a lock carries a Shadow next to
// it, declared once with GuardBy (the lock named by the field's annotation
// in the C, e.g. "(i) ifc_mtx"). Every access the port makes to it through a
// queue helper or an explicit mark (Read, Write) is checked against the
// locks the thread holds (Thread.held, kept by WITNESS):
//
//   - guard rule: once a second thread has touched the variable, an access
//     without the declared guard (held exclusively for a write, in any mode
//     for a read; for a variable declared EpochRead a read inside the net
//     epoch is enough) is a race;
//   - Eraser rule: the candidate lockset C(v), set to the locks held at the
//     first access by a second thread and intersected with the locks held
//     at each later access (writes count exclusively held locks only), is a
//     race when it becomes empty and the variable has been written while
//     shared.
//
// Accesses the C itself makes without the lock are marked Known at their
// site: they are recorded as such (RunResult.KnownAccesses) and never
// refine C(v) nor give a race.
//
// Native mode: each Shadow has its own small mutex, so the bookkeeping is
// race-free when free goroutines touch the same variable; the per-kernel
// report list has another. Off (Config.Lockset false) a mark is one load
// and one compare.

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
)

// AccessKind says whether an access reads or writes.
type AccessKind uint8

const (
	AccessRead AccessKind = iota
	AccessWrite
)

func (a AccessKind) String() string {
	if a == AccessWrite {
		return "write"
	}
	return "read"
}

// Lockable is a lock that can guard shared state: *Mtx or *Sx.
type Lockable interface {
	lockObj() *lockObject
}

func (m *Mtx) lockObj() *lockObject { return &m.lo }
func (sx *Sx) lockObj() *lockObject { return &sx.lo }

// GuardFlags qualify a guard declaration.
type GuardFlags uint8

const (
	// EpochRead: readers may run in the net epoch instead of holding the
	// guard (CK lists: writers hold the lock, readers are epoch sections).
	EpochRead GuardFlags = 1 << iota
)

// Eraser states of a variable.
const (
	shVirgin    = 0 // never accessed (or reset by GuardBy)
	shExclusive = 1 // accessed by one thread only
	shShared    = 2 // read by a second thread, never written since
	shSharedMod = 3 // shared and written
)

// shadowLive marks a declared shadow; free(9)'s poison overwrites it, and an
// access to a poisoned shadow (a use after free, which poison itself
// reports) is not checked.
const shadowLive = 0x6c6b7374 // "lkst"

const maxSetLocks = 6

// Shadow is the lockset state of one shared variable (a list: its head and
// the links of its elements count as one variable). The zero value is an
// undeclared variable, checked by the Eraser rule only.
type Shadow struct {
	mu       sync.Mutex
	magic    uint32
	name     string
	guard    *lockObject
	flags    GuardFlags
	state    uint8
	reported bool // one race report per variable
	owner    *Thread
	nset     uint8
	set      [maxSetLocks]*lockObject // candidate lockset C(v) (shared states)
	last     accessRec
	prev     accessRec // the last access by another thread than last's
}

// accessRec is one access, kept so that a later race can name it.
type accessRec struct {
	td    *Thread
	kind  AccessKind
	epoch bool
	step  int64
	nheld uint8
	held  [4]*lockObject
	pcs   [5]uintptr
}

// GuardBy declares sh as the shadow of variable name, guarded by lock
// (nil: no declared guard; only the Eraser rule applies). It resets the
// variable to its never-accessed state: call it where the object is
// initialised, before it is published.
func GuardBy(sh *Shadow, name string, lock Lockable, flags GuardFlags) {
	sh.mu.Lock()
	sh.magic = shadowLive
	sh.name = name
	sh.guard = nil
	if lock != nil {
		sh.guard = lock.lockObj()
	}
	sh.flags = flags
	sh.state = shVirgin
	sh.reported = false
	sh.owner = nil
	sh.nset = 0
	sh.last, sh.prev = accessRec{}, accessRec{}
	sh.mu.Unlock()
}

// Poison marks sh freed, for a Poisoner type's Poison method: accesses to
// it are then left to poison itself to report.
func (sh *Shadow) Poison() {
	sh.mu.Lock()
	sh.magic = Poison
	sh.mu.Unlock()
}

// Read marks a read of the variable sh shadows, at the caller's line.
func Read(td *Thread, sh *Shadow) {
	if td == nil || td.K.lockset == nil {
		return
	}
	td.K.lockset.access(td, sh, AccessRead)
}

// Write marks a write of the variable sh shadows, at the caller's line.
func Write(td *Thread, sh *Shadow) {
	if td == nil || td.K.lockset == nil {
		return
	}
	td.K.lockset.access(td, sh, AccessWrite)
}

// Known marks an access the C makes without the variable's guard, on
// purpose or not; cite names the C line ("if_clone.c:578 LIST_EMPTY").
// When the guard is not held it is recorded once per site in
// RunResult.KnownAccesses, never as a race, and it leaves the lockset
// state alone.
func Known(td *Thread, sh *Shadow, kind AccessKind, cite string) {
	if td == nil || td.K.lockset == nil {
		return
	}
	td.K.lockset.knownAccess(td, sh, kind, cite)
}

// RaceAccess is one side of a race report.
type RaceAccess struct {
	Thread string
	Tid    int
	Kind   AccessKind
	Where  string // file:line of the access
	Func   string // the function that made it
	Held   []string
	Epoch  bool // inside the net epoch
	Step   int64
}

func (a *RaceAccess) String() string {
	held := strings.Join(a.Held, ", ")
	if a.Epoch {
		if held != "" {
			held += ", "
		}
		held += "net_epoch"
	}
	return fmt.Sprintf("%s by %s(tid %d) at %s (%s), step %d, holding [%s]",
		a.Kind, a.Thread, a.Tid, a.Where, a.Func, a.Step, held)
}

// RaceReport is a lockset violation (or, with Known set, an unlocked access
// the C makes on purpose).
type RaceReport struct {
	Var   string // the variable ("ifc_iflist")
	Guard string // its declared guard ("if_clone lock"), "" when none
	// Rule is "guard" (the declared guard was not held) or "lockset" (the
	// candidate lockset became empty), or "known".
	Rule   string
	Known  bool
	Cite   string // for a known access: the C line
	Access RaceAccess
	// Prev is the previous access by another thread; nil when there was
	// none (a guard violation on a variable only this thread wrote since).
	Prev *RaceAccess
}

func (r *RaceReport) String() string {
	var b strings.Builder
	switch {
	case r.Known:
		fmt.Fprintf(&b, "known unlocked access to %s (%s): %s", r.Var, r.Cite, r.Access.String())
		return b.String()
	case r.Rule == "guard":
		fmt.Fprintf(&b, "lockset: %s of %s without its guard %q\n  this:     %s", r.Access.Kind, r.Var, r.Guard, r.Access.String())
	default:
		fmt.Fprintf(&b, "lockset: no lock consistently guards %s (declared guard %q)\n  this:     %s", r.Var, r.Guard, r.Access.String())
	}
	if r.Prev != nil {
		fmt.Fprintf(&b, "\n  previous: %s", r.Prev.String())
	}
	return b.String()
}

// locksetState is a kernel's report list.
type locksetState struct {
	mu    sync.Mutex
	races []*RaceReport
	known []*RaceReport
	seen  map[string]bool // races filed (variable, site, previous site)
	// knownSeen: the cites of known accesses filed.
	knownSeen map[string]bool
}

const maxRaceReports = 32

func (ls *locksetState) access(td *Thread, sh *Shadow, kind AccessKind) {
	// The caller's frames by frame pointers (no inline expansion here:
	// siteOf expands them, and skips lockset.go's own, only for a report).
	var pcs [5]uintptr
	callersFP(0, pcs[:])
	epoch := td.epochNest > 0
	serial, gone := serialOf(td)
	if gone {
		return
	}
	if !serial {
		sh.mu.Lock()
	}
	if sh.magic != 0 && sh.magic != shadowLive {
		if !serial {
			sh.mu.Unlock()
		}
		return
	}
	var rep *RaceReport
	epochRead := kind == AccessRead && epoch && sh.flags&EpochRead != 0
	switch sh.state {
	case shVirgin:
		sh.state, sh.owner = shExclusive, td
	case shExclusive:
		if sh.owner != td {
			sh.state = shShared
			if kind == AccessWrite {
				sh.state = shSharedMod
			}
			sh.nset = 0
			if !epochRead {
				for i := range td.held {
					if sh.nset < maxSetLocks && (kind == AccessRead || !td.held[i].shared) {
						sh.set[sh.nset] = td.held[i].lo
						sh.nset++
					}
				}
			} else {
				sh.nset = 0xff // C(v) still "all locks": epoch readers do not refine it
			}
		}
	default:
		if kind == AccessWrite {
			sh.state = shSharedMod
		}
		if !epochRead {
			sh.refine(td, kind)
		}
	}
	if sh.state >= shShared && !sh.reported {
		if sh.guard != nil && !epochRead && !holds(td, sh.guard, kind) {
			rep = sh.report(td, kind, "guard", epoch, pcs)
		} else if sh.state == shSharedMod && sh.nset == 0 {
			rep = sh.report(td, kind, "lockset", epoch, pcs)
		}
		if rep != nil {
			sh.reported = true
		}
	}
	sh.record(td, kind, epoch, pcs)
	if !serial {
		sh.mu.Unlock()
	}
	if rep != nil {
		ls.add(rep, false)
	}
}

// serialOf reports whether td's kernel runs one emulated thread at a time
// (controlled mode), so that the lockset state its threads share (shadows,
// the known cites seen) is only touched by the running thread, with a
// coroutine switch between one thread's touches and the next's: then it
// needs no Go mutex. gone reports a run the watchdog abandoned: its stuck
// thread still runs beside the threads being unwound, and nothing of the
// run is reported any more (the Hang result is already made), so no thread
// checks accesses then: the unwinding ones would race with the stuck one.
func serialOf(td *Thread) (serial, gone bool) {
	s := td.K.sched
	if s == nil {
		return false, false
	}
	return true, s.gone.Load()
}

// refine intersects C(v) with the locks td holds (exclusively, for a write).
func (sh *Shadow) refine(td *Thread, kind AccessKind) {
	if sh.nset == 0xff {
		sh.nset = 0
		for i := range td.held {
			if sh.nset < maxSetLocks && (kind == AccessRead || !td.held[i].shared) {
				sh.set[sh.nset] = td.held[i].lo
				sh.nset++
			}
		}
		return
	}
	n := uint8(0)
	for i := uint8(0); i < sh.nset; i++ {
		lo := sh.set[i]
		if holds(td, lo, kind) {
			sh.set[n] = lo
			n++
		}
	}
	sh.nset = n
}

// holds reports whether td holds lo (exclusively, for a write).
func holds(td *Thread, lo *lockObject, kind AccessKind) bool {
	for i := range td.held {
		if td.held[i].lo == lo && (kind == AccessRead || !td.held[i].shared) {
			return true
		}
	}
	return false
}

func (sh *Shadow) record(td *Thread, kind AccessKind, epoch bool, pcs [5]uintptr) {
	if sh.last.td != nil && sh.last.td != td {
		sh.prev = sh.last
	}
	r := &sh.last
	r.td, r.kind, r.epoch, r.pcs = td, kind, epoch, pcs
	r.step = stepOf(td)
	r.nheld = 0
	for i := range td.held {
		if int(r.nheld) < len(r.held) {
			r.held[r.nheld] = td.held[i].lo
			r.nheld++
		}
	}
}

func stepOf(td *Thread) int64 {
	if s := td.K.sched; s != nil {
		return s.step
	}
	return 0
}

// report builds a race report for the current access (sh.mu held).
func (sh *Shadow) report(td *Thread, kind AccessKind, rule string, epoch bool, pcs [5]uintptr) *RaceReport {
	r := &RaceReport{Var: sh.varName(), Rule: rule}
	if sh.guard != nil {
		r.Guard = sh.guard.name
	}
	r.Access = RaceAccess{Thread: td.Name, Tid: td.Tid, Kind: kind, Epoch: epoch, Step: stepOf(td), Held: td.Held()}
	r.Access.Where, r.Access.Func = siteOf(pcs[:])
	var p *accessRec
	if sh.last.td != nil && sh.last.td != td {
		p = &sh.last
	} else if sh.prev.td != nil && sh.prev.td != td {
		p = &sh.prev
	}
	if p != nil {
		pa := &RaceAccess{Thread: p.td.Name, Tid: p.td.Tid, Kind: p.kind, Epoch: p.epoch, Step: p.step}
		for i := uint8(0); i < p.nheld; i++ {
			pa.Held = append(pa.Held, p.held[i].name)
		}
		pa.Where, pa.Func = siteOf(p.pcs[:])
		r.Prev = pa
	}
	return r
}

func (sh *Shadow) varName() string {
	if sh.name == "" {
		return "(undeclared variable)"
	}
	return sh.name
}

func (ls *locksetState) knownAccess(td *Thread, sh *Shadow, kind AccessKind, cite string) {
	serial, gone := serialOf(td)
	if gone {
		return
	}
	if !serial {
		sh.mu.Lock()
	}
	if (sh.magic != 0 && sh.magic != shadowLive) || (sh.guard != nil && holds(td, sh.guard, kind)) {
		if !serial {
			sh.mu.Unlock()
		}
		return
	}
	name := sh.varName()
	var guard string
	if sh.guard != nil {
		guard = sh.guard.name
	}
	if !serial {
		sh.mu.Unlock()
	}
	// Most calls are at a site already reported: a lookup by the cite
	// itself, no key to build. knownSeen is written (under ls.mu) only
	// by the kernel's threads, so a serial kernel's thread reads it
	// without the lock.
	var dup bool
	if serial {
		dup = ls.knownSeen[cite]
	} else {
		ls.mu.Lock()
		dup = ls.knownSeen[cite]
		ls.mu.Unlock()
	}
	if dup {
		return
	}
	// The frames by frame pointers: the first is in the function that
	// called Known (inlined there); siteOf skips lockset.go's own.
	var pcs [5]uintptr
	callersFP(0, pcs[:])
	r := &RaceReport{Var: name, Rule: "known", Known: true, Cite: cite, Guard: guard,
		Access: RaceAccess{Thread: td.Name, Tid: td.Tid, Kind: kind, Epoch: td.epochNest > 0, Step: stepOf(td), Held: td.Held()}}
	r.Access.Where, r.Access.Func = siteOf(pcs[:])
	ls.add(r, true)
}

// add files a report, once per (variable, site, previous site); a known
// access once per cite.
func (ls *locksetState) add(r *RaceReport, known bool) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if known {
		if ls.knownSeen == nil {
			ls.knownSeen = map[string]bool{}
		}
		if ls.knownSeen[r.Cite] {
			return
		}
		ls.knownSeen[r.Cite] = true
		if len(ls.known) < maxRaceReports {
			ls.known = append(ls.known, r)
		}
		return
	}
	key := r.Var + "\x00" + r.Access.Where
	if r.Prev != nil {
		key += "\x00" + r.Prev.Where
	}
	if ls.seen == nil {
		ls.seen = map[string]bool{}
	}
	if ls.seen[key] {
		return
	}
	ls.seen[key] = true
	if len(ls.races) < maxRaceReports {
		ls.races = append(ls.races, r)
	}
}

// take returns the reports filed since the last call.
func (ls *locksetState) take() (races, known []*RaceReport) {
	if ls == nil {
		return nil, nil
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	races, known = ls.races, ls.known
	ls.races, ls.known = nil, nil
	return races, known
}

// siteOf names the first frame of pcs (the caller of the mark) that is not
// a C macro such as IFC_IFLIST_REMOVE: file:line and function.
func siteOf(pcs []uintptr) (where, fn string) {
	var key [5]uintptr
	if len(pcs) <= len(key) {
		copy(key[:], pcs)
		if r, ok := siteMemo.Load(key); ok {
			return r.where, r.fn
		}
	}
	where, fn = resolveSite(append([]uintptr(nil), pcs...)) // a copy: the caller's array stays on its stack
	if len(pcs) <= len(key) {
		siteMemo.Store(key, siteName{where, fn})
	}
	return where, fn
}

// siteMemo memoises siteOf by program counters. Like vnet's siteCache it
// holds no kernel state, only what the Go symbol table says about a PC,
// the same for every kernel in the process: each new kernel (one per
// execution) would otherwise resolve the same sites again. It is bounded
// (emptied when full) and read without a lock (SymCache).
var siteMemo = NewSymCache[[5]uintptr, siteName](maxSiteMemo)

const maxSiteMemo = 1 << 14

type siteName struct{ where, fn string }

// resolveSite is siteOf without the memo.
func resolveSite(pcs []uintptr) (where, fn string) {
	n := 0
	for n < len(pcs) && pcs[n] != 0 {
		n++
	}
	if n == 0 {
		return "?", "?"
	}
	frames := runtime.CallersFrames(pcs[:n])
	var first runtime.Frame
	for i := 0; ; i++ {
		f, more := frames.Next()
		if strings.HasSuffix(f.File, "kern/lockset.go") && more {
			i = -1 // the mark functions themselves
			continue
		}
		if i == 0 {
			first = f
		}
		if !isMacroFrame(f.Function) {
			l := frameLocation(f)
			return l.FileLine(), l.Func
		}
		if !more {
			break
		}
	}
	l := frameLocation(first)
	return l.FileLine(), l.Func
}

func funcName(fn string) string {
	if i := strings.LastIndexByte(fn, '/'); i >= 0 {
		fn = fn[i+1:]
	}
	return fn
}

// LocksetEnabled reports whether the kernel checks locksets.
func (k *Kernel) LocksetEnabled() bool { return k.lockset != nil }

// LocksetReports returns (and forgets) the race and known-access reports
// filed since the last call; Run does this for each RunResult, so only
// work done outside Run (boot, thread0 teardown) is left for a caller.
func (k *Kernel) LocksetReports() (races, known []*RaceReport) { return k.lockset.take() }
