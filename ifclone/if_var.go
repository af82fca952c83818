// SPDX-License-Identifier: BSD-3-Clause
//
// Copyright (c) 1982, 1986, 1989, 1993
//	The Regents of the University of California.  All rights reserved.
//
// The licence text is in LICENSE.
//
// The data structures of the ifnet layer that if.go works on: struct ifnet
// (sys/net/if_private.h), the interface group structures and the
// IFNET_*LOCK macros (sys/net/if_var.h), and the interface flags
// (sys/net/if.h), FreeBSD 14 of mid-2023, reduced to what if_clone.c and
// the emulated cloners use.
//
// Naming contract with if_clone.go (the lead's port, same package): the
// exported names below (Ifnet and its Ifxxx fields, IfnetList and its
// helpers, IFNAMSIZ, IF_MAXUNIT, the IFF_ flags) are what it calls.

package ifclone

import (
	"sync/atomic"

	"kcheck/kern"
	"kcheck/vnet"
)

// Sizes and special values (sys/net/if.h, sys/net/if_var.h).
const (
	// IFNAMSIZ is the size of an interface name buffer, NUL included.
	IFNAMSIZ = 16
	// IF_MAXUNIT is the largest unit number a name may carry.
	IF_MAXUNIT = 0x7fff
	// IF_DUNIT_NONE marks an interface whose name has no unit.
	IF_DUNIT_NONE = -1
	// IFG_ALL is the group every attached interface belongs to.
	IFG_ALL = "all"
)

// Interface flags, if_flags (sys/net/if.h); the values are FreeBSD's.
const (
	IFF_UP          = 0x1
	IFF_BROADCAST   = 0x2
	IFF_DEBUG       = 0x4
	IFF_LOOPBACK    = 0x8
	IFF_POINTOPOINT = 0x10
	IFF_NEEDSEPOCH  = 0x20
	IFF_DRV_RUNNING = 0x40
	IFF_NOARP       = 0x80
	IFF_PROMISC     = 0x100
	IFF_ALLMULTI    = 0x200
	IFF_DRV_OACTIVE = 0x400
	IFF_SIMPLEX     = 0x800
	IFF_LINK0       = 0x1000
	IFF_LINK1       = 0x2000
	IFF_LINK2       = 0x4000
	IFF_MULTICAST   = 0x8000
	IFF_CANTCONFIG  = 0x10000
	IFF_PPROMISC    = 0x20000
	IFF_MONITOR     = 0x40000
	IFF_STATICARP   = 0x80000
	IFF_STICKYARP   = 0x100000
	IFF_DYING       = 0x200000
	IFF_RENAMING    = 0x400000
	IFF_SPARE       = 0x800000
	IFF_NETLINK_1   = 0x1000000
)

// Interface types used by the emulated drivers (sys/net/if_types.h).
const (
	IFT_OTHER       = 0x1
	IFT_ETHER       = 0x6
	IFT_LOOP        = 0x18
	IFT_PROPVIRTUAL = 0x35
	IFT_L2VLAN      = 0x87
)

// ifnet_event values (sys/net/if_var.h).
const (
	IFNET_EVENT_UP   = 0
	IFNET_EVENT_DOWN = 1
)

// IfIoctlFn is if_ioctl_fn_t: the driver's ioctl routine. data stands for
// the C's caddr_t (an *ifreq or whatever the command carries).
type IfIoctlFn func(td *kern.Thread, ifp *Ifnet, cmd uint64, data any) kern.Errno

// IfReassignFn is if_reassign_fn_t: the driver's hook called by if_vmove
// before the interface enters its new vnet.
type IfReassignFn func(td *kern.Thread, ifp *Ifnet, newvnet *vnet.Vnet)

