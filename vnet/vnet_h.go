// SPDX-License-Identifier: BSD-2-Clause
//
// Copyright (c) 2006-2009 University of Zagreb
// Copyright (c) 2006-2009 FreeBSD Foundation
// All rights reserved.
//
// Copyright (c) 2009 Jeffrey Roberson <jeff@freebsd.org>
// Copyright (c) 2009 Robert N. M. Watson
// All rights reserved.
//
// Port of sys/net/vnet.h (FreeBSD 14, see doc.go for the revision) with
// VIMAGE, INVARIANTS and VNET_DEBUG defined. The licence text is in
// LICENSE.

package vnet

import (
	"fmt"
	"iter"
	"runtime"
	"strings"
	"sync/atomic"

	"kcheck/kern"
)

// Vnet is struct vnet (vnet.h:70): one virtual network stack. It is
// allocated from M_VNET by VnetAlloc and freed by VnetDestroy.
//
// The counters and flags are atomics: the C reads and writes these words
// without a lock from several threads (if.c tests vnet_shutdown and
// vnet_state unlocked, bumps vnet_ifcnt), which plain Go fields would turn
// into -race reports. Their names are the C's, capitalised to export them.
type Vnet struct {
	vnet_le vnetEntry // all vnets list; guarded by VNET_LIST_WLOCK

	// Vnet_magic_n is VNET_MAGIC_N while the vnet is alive; vnet_destroy
	// writes 0xdeadbeef and free(9) then trashes it to kern.Poison.
	Vnet_magic_n atomic.Uint32
	// Vnet_ifcnt counts the interfaces attached to this vnet (if.c).
	Vnet_ifcnt atomic.Uint32
	// Vnet_sockcnt counts sockets; vnet_destroy asserts it is zero.
	Vnet_sockcnt atomic.Uint32
	// Vnet_state is the SI_SUB_* of the constructor or destructor that
	// runs or ran last on this vnet (a kern.SubsystemID).
	Vnet_state atomic.Uint32
	// vnet_data_mem is the vnet's copy of every per-vnet variable, the
	// M_VNET_DATA block. Go has no pointer arithmetic, so there is no
	// vnet_data_base: a Var indexes this block directly.
	vnet_data_mem *vnetData
	// Vnet_shutdown is set by vnet_destroy before the destructors run.
	Vnet_shutdown atomic.Bool

	k *kern.Kernel // the kernel that allocated it (emulation only)
}

// VNET_MAGIC_N is VNET_MAGIC_N (vnet.h:80): the live vnet's magic number.
const VNET_MAGIC_N = 0x5e4a6f28

// Poison implements kern.Poisoner: free(9) trashes a vnet cheaply and with
// atomic stores, so a racing reader sees the junk, not a torn word.
func (v *Vnet) Poison() {
	v.vnet_le.le_next.Store(nil)
	v.vnet_le.le_prev = nil
	v.Vnet_magic_n.Store(kern.Poison)
	v.Vnet_ifcnt.Store(kern.Poison)
	v.Vnet_sockcnt.Store(kern.Poison)
	v.Vnet_state.Store(kern.Poison)
	v.vnet_data_mem = nil
	v.Vnet_shutdown.Store(true)
	v.k = nil
}

// State returns Vnet_state as the subsystem identifier it holds.
func (v *Vnet) State() kern.SubsystemID { return kern.SubsystemID(v.Vnet_state.Load()) }

// Curvnet is curvnet (vnet.h:177): curthread->td_vnet, typed.
func Curvnet(td *kern.Thread) *Vnet {
	if td.TdVnet == nil {
		return nil
	}
	v, ok := td.TdVnet.(*Vnet)
	if !ok {
		kern.Panicf(td, "curvnet: td_vnet of %s holds a %T, not a *vnet.Vnet", td, td.TdVnet)
	}
	return v
}

