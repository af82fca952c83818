// SPDX-License-Identifier: BSD-2-Clause
//
// Copyright (c) 2004-2009 University of Zagreb
// Copyright (c) 2006-2009 FreeBSD Foundation
// All rights reserved.
//
// Copyright (c) 2009 Jeffrey Roberson <jeff@freebsd.org>
// Copyright (c) 2009 Robert N. M. Watson
// All rights reserved.
//
// Port of sys/net/vnet.c (FreeBSD 14, see doc.go for the revision), in the
// C's order. The SDT probes, FEATURE(vimage), the bootverbose banner and the
// DDB commands are left out. The licence text is in LICENSE.

package vnet

import (
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"

	"kcheck/kern"
)

// VNET_MODMIN is VNET_MODMIN (vnet.c:174): the room for per-vnet variables
// defined by modules. The C counts 8 * PAGE_SIZE bytes; here one slot holds
// one variable of any type, so the unit is the slot.
const VNET_MODMIN = 256

// VNET_SIZE is VNET_SIZE (vnet.c:175): the size of every vnet's data block.
// All of kcheck's per-vnet variables are "module" variables (Define), so
// the block is modspace alone; the C adds the kernel's own set_vnet.
const VNET_SIZE = VNET_MODMIN

// vnetData is the M_VNET_DATA block of one vnet (vnet_data_mem): one slot
// per per-vnet variable, each holding a *T.
type vnetData struct {
	mem [VNET_SIZE]any
}

// Poison implements kern.Poisoner: free(9) clears the slots.
func (d *vnetData) Poison() { clear(d.mem[:]) }

// vnetDataFree is struct vnet_data_free (vnet.c:200): one free run of
// modspace, [vnd_start, vnd_start+vnd_len) in slots.
type vnetDataFree struct {
	vnd_start int
	vnd_len   int
}

// State holds vnet.c's globals for one kernel (Of(k)).
type State struct {
	k *kern.Kernel

	vsMu   sync.Mutex    // guards vsSlab
	vsSlab []VnetSysinit // where VNET_SYSINIT's declarations live

	m_vnet      *kern.MallocType // M_VNET (vnet.c:85)
	m_vnet_data *kern.MallocType // M_VNET_DATA (vnet.c:165)

	// vnet_rwlock and vnet_sxlock (vnet.c:93-94) guard the list of vnets:
	// both are taken exclusively to change it, either one shared to walk it.
	// kern has no rwlock, so vnet_rwlock is an sx too (DIVERGENCES.md).
	vnet_rwlock kern.Sx
	vnet_sxlock kern.Sx
	vnet_head   vnetListHead         // vnet.c:106; guarded by the two above
	vnet0       atomic.Pointer[Vnet] // vnet.c:107; set at SI_SUB_VNET

	// master is the master copy of every per-vnet variable (the set_vnet
	// linker set with its modspace): what VnetAlloc copies into a new vnet.
	// Read without a lock, as the C's memcpy reads the linker set.
	master [VNET_SIZE]atomic.Pointer[masterEntry]

	// vnet_constructors and vnet_destructors (vnet.c:188-191), each sorted
	// by (subsystem, order); guarded by vnet_sysinit_sxlock (vnet.c:193).
	vnet_constructors   []*VnetSysinit
	vnet_destructors    []*VnetSysinit
	vnet_sysinit_sxlock kern.Sx

	// vnet_data_free_head (vnet.c:208): the sorted free list of modspace,
	// guarded by vnet_data_free_lock (vnet.c:210). Its entries are plain Go
	// values, not M_VNET_DATA_FREE allocations (DIVERGENCES.md).
	vnet_data_free_head []*vnetDataFree
	vnet_data_free_lock kern.Sx

	// IfnetDetachSxlock is if.c's ifnet_detach_sxlock, which vnet_destroy
	// holds exclusively around the destructors (vnet.c:286-288). It belongs
	// to the ifnet layer (package ifclone), which must Store it here before
	// any vnet is destroyed; while it is nil vnet_destroy runs the
	// destructors without it.
	IfnetDetachSxlock atomic.Pointer[kern.Sx]

	// vnet_recursions (vnet.c:649), newest first. The C walks and extends
	// this list with no lock; recMu keeps the Go side race-free.
	recMu           sync.Mutex
	vnet_recursions []*VnetRecursion

	// Outstanding CURVNET_SETs per thread, innermost last (see Saved).
	curvnetMu     sync.Mutex
	curvnetStacks map[*kern.Thread][]*curvnetFrame
	// frameSlab is where pushFrame takes new frames from (curvnetMu):
	// one allocation per chunk instead of one per CURVNET_SET. A frame is
	// never reused (a stale Saved must still find its own frame restored).
	frameSlab []curvnetFrame

	once sync.Once
}