// Ifnet is struct ifnet (if_private.h), reduced: no send queue, counters,
// addresses, BPF, MAC label or protocol data (see docs/DIVERGENCES.md,
// "ifnet"). Allocated from M_IFNET by IfAlloc and freed, one net epoch
// after the last reference goes, by if_free_deferred.
//
// Locking, as in the C: if_link is guarded by IFNET_WLOCK for writers and
// read in the net epoch; IfGroups by IFNET_WLOCK plus if_addr_lock; IfClones
// by the owning cloner's ifc_mtx; IfFlags by nothing (the C's
// "XXX: Locking"); IfRefcount is a refcount(9).
type Ifnet struct {
	// if_link chains the interfaces of a vnet (CK_STAILQ_ENTRY).
	if_link ckStailqEntry[Ifnet]
	// IfClones is if_clones: the linkage on the cloner's ifc_iflist.
	IfClones IfnetListEntry
	// IfGroups is if_groups: the groups this interface belongs to.
	IfGroups ckStailqHead[IfgList]
	// if_alloctype is the if_type given to if_alloc.
	if_alloctype uint8

	// IfSoftc is if_softc: the driver's private state.
	IfSoftc any
	// IfDname is if_dname, the driver name (const char * in C).
	IfDname string
	// IfDunit is if_dunit, the unit or IF_DUNIT_NONE.
	IfDunit int
	// IfIndex is if_index (u_short in C).
	IfIndex int
	// if_idxgen is the generation of the index slot at allocation.
	if_idxgen uint16
	// IfXname is if_xname, the external name (name + unit), a C string.
	IfXname [IFNAMSIZ]byte

	// IfFlags is if_flags: IFF_UP, IFF_DYING ... (see IfFlagsWord).
	IfFlags IfFlagsWord
	// IfRefcount is if_refcount, a refcount(9) counter.
	IfRefcount uint32
	// IfType is if_type (IFT_ETHER ...).
	IfType uint8

	// if_addr_lock is the lock of the address lists; here it guards the
	// group list and the name, as IF_ADDR_WLOCK does in the C.
	if_addr_lock kern.Mtx
	// if_afdata_lock and if_afdata_initialized track protocol attachment;
	// no protocol domain attaches in kcheck, so it stays 0.
	if_afdata_lock        kern.Mtx
	if_afdata_initialized int

	// IfVnet is if_vnet, the stack the interface is attached to.
	IfVnet *vnet.Vnet
	// IfHomeVnet is if_home_vnet, the stack it was first attached in.
	IfHomeVnet *vnet.Vnet

	// IfIoctl is if_ioctl, the driver's ioctl routine (nil: none).
	IfIoctl IfIoctlFn
	// IfReassign is if_reassign (nil: none).
	IfReassign IfReassignFn
}

// IfgGroup is struct ifg_group (if_var.h): one interface group of a vnet,
// on V_ifg_head. Allocated from M_TEMP.
type IfgGroup struct {
	IfgGroup    [IFNAMSIZ]byte // ifg_group, the group name
	IfgRefcnt   uint           // ifg_refcnt, the number of members
	ifg_members ckStailqHead[IfgMember]
	ifg_next    ckStailqEntry[IfgGroup]
}

// IfgMember is struct ifg_member: one interface of a group.
type IfgMember struct {
	ifgm_next ckStailqEntry[IfgMember]
	IfgmIfp   *Ifnet
}

// IfgList is struct ifg_list: one group of an interface.
type IfgList struct {
	IfglGroup *IfgGroup
	ifgl_next ckStailqEntry[IfgList]
}

// IfFlagsWord is the int if_flags. The C reads and writes it with no lock
// (ifunit_ref tests IFF_DYING in the net epoch while if_unlink_ifnet sets
// it under IFNET_WLOCK, if_up sets IFF_UP with nothing held): plain word
// loads and stores. They are atomic here so that native mode under -race
// sees the C's accesses as the word accesses they are, while a
// read-modify-write (`if_flags |= IFF_UP`) stays a separate load and store,
// able to lose a concurrent update as the C's can.
type IfFlagsWord struct{ v atomic.Int64 }

// Get is a load of if_flags.
func (f *IfFlagsWord) Get() int { return int(f.v.Load()) }

// Set is a store to if_flags.
func (f *IfFlagsWord) Set(v int) { f.v.Store(int64(v)) }

// ---- CK_STAILQ (sys/contrib/ck/include/ck_queue.h) ----

// ckStailqEntry is CK_STAILQ_ENTRY: the next pointer, stored and loaded
// atomically so that epoch readers may walk a list while a writer holding
// the list's lock changes it.
type ckStailqEntry[T any] struct {
	stqe_next atomic.Pointer[T]
}

// ckStailqHead is CK_STAILQ_HEAD. stqh_last points at the next pointer of
// the last element (or at stqh_first); only writers use it.
type ckStailqHead[T any] struct {
	stqh_first atomic.Pointer[T]
	stqh_last  *atomic.Pointer[T]
	// sh shadows the list (head and element links) for the lockset
	// checker: declared where the list is initialised (guardCK), marked
	// at each walk and change in if.go.
	sh kern.Shadow
}

// guardCK declares a CK list's lockset shadow: writers hold IFNET_WLOCK
// (ifnet_sxlock exclusively), readers hold it or are in the net epoch,
// as for every CK_STAILQ of if.c (V_ifnet, V_ifg_head, if_groups,
// ifg_members).
func guardCK[T any](td *kern.Thread, h *ckStailqHead[T], name string) {
	kern.GuardBy(&h.sh, name, &ifnetOf(td.K).ifnet_sxlock, kern.EpochRead)
}