// setCurvnet is the assignment `curvnet = v`. A nil vnet is stored as a
// nil interface, so that td.TdVnet == nil keeps meaning "no vnet".
func setCurvnet(td *kern.Thread, v *Vnet) {
	if v == nil {
		td.TdVnet = nil
		return
	}
	td.TdVnet = v
}

// VnetAssert is VNET_ASSERT (vnet.h:184): INVARIANTS is on, so a false
// condition panics with the message.
func VnetAssert(td *kern.Thread, exp bool, format string, args ...any) {
	if !exp {
		kern.Panicf(td, format, args...)
	}
}

// callSite stands for the C's __func__, __FILE__ and __LINE__ at a macro
// use: the Go caller's function (package-qualified), file and line.
type callSite struct {
	fn   string
	file string
	line int
}

// site returns the call site skip frames above its caller (0: the caller
// of site). Sites are cached per kernel by program counter.
//
// The frames are walked by frame pointers (kern.CallerPC), which count
// physical frames: site and the functions that call it with skip > 0
// (siteAt, CurvnetSetQuiet, CurvnetSet, CurvnetRestore) are not inlined.
//
//go:noinline
func (s *State) site(skip int) callSite {
	var pc [1]uintptr
	if pc[0] = kern.CallerPC(skip); pc[0] == 0 {
		return callSite{fn: "?", file: "?"}
	}
	slot := &siteL1[(pc[0]>>2)%uintptr(len(siteL1))]
	if e := slot.Load(); e != nil && e.pc == pc[0] {
		return e.cs
	}
	cs, ok := siteCache.Load(pc[0])
	if !ok {
		f, _ := runtime.CallersFrames([]uintptr{pc[0]}).Next() // its own slice: pc stays on the stack
		cs = callSite{fn: shortFunc(f.Function), file: kern.ShortFile(f.File), line: f.Line}
		siteCache.Store(pc[0], cs)
	}
	if slot.Load() == nil {
		// The slot's first site keeps it; a site that collides with it
		// stays with siteCache.
		slot.CompareAndSwap(nil, &siteEntry{pc: pc[0], cs: cs})
	}
	return cs
}

// siteL1 is a direct-mapped table in front of siteCache, indexed by the
// program counter: a hit is one atomic load (a plain load on amd64) and a
// compare, where siteCache's map hashes. Entries are immutable and set
// once, so readers on every worker share it without writing to it. Like
// siteCache it holds only symbol-table facts.
var siteL1 [1024]atomic.Pointer[siteEntry]

type siteEntry struct {
	pc uintptr
	cs callSite
}

// siteSlot caches a call site that is the same at every call: a
// CURVNET_SET/RESTORE written out in vnet.go itself (site(0)), whose site
// is that line. The first call resolves it; later ones skip the stack walk.
type siteSlot struct{ p atomic.Pointer[callSite] }

// fixedSites holds vnet.go's fixed sites, one slot per call (numbered in
// file order). Like siteCache it holds only symbol-table facts.
var fixedSites [10]siteSlot

// siteAt is site(0) of its caller, cached in slot: slot must be that call's
// own.
//
//go:noinline
func (s *State) siteAt(slot *siteSlot) callSite {
	if cs := slot.p.Load(); cs != nil {
		return *cs
	}
	cs := s.site(1)
	slot.p.Store(&cs)
	return cs
}

// siteCache memoises the symbol lookup of call sites by program counter.
// It is the one package-level variable in kcheck that is not a constant:
// it holds no kernel state, only what the Go runtime's symbol table says
// about a PC, which is the same for every kernel in the process; sharing
// it keeps each new kernel (one per execution) from resolving the same
// sites again. A kern.SymCache: the workers' kernels read it without a
// lock or a shared write (a sync.Map's interface-typed key would box each
// PC, an allocation per lookup). Call sites are finitely many; the bound
// only guards against the unexpected.
var siteCache = kern.NewSymCache[uintptr, callSite](1 << 16)