var stateSlot = kern.NewSlot[State]()

// Of returns the kernel's vnet state, creating it on first use: the locks
// and list of vnet_init_prelink (vnet.c:306) and the free list of
// vnet_data_startup (vnet.c:346) are set up at once, and vnet.c's SYSINITs
// (vnet0_init, vnet_init_done, the dummy vnet_sysinit_done) are registered
// with the kernel for k.Boot.
func Of(k *kern.Kernel) *State {
	s := stateSlot.Get(k, func() *State { return newState(k) })
	s.once.Do(func() { s.registerSysinits(k) })
	return s
}

// stateOf is Of without registering vnet.c's SYSINITs, for declarations
// made while Of registers them.
func stateOf(k *kern.Kernel) *State {
	return stateSlot.Get(k, func() *State { return newState(k) })
}

// newVnetSysinit places vs in the state's slab of VnetSysinits (a booted
// kernel declares some twenty, a chunk at a time).
func (s *State) newVnetSysinit(vs VnetSysinit) *VnetSysinit {
	s.vsMu.Lock()
	defer s.vsMu.Unlock()
	if len(s.vsSlab) == cap(s.vsSlab) {
		s.vsSlab = make([]VnetSysinit, 0, 16)
	}
	s.vsSlab = append(s.vsSlab, vs)
	return &s.vsSlab[len(s.vsSlab)-1]
}

func newState(k *kern.Kernel) *State {
	s := &State{
		k:             k,
		m_vnet:        k.MallocType("vnet", "network stack control block"),
		m_vnet_data:   k.MallocType("vnet_data", "VNET data"),
		curvnetStacks: make(map[*kern.Thread][]*curvnetFrame, 8),
		// Room for every driver's VNET_SYSINITs and VNET_SYSUNINITs.
		vnet_constructors: make([]*VnetSysinit, 0, 16),
		vnet_destructors:  make([]*VnetSysinit, 0, 16),
	}
	s.vnetInitPrelink()
	s.vnetDataStartup()
	return s
}

// registerSysinits is the SYSINIT lines of vnet.c (vnet.c:331, 339, 365)
// plus the emulation's teardown of vnet0.
func (s *State) registerSysinits(k *kern.Kernel) {
	k.SYSINIT("vnet0_init", kern.SI_SUB_VNET, kern.SI_ORDER_FIRST, s.vnet0Init)
	k.SYSINIT("vnet_init_done", kern.SI_SUB_VNET_DONE, kern.SI_ORDER_ANY, s.vnetInitDone)
	vnetSysinitDeclare(k, "vnet_sysinit_done", kern.SI_SUB_VNET_DONE, kern.SI_ORDER_ANY, vnetSysinitDone, nil)
	// Not in the C: FreeBSD never frees vnet0. Destroying it last (the
	// highest subsystems are torn down first) lets leak checks end at zero.
	k.SYSUNINIT("vnet0_uninit", kern.SI_SUB_VNET, kern.SI_ORDER_FIRST, s.vnet0Uninit)
}

// Vnet0 is vnet0 (vnet.c:107): the default vnet, nil before SI_SUB_VNET.
func (s *State) Vnet0() *Vnet { return s.vnet0.Load() }

// vnetListWlock is VNET_LIST_WLOCK (vnet.c:96).
func (s *State) vnetListWlock(td *kern.Thread) {
	s.vnet_sxlock.Xlock(td)
	s.vnet_rwlock.Xlock(td)
}

