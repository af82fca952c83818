// SPDX-License-Identifier: BSD-3-Clause
//
// Copyright (c) 2010 Bjoern A. Zeeb <bz@FreeBSD.org>
// Copyright (c) 1980, 1986, 1993
//	The Regents of the University of California.  All rights reserved.
//
// The licence text is in LICENSE.
//
// The subset of sys/net/if.c that if_clone.c and the emulated cloners need,
// ported from freebsd/freebsd-src at d87a5f2a6e48 (FreeBSD 14-CURRENT of
// mid-2023: it includes <net/if_private.h>, has ifnet_detach_sxlock,
// if_vmove_loan and if_vmove_reclaim). Line numbers in the doc comments
// are that file's. The functions keep the C order; what the C does that
// kcheck does not model (addresses, routes, protocol domains, BPF, MAC,
// devctl, send queues) is left out with a note at the place, and listed in
// docs/DIVERGENCES.md under "ifnet".
//
// # Lock order
//
// The table LockOrder (lockorder.go), under the run-time class names
// WITNESS learns and TestLockOrderTable checks: "ifnet_detach_sx"
// (ifnet_detach_sxlock, sx, recursive) before "ifnet_sx" (ifnet_sxlock,
// IFNET_WLOCK / IFNET_RLOCK, sx, recursive) before "if_addr_lock" (mtx,
// per interface).
//
// Readers of V_ifnet, of an interface's group list and of ifindex_table
// run in the net epoch instead of taking ifnet_sxlock. vnet_destroy takes
// ifnet_detach_sxlock before the vnet destructors run (see ifnetOf). The
// cloner locks of if_clone.c (if_cloners_mtx, ifc_mtx) are mutexes: they
// must not be held across a call into this file that takes an sx lock or
// waits for the epoch.
//
// # Set-up
//
// Call IfnetInit(k) before k.Boot (after or together with vnet.Of(k)): it
// creates the locks, defines the per-vnet variables V_ifnet and
// V_ifg_head and registers if.c's SYSINITs, VNET_SYSINIT and
// VNET_SYSUNINIT with the kernel.

package ifclone

import (
	"fmt"
	"sync"
	"sync/atomic"

	"kcheck/kern"
	"kcheck/vnet"
)

// ifindexEntry is struct ifindex_entry (if.c:317): one slot of the index
// table. Both words are loaded by epoch readers without a lock.
type ifindexEntry struct {
	ife_ifnet  atomic.Pointer[Ifnet]
	ife_gencnt atomic.Uint32 // uint16_t in C
}

// ifindexTable is the M_IFNET block ifindex_table points at.
type ifindexTable struct {
	ents []ifindexEntry
}

// ifnetPending is the M_IFNET array vnet_if_return collects into.
type ifnetPending struct {
	ifps []*Ifnet
}

// ifnetGlobals holds what are global variables of if.c (and the lock
// variables of if_var.h) for one kernel.
type ifnetGlobals struct {
	k    *kern.Kernel
	once sync.Once

	// ifnet_sxlock (if.c:348) guards the writers of V_ifnet, V_ifg_head,
	// the group lists, if_index and ifindex_table.
	ifnet_sxlock kern.Sx
	// ifnet_detach_sxlock (if.c:351) serialises detach, vmove and vnet
	// teardown.
	ifnet_detach_sxlock kern.Sx

	// if_index (if.c:315) and if_indexlim (if.c:316): the highest index in
	// use and the table's size. if_index is read by epoch readers without
	// a lock, hence the atomic.
	if_index    atomic.Int32
	if_indexlim int // guarded by ifnet_sxlock
	// ifindex_table (if.c:320), swapped with ck_pr_store_ptr when it grows.
	ifindex_table atomic.Pointer[ifindexTable]

	m_ifnet *kern.MallocType // M_IFNET (if.c:363)
	m_temp  *kern.MallocType // M_TEMP, for the group structures

	// V_ifnet and V_ifg_head (if.c:311-312).
	v_ifnet    *vnet.Var[ifnethead]
	v_ifg_head *vnet.Var[ifgrouphead]

	// The emulation's console for if_printf.
	msgMu sync.Mutex
	msgs  []string

	jails jailState
}

var ifnetSlot = kern.NewSlot[ifnetGlobals]()

// ifnetOf returns the kernel's if.c globals, creating them on first use.
func ifnetOf(k *kern.Kernel) *ifnetGlobals {
	g := ifnetSlot.Get(k, func() *ifnetGlobals {
		g := &ifnetGlobals{
			k:           k,
			if_indexlim: 8,
			m_ifnet:     k.MallocType("ifnet", "interface internals"),
			m_temp:      k.MallocType("temp", "misc temporary data buffers"),
		}
		// SX_SYSINIT_FLAGS (if.c:349, 352), run at once rather than at
		// SI_SUB_LOCK.
		g.ifnet_sxlock.Init(k, "ifnet_sx", kern.SX_RECURSE)
		g.ifnet_detach_sxlock.Init(k, "ifnet_detach_sx", kern.SX_RECURSE)
		g.jails.init(k)
		return g
	})
	g.once.Do(func() { g.register(k) })
	return g
}

// IfnetInit sets up the ifnet layer of k: call it before k.Boot. It also
// sets up package vnet (vnet.Of) and hands it ifnet_detach_sxlock, which
// vnet_destroy takes around the vnet destructors.
func IfnetInit(k *kern.Kernel) { ifnetOf(k) }