// shortFunc drops the import path: "kcheck/ifclone.IfCloneCreate" becomes
// "ifclone.IfCloneCreate".
func shortFunc(fn string) string {
	if i := strings.LastIndexByte(fn, '/'); i >= 0 {
		return fn[i+1:]
	}
	return fn
}

// Saved is what CURVNET_SET leaves in the caller's scope: the C's locals
// saved_vnet and saved_vnet_lpush, plus the identity of the set so that
// CurvnetRestore can check that it pairs with the innermost outstanding
// set of its thread. Copies share the identity; the zero Saved pairs with
// nothing.
type Saved struct {
	saved_vnet       *Vnet
	saved_vnet_lpush string
	frame            *curvnetFrame
}

// SavedVnet is the curvnet that the restore will put back.
func (sv Saved) SavedVnet() *Vnet { return sv.saved_vnet }

// Depth is the nesting depth of the set (1 for the outermost), 0 for the
// zero Saved.
func (sv Saved) Depth() int {
	if sv.frame == nil {
		return 0
	}
	return sv.frame.depth
}

// curvnetFrame is one outstanding CURVNET_SET of a thread.
type curvnetFrame struct {
	td       *kern.Thread
	depth    int
	set      callSite
	restored bool // guarded by State.curvnetMu
}

func (f *curvnetFrame) where() string {
	return fmt.Sprintf("%s:%d %s()", f.set.file, f.set.line, f.set.fn)
}

// pushFrame records a new outstanding set on td.
func (s *State) pushFrame(td *kern.Thread, site callSite) *curvnetFrame {
	s.curvnetMu.Lock()
	defer s.curvnetMu.Unlock()
	st := s.curvnetStacks[td]
	if len(s.frameSlab) == cap(s.frameSlab) {
		s.frameSlab = make([]curvnetFrame, 0, 32)
	}
	s.frameSlab = append(s.frameSlab, curvnetFrame{td: td, depth: len(st) + 1, set: site})
	f := &s.frameSlab[len(s.frameSlab)-1]
	s.curvnetStacks[td] = append(st, f)
	return f
}

// checkPair panics unless f is the innermost outstanding set of td.
func (s *State) checkPair(td *kern.Thread, f *curvnetFrame, site callSite) {
	if f != nil && f.td == td {
		s.curvnetMu.Lock()
		ok := !f.restored
		st := s.curvnetStacks[td]
		ok = ok && len(st) > 0 && st[len(st)-1] == f
		s.curvnetMu.Unlock()
		if ok {
			return // the common case: no report, no text
		}
	}
	at := fmt.Sprintf("%s:%d %s()", site.file, site.line, site.fn)
	if f == nil {
		kern.Panicf(td, "CURVNET_RESTORE at %s: no CURVNET_SET to pair with (zero Saved)", at)
	}
	if f.td != td {
		kern.Panicf(td, "CURVNET_RESTORE at %s on %s pairs with the CURVNET_SET at %s made by %s",
			at, td, f.where(), f.td)
	}
	s.curvnetMu.Lock()
	restored := f.restored
	st := s.curvnetStacks[td]
	var top *curvnetFrame
	if len(st) > 0 {
		top = st[len(st)-1]
	}
	s.curvnetMu.Unlock()
	if restored {
		kern.Panicf(td, "CURVNET_RESTORE at %s: the CURVNET_SET at %s (depth %d) was already restored",
			at, f.where(), f.depth)
	}
	if top == nil {
		kern.Panicf(td, "CURVNET_RESTORE at %s: %s has no outstanding CURVNET_SET (the set at %s is not on its stack)",
			at, td, f.where())
	}
	if top != f {
		kern.Panicf(td, "CURVNET_RESTORE at %s does not pair with the innermost CURVNET_SET: "+
			"it restores the set at %s (depth %d) while the set at %s (depth %d) is outstanding",
			at, f.where(), f.depth, top.where(), top.depth)
	}
}