// vnetListWunlock is VNET_LIST_WUNLOCK (vnet.c:101).
func (s *State) vnetListWunlock(td *kern.Thread) {
	s.vnet_rwlock.Xunlock(td)
	s.vnet_sxlock.Xunlock(td)
}

// vnetSysinitWlock is VNET_SYSINIT_WLOCK (vnet.c:195).
func (s *State) vnetSysinitWlock(td *kern.Thread) { s.vnet_sysinit_sxlock.Xlock(td) }

// vnetSysinitWunlock is VNET_SYSINIT_WUNLOCK (vnet.c:196).
func (s *State) vnetSysinitWunlock(td *kern.Thread) { s.vnet_sysinit_sxlock.Xunlock(td) }

// vnetSysinitRlock is VNET_SYSINIT_RLOCK (vnet.c:197).
func (s *State) vnetSysinitRlock(td *kern.Thread) { s.vnet_sysinit_sxlock.Slock(td) }

// vnetSysinitRunlock is VNET_SYSINIT_RUNLOCK (vnet.c:198).
func (s *State) vnetSysinitRunlock(td *kern.Thread) { s.vnet_sysinit_sxlock.Sunlock(td) }

// VnetAlloc is vnet_alloc (vnet.c:231): it allocates a vnet, gives it a
// copy of every per-vnet variable's master value, runs every registered
// constructor on it with curvnet set to it (vnet_state following each
// constructor's subsystem) and only then links it into the list of vnets.
func VnetAlloc(td *kern.Thread) *Vnet {
	s := Of(td.K)
	vnet := kern.Malloc[Vnet](td, s.m_vnet, kern.M_WAITOK|kern.M_ZERO)
	vnet.Vnet_magic_n.Store(VNET_MAGIC_N)
	vnet.k = td.K

	// The data block comes from M_VNET_DATA without M_ZERO; the master
	// copy is copied over it (the C's memcpy from VNET_START).
	vnet.vnet_data_mem = kern.Malloc[vnetData](td, s.m_vnet_data, kern.M_WAITOK)
	for i := range vnet.vnet_data_mem.mem {
		if m := s.master[i].Load(); m != nil {
			vnet.vnet_data_mem.mem[i] = m.d.copyInto(nil)
		}
	}

	saved := s.curvnetSetQuiet(td, vnet, s.siteAt(&fixedSites[0]))
	s.vnetSysinit(td)
	s.curvnetRestore(td, saved, s.siteAt(&fixedSites[1]))

	s.vnetListWlock(td)
	kern.Write(td, &s.vnet_head.sh) // LIST_INSERT_HEAD
	s.vnet_head.listInsertHead(td, vnet)
	s.vnetListWunlock(td)

	return vnet
}

// VnetDestroy is vnet_destroy (vnet.c:271): it asserts the vnet has no
// sockets, unlinks it, sets vnet_shutdown, runs the destructors in reverse
// order with curvnet set to it and ifnet_detach_sxlock held exclusively,
// then frees its data, poisons the magic (0xdeadbeef) and frees it.
func VnetDestroy(td *kern.Thread, vnet *Vnet) {
	s := Of(td.K)
	kern.KASSERT(td, vnet.Vnet_sockcnt.Load() == 0, "%s: vnet still has sockets", "vnet_destroy")

	s.vnetListWlock(td)
	kern.Write(td, &s.vnet_head.sh) // LIST_REMOVE
	listRemove(td, vnet)
	s.vnetListWunlock(td)

	// From here on if.c sees the vnet as going away.
	vnet.Vnet_shutdown.Store(true)

	saved := s.curvnetSetQuiet(td, vnet, s.siteAt(&fixedSites[2]))
	detach := s.IfnetDetachSxlock.Load()
	if detach != nil { // nil: no ifnet layer registered its lock
		detach.Xlock(td)
	}
	s.vnetSysuninit(td)
	if detach != nil {
		detach.Xunlock(td)
	}
	s.curvnetRestore(td, saved, s.siteAt(&fixedSites[3]))

	kern.Free(td, vnet.vnet_data_mem, s.m_vnet_data)
	vnet.vnet_data_mem = nil
	vnet.Vnet_magic_n.Store(0xdeadbeef)
	kern.Free(td, vnet, s.m_vnet)
}