// register does what the linker and the SYSINIT lines of if.c do: define
// the per-vnet variables and register the boot-time steps. VNET_DEFINE
// needs a thread; thread0 runs outside the scheduler, before k.Boot.
func (g *ifnetGlobals) register(k *kern.Kernel) {
	vs := vnet.Of(k)
	vs.IfnetDetachSxlock.Store(&g.ifnet_detach_sxlock)
	td := k.Thread0()
	g.v_ifnet = vnet.Define(td, "ifnet", ifnethead{})
	g.v_ifg_head = vnet.Define(td, "ifg_head", ifgrouphead{})

	// SYSINIT(if_init, ...) (if.c:430).
	k.SYSINIT("if_init", kern.SI_SUB_INIT_IF, kern.SI_ORDER_SECOND, g.ifInitIdxtable)
	// Not in the C: FreeBSD never frees the index table; kcheck frees it at
	// k.Shutdown so that M_IFNET ends at zero. At SI_ORDER_FIRST, so that
	// it runs after every SYSUNINIT of SI_SUB_INIT_IF that may still free
	// an interface (vnet_loif_uninit is at SI_ORDER_SECOND).
	k.SYSUNINIT("if_init", kern.SI_SUB_INIT_IF, kern.SI_ORDER_FIRST, g.ifUninitIdxtable)
	// VNET_SYSINIT(vnet_if_init, ...) (if.c:440).
	vnet.VNET_SYSINIT(k, "vnet_if_init", kern.SI_SUB_INIT_IF, kern.SI_ORDER_SECOND,
		func(td *kern.Thread, _ any) { vnetIfInit(td) }, nil)
	// VNET_SYSUNINIT(vnet_if_return, ...) (if.c:524).
	vnet.VNET_SYSUNINIT(k, "vnet_if_return", kern.SI_SUB_VNET_DONE, kern.SI_ORDER_ANY,
		func(td *kern.Thread, _ any) { VnetIfReturn(td) }, nil)
}

// IfnetDetachSxlock is ifnet_detach_sxlock (if.c:351). The ioctl
// front takes it around if_clone_destroy (SIOCIFDESTROY).
func IfnetDetachSxlock(k *kern.Kernel) *kern.Sx { return &ifnetOf(k).ifnet_detach_sxlock }

// IfnetSxlock is ifnet_sxlock (if.c:348). It is the lock behind IFNET_WLOCK.
func IfnetSxlock(k *kern.Kernel) *kern.Sx { return &ifnetOf(k).ifnet_sxlock }

// vIfnet is V_ifnet.
func vIfnet(td *kern.Thread) *ifnethead { return ifnetOf(td.K).v_ifnet.V(td) }

// vIfgHead is V_ifg_head.
func vIfgHead(td *kern.Thread) *ifgrouphead { return ifnetOf(td.K).v_ifg_head.V(td) }

// vnetIsShuttingDown is VNET_IS_SHUTTING_DOWN (if.c:356). The vnet is
// being destroyed and its destructors have not yet reached
// SI_SUB_VNET_DONE (vnet_if_return). Read without a lock, as in C.
func vnetIsShuttingDown(v *vnet.Vnet) bool {
	return v.Vnet_shutdown.Load() && v.State() < kern.SI_SUB_VNET_DONE
}

// netEpochDrainCallbacks is NET_EPOCH_DRAIN_CALLBACKS: it waits for the
// deferred calls made so far to run. The emulation waits for a grace
// period and then runs what is ready (kern.EpochDrainCallbacks); a call
// made by a reader that entered after the wait started may still be
// pending, as it would be if it had been made just after the drain.
func netEpochDrainCallbacks(td *kern.Thread) {
	kern.NetEpochWait(td)
	td.K.EpochDrainCallbacks()
}

// IfnetByindex is ifnet_byindex (if.c:368). It returns the interface with
// index idx in curvnet, or nil. No reference is taken: the caller must be in
// the net epoch and not use the pointer after leaving it.
func IfnetByindex(td *kern.Thread, idx int) *Ifnet {
	g := ifnetOf(td.K)
	kern.NetEpochAssert(td)

	if idx > int(g.if_index.Load()) {
		return nil
	}

	ifp := g.ifindex_table.Load().ents[idx].ife_ifnet.Load()

	if cur := vnet.Curvnet(td); cur != nil && ifp != nil && ifp.IfVnet != cur {
		ifp = nil
	}

	return ifp
}

// IfnetByindexRef is ifnet_byindex_ref (if.c:386). It is IfnetByindex that
// skips dying interfaces and takes a reference (drop it with IfRele).
func IfnetByindexRef(td *kern.Thread, idx int) *Ifnet {
	ifp := IfnetByindex(td, idx)
	if ifp == nil || ifp.IfFlags.Get()&IFF_DYING != 0 {
		return nil
	}
	if !IfTryRef(td, ifp) {
		return nil
	}
	return ifp
}

// IfnetByindexgen is ifnet_byindexgen (if.c:399). It returns the interface in
// slot idx if the slot's generation is still gen.
func IfnetByindexgen(td *kern.Thread, idx int, gen uint16) *Ifnet {
	g := ifnetOf(td.K)
	kern.NetEpochAssert(td)

	if idx > int(g.if_index.Load()) {
		return nil
	}

	e := &g.ifindex_table.Load().ents[idx]
	ifp := e.ife_ifnet.Load()

	if uint16(e.ife_gencnt.Load()) == gen {
		return ifp
	}
	return nil
}

// ifInitIdxtable is if_init_idxtable (if.c:424). At SI_SUB_INIT_IF it
// allocates the first index table, if_indexlim slots from M_IFNET.
func (g *ifnetGlobals) ifInitIdxtable(td *kern.Thread) {
	t := kern.Malloc[ifindexTable](td, g.m_ifnet, kern.M_WAITOK|kern.M_ZERO)
	t.ents = make([]ifindexEntry, g.if_indexlim)
	g.ifindex_table.Store(t)
}

// ifUninitIdxtable frees the index table at k.Shutdown. Not in the C.
func (g *ifnetGlobals) ifUninitIdxtable(td *kern.Thread) {
	if t := g.ifindex_table.Swap(nil); t != nil {
		kern.Free(td, t, g.m_ifnet)
	}
}