// popFrame removes f, the innermost set of td (checked by checkPair).
func (s *State) popFrame(td *kern.Thread, f *curvnetFrame) {
	s.curvnetMu.Lock()
	defer s.curvnetMu.Unlock()
	st := s.curvnetStacks[td]
	st[len(st)-1] = nil
	st = st[:len(st)-1]
	// An emptied stack stays in the map with its array, for the
	// thread's next set.
	s.curvnetStacks[td] = st
	f.restored = true
}

// CurvnetDepth is the number of CURVNET_SETs of td not yet restored.
func CurvnetDepth(td *kern.Thread) int {
	s := Of(td.K)
	s.curvnetMu.Lock()
	defer s.curvnetMu.Unlock()
	return len(s.curvnetStacks[td])
}

// curvnetSetQuiet is the body of CURVNET_SET_QUIET at site.
func (s *State) curvnetSetQuiet(td *kern.Thread, arg *Vnet, site callSite) Saved {
	if arg == nil || arg.Vnet_magic_n.Load() != VNET_MAGIC_N {
		kern.Panicf(td, "CURVNET_SET at %s:%d %s() curvnet=%p vnet=%p",
			site.file, site.line, site.fn, Curvnet(td), arg)
	}
	if arg.k != td.K {
		// Not in the C: kernels share nothing, a vnet never crosses over.
		kern.Panicf(td, "CURVNET_SET at %s:%d %s(): vnet %p belongs to another kernel",
			site.file, site.line, site.fn, arg)
	}
	saved := Saved{saved_vnet: Curvnet(td), saved_vnet_lpush: td.TdVnetLpush}
	setCurvnet(td, arg)
	td.TdVnetLpush = site.fn
	saved.frame = s.pushFrame(td, site)
	return saved
}

// curvnetRestore is the body of CURVNET_RESTORE at site.
func (s *State) curvnetRestore(td *kern.Thread, saved Saved, site callSite) {
	s.checkPair(td, saved.frame, site)
	cur := Curvnet(td)
	if cur == nil || (saved.saved_vnet != nil && saved.saved_vnet.Vnet_magic_n.Load() != VNET_MAGIC_N) {
		kern.Panicf(td, "CURVNET_RESTORE at %s:%d %s() curvnet=%p saved_vnet=%p",
			site.file, site.line, site.fn, cur, saved.saved_vnet)
	}
	s.popFrame(td, saved.frame)
	setCurvnet(td, saved.saved_vnet)
	td.TdVnetLpush = saved.saved_vnet_lpush
}

// CurvnetSetQuiet is CURVNET_SET_QUIET (vnet.h:196): it asserts that arg
// is a live vnet, saves curvnet and td_vnet_lpush, makes arg the thread's
// curvnet and records the caller's function as td_vnet_lpush. Pair it with
// CurvnetRestore.
//
//go:noinline
func CurvnetSetQuiet(td *kern.Thread, arg *Vnet) Saved {
	s := Of(td.K)
	return s.curvnetSetQuiet(td, arg, s.site(1))
}

// CurvnetSet is CURVNET_SET (vnet.h:210), which with VNET_DEBUG is
// CURVNET_SET_VERBOSE (vnet.h:205): CURVNET_SET_QUIET, then, when another
// vnet was already current, vnet_log_recursion with the caller's line.
//
//go:noinline
func CurvnetSet(td *kern.Thread, arg *Vnet) Saved {
	s := Of(td.K)
	site := s.site(1)
	saved := s.curvnetSetQuiet(td, arg, site)
	if saved.saved_vnet != nil {
		s.vnetLogRecursion(td, saved.saved_vnet, saved.saved_vnet_lpush, site.line)
	}
	return saved
}