// vnetInitPrelink is vnet_init_prelink (vnet.c:306), run when the state is
// created rather than at SI_SUB_VNET_PRELINK. The list head starts empty.
func (s *State) vnetInitPrelink() {
	s.vnet_rwlock.Init(s.k, "vnet_rwlock", 0)
	s.vnet_sxlock.Init(s.k, "vnet_sxlock", 0)
	s.vnet_sysinit_sxlock.Init(s.k, "vnet_sysinit_sxlock", 0)
	kern.GuardBy(&s.vnet_head.sh, "vnet_head", &s.vnet_sxlock, 0)
}

// vnet0Init is vnet0_init (vnet.c:318), a SYSINIT at SI_SUB_VNET: it
// allocates vnet0 and leaves it as the boot thread's curvnet until
// vnet_init_done. (There is no prison0 to give it to.)
func (s *State) vnet0Init(td *kern.Thread) {
	v := VnetAlloc(td)
	s.vnet0.Store(v)
	setCurvnet(td, v)
}

// vnetInitDone is vnet_init_done (vnet.c:334), a SYSINIT at
// SI_SUB_VNET_DONE: the boot thread stops running in vnet0.
func (s *State) vnetInitDone(td *kern.Thread) {
	setCurvnet(td, nil)
}

// vnet0Uninit destroys vnet0 at k.Shutdown. Not in the C (see
// registerSysinits).
func (s *State) vnet0Uninit(td *kern.Thread) {
	if v := s.vnet0.Load(); v != nil {
		VnetDestroy(td, v)
		s.vnet0.Store(nil)
	}
}

// vnetDataStartup is vnet_data_startup (vnet.c:346): the free list starts
// as one run covering all of modspace. Run when the state is created
// rather than at SI_SUB_KLD, so that variables can be defined before boot.
func (s *State) vnetDataStartup() {
	df := &vnetDataFree{vnd_start: 0, vnd_len: VNET_MODMIN}
	s.vnet_data_free_head = append(s.vnet_data_free_head, df)
	s.vnet_data_free_lock.Init(s.k, "vnet_data alloc lock", 0)
}

// vnetSysinitDone is vnet_sysinit_done (vnet.c:360): an empty constructor
// at (SI_SUB_VNET_DONE, SI_ORDER_ANY), so that every vnet's vnet_state
// ends at SI_SUB_VNET_DONE.
func vnetSysinitDone(td *kern.Thread, arg any) {}

// VnetDataAlloc is vnet_data_alloc (vnet.c:374): it takes size slots from
// the first free run large enough and returns the first slot, or -1 (the
// C's NULL) when none is. Sizes count slots, so the C's rounding up to
// pointer size is the identity.
func VnetDataAlloc(td *kern.Thread, size int) int {
	s := Of(td.K)
	start := -1
	s.vnet_data_free_lock.Xlock(td)
	for i, df := range s.vnet_data_free_head {
		if df.vnd_len < size {
			continue
		}
		if df.vnd_len == size {
			start = df.vnd_start
			s.vnet_data_free_head = slices.Delete(s.vnet_data_free_head, i, i+1)
			break
		}
		start = df.vnd_start
		df.vnd_len -= size
		df.vnd_start = df.vnd_start + size
		break
	}
	s.vnet_data_free_lock.Xunlock(td)
	return start
}