// vnetIfInit is vnet_if_init (if.c:433). This per-vnet constructor
// initialises the vnet's interface and group lists. The C also calls
// vnet_if_clone_init here; that part belongs to if_clone.go.
func vnetIfInit(td *kern.Thread) {
	vIfnet(td).init()
	guardCK(td, vIfnet(td), "V_ifnet")
	vIfgHead(td).init()
	guardCK(td, vIfgHead(td), "V_ifg_head")
	VnetIfCloneInit(td)
}

// ifLinkIfnet is if_link_ifnet (if.c:444). It appends ifp to curvnet's
// V_ifnet and counts it in vnet_ifcnt.
func ifLinkIfnet(td *kern.Thread, ifp *Ifnet) {
	ifnetWlock(td)
	kern.Write(td, &vIfnet(td).sh) // CK_STAILQ_INSERT_TAIL
	vIfnet(td).insertTail(ifp, ifnetLink)
	vnet.Curvnet(td).Vnet_ifcnt.Add(1)
	ifnetWunlock(td)
}

// ifUnlinkIfnet is if_unlink_ifnet (if.c:456). It removes ifp from
// curvnet's V_ifnet, marking it IFF_DYING unless it is being moved, and
// reports whether it was there.
//
// As in the C of this era, vnet_ifcnt is decremented whether or not the
// interface was found (if.c:471): an unlink that loses a race leaves the
// count one short (docs/DIVERGENCES.md, "ifnet").
func ifUnlinkIfnet(td *kern.Thread, ifp *Ifnet, vmove bool) bool {
	found := false

	ifnetWlock(td)
	head := vIfnet(td)
	kern.Read(td, &head.sh) // CK_STAILQ_FOREACH
	for iter := head.first(); iter != nil; iter = iter.if_link.stqe_next.Load() {
		if iter == ifp {
			kern.Write(td, &head.sh) // CK_STAILQ_REMOVE
			head.remove(ifp, ifnetLink)
			if !vmove {
				ifp.IfFlags.Set(ifp.IfFlags.Get() | IFF_DYING)
			}
			found = true
			break
		}
	}
	vnet.Curvnet(td).Vnet_ifcnt.Add(^uint32(0))
	ifnetWunlock(td)

	return found
}

// maxPending bounds the pending array of vnet_if_return. A vnet_ifcnt
// that wrapped below zero asks the C's malloc(M_WAITOK) for gigabytes;
// the emulation panics instead of exhausting the Go heap.
const maxPending = 1 << 20

// VnetIfReturn is vnet_if_return (if.c:480). This VNET_SYSUNINIT at
// SI_SUB_VNET_DONE runs before the rest of a vnet is torn down and sends
// every interface on loan to it (if_home_vnet != if_vnet) back to its
// home vnet. The interfaces are unlinked under IFNET_WLOCK and moved one by one
// under ifnet_detach_sxlock, which vnet_destroy already holds (recursion).
func VnetIfReturn(td *kern.Thread) {
	g := ifnetOf(td.K)
	var nifp *Ifnet
	i := 0

	// V_ifnet is walked under IFNET_WLOCK rather than in the epoch, since
	// if_vmove waits for the epoch; the lock is dropped before if_vmove.
	ifnetWlock(td)

	cnt := vnet.Curvnet(td).Vnet_ifcnt.Load()
	if cnt > maxPending {
		kern.Panicf(td, "vnet_if_return: malloc(%d * sizeof(struct ifnet *)): vnet_ifcnt of vnet %p wrapped",
			cnt, vnet.Curvnet(td))
	}
	pending := kern.Malloc[ifnetPending](td, g.m_ifnet, kern.M_WAITOK|kern.M_ZERO)
	pending.ifps = make([]*Ifnet, cnt)

	head := vIfnet(td)
	kern.Read(td, &head.sh) // CK_STAILQ_FOREACH_SAFE
	for ifp := head.first(); ifp != nil; ifp = nifp {
		nifp = ifp.if_link.stqe_next.Load()
		if ifp.IfHomeVnet != ifp.IfVnet {
			found := ifUnlinkIfnet(td, ifp, true)
			kern.MPASS(td, found)

			if i >= len(pending.ifps) {
				// In C this store runs past the end of the array.
				kern.Panicf(td, "vnet_if_return: pending[%d] past the %d slots sized by vnet_ifcnt: heap overflow",
					i, len(pending.ifps))
			}
			pending.ifps[i] = ifp
			i++
		}
	}
	ifnetWunlock(td)

	for j := 0; j < i; j++ {
		g.ifnet_detach_sxlock.Xlock(td)
		IfVmove(td, pending.ifps[j], pending.ifps[j].IfHomeVnet)
		g.ifnet_detach_sxlock.Xunlock(td)
	}

	kern.Free(td, pending, g.m_ifnet)
}