// CurvnetRestore is CURVNET_RESTORE (vnet.h:212): it asserts that a vnet is
// current and that the saved one (if any) is alive, then puts back curvnet
// and td_vnet_lpush. Before that it checks, beyond the C, that saved is the
// innermost outstanding set of td; any other pairing panics.
//
//go:noinline
func CurvnetRestore(td *kern.Thread, saved Saved) {
	s := Of(td.K)
	s.curvnetRestore(td, saved, s.site(1))
}

// IsDefaultVnet is IS_DEFAULT_VNET (vnet.h:242).
func (s *State) IsDefaultVnet(arg *Vnet) bool { return arg != nil && arg == s.vnet0.Load() }

// VnetListRlock is VNET_LIST_RLOCK (vnet.h:258): a shared hold of
// vnet_sxlock, which may sleep.
func VnetListRlock(td *kern.Thread) { Of(td.K).vnet_sxlock.Slock(td) }

// VnetListRlockNosleep is VNET_LIST_RLOCK_NOSLEEP (vnet.h:259): a read hold
// of vnet_rwlock. kern has no rwlock: it is an sx here (docs/DIVERGENCES.md).
func VnetListRlockNosleep(td *kern.Thread) { Of(td.K).vnet_rwlock.Slock(td) }

// VnetListRunlock is VNET_LIST_RUNLOCK (vnet.h:260).
func VnetListRunlock(td *kern.Thread) { Of(td.K).vnet_sxlock.Sunlock(td) }

// VnetListRunlockNosleep is VNET_LIST_RUNLOCK_NOSLEEP (vnet.h:261).
func VnetListRunlockNosleep(td *kern.Thread) { Of(td.K).vnet_rwlock.Sunlock(td) }

// VnetForeach is VNET_FOREACH (vnet.h:267): it walks the list of all vnets,
// newest first. Like the C macro it takes no lock; hold VnetListRlock (or
// the NOSLEEP variant) around the loop.
//
//	vnet.VnetListRlock(td)
//	for v := range vnet.VnetForeach(k) { ... }
//	vnet.VnetListRunlock(td)
func VnetForeach(k *kern.Kernel) iter.Seq[*Vnet] {
	s := Of(k)
	return func(yield func(*Vnet) bool) {
		for v := s.vnet_head.listFirst(); v != nil; v = listNext(v) {
			if !yield(v) {
				return
			}
		}
	}
}

// AppendVnets appends the vnets of V_vnet_head to dst, in list order,
// without a lock or a lockset mark: for invariant observers, which run
// with every other thread parked at a point (VnetForeach's iterator
// closure allocates, and the observer runs at every lock release).
func AppendVnets(k *kern.Kernel, dst []*Vnet) []*Vnet {
	s := Of(k)
	for v := s.vnet_head.listFirst(); v != nil; v = listNext(v) {
		dst = append(dst, v)
	}
	return dst
}

// vnetDatum is a per-vnet variable as the data allocator sees it: a name
// and a way to copy its master value into a vnet's slot (memcpy).
type vnetDatum interface {
	vnetName() string
	copyInto(dst any) any
}

// masterEntry is one slot of the master copy (the set_vnet linker set).
type masterEntry struct{ d vnetDatum }

// Var is a per-vnet variable of type T, what VNET_DEFINE(T, name) declares
// (made by Define). Its master value initialises every vnet's copy.
type Var[T any] struct {
	k      *kern.Kernel
	name   string
	start  int // its slot in every vnet's data block ("address")
	master T
}

// Define is VNET_DEFINE (vnet.h:276) together with what the kernel
// linker does for a module's set_vnet: it takes a slot from the modspace
// free list (vnet_data_alloc), installs master as the initial value and
// copies it into every vnet that already exists (vnet_data_copy). Every
// vnet allocated later gets its own copy of master in VnetAlloc. Copies
// are shallow, as memcpy is: a pointer in master is shared by all vnets.
func Define[T any](td *kern.Thread, name string, master T) *Var[T] {
	s := Of(td.K)
	start := VnetDataAlloc(td, 1)
	if start < 0 {
		// link_elf refuses the module when vnet_data_alloc fails.
		kern.Panicf(td, "VNET_DEFINE(%s): vnet_data_alloc failed: modspace is full", name)
	}
	v := &Var[T]{k: td.K, name: name, start: start, master: master}
	s.master[start].Store(&masterEntry{d: v})
	VnetDataCopy(td, start, 1)
	return v
}