// VnetDataFree is vnet_data_free (vnet.c:405): it gives back size slots
// from start, merging with the free runs on either side; the list stays
// sorted by start.
func VnetDataFree(td *kern.Thread, start, size int) {
	s := Of(td.K)
	end := start + size
	s.vnet_data_free_lock.Xlock(td)
	list := s.vnet_data_free_head
	at := len(list) // the C's df after the loop: NULL unless it broke out
	for i, df := range list {
		if df.vnd_start > end {
			at = i
			break
		}
		// Growing df at its end may close the gap to the next run.
		if df.vnd_start+df.vnd_len == start {
			df.vnd_len += size
			var dn *vnetDataFree
			if i+1 < len(list) {
				dn = list[i+1]
			}
			// The C reads dn->vnd_start without a NULL check: freeing the
			// slots right after the last free run (possible only when the
			// end of modspace is in use) faults there. Kept as it is.
			if df.vnd_start+df.vnd_len == dn.vnd_start {
				df.vnd_len += dn.vnd_len
				s.vnet_data_free_head = slices.Delete(list, i+1, i+2)
			}
			s.vnet_data_free_lock.Xunlock(td)
			return
		}
		if df.vnd_start == end {
			df.vnd_start = start
			df.vnd_len += size
			s.vnet_data_free_lock.Xunlock(td)
			return
		}
	}
	dn := &vnetDataFree{vnd_start: start, vnd_len: size}
	s.vnet_data_free_head = slices.Insert(list, at, dn)
	s.vnet_data_free_lock.Xunlock(td)
}

// VnetDataCopy is vnet_data_copy (vnet.c:461): with the list of vnets
// read-locked, it copies the master value of slots [start, start+size) into
// every vnet, as module load does for a module's newly defined variables.
func VnetDataCopy(td *kern.Thread, start, size int) {
	s := Of(td.K)
	VnetListRlock(td)
	kern.Read(td, &s.vnet_head.sh) // VNET_FOREACH
	for vnet := s.vnet_head.listFirst(); vnet != nil; vnet = listNext(vnet) {
		mem := &vnet.vnet_data_mem.mem
		for i := start; i < start+size; i++ {
			if m := s.master[i].Load(); m != nil {
				mem[i] = m.d.copyInto(mem[i])
			} else {
				mem[i] = nil
			}
		}
	}
	VnetListRunlock(td)
}

// vnetSysinitInsert is the sorted insertion that vnet_register_sysinit and
// vnet_register_sysuninit share: vs goes before the first entry of a later
// subsystem, or of the same subsystem and a later order.
func vnetSysinitInsert(td *kern.Thread, list []*VnetSysinit, vs *VnetSysinit) []*VnetSysinit {
	if slices.Contains(list, vs) {
		// Not in the C, where a second TAILQ insertion corrupts the list.
		kern.Panicf(td, "vnet sysinit %s registered twice", vs)
	}
	at := len(list)
	for i, vs2 := range list {
		if vs2.Subsystem > vs.Subsystem {
			at = i
			break
		}
		if vs2.Subsystem == vs.Subsystem && vs2.Order > vs.Order {
			at = i
			break
		}
	}
	return slices.Insert(list, at, vs)
}

// vnetSysinitRemove is TAILQ_REMOVE of vs; one that is not on the list
// panics as QMD_TAILQ_CHECK_PREV would.
func vnetSysinitRemove(td *kern.Thread, list []*VnetSysinit, vs *VnetSysinit) []*VnetSysinit {
	i := slices.Index(list, vs)
	if i < 0 {
		kern.Panicf(td, "Bad link elm %p prev->next != elm", vs)
	}
	return slices.Delete(list, i, i+1)
}

// VnetRegisterSysinit is vnet_register_sysinit (vnet.c:477): it inserts the
// constructor in (subsystem, order) order and runs it on every existing
// vnet with curvnet set to that vnet. It holds vnet_sysinit_sxlock
// exclusively but walks the list of vnets without the list locks, as the
// C does; the preemption points mark those unlocked reads. (A vnet that
// VnetAlloc links after its constructors ran and after this walk passed
// never gets the new constructor: a race in the C.)
func VnetRegisterSysinit(td *kern.Thread, vs *VnetSysinit) {
	s := Of(td.K)
	kern.KASSERT(td, vs.Subsystem > kern.SI_SUB_VNET, "vnet sysinit too early")

	s.vnetSysinitWlock(td)
	s.vnet_constructors = vnetSysinitInsert(td, s.vnet_constructors, vs)

	kern.Preempt(td)
	kern.Known(td, &s.vnet_head.sh, kern.AccessRead, "vnet.c:477 VNET_FOREACH in vnet_register_sysinit without VNET_LIST_RLOCK")
	for vnet := s.vnet_head.listFirst(); vnet != nil; vnet = listNext(vnet) {
		saved := s.curvnetSetQuiet(td, vnet, s.siteAt(&fixedSites[4]))
		vs.Func(td, vs.Arg)
		s.curvnetRestore(td, saved, s.siteAt(&fixedSites[5]))
		kern.Preempt(td)
	}
	s.vnetSysinitWunlock(td)
}