// ifAllocDomain is if_alloc_domain (if.c:534). Without NUMA domains, it
// returns a zeroed ifnet from M_IFNET, attached to curvnet, holding its index
// reference, with an index slot (the table doubles when full, the old one
// freed after an epoch wait). No layer 2 common structure (if_com_alloc),
// counters or send queue are allocated.
func ifAllocDomain(td *kern.Thread, typ uint8) *Ifnet {
	g := ifnetOf(td.K)

	ifp := kern.Malloc[Ifnet](td, g.m_ifnet, kern.M_WAITOK|kern.M_ZERO)
	ifp.IfType = typ
	ifp.if_alloctype = typ
	ifp.IfVnet = vnet.Curvnet(td)

	ifAddrLockInit(td.K, ifp)
	ifp.if_afdata_initialized = 0
	ifAfdataLockInit(td.K, ifp)
	ifp.IfGroups.init()
	guardCK(td, &ifp.IfGroups, "if_groups")

	kern.RefcountInit(&ifp.IfRefcount, 1) // the index reference

	ifnetWlock(td)
	// The lowest free slot at or below if_index, else the next one.
	tbl := g.ifindex_table.Load()
	ifIndex := int(g.if_index.Load())
	var idx int
	for idx = 1; idx <= ifIndex; idx++ {
		if tbl.ents[idx].ife_ifnet.Load() == nil {
			break
		}
	}

	if idx >= g.if_indexlim {
		newlim := g.if_indexlim * 2
		nt := kern.Malloc[ifindexTable](td, g.m_ifnet, kern.M_WAITOK|kern.M_ZERO)
		nt.ents = make([]ifindexEntry, newlim)
		for n := 0; n < g.if_indexlim; n++ { // memcpy
			nt.ents[n].ife_ifnet.Store(tbl.ents[n].ife_ifnet.Load())
			nt.ents[n].ife_gencnt.Store(tbl.ents[n].ife_gencnt.Load())
		}
		old := tbl
		g.ifindex_table.Store(nt)
		g.if_indexlim = newlim
		kern.NetEpochWait(td)
		kern.Free(td, old, g.m_ifnet)
		tbl = nt
	}
	if idx > ifIndex {
		g.if_index.Store(int32(idx))
	}

	ifp.IfIndex = idx
	ifp.if_idxgen = uint16(tbl.ents[idx].ife_gencnt.Load())
	tbl.ents[idx].ife_ifnet.Store(ifp)
	ifnetWunlock(td)

	return ifp
}

// IfAlloc is if_alloc (if.c:624). It returns a new interface of type typ in
// curvnet, with one reference (the index reference) and an index.
func IfAlloc(td *kern.Thread, typ uint8) *Ifnet {
	return ifAllocDomain(td, typ)
}

// ifFreeDeferred is if_free_deferred (if.c:635). NET_EPOCH_CALL runs it once
// no epoch reader can still hold ifp; it destroys the interface's locks and
// frees it to M_IFNET.
func ifFreeDeferred(td *kern.Thread, ifp *Ifnet) {
	kern.KASSERT(td, ifp.IfFlags.Get()&IFF_DYING != 0, "%s: interface not dying", "if_free_deferred")

	ifp.if_afdata_lock.Destroy(td) // IF_AFDATA_DESTROY
	ifp.if_addr_lock.Destroy(td)   // IF_ADDR_LOCK_DESTROY
	kern.Free(td, ifp, ifnetOf(td.K).m_ifnet)
}

// IfFree is if_free (if.c:665). It marks the interface dying, frees its
// index slot and drops the index reference; the memory goes one epoch
// after the last reference.
func IfFree(td *kern.Thread, ifp *Ifnet) {
	g := ifnetOf(td.K)

	kern.Preempt(td) // if_flags is written without a lock ("XXX: Locking")
	ifp.IfFlags.Set(ifp.IfFlags.Get() | IFF_DYING)

	ifnetWlock(td)
	tbl := g.ifindex_table.Load()
	kern.MPASS(td, tbl.ents[ifp.IfIndex].ife_ifnet.Load() == ifp)
	tbl.ents[ifp.IfIndex].ife_ifnet.Store(nil)
	tbl.ents[ifp.IfIndex].ife_gencnt.Store(uint32(uint16(tbl.ents[ifp.IfIndex].ife_gencnt.Load() + 1)))
	for g.if_index.Load() > 0 && tbl.ents[g.if_index.Load()].ife_ifnet.Load() == nil {
		g.if_index.Add(-1)
	}
	ifnetWunlock(td)

	if kern.RefcountRelease(td, &ifp.IfRefcount) {
		kern.NetEpochCall(td, func(td *kern.Thread) { ifFreeDeferred(td, ifp) })
	}
}

// IfRef is if_ref (if.c:699). It takes one more reference to an interface that
// already has one.
func IfRef(td *kern.Thread, ifp *Ifnet) {
	old := kern.RefcountAcquire(td, &ifp.IfRefcount)
	if old == 0 {
		kern.Panicf(td, "%s: ifp %p has 0 refs", "if_ref", ifp)
	}
}

// IfTryRef is if_try_ref (if.c:709). It takes a reference unless the count
// already reached zero. The caller must be in the net epoch.
func IfTryRef(td *kern.Thread, ifp *Ifnet) bool {
	kern.NetEpochAssert(td)
	return kern.RefcountAcquireIfNotZero(td, &ifp.IfRefcount)
}

// IfRele is if_rele (if.c:716). Drop a reference; the last one schedules
// the free after the current epoch readers have left.
func IfRele(td *kern.Thread, ifp *Ifnet) {
	if !kern.RefcountRelease(td, &ifp.IfRefcount) {
		return
	}
	kern.NetEpochCall(td, func(td *kern.Thread) { ifFreeDeferred(td, ifp) })
}

// IfAttach is if_attach (if.c:769). Attach an allocated and named
// interface to curvnet.
func IfAttach(td *kern.Thread, ifp *Ifnet) {
	ifAttachInternal(td, ifp, false)
}

// ifAttachInternal is if_attach_internal (if.c:827). The interface joins
// curvnet (its home vnet if it has none yet) and the "all" group, and is
// appended to V_ifnet. On a move (vmove) it also rejoins its cloner's
// group, which if_detach_internal took away. The C's link-level address,
// default transmit/input routines, TSO defaults and protocol attachment
// are not modelled.
func ifAttachInternal(td *kern.Thread, ifp *Ifnet, vmove bool) {
	g := ifnetOf(td.K)
	kern.MPASS(td, g.ifindex_table.Load().ents[ifp.IfIndex].ife_ifnet.Load() == ifp)

	ifp.IfVnet = vnet.Curvnet(td)
	if ifp.IfHomeVnet == nil {
		ifp.IfHomeVnet = vnet.Curvnet(td)
	}

	IfAddgroup(td, ifp, IFG_ALL)

	// Restore group membership for cloned interface.
	if vmove {
		IfCloneRestoregroup(td, ifp)
	}

	ifLinkIfnet(td, ifp)

	IfnetArrivalEvent(td.K).Invoke(func(fn IfnetEventHandler) { fn(td, ifp) })
}