// Undefine gives the variable's slot back, as module unload does
// (vnet_data_free). The vnets' copies are left as they are, as in C; the
// Var must not be used afterwards.
func (v *Var[T]) Undefine(td *kern.Thread) {
	s := Of(td.K)
	s.master[v.start].Store(nil)
	VnetDataFree(td, v.start, 1)
}

// Name is the variable's name (VNET_NAME without the vnet_entry_ prefix).
func (v *Var[T]) Name() string { return v.name }

func (v *Var[T]) vnetName() string { return v.name }

// copyInto stores master into dst when it already holds a *T (memcpy over
// the existing storage, so pointers to it stay valid) or into a new *T.
func (v *Var[T]) copyInto(dst any) any {
	if p, ok := dst.(*T); ok && p != nil {
		*p = v.master
		return p
	}
	p := new(T)
	*p = v.master
	return p
}

// get is VNET_VNET_PTR with the thread for the panic.
func (v *Var[T]) get(td *kern.Thread, vnet *Vnet) *T {
	if vnet == nil {
		kern.Panicf(td, "VNET_VNET(%s): NULL vnet: page fault", v.name)
	}
	mem := vnet.vnet_data_mem
	if mem == nil {
		kern.Panicf(td, "VNET_VNET(%s): vnet %p has no data (destroyed or freed)", v.name, vnet)
	}
	if vnet.k != v.k {
		kern.Panicf(td, "VNET_VNET(%s): vnet %p belongs to another kernel", v.name, vnet)
	}
	p, ok := mem.mem[v.start].(*T)
	if !ok || p == nil {
		kern.Panicf(td, "VNET_VNET(%s): vnet %p holds no copy of the variable (slot %d: %T)",
			v.name, vnet, v.start, mem.mem[v.start])
	}
	return p
}

// Get is VNET_VNET_PTR(vnet, n) (vnet.h:298): the address of vnet's copy,
// through which VNET_VNET(vnet, n) (vnet.h:299) reads and writes.
func (v *Var[T]) Get(vnet *Vnet) *T { return v.get(nil, vnet) }

// V is VNET_PTR(n) (vnet.h:301), the V_name of the C: the address of the
// current vnet's copy. With no curvnet the C dereferences NULL plus an
// offset and takes a page fault; this panics with a *kern.Panic.
func (v *Var[T]) V(td *kern.Thread) *T {
	cur := Curvnet(td)
	if cur == nil {
		kern.Panicf(td, "VNET(%s): curvnet is NULL: page fault in kernel mode (td_vnet_lpush %q)",
			v.name, td.TdVnetLpush)
	}
	return v.get(td, cur)
}

// VnetSysinit is struct vnet_sysinit (vnet.h:322): one per-vnet
// constructor or destructor. Func receives the running thread, whose
// curvnet is the vnet being constructed or destroyed, and Arg.
type VnetSysinit struct {
	Subsystem kern.SubsystemID
	Order     kern.SysinitOrder
	Func      func(td *kern.Thread, arg any)
	Arg       any
	// Name is the C's ident, for reports.
	Name string
}

func (vs *VnetSysinit) String() string {
	return fmt.Sprintf("%s(%#x, %#x)", vs.Name, uint32(vs.Subsystem), uint32(vs.Order))
}