// VnetDeregisterSysinit is vnet_deregister_sysinit (vnet.c:511): it
// removes the constructor; existing vnets are not touched.
func VnetDeregisterSysinit(td *kern.Thread, vs *VnetSysinit) {
	s := Of(td.K)
	s.vnetSysinitWlock(td)
	s.vnet_constructors = vnetSysinitRemove(td, s.vnet_constructors, vs)
	s.vnetSysinitWunlock(td)
}

// VnetRegisterSysuninit is vnet_register_sysuninit (vnet.c:524): it inserts
// the destructor in (subsystem, order) order; vnet_sysuninit walks the list
// backwards.
func VnetRegisterSysuninit(td *kern.Thread, vs *VnetSysinit) {
	s := Of(td.K)
	s.vnetSysinitWlock(td)
	s.vnet_destructors = vnetSysinitInsert(td, s.vnet_destructors, vs)
	s.vnetSysinitWunlock(td)
}

// VnetDeregisterSysuninit is vnet_deregister_sysuninit (vnet.c:546): it
// runs the destructor on every existing vnet, with curvnet set to it and
// the list of vnets walked without its locks, then removes it.
func VnetDeregisterSysuninit(td *kern.Thread, vs *VnetSysinit) {
	s := Of(td.K)
	s.vnetSysinitWlock(td)
	kern.Preempt(td)
	kern.Known(td, &s.vnet_head.sh, kern.AccessRead, "vnet.c:546 VNET_FOREACH in vnet_deregister_sysuninit without VNET_LIST_RLOCK")
	for vnet := s.vnet_head.listFirst(); vnet != nil; vnet = listNext(vnet) {
		saved := s.curvnetSetQuiet(td, vnet, s.siteAt(&fixedSites[6]))
		vs.Func(td, vs.Arg)
		s.curvnetRestore(td, saved, s.siteAt(&fixedSites[7]))
		kern.Preempt(td)
	}
	s.vnet_destructors = vnetSysinitRemove(td, s.vnet_destructors, vs)
	s.vnetSysinitWunlock(td)
}

// vnetSysinit is vnet_sysinit (vnet.c:575): with vnet_sysinit_sxlock
// shared, every constructor in ascending order on curvnet, whose
// vnet_state takes each constructor's subsystem before it runs.
func (s *State) vnetSysinit(td *kern.Thread) {
	s.vnetSysinitRlock(td)
	for _, vs := range s.vnet_constructors {
		Curvnet(td).Vnet_state.Store(uint32(vs.Subsystem))
		vs.Func(td, vs.Arg)
	}
	s.vnetSysinitRunlock(td)
}

// vnetSysuninit is vnet_sysuninit (vnet.c:593): the destructors in
// descending order, vnet_state following them down.
func (s *State) vnetSysuninit(td *kern.Thread) {
	s.vnetSysinitRlock(td)
	for _, vs := range slices.Backward(s.vnet_destructors) {
		Curvnet(td).Vnet_state.Store(uint32(vs.Subsystem))
		vs.Func(td, vs.Arg)
	}
	s.vnetSysinitRunlock(td)
}