// IfDetach is if_detach (if.c:1095). Unlink the interface from its vnet
// (marking it IFF_DYING) and, if it was still there, detach it under
// ifnet_detach_sxlock. The caller then calls IfFree.
func IfDetach(td *kern.Thread, ifp *Ifnet) {
	saved := vnet.CurvnetSetQuiet(td, ifp.IfVnet)
	found := ifUnlinkIfnet(td, ifp, false)
	if found {
		ifnetOf(td.K).ifnet_detach_sxlock.Xlock(td)
		ifDetachInternal(td, ifp, false)
		ifnetOf(td.K).ifnet_detach_sxlock.Xunlock(td)
	}
	vnet.CurvnetRestore(td, saved)
}

// ifDetachInternal is if_detach_internal (if.c:1120). With the interface
// already off V_ifnet, it waits out the epoch readers and pending callbacks,
// leaves every group, brings it down and announces its departure; unless
// it is only moving (vmove), it makes its driver entry points dead. While its
// vnet shuts down only the first steps run, as in the C.
func ifDetachInternal(td *kern.Thread, ifp *Ifnet, vmove bool) kern.Errno {
	kern.Preempt(td) // vnet_shutdown and vnet_state are read without a lock
	shutdown := vnetIsShuttingDown(ifp.IfVnet)

	// Off the list: once the current readers are gone nobody finds it.
	kern.NetEpochWait(td)

	netEpochDrainCallbacks(td)

	// Groups go in both cases (destroy and move).
	IfDelgroups(td, ifp)

	// taskqueue_drain of if_linktask and if_addmultitask: no task queues.

	IfDown(td, ifp)

	if shutdown {
		IfnetDepartureEvent(td.K).Invoke(func(fn IfnetEventHandler) { fn(td, ifp) })
		goto finish_vnet_shutdown
	}

	// ALTQ, if_purgeaddrs, in_ifdetach, in6_ifdetach, if_purgemaddrs: no
	// addresses are modelled.

	IfnetDepartureEvent(td.K).Invoke(func(fn IfnetEventHandler) { fn(td, ifp) })

	if !vmove {
		ifDead(ifp)
		// The link-level address (if_addrhead) is not modelled.
	}

	// rt_flushifroutes: no routes.

finish_vnet_shutdown:
	ifp.if_afdata_lock.Lock(td)
	i := ifp.if_afdata_initialized
	ifp.if_afdata_initialized = 0
	ifp.if_afdata_lock.Unlock(td)
	if i == 0 {
		return 0
	}
	// No protocol domain attaches, so there is nothing to dom_ifdetach.
	return 0
}

// IfVmove is if_vmove (if.c:1266). Detach the interface (already unlinked
// from its vnet by the caller) for a move and attach it to newvnet. The
// caller holds ifnet_detach_sxlock.
func IfVmove(td *kern.Thread, ifp *Ifnet, newvnet *vnet.Vnet) kern.Errno {
	// BPF parameters are not modelled.

	rc := ifDetachInternal(td, ifp, true)
	if rc != 0 {
		return rc
	}

	if ifp.IfReassign != nil {
		ifp.IfReassign(td, ifp, newvnet)
	}

	saved := vnet.CurvnetSetQuiet(td, newvnet)
	ifAttachInternal(td, ifp, true)
	vnet.CurvnetRestore(td, saved)
	return 0
}

// IfVmoveLoan is if_vmove_loan (if.c:1317). As the body of SIOCSIFVNET it
// lends ifp, an interface of curvnet that the caller holds a reference on, to
// the vnet of the child jail jid. ifname is the request's ifr_name buffer; on
// success it receives the interface's name in the new vnet. Errors as in C:
// ENXIO (no such jail), EEXIST (the jail is in the interface's vnet, or the
// name is taken there), EBUSY (the interface's vnet is shutting down), ENODEV
// (the interface is no longer on its vnet's list).
func IfVmoveLoan(td *kern.Thread, ifp *Ifnet, ifname []byte, jid int) kern.Errno {
	g := ifnetOf(td.K)

	kern.MPASS(td, g.ifindex_table.Load().ents[ifp.IfIndex].ife_ifnet.Load() == ifp)

	// Look the jail up among the caller's descendants.
	g.jails.allprison_lock.Slock(td)
	pr := prisonFindChild(td, tdPrison(td), jid)
	g.jails.allprison_lock.Sunlock(td)
	if pr == nil {
		return kern.ENXIO
	}
	prisonHoldLocked(td, pr)
	pr.pr_mtx.Unlock(td)

	// Moving to the vnet it is already in makes no sense.
	kern.Preempt(td) // if_vnet is read without a lock
	if pr.PrVnet == ifp.IfVnet {
		prisonFree(td, pr)
		return kern.EEXIST
	}

	// The name must be free in the destination (not atomic with the move).
	saved := vnet.CurvnetSetQuiet(td, pr.PrVnet)
	difp := Ifunit(td, ifname)
	if difp != nil {
		vnet.CurvnetRestore(td, saved)
		prisonFree(td, pr)
		return kern.EEXIST
	}
	g.ifnet_detach_sxlock.Xlock(td)

	// Refuse while the interface's vnet is being torn down.
	kern.Preempt(td)
	shutdown := vnetIsShuttingDown(ifp.IfVnet)
	if shutdown {
		g.ifnet_detach_sxlock.Xunlock(td)
		vnet.CurvnetRestore(td, saved)
		prisonFree(td, pr)
		return kern.EBUSY
	}
	vnet.CurvnetRestore(td, saved)

	found := ifUnlinkIfnet(td, ifp, true)
	if !found {
		g.ifnet_detach_sxlock.Xunlock(td)
		// The C restores curvnet a second time here (if.c:1366). That is
		// harmless in C (the same values again) but the emulation's pairing
		// check forbids it, so the port restores once.
		prisonFree(td, pr)
		return kern.ENODEV
	}

	err := IfVmove(td, ifp, pr.PrVnet)

	// Tell the caller the name the interface has in its new vnet.
	if err == 0 {
		kern.Strlcpy(ifname, ifp.IfXname[:])
	}

	g.ifnet_detach_sxlock.Xunlock(td)

	prisonFree(td, pr)
	return err
}

