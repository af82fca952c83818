// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"kcheck/ifclone"
	"kcheck/kern"
)

// Coverage flags of a seed line.
const (
	covReached   = kern.CovReached   // on the stack of some scheduling point
	covPreempted = kern.CovPreempted // ... of one at which the strategy preempted the thread
)

// ExecCoverage is what one execution reached, resolved from the raw
// stacks kern.Coverage recorded: the seed's functions (Go names) that were
// on the stack of a scheduling point, and the seed lines (if_clone.c
// numbering, through ifclone.SeedLine) whose call was on such a stack, with
// covPreempted when the thread was preempted there.
type ExecCoverage struct {
	Funcs map[string]bool
	Lines map[int]uint8
}

// resolvedStack is a stack's contribution, cached across executions and
// kernels (program counters do not change within a process).
type resolvedStack struct {
	funcs uint64 // bit i: SeedFunctions[i]
	lines []uint16
}

// resolved caches, by the process-wide stack id kern.Coverage gives, what
// a stack contributes: a slice replaced (copy on write, under
// resolvedMu) when a new stack is resolved, so that readers take no lock.
var (
	resolvedMu sync.Mutex
	resolved   atomic.Pointer[[]*resolvedStack]
)

// resolveStack is the contribution of the stack with id: symbolised once
// per process.
func resolveStack(id int) *resolvedStack {
	if p := resolved.Load(); p != nil && id < len(*p) && (*p)[id] != nil {
		return (*p)[id]
	}
	r := &resolvedStack{}
	frames := runtime.CallersFrames(kern.CoverageStack(id))
	for {
		f, more := frames.Next()
		if ifclone.InSeedPort(f.File) {
			if i := ifclone.SeedFuncIndex(f.Function); i >= 0 { // SeedFuncs' order is SeedFunctions'
				r.funcs |= 1 << i
			}
			if l, ok := ifclone.SeedLine(f.Line); ok {
				r.lines = append(r.lines, uint16(l))
			}
		}
		if !more {
			break
		}
	}
	resolvedMu.Lock()
	defer resolvedMu.Unlock()
	var old []*resolvedStack
	if p := resolved.Load(); p != nil {
		old = *p
	}
	if id < len(old) && old[id] != nil {
		return old[id]
	}
	next := make([]*resolvedStack, max(len(old), id+1), max(2*len(old), id+1, 64))
	copy(next, old)
	next[id] = r
	resolved.Store(&next)
	return r
}

// eachResolved calls fn with every recorded stack's contribution.
func eachResolved(c *kern.Coverage, fn func(r *resolvedStack, flags uint8)) {
	if c == nil {
		return
	}
	var tab []*resolvedStack
	if p := resolved.Load(); p != nil {
		tab = *p
	}
	c.Each(func(id int, flags uint8) {
		if id < len(tab) && tab[id] != nil {
			fn(tab[id], flags)
			return
		}
		fn(resolveStack(id), flags)
	})
}

// covPool keeps coverage recorders for reuse: a recorder remembers the
// stacks it has seen (kern.Coverage.Reset), so that a reused one asks the
// process-wide intern about a stack once, not in every execution.
var covPool = sync.Pool{New: func() any { return kern.NewCoverage() }}

// getCoverage returns an empty recorder.
func getCoverage() *kern.Coverage {
	c := covPool.Get().(*kern.Coverage)
	c.Reset()
	return c
}

// putCoverage returns c for reuse once its execution is over and read;
// not after a Hang or Crash, whose abandoned threads might still run.
func putCoverage(c *kern.Coverage, k Kind) {
	if c != nil && k != Hang && k != Crash {
		covPool.Put(c)
	}
}

// ResolveCoverage turns a kernel's recorded stacks into seed functions and
// lines.
func ResolveCoverage(c *kern.Coverage) *ExecCoverage {
	ec := &ExecCoverage{Funcs: map[string]bool{}, Lines: map[int]uint8{}}
	eachResolved(c, func(r *resolvedStack, flags uint8) {
		for i, f := range SeedFunctions {
			if r.funcs&(1<<i) != 0 {
				ec.Funcs[f] = true
			}
		}
		for _, l := range r.lines {
			ec.Lines[int(l)] |= flags
		}
	})
	return ec
}

// SeedLines is the denominator of line coverage: the seed lines that make
// a call the port makes too (ifclone.SeedCallLines), ascending.
var SeedLines = ifclone.SeedCallLines()

// CoverageStats is a campaign's coverage: seed functions and lines reached
// at scheduling points, and the (line, preempted) pairs.
type CoverageStats struct {
	Executions     int64    `json:"executions"` // executions with coverage
	LinesReached   []int    `json:"seed_lines_reached"`
	LinesTotal     int      `json:"seed_lines_total"`
	LinesPreempted []int    `json:"seed_lines_preempted"`
	Unreached      []string `json:"functions_unreached,omitempty"`
}

// maxSeedLine bounds the seed's line numbers.
const maxSeedLine = 1024

// coverageSet accumulates a campaign's coverage.
type coverageSet struct {
	execs int64
	funcs uint64
	lines [maxSeedLine]uint8
}