// init is CK_STAILQ_INIT.
func (h *ckStailqHead[T]) init() {
	h.stqh_first.Store(nil)
	h.stqh_last = &h.stqh_first
}

// first is CK_STAILQ_FIRST.
func (h *ckStailqHead[T]) first() *T { return h.stqh_first.Load() }

// empty is CK_STAILQ_EMPTY.
func (h *ckStailqHead[T]) empty() bool { return h.stqh_first.Load() == nil }

// insertTail is CK_STAILQ_INSERT_TAIL; link names the entry field.
func (h *ckStailqHead[T]) insertTail(elm *T, link func(*T) *ckStailqEntry[T]) {
	e := link(elm)
	e.stqe_next.Store(nil)
	h.stqh_last.Store(elm)
	h.stqh_last = &e.stqe_next
}

// remove is CK_STAILQ_REMOVE. The removed element keeps its next pointer,
// so a reader standing on it can still walk on.
func (h *ckStailqHead[T]) remove(elm *T, link func(*T) *ckStailqEntry[T]) {
	if h.stqh_first.Load() == elm {
		// CK_STAILQ_REMOVE_HEAD
		next := link(elm).stqe_next.Load()
		h.stqh_first.Store(next)
		if next == nil {
			h.stqh_last = &h.stqh_first
		}
		return
	}
	cur := h.stqh_first.Load()
	for link(cur).stqe_next.Load() != elm {
		cur = link(cur).stqe_next.Load()
	}
	ce := link(cur)
	ce.stqe_next.Store(link(elm).stqe_next.Load())
	if ce.stqe_next.Load() == nil {
		h.stqh_last = &ce.stqe_next
	}
}

func ifnetLink(ifp *Ifnet) *ckStailqEntry[Ifnet]         { return &ifp.if_link }
func ifglNext(ifgl *IfgList) *ckStailqEntry[IfgList]     { return &ifgl.ifgl_next }
func ifgmNext(ifgm *IfgMember) *ckStailqEntry[IfgMember] { return &ifgm.ifgm_next }
func ifgNext(ifg *IfgGroup) *ckStailqEntry[IfgGroup]     { return &ifg.ifg_next }

// ifnethead is struct ifnethead, the type of V_ifnet.
type ifnethead = ckStailqHead[Ifnet]

// ifgrouphead is struct ifgrouphead, the type of V_ifg_head.
type ifgrouphead = ckStailqHead[IfgGroup]

// ---- LIST of ifnets (sys/sys/queue.h), for if_clone.c's ifc_iflist ----

// IfnetListEntry is LIST_ENTRY(ifnet): Next is le_next; Prev is le_prev,
// the address of the previous element's Next (or of the head's First).
type IfnetListEntry struct {
	Next *Ifnet
	Prev **Ifnet
}

// IfnetList is LIST_HEAD(, ifnet).
type IfnetList struct {
	First *Ifnet
}

// IfnetListInit is LIST_INIT.
func IfnetListInit(head *IfnetList) { head.First = nil }

// IfnetListEmpty is LIST_EMPTY.
func IfnetListEmpty(head *IfnetList) bool { return head.First == nil }

// IfnetListFirst is LIST_FIRST.
func IfnetListFirst(head *IfnetList) *Ifnet { return head.First }

// IfnetListNext is LIST_NEXT(ifp, if_clones).
func IfnetListNext(ifp *Ifnet) *Ifnet { return ifp.IfClones.Next }

// IfnetListInsertHead is LIST_INSERT_HEAD(head, ifp, if_clones), with the
// QMD_LIST_CHECK_HEAD panic of an INVARIANTS kernel (sys/sys/queue.h).
func IfnetListInsertHead(td *kern.Thread, head *IfnetList, ifp *Ifnet) {
	if head.First != nil && head.First.IfClones.Prev != &head.First {
		kern.Panicf(td, "Bad list head %p first->prev != head", head)
	}
	ifp.IfClones.Next = head.First
	if head.First != nil {
		head.First.IfClones.Prev = &ifp.IfClones.Next
	}
	head.First = ifp
	ifp.IfClones.Prev = &head.First
}