// IfVmoveReclaim is if_vmove_reclaim (if.c:1385). As the body of SIOCSIFRVNET
// it takes the interface named ifname back from the vnet of the child jail
// jid into the caller's vnet (TD_TO_VNET). Errors: ENXIO (no such jail, or no
// such interface there), EEXIST (the jail shares the caller's vnet), EBUSY
// (the jail's vnet is shutting down). The interface is looked up without a
// reference or lock and unlinked before ifnet_detach_sxlock is taken, as in
// the C; MPASS(found) catches a lost race.
func IfVmoveReclaim(td *kern.Thread, ifname []byte, jid int) kern.Errno {
	g := ifnetOf(td.K)

	g.jails.allprison_lock.Slock(td)
	pr := prisonFindChild(td, tdPrison(td), jid)
	g.jails.allprison_lock.Sunlock(td)
	if pr == nil {
		return kern.ENXIO
	}
	prisonHoldLocked(td, pr)
	pr.pr_mtx.Unlock(td)

	// The interface must exist in the jail's vnet.
	saved := vnet.CurvnetSet(td, pr.PrVnet)
	ifp := Ifunit(td, ifname)
	if ifp == nil {
		vnet.CurvnetRestore(td, saved)
		prisonFree(td, pr)
		return kern.ENXIO
	}

	// Same vnet on both sides: nothing to reclaim.
	vnet_dst := tdToVnet(td)
	kern.Preempt(td) // ifp was found without a reference; its fields are read unlocked
	if vnet_dst == ifp.IfVnet {
		vnet.CurvnetRestore(td, saved)
		prisonFree(td, pr)
		return kern.EEXIST
	}

	// Refuse while the jail's vnet is being torn down.
	shutdown := vnetIsShuttingDown(ifp.IfVnet)
	if shutdown {
		vnet.CurvnetRestore(td, saved)
		prisonFree(td, pr)
		return kern.EBUSY
	}

	found := ifUnlinkIfnet(td, ifp, true)
	kern.MPASS(td, found)
	g.ifnet_detach_sxlock.Xlock(td)
	err := IfVmove(td, ifp, vnet_dst)
	g.ifnet_detach_sxlock.Xunlock(td)
	vnet.CurvnetRestore(td, saved)

	if err == 0 {
		kern.Strlcpy(ifname, ifp.IfXname[:])
	}

	prisonFree(td, pr)
	return err
}

// cstr turns a Go string into a C string (a NUL-terminated byte slice).
func cstr(s string) []byte { return append([]byte(s), 0) }

// IfAddgroup is if_addgroup (if.c:1448). Make ifp a member of group
// groupname of curvnet, creating the group if needed. EINVAL when the name
// ends in a digit, EEXIST when ifp is already a member, ENOMEM when an
// M_NOWAIT allocation fails.
func IfAddgroup(td *kern.Thread, ifp *Ifnet, groupname string) kern.Errno {
	g := ifnetOf(td.K)
	gname := cstr(groupname)
	var ifg *IfgGroup
	isNew := false

	if n := kern.Strlen(gname); gname[0] != 0 && gname[n-1] >= '0' && gname[n-1] <= '9' {
		return kern.EINVAL
	}

	ifnetWlock(td)
	kern.Read(td, &ifp.IfGroups.sh) // CK_STAILQ_FOREACH
	for ifgl := ifp.IfGroups.first(); ifgl != nil; ifgl = ifgl.ifgl_next.stqe_next.Load() {
		if kern.Strcmp(ifgl.IfglGroup.IfgGroup[:], gname) == 0 {
			ifnetWunlock(td)
			return kern.EEXIST
		}
	}

	ifgl := kern.Malloc[IfgList](td, g.m_temp, kern.M_NOWAIT)
	if ifgl == nil {
		ifnetWunlock(td)
		return kern.ENOMEM
	}

	ifgm := kern.Malloc[IfgMember](td, g.m_temp, kern.M_NOWAIT)
	if ifgm == nil {
		kern.Free(td, ifgl, g.m_temp)
		ifnetWunlock(td)
		return kern.ENOMEM
	}

	head := vIfgHead(td)
	kern.Read(td, &head.sh) // CK_STAILQ_FOREACH
	for ifg = head.first(); ifg != nil; ifg = ifg.ifg_next.stqe_next.Load() {
		if kern.Strcmp(ifg.IfgGroup[:], gname) == 0 {
			break
		}
	}

	if ifg == nil {
		ifg = kern.Malloc[IfgGroup](td, g.m_temp, kern.M_NOWAIT)
		if ifg == nil {
			kern.Free(td, ifgl, g.m_temp)
			kern.Free(td, ifgm, g.m_temp)
			ifnetWunlock(td)
			return kern.ENOMEM
		}
		kern.Strlcpy(ifg.IfgGroup[:], gname)
		ifg.IfgRefcnt = 0
		ifg.ifg_members.init()
		guardCK(td, &ifg.ifg_members, "ifg_members")
		kern.Write(td, &head.sh) // CK_STAILQ_INSERT_TAIL
		head.insertTail(ifg, ifgNext)
		isNew = true
	}

	ifg.IfgRefcnt++
	ifgl.IfglGroup = ifg
	ifgm.IfgmIfp = ifp

	ifAddrWlock(td, ifp)
	kern.Write(td, &ifg.ifg_members.sh) // CK_STAILQ_INSERT_TAIL
	ifg.ifg_members.insertTail(ifgm, ifgmNext)
	kern.Write(td, &ifp.IfGroups.sh) // CK_STAILQ_INSERT_TAIL
	ifp.IfGroups.insertTail(ifgl, ifglNext)
	ifAddrWunlock(td, ifp)

	ifnetWunlock(td)

	if isNew {
		GroupAttachEvent(td.K).Invoke(func(fn GroupEventHandler) { fn(td, ifg) })
	}
	GroupChangeEvent(td.K).Invoke(func(fn GroupChangeEventHandler) { fn(td, kern.CString(gname)) })

	return 0
}