// CovResult is one execution's coverage, resolved: the seed functions
// (bit i: SeedFunctions[i]) and each seed line reached with its flags
// (covReached, covPreempted). It is what an isolated worker sends back.
type CovResult struct {
	Funcs uint64   `json:"f"`
	Lines []uint16 `json:"l,omitempty"`
	Flags []uint8  `json:"x,omitempty"`
}

// resolveCov resolves what kernel coverage c recorded: a seed line's
// flags accumulate in an array indexed by line, not a map.
func resolveCov(c *kern.Coverage) *CovResult {
	r := &CovResult{}
	var flags [maxSeedLine]uint8
	var order [128]uint16
	lines := order[:0]
	eachResolved(c, func(rs *resolvedStack, f uint8) {
		r.Funcs |= rs.funcs
		for _, l := range rs.lines {
			if int(l) >= maxSeedLine {
				continue
			}
			if flags[l] == 0 {
				lines = append(lines, l)
			}
			flags[l] |= f
		}
	})
	r.Lines = append(make([]uint16, 0, len(lines)), lines...)
	r.Flags = make([]uint8, len(lines))
	for i, l := range lines {
		r.Flags[i] = flags[l]
	}
	return r
}

// addKernel merges what kernel coverage c recorded (the functions also
// into funcs, if not nil) and returns how many (line, flag) pairs were
// new.
func (cs *coverageSet) addKernel(c *kern.Coverage, funcs map[string]struct{}) int {
	return cs.addResolved(resolveCov(c), funcs)
}

// addResolved is addKernel for a resolved execution coverage.
func (cs *coverageSet) addResolved(r *CovResult, funcs map[string]struct{}) int {
	cs.execs++
	novel := 0
	fmask := r.Funcs
	for i, l := range r.Lines {
		if int(l) >= maxSeedLine || i >= len(r.Flags) {
			continue
		}
		f := r.Flags[i]
		old := cs.lines[l]
		if old|f != old {
			if f&covReached != 0 && old&covReached == 0 {
				novel++
			}
			if f&covPreempted != 0 && old&covPreempted == 0 {
				novel++
			}
			cs.lines[l] = old | f
		}
	}
	if fmask&^cs.funcs != 0 || funcs != nil {
		cs.funcs |= fmask
		if funcs != nil {
			for i, f := range SeedFunctions {
				if fmask&(1<<i) != 0 {
					funcs[f] = struct{}{}
				}
			}
		}
	}
	return novel
}

func (cs *coverageSet) stats(funcs map[string]struct{}) *CoverageStats {
	st := &CoverageStats{Executions: cs.execs, LinesTotal: len(SeedLines)}
	for l, f := range cs.lines {
		if f == 0 {
			continue
		}
		if f&covReached != 0 {
			st.LinesReached = append(st.LinesReached, l)
		}
		if f&covPreempted != 0 {
			st.LinesPreempted = append(st.LinesPreempted, l)
		}
	}
	sort.Ints(st.LinesReached)
	sort.Ints(st.LinesPreempted)
	for _, f := range SeedFunctions {
		if _, ok := funcs[f]; !ok {
			st.Unreached = append(st.Unreached, SeedCName(f)+" ("+f+"): "+UnreachedReason(f))
		}
	}
	return st
}

// unreachedReasons explains seed functions that a campaign of the
// ifclone target cannot put on the stack of a scheduling point.
var unreachedReasons = map[string]string{
	"VnetIfCloneInit":           "runs at every vnet_alloc (VNET_SYSINIT) but is one store with no scheduling point in or below it (if_clone.c:181)",
	"IfcAdvancedCreateWrapper":  "reached only through if_clone_advanced, which none of the ported drivers calls (they use ifc_attach_cloner or if_clone_simple)",
	"IfcAdvancedDestroyWrapper": "reached only through if_clone_advanced, which none of the ported drivers calls",
	"IfCloneAdvanced":           "no ported driver calls it (lo, epair, tuntap, vlan attach with ifc_attach_cloner; disc with if_clone_simple)",
	"IfCloneFree":               "runs when a cloner's last reference goes (IF_CLONE_REMREF in if_clone_detach, if_clone.c:581, or ifc_free_unit, :785), but mtx_destroy, delete_unrhdr and free are no scheduling points",
	"IfcName2unit":              "pure string parsing, called by every create and match, with no scheduling point in or below it",
	"IfcSimpleMatch":            "pure string comparison under the cloners' lock, no scheduling point in or below it",
	"IfcName":                   "returns ifc_name; no scheduling point",
	"IfcFlagsSet":               "a plain store into ifc_flags (the drivers call it at attach); no scheduling point in it",
	"IfcFlagsGet":               "a plain load of ifc_flags; the unlocked reads have their scheduling points at the call sites",
}

// UnreachedReason says why a seed function may not have been reached.
func UnreachedReason(f string) string {
	if r, ok := unreachedReasons[f]; ok {
		return r
	}
	return "not on the stack of any scheduling point in this campaign"
}