// IfnetListRemove is LIST_REMOVE(ifp, if_clones), with the
// QMD_LIST_CHECK_NEXT and QMD_LIST_CHECK_PREV panics of an INVARIANTS
// kernel. Like a GENERIC kernel (QUEUE_MACRO_DEBUG_TRASH off) it leaves
// the removed entry's links as they were, so a second removal is caught
// by the checks, as in C. An entry that was never linked has no Prev:
// the C would fault reading through it; here the check reports it.
func IfnetListRemove(td *kern.Thread, ifp *Ifnet) {
	if next := ifp.IfClones.Next; next != nil && next.IfClones.Prev != &ifp.IfClones.Next {
		kern.Panicf(td, "Bad link elm %p next->prev != elm", ifp)
	}
	if ifp.IfClones.Prev == nil || *ifp.IfClones.Prev != ifp {
		kern.Panicf(td, "Bad link elm %p prev->next != elm", ifp)
	}
	if ifp.IfClones.Next != nil {
		ifp.IfClones.Next.IfClones.Prev = ifp.IfClones.Prev
	}
	*ifp.IfClones.Prev = ifp.IfClones.Next
}

// ---- eventhandler(9) lists of if_var.h ----

// IfnetEventHandler is the handler type of ifnet_arrival_event and
// ifnet_departure_event.
type IfnetEventHandler func(td *kern.Thread, ifp *Ifnet)

// IfnetEventFn is ifnet_event_fn: ifnet_event with IFNET_EVENT_UP/DOWN.
type IfnetEventFn func(td *kern.Thread, ifp *Ifnet, event int)

// GroupEventHandler is the handler type of group_attach_event and
// group_detach_event.
type GroupEventHandler func(td *kern.Thread, ifg *IfgGroup)

// GroupChangeEventHandler is group_change_event_handler_t.
type GroupChangeEventHandler func(td *kern.Thread, groupname string)

// IfnetArrivalEvent is the kernel's ifnet_arrival_event list.
func IfnetArrivalEvent(k *kern.Kernel) *kern.EventhandlerList[IfnetEventHandler] {
	return kern.EventhandlerDeclare[IfnetEventHandler](k, "ifnet_arrival_event")
}

// IfnetDepartureEvent is the kernel's ifnet_departure_event list.
func IfnetDepartureEvent(k *kern.Kernel) *kern.EventhandlerList[IfnetEventHandler] {
	return kern.EventhandlerDeclare[IfnetEventHandler](k, "ifnet_departure_event")
}

// IfnetEvent is the kernel's ifnet_event list.
func IfnetEvent(k *kern.Kernel) *kern.EventhandlerList[IfnetEventFn] {
	return kern.EventhandlerDeclare[IfnetEventFn](k, "ifnet_event")
}

// GroupAttachEvent is the kernel's group_attach_event list.
func GroupAttachEvent(k *kern.Kernel) *kern.EventhandlerList[GroupEventHandler] {
	return kern.EventhandlerDeclare[GroupEventHandler](k, "group_attach_event")
}

// GroupDetachEvent is the kernel's group_detach_event list.
func GroupDetachEvent(k *kern.Kernel) *kern.EventhandlerList[GroupEventHandler] {
	return kern.EventhandlerDeclare[GroupEventHandler](k, "group_detach_event")
}

// GroupChangeEvent is the kernel's group_change_event list.
func GroupChangeEvent(k *kern.Kernel) *kern.EventhandlerList[GroupChangeEventHandler] {
	return kern.EventhandlerDeclare[GroupChangeEventHandler](k, "group_change_event")
}

// ---- lock macros of if_var.h and if_private.h ----

// ifnetWlock is IFNET_WLOCK (if_var.h): ifnet_sxlock exclusively.
func ifnetWlock(td *kern.Thread) { ifnetOf(td.K).ifnet_sxlock.Xlock(td) }

// ifnetWunlock is IFNET_WUNLOCK.
func ifnetWunlock(td *kern.Thread) { ifnetOf(td.K).ifnet_sxlock.Xunlock(td) }

// ifnetWlockAssert is IFNET_WLOCK_ASSERT.
func ifnetWlockAssert(td *kern.Thread) { ifnetOf(td.K).ifnet_sxlock.Assert(td, kern.SA_XLOCKED) }

// ifAddrLockInit is IF_ADDR_LOCK_INIT (if_var.h).
func ifAddrLockInit(k *kern.Kernel, ifp *Ifnet) {
	ifp.if_addr_lock.Init(k, "if_addr_lock", "", kern.MTX_DEF)
}

// ifAddrWlock is IF_ADDR_WLOCK.
func ifAddrWlock(td *kern.Thread, ifp *Ifnet) { ifp.if_addr_lock.Lock(td) }

// ifAddrWunlock is IF_ADDR_WUNLOCK.
func ifAddrWunlock(td *kern.Thread, ifp *Ifnet) { ifp.if_addr_lock.Unlock(td) }

// ifAfdataLockInit is IF_AFDATA_LOCK_INIT (if_private.h).
func ifAfdataLockInit(k *kern.Kernel, ifp *Ifnet) {
	ifp.if_afdata_lock.Init(k, "if_afdata", "", kern.MTX_DEF)
}