// ifDelgroupLocked is _if_delgroup_locked (if.c:1518). It takes ifp out
// of the group of ifgl, dropping the group when it empties. Called with
// IFNET_WLOCK held, which it releases; it then waits for the epoch before
// freeing, so it must not run inside an epoch section.
func ifDelgroupLocked(td *kern.Thread, ifp *Ifnet, ifgl *IfgList, groupname []byte) {
	g := ifnetOf(td.K)
	var freeifgl bool
	var ifgm *IfgMember

	ifnetWlockAssert(td)

	ifAddrWlock(td, ifp)
	kern.Write(td, &ifp.IfGroups.sh) // CK_STAILQ_REMOVE
	ifp.IfGroups.remove(ifgl, ifglNext)
	ifAddrWunlock(td, ifp)

	grp := ifgl.IfglGroup
	kern.Read(td, &grp.ifg_members.sh) // CK_STAILQ_FOREACH
	for ifgm = grp.ifg_members.first(); ifgm != nil; ifgm = ifgm.ifgm_next.stqe_next.Load() {
		if ifgm.IfgmIfp == ifp {
			kern.Write(td, &grp.ifg_members.sh) // CK_STAILQ_REMOVE
			grp.ifg_members.remove(ifgm, ifgmNext)
			break
		}
	}

	grp.IfgRefcnt--
	if grp.IfgRefcnt == 0 {
		kern.Write(td, &vIfgHead(td).sh) // CK_STAILQ_REMOVE
		vIfgHead(td).remove(grp, ifgNext)
		freeifgl = true
	} else {
		freeifgl = false
	}
	ifnetWunlock(td)

	kern.NetEpochWait(td)
	GroupChangeEvent(td.K).Invoke(func(fn GroupChangeEventHandler) { fn(td, kern.CString(groupname)) })
	if freeifgl {
		GroupDetachEvent(td.K).Invoke(func(fn GroupEventHandler) { fn(td, grp) })
		kern.Free(td, grp, g.m_temp)
	}
	kern.Free(td, ifgm, g.m_temp)
	kern.Free(td, ifgl, g.m_temp)
}

// IfDelgroup is if_delgroup (if.c:1561). Remove ifp from group groupname;
// ENOENT when it is not a member.
func IfDelgroup(td *kern.Thread, ifp *Ifnet, groupname string) kern.Errno {
	gname := cstr(groupname)
	var ifgl *IfgList

	ifnetWlock(td)
	kern.Read(td, &ifp.IfGroups.sh) // CK_STAILQ_FOREACH
	for ifgl = ifp.IfGroups.first(); ifgl != nil; ifgl = ifgl.ifgl_next.stqe_next.Load() {
		if kern.Strcmp(ifgl.IfglGroup.IfgGroup[:], gname) == 0 {
			break
		}
	}
	if ifgl == nil {
		ifnetWunlock(td)
		return kern.ENOENT
	}

	ifDelgroupLocked(td, ifp, ifgl, gname)

	return 0
}

// IfDelgroups is if_delgroups (if.c:1583). Remove ifp from all its groups.
func IfDelgroups(td *kern.Thread, ifp *Ifnet) {
	var groupname [IFNAMSIZ]byte

	ifnetWlock(td)
	for {
		kern.Read(td, &ifp.IfGroups.sh) // CK_STAILQ_FIRST
		ifgl := ifp.IfGroups.first()
		if ifgl == nil {
			break
		}
		kern.Strlcpy(groupname[:], ifgl.IfglGroup.IfgGroup[:])
		ifDelgroupLocked(td, ifp, ifgl, groupname[:])
		ifnetWlock(td)
	}
	ifnetWunlock(td)
}

// ifUnroute is if_unroute (if.c:2129). It clears flag (IFF_UP)
// without a lock, as the C does. No queue to flush, no routing message.
func ifUnroute(td *kern.Thread, ifp *Ifnet, flag int) {
	kern.KASSERT(td, flag == IFF_UP, "if_unroute: flag != IFF_UP")

	kern.Preempt(td)
	ifp.IfFlags.Set(ifp.IfFlags.Get() &^ flag)
}

// IfDown is if_down (if.c:2213). Announce IFNET_EVENT_DOWN and mark the
// interface down.
func IfDown(td *kern.Thread, ifp *Ifnet) {
	IfnetEvent(td.K).Invoke(func(fn IfnetEventFn) { fn(td, ifp, IFNET_EVENT_DOWN) })
	ifUnroute(td, ifp, IFF_UP)
}