// VnetGlobalEventhandlerIteratorFunc is
// vnet_global_eventhandler_iterator_func (vnet.c:618): it calls fn once per
// vnet with the list read-locked and curvnet set (CURVNET_SET, so a caller
// already in a vnet logs a recursion). VNET_GLOBAL_EVENTHANDLER_REGISTER
// handlers run through it.
func VnetGlobalEventhandlerIteratorFunc(td *kern.Thread, fn func(td *kern.Thread)) {
	s := Of(td.K)
	VnetListRlock(td)
	kern.Read(td, &s.vnet_head.sh) // VNET_FOREACH
	for vnet_iter := s.vnet_head.listFirst(); vnet_iter != nil; vnet_iter = listNext(vnet_iter) {
		site := s.siteAt(&fixedSites[8])
		saved := s.curvnetSetQuiet(td, vnet_iter, site)
		if saved.saved_vnet != nil {
			s.vnetLogRecursion(td, saved.saved_vnet, saved.saved_vnet_lpush, site.line)
		}
		fn(td)
		s.curvnetRestore(td, saved, s.siteAt(&fixedSites[9]))
	}
	VnetListRunlock(td)
}

// VnetRecursion is struct vnet_recursion (vnet.c:640): one logged
// CURVNET_SET made while another vnet was current.
type VnetRecursion struct {
	Prev_fn    string // the function that set the outer vnet
	Where_fn   string // the function whose CURVNET_SET recursed
	Where_line int    // the line of that CURVNET_SET
	Old_vnet   *Vnet
	New_vnet   *Vnet
	// Stack is the Go stack at the first occurrence (kdb_backtrace).
	Stack string
}

// String is the report vnet_log_recursion prints.
func (vnr *VnetRecursion) String() string { return vnetPrintRecursion(vnr, false) }

// vnetPrintRecursion is vnet_print_recursion (vnet.c:653), returning the
// text instead of printing it; brief is the DDB one-line form.
func vnetPrintRecursion(vnr *VnetRecursion, brief bool) string {
	var out string
	if !brief {
		out = "CURVNET_SET() recursion in "
	}
	out += fmt.Sprintf("%s() line %d, prev in %s()", vnr.Where_fn, vnr.Where_line, vnr.Prev_fn)
	if brief {
		out += ", "
	} else {
		out += "\n    "
	}
	out += fmt.Sprintf("%p -> %p\n", vnr.Old_vnet, vnr.New_vnet)
	return out
}

// VnetLogRecursion is vnet_log_recursion (vnet.c:668): called by
// CURVNET_SET on td right after it switched from old_vnet (set in old_fn)
// to curvnet at line, it records the recursion unless the same (old_fn,
// td_vnet_lpush, line, same-vnet-or-not) was recorded before. The record
// is not malloc'd from M_VNET: the C never frees it, which would read as
// a leak at teardown.
func VnetLogRecursion(td *kern.Thread, old_vnet *Vnet, old_fn string, line int) {
	Of(td.K).vnetLogRecursion(td, old_vnet, old_fn, line)
}

func (s *State) vnetLogRecursion(td *kern.Thread, old_vnet *Vnet, old_fn string, line int) {
	cur := Curvnet(td)
	s.recMu.Lock()
	defer s.recMu.Unlock()
	for _, vnr := range s.vnet_recursions {
		if vnr.Prev_fn == old_fn &&
			vnr.Where_fn == td.TdVnetLpush &&
			vnr.Where_line == line &&
			(vnr.Old_vnet == vnr.New_vnet) == (cur == old_vnet) {
			return
		}
	}
	vnr := &VnetRecursion{
		Prev_fn:    old_fn,
		Where_fn:   td.TdVnetLpush,
		Where_line: line,
		Old_vnet:   old_vnet,
		New_vnet:   cur,
		Stack:      string(debug.Stack()),
	}
	s.vnet_recursions = slices.Insert(s.vnet_recursions, 0, vnr)
}

// Recursions lists the recorded CURVNET_SET recursions, newest first, as
// DDB's "show vnetrcrs" walks them.
func (s *State) Recursions() []*VnetRecursion {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	return slices.Clone(s.vnet_recursions)
}

// DestroyVnet0 destroys vnet0 now, as k.Shutdown would later, so that a
// teardown can end every vnet through vnet_destroy's own lock order before
// the modules unload. Not in the C: FreeBSD never destroys vnet0.
func DestroyVnet0(td *kern.Thread) { Of(td.K).vnet0Uninit(td) }