// vnetSysinitCtassert is the CTASSERT of VNET_SYSINIT and VNET_SYSUNINIT:
// a per-vnet step belongs after SI_SUB_VNET and no later than
// SI_SUB_VNET_DONE. The C refuses to compile; this panics at registration.
func vnetSysinitCtassert(macro, ident string, subsystem kern.SubsystemID) {
	if !(subsystem > kern.SI_SUB_VNET && subsystem <= kern.SI_SUB_VNET_DONE) {
		kern.Panicf(nil, "CTASSERT failed: %s(%s): subsystem %#x not in (SI_SUB_VNET, SI_SUB_VNET_DONE]",
			macro, ident, uint32(subsystem))
	}
}

// VNET_SYSINIT is VNET_SYSINIT (vnet.h:330): it declares a per-vnet
// constructor and registers a SYSINIT that adds it with
// VnetRegisterSysinit when the kernel boots (or, registered after boot, at
// the next k.Boot, as a module's SYSINITs run at load), and a SYSUNINIT
// that removes it with VnetDeregisterSysinit at k.Shutdown.
func VNET_SYSINIT(k *kern.Kernel, ident string, subsystem kern.SubsystemID, order kern.SysinitOrder,
	fn func(td *kern.Thread, arg any), arg any) *VnetSysinit {
	vnetSysinitCtassert("VNET_SYSINIT", ident, subsystem)
	Of(k)
	return vnetSysinitDeclare(k, ident, subsystem, order, fn, arg)
}

// vnetSysinitDeclare is VNET_SYSINIT without Of(k), for vnet.c's own
// declaration made while Of(k) registers vnet.c's SYSINITs.
func vnetSysinitDeclare(k *kern.Kernel, ident string, subsystem kern.SubsystemID, order kern.SysinitOrder,
	fn func(td *kern.Thread, arg any), arg any) *VnetSysinit {
	vs := stateOf(k).newVnetSysinit(VnetSysinit{Subsystem: subsystem, Order: order, Func: fn, Arg: arg, Name: ident})
	name := "vnet_init_" + ident // one string for both
	k.SysinitArg(name, subsystem, order, registerSysinitSI, vs)
	k.SysuninitArg(name, subsystem, order, deregisterSysinitSI, vs)
	return vs
}

// The SYSINITs that VNET_SYSINIT and VNET_SYSUNINIT declare (vnet.h:
// vnet_register_sysinit and friends as the SYSINIT's func, the
// vnet_sysinit as its ident).
func registerSysinitSI(td *kern.Thread, vs any)     { VnetRegisterSysinit(td, vs.(*VnetSysinit)) }
func deregisterSysinitSI(td *kern.Thread, vs any)   { VnetDeregisterSysinit(td, vs.(*VnetSysinit)) }
func registerSysuninitSI(td *kern.Thread, vs any)   { VnetRegisterSysuninit(td, vs.(*VnetSysinit)) }
func deregisterSysuninitSI(td *kern.Thread, vs any) { VnetDeregisterSysuninit(td, vs.(*VnetSysinit)) }

// VNET_SYSUNINIT is VNET_SYSUNINIT (vnet.h:344): it declares a per-vnet
// destructor, added with VnetRegisterSysuninit at boot and removed with
// VnetDeregisterSysuninit at k.Shutdown, which runs it on every vnet that
// still exists.
func VNET_SYSUNINIT(k *kern.Kernel, ident string, subsystem kern.SubsystemID, order kern.SysinitOrder,
	fn func(td *kern.Thread, arg any), arg any) *VnetSysinit {
	vnetSysinitCtassert("VNET_SYSUNINIT", ident, subsystem)
	Of(k)
	vs := stateOf(k).newVnetSysinit(VnetSysinit{Subsystem: subsystem, Order: order, Func: fn, Arg: arg, Name: ident})
	name := "vnet_uninit_" + ident // one string for both
	k.SysinitArg(name, subsystem, order, registerSysuninitSI, vs)
	k.SysuninitArg(name, subsystem, order, deregisterSysuninitSI, vs)
	return vs
}