// IfUp is if_up (if.c:2225). Mark the interface up and announce
// IFNET_EVENT_UP.
func IfUp(td *kern.Thread, ifp *Ifnet) {
	kern.Preempt(td)
	ifp.IfFlags.Set(ifp.IfFlags.Get() | IFF_UP)
	IfnetEvent(td.K).Invoke(func(fn IfnetEventFn) { fn(td, ifp, IFNET_EVENT_UP) })
}

// IfunitRef is ifunit_ref (if.c:2267). It returns the interface of curvnet
// named name (a C string, compared over IFNAMSIZ bytes) that is not dying,
// with a reference the caller drops with IfRele; nil if none.
func IfunitRef(td *kern.Thread, name []byte) *Ifnet {
	var ifp *Ifnet

	kern.NetEpochEnter(td)
	kern.Read(td, &vIfnet(td).sh) // CK_STAILQ_FOREACH
	for ifp = vIfnet(td).first(); ifp != nil; ifp = ifp.if_link.stqe_next.Load() {
		kern.Preempt(td) // the reader looks at ifp while writers go on
		if kern.Strncmp(name, ifp.IfXname[:], IFNAMSIZ) == 0 && ifp.IfFlags.Get()&IFF_DYING == 0 {
			break
		}
	}
	if ifp != nil {
		IfRef(td, ifp)
		kern.MPASS(td, ifnetOf(td.K).ifindex_table.Load().ents[ifp.IfIndex].ife_ifnet.Load() == ifp)
	}

	kern.NetEpochExit(td)
	return ifp
}

// Ifunit is ifunit (if.c:2288). It returns the interface of curvnet named
// name, dying or not, without a reference. Past the epoch section it returns
// from, nothing keeps the interface alive: the caller must hold the net epoch
// itself, or a lock that keeps the interface, or live with the race as its C
// callers do.
func Ifunit(td *kern.Thread, name []byte) *Ifnet {
	var ifp *Ifnet

	kern.NetEpochEnter(td)
	kern.Read(td, &vIfnet(td).sh) // CK_STAILQ_FOREACH
	for ifp = vIfnet(td).first(); ifp != nil; ifp = ifp.if_link.stqe_next.Load() {
		kern.Preempt(td)
		if kern.Strncmp(name, ifp.IfXname[:], IFNAMSIZ) == 0 {
			break
		}
	}
	kern.NetEpochExit(td)
	return ifp
}

// IfRename is if_rename (if.c:3137). As the body of SIOCSIFNAME it gives ifp
// the name newName. EINVAL for an empty name, EEXIST when an interface of
// curvnet already has it (checked without a lock, not atomic with the
// rename). The driver name and unit (if_dname, if_dunit) do not change. The C
// also rewrites the name in the link-level address; none is modelled.
func IfRename(td *kern.Thread, ifp *Ifnet, newName string) kern.Errno {
	new_name := cstr(newName)
	var old_name [IFNAMSIZ]byte

	if new_name[0] == 0 {
		return kern.EINVAL
	}
	if kern.Strcmp(new_name, ifp.IfXname[:]) == 0 {
		return 0
	}
	if Ifunit(td, new_name) != nil {
		return kern.EEXIST
	}

	// The C marks the rename without a lock (its "XXX: Locking").
	kern.Preempt(td)
	ifp.IfFlags.Set(ifp.IfFlags.Get() | IFF_RENAMING)

	IfnetDepartureEvent(td.K).Invoke(func(fn IfnetEventHandler) { fn(td, ifp) })

	IfPrintf(td, ifp, "changing name to '%s'\n", kern.CString(new_name))

	ifAddrWlock(td, ifp)
	kern.Strlcpy(old_name[:], ifp.IfXname[:])
	kern.Strlcpy(ifp.IfXname[:], new_name)
	ifAddrWunlock(td, ifp)

	IfnetArrivalEvent(td.K).Invoke(func(fn IfnetEventHandler) { fn(td, ifp) })

	kern.Preempt(td)
	ifp.IfFlags.Set(ifp.IfFlags.Get() &^ IFF_RENAMING)

	// devctl_notify("IFNET", old_name, "RENAME", ...): no devctl.
	_ = old_name

	return 0
}

// IfInitname is if_initname (if.c:4040). It sets the driver name and unit and
// derives if_xname ("name" followed by the unit, truncated to IFNAMSIZ-1
// bytes as snprintf does), or just the name for IF_DUNIT_NONE.
func IfInitname(ifp *Ifnet, name string, unit int) {
	ifp.IfDname = name
	ifp.IfDunit = unit
	if unit != IF_DUNIT_NONE {
		kern.Snprintf(ifp.IfXname[:], "%s%d", name, unit)
	} else {
		kern.StrlcpyString(ifp.IfXname[:], name)
	}
}

// maxMessages bounds the kernel's if_printf log.
const maxMessages = 1024

// IfPrintf is if_printf (if.c:4062). It writes a console line prefixed with
// the interface name. The emulation keeps the last maxMessages lines per
// kernel (IfMessages) instead of printing them.
func IfPrintf(td *kern.Thread, ifp *Ifnet, format string, args ...any) {
	g := ifnetOf(td.K)
	line := kern.CString(ifp.IfXname[:]) + ": " + fmt.Sprintf(format, args...)
	g.msgMu.Lock()
	if len(g.msgs) == maxMessages {
		g.msgs = append(g.msgs[:0], g.msgs[1:]...)
	}
	g.msgs = append(g.msgs, line)
	g.msgMu.Unlock()
}

// IfMessages returns the lines if_printf wrote on k, oldest first.
func IfMessages(k *kern.Kernel) []string {
	g := ifnetOf(k)
	g.msgMu.Lock()
	defer g.msgMu.Unlock()
	return append([]string(nil), g.msgs...)
}

// IfName is if_name (if.c:4270). It returns the interface's
// external name, a C string in a slice of IfXname.
func IfName(ifp *Ifnet) []byte { return ifp.IfXname[:] }
