// SPDX-License-Identifier: BSD-3-Clause
//
// Copyright (c) 2012 Gleb Smirnoff <glebius@FreeBSD.org>
// Copyright (c) 1980, 1986, 1993
//	The Regents of the University of California.  All rights reserved.
//
// A line-by-line port of sys/net/if_clone.c (revision 3c4ba5f5, the seed),
// in the seed's function order. Every function's doc comment names its C
// counterpart and the line where the C definition starts.

package ifclone

import (
	"kcheck/kern"
	"kcheck/unrhdr"
	"kcheck/vnet"
)

// IfClone is struct if_clone (if_clone.c:67). Lock annotations as in the C:
// (c) const until freeing, (d) driver data, (e) if_cloners_mtx, (i) ifc_mtx.
type IfClone struct {
	ifc_name    [IFCLOSIZ]byte // (c) name of the device, e.g. "gif"
	ifc_unrhdr  *unrhdr.Unrhdr // (c) alloc_unr(9) header
	ifc_maxunit int            // (c) highest unit number
	ifc_flags   int
	ifc_refcnt  int64     // (i) reference count
	ifc_iflist  IfnetList // (i) cloned interfaces
	ifc_mtx     kern.Mtx  // protects the (i) members

	ifc_match   IfcMatchF   // (c)
	ifc_create  IfcCreateF  // (c)
	ifc_destroy IfcDestroyF // (c)

	// CLONE_COMPAT_13: the union U of the C, as separate fields. (c)
	ifca_create  IfcCreateT
	ifca_destroy IfcDestroyT
	ifcs_create  IfcsCreateT
	ifcs_destroy IfcsDestroyT
	ifcs_minifs  int

	ifc_list ifCloneEntry // (e) on the vnet's list of cloners

	// Lockset shadows (kern/lockset.go) of the (i) members and of
	// ifc_flags, which the C reads with no lock (if_clone.c:71 has no
	// annotation).
	ifc_iflist_sh kern.Shadow
	ifc_refcnt_sh kern.Shadow
	ifc_flags_sh  kern.Shadow
}

// ifCloneEntry and ifCloneHead are LIST_ENTRY(if_clone) and
// LIST_HEAD(, if_clone) of sys/queue.h.
type ifCloneEntry struct {
	le_next *IfClone
	le_prev **IfClone
}

type ifCloneHead struct {
	lh_first *IfClone
	// sh shadows the list (head and the ifc_list links of its cloners)
	// together with V_if_cloners_count: both (e), if_cloners_mtx.
	sh kern.Shadow
}

// listInsertHeadClone is LIST_INSERT_HEAD(head, elm, ifc_list) with
// QMD_LIST_CHECK_HEAD (sys/sys/queue.h, INVARIANTS).
func listInsertHeadClone(td *kern.Thread, head *ifCloneHead, elm *IfClone) {
	if head.lh_first != nil && head.lh_first.ifc_list.le_prev != &head.lh_first {
		kern.Panicf(td, "Bad list head %p first->prev != head", head)
	}
	elm.ifc_list.le_next = head.lh_first
	if head.lh_first != nil {
		head.lh_first.ifc_list.le_prev = &elm.ifc_list.le_next
	}
	head.lh_first = elm
	elm.ifc_list.le_prev = &head.lh_first
}

// listRemoveClone is LIST_REMOVE(elm, ifc_list) with QMD_LIST_CHECK_NEXT
// and QMD_LIST_CHECK_PREV; the links stay as they were (no
// QUEUE_MACRO_DEBUG_TRASH in a GENERIC kernel).
func listRemoveClone(td *kern.Thread, elm *IfClone) {
	if next := elm.ifc_list.le_next; next != nil && next.ifc_list.le_prev != &elm.ifc_list.le_next {
		kern.Panicf(td, "Bad link elm %p next->prev != elm", elm)
	}
	if elm.ifc_list.le_prev == nil || *elm.ifc_list.le_prev != elm {
		kern.Panicf(td, "Bad link elm %p prev->next != elm", elm)
	}
	if elm.ifc_list.le_next != nil {
		elm.ifc_list.le_next.ifc_list.le_prev = elm.ifc_list.le_prev
	}
	*elm.ifc_list.le_prev = elm.ifc_list.le_next
}

// cloneState holds if_clone.c's globals for one kernel: if_cloners_mtx
// (if_clone.c:122) and its per-vnet variables (if_clone.c:124-125).
type cloneState struct {
	if_cloners_mtx   kern.Mtx
	if_cloners_count *vnet.Var[int]
	if_cloners       *vnet.Var[ifCloneHead]
}

var cloneSlot = kern.NewSlot[cloneState]()

// clones returns the kernel's if_clone.c state, creating it on first use:
// MTX_SYSINIT(if_cloners_lock) and the VNET_DEFINEs (if_clone.c:123-125).
func clones(td *kern.Thread) *cloneState {
	return cloneSlot.Get(td.K, func() *cloneState {
		cs := &cloneState{}
		cs.if_cloners_mtx.Init(td.K, "if_cloners lock", "", kern.MTX_DEF)
		cs.if_cloners_count = vnet.Define[int](td, "if_cloners_count", 0)
		cs.if_cloners = vnet.Define[ifCloneHead](td, "if_cloners", ifCloneHead{})
		return cs
	})
}

// MClone is the kernel's M_CLONE malloc type (if_clone.c:178).
func MClone(k *kern.Kernel) *kern.MallocType {
	return k.MallocType("clone", "interface cloning framework")
}

// IfCloneEvent is the kernel's if_clone_event eventhandler list.
func IfCloneEvent(k *kern.Kernel) *kern.EventhandlerList[IfCloneEventHandler] {
	return kern.EventhandlerDeclare[IfCloneEventHandler](k, "if_clone_event")
}

// V_if_cloners_count is V_if_cloners_count (if_clone.c:127), VNET(if_cloners_count).
func V_if_cloners_count(td *kern.Thread) *int { return clones(td).if_cloners_count.V(td) }

// V_if_cloners is V_if_cloners (if_clone.c:128), VNET(if_cloners).
func V_if_cloners(td *kern.Thread) *ifCloneHead { return clones(td).if_cloners.V(td) }

// The lock macros of if_clone.c:130-139.

func IF_CLONERS_LOCK_ASSERT(td *kern.Thread) { clones(td).if_cloners_mtx.Assert(td, kern.MA_OWNED) }
func IF_CLONERS_LOCK(td *kern.Thread)        { clones(td).if_cloners_mtx.Lock(td) }
func IF_CLONERS_UNLOCK(td *kern.Thread)      { clones(td).if_cloners_mtx.Unlock(td) }
func IF_CLONE_LOCK_INIT(td *kern.Thread, ifc *IfClone) {
	ifc.ifc_mtx.Init(td.K, "if_clone lock", "", kern.MTX_DEF)
}
func IF_CLONE_LOCK_DESTROY(td *kern.Thread, ifc *IfClone) { ifc.ifc_mtx.Destroy(td) }
func IF_CLONE_LOCK_ASSERT(td *kern.Thread, ifc *IfClone)  { ifc.ifc_mtx.Assert(td, kern.MA_OWNED) }
func IF_CLONE_LOCK(td *kern.Thread, ifc *IfClone)         { ifc.ifc_mtx.Lock(td) }
func IF_CLONE_UNLOCK(td *kern.Thread, ifc *IfClone)       { ifc.ifc_mtx.Unlock(td) }

// IF_CLONE_ADDREF is the macro of if_clone.c:141.
func IF_CLONE_ADDREF(td *kern.Thread, ifc *IfClone) {
	IF_CLONE_LOCK(td, ifc)
	IF_CLONE_ADDREF_LOCKED(td, ifc)
	IF_CLONE_UNLOCK(td, ifc)
}

// IF_CLONE_ADDREF_LOCKED is the macro of if_clone.c:147.
func IF_CLONE_ADDREF_LOCKED(td *kern.Thread, ifc *IfClone) {
	IF_CLONE_LOCK_ASSERT(td, ifc)
	kern.Write(td, &ifc.ifc_refcnt_sh)
	if !(ifc.ifc_refcnt >= 0) {
		kern.Panicf(td, "negative refcnt %d", ifc.ifc_refcnt)
	}
	ifc.ifc_refcnt++
}

// IF_CLONE_REMREF is the macro of if_clone.c:154: it returns with the
// cloner unlocked, and freed if that was the last reference.
func IF_CLONE_REMREF(td *kern.Thread, ifc *IfClone) {
	IF_CLONE_LOCK(td, ifc)
	IF_CLONE_REMREF_LOCKED(td, ifc)
}

// IF_CLONE_REMREF_LOCKED is the macro of if_clone.c:159.
func IF_CLONE_REMREF_LOCKED(td *kern.Thread, ifc *IfClone) {
	IF_CLONE_LOCK_ASSERT(td, ifc)
	kern.Write(td, &ifc.ifc_refcnt_sh)
	if !(ifc.ifc_refcnt > 0) {
		kern.Panicf(td, "bogus refcnt %d", ifc.ifc_refcnt)
	}
	ifc.ifc_refcnt--
	if ifc.ifc_refcnt == 0 {
		IF_CLONE_UNLOCK(td, ifc)
		IfCloneFree(td, ifc)
	} else {
		IF_CLONE_UNLOCK(td, ifc)
	}
}

// IFC_IFLIST_INSERT is the macro of if_clone.c:173.
func IFC_IFLIST_INSERT(td *kern.Thread, ifc *IfClone, ifp *Ifnet) {
	kern.Write(td, &ifc.ifc_iflist_sh)
	IfnetListInsertHead(td, &ifc.ifc_iflist, ifp)
}

// IFC_IFLIST_REMOVE is the macro of if_clone.c:175.
func IFC_IFLIST_REMOVE(td *kern.Thread, ifc *IfClone, ifp *Ifnet) {
	kern.Write(td, &ifc.ifc_iflist_sh)
	IfnetListRemove(td, ifp)
}

// VnetIfCloneInit is vnet_if_clone_init (if_clone.c:180).
func VnetIfCloneInit(td *kern.Thread) {
	*V_if_cloners(td) = ifCloneHead{}
	kern.GuardBy(&V_if_cloners(td).sh, "V_if_cloners", &clones(td).if_cloners_mtx, 0)
}

// IfcCreateIfp is ifc_create_ifp (if_clone.c:190).
func IfcCreateIfp(td *kern.Thread, name []byte, ifd *IfcData, ifpp **Ifnet) kern.Errno {
	var ifname [IFNAMSIZ]byte
	var ifp *Ifnet

	// Try to find an applicable cloner for this request.
	ifc := IfcFindClonerMatch(td, name)
	if ifc == nil {
		return kern.EINVAL
	}

	kern.Strlcpy(ifname[:], name)
	err := IfCloneCreateif(td, ifc, ifname[:], IFNAMSIZ, ifd, &ifp)
	if ifpp != nil {
		*ifpp = ifp
	}

	return err
}

// IfCloneCreate is if_clone_create (if_clone.c:212). The name buffer
// is in and out: a wildcard comes back with its unit.
func IfCloneCreate(td *kern.Thread, name []byte, len int, params Caddr) kern.Errno {
	ifd := IfcData{Params: params}
	var ifp *Ifnet

	err := IfcCreateIfp(td, name, &ifd, &ifp)

	if err == 0 {
		kern.Strlcpy(name[:len], IfName(ifp))
	}

	return err
}

// IfcLinkIfp is ifc_link_ifp (if_clone.c:226).
func IfcLinkIfp(td *kern.Thread, ifc *IfClone, ifp *Ifnet) {
	kern.Preempt(td) // unlocked read of ifc_flags
	kern.Known(td, &ifc.ifc_flags_sh, kern.AccessRead, "if_clone.c:230 ifc_flags in ifc_link_ifp")
	if ifc.ifc_flags&IFC_NOGROUP == 0 {
		IfAddgroup(td, ifp, kern.CString(ifc.ifc_name[:]))
	}

	IF_CLONE_LOCK(td, ifc)
	IFC_IFLIST_INSERT(td, ifc, ifp)
	IF_CLONE_UNLOCK(td, ifc)
}

// IfCloneAddif is if_clone_addif (if_clone.c:238).
func IfCloneAddif(td *kern.Thread, ifc *IfClone, ifp *Ifnet) {
	IfcLinkIfp(td, ifc, ifp)
}

// IfcUnlinkIfp is ifc_unlink_ifp (if_clone.c:244).
func IfcUnlinkIfp(td *kern.Thread, ifc *IfClone, ifp *Ifnet) bool {
	var ifcifp *Ifnet

	IF_CLONE_LOCK(td, ifc)
	kern.Read(td, &ifc.ifc_iflist_sh) // LIST_FOREACH
	for ifcifp = IfnetListFirst(&ifc.ifc_iflist); ifcifp != nil; ifcifp = IfnetListNext(ifcifp) {
		if ifcifp == ifp {
			IFC_IFLIST_REMOVE(td, ifc, ifp)
			break
		}
	}
	IF_CLONE_UNLOCK(td, ifc)

	kern.Preempt(td) // unlocked read of ifc_flags
	kern.Known(td, &ifc.ifc_flags_sh, kern.AccessRead, "if_clone.c:258 ifc_flags in ifc_unlink_ifp")
	if ifcifp != nil && ifc.ifc_flags&IFC_F_NOGROUP == 0 {
		IfDelgroup(td, ifp, kern.CString(ifc.ifc_name[:]))
	}

	return ifcifp != nil
}

// IfcFindClonerMatch is ifc_find_cloner_match (if_clone.c:264).
func IfcFindClonerMatch(td *kern.Thread, name []byte) *IfClone {
	var ifc *IfClone

	IF_CLONERS_LOCK(td)
	kern.Read(td, &V_if_cloners(td).sh) // LIST_FOREACH
	for ifc = V_if_cloners(td).lh_first; ifc != nil; ifc = ifc.ifc_list.le_next {
		if ifc.ifc_match(td, ifc, name) {
			break
		}
	}
	IF_CLONERS_UNLOCK(td)

	return ifc
}

// IfcFindCloner is ifc_find_cloner (if_clone.c:279).
func IfcFindCloner(td *kern.Thread, name []byte) *IfClone {
	var ifc *IfClone

	IF_CLONERS_LOCK(td)
	kern.Read(td, &V_if_cloners(td).sh) // LIST_FOREACH
	for ifc = V_if_cloners(td).lh_first; ifc != nil; ifc = ifc.ifc_list.le_next {
		if kern.Strcmp(ifc.ifc_name[:], name) == 0 {
			break
		}
	}
	IF_CLONERS_UNLOCK(td)

	return ifc
}

// IfcFindClonerInVnet is ifc_find_cloner_in_vnet (if_clone.c:295).
func IfcFindClonerInVnet(td *kern.Thread, name []byte, vnet_ *vnet.Vnet) *IfClone {
	saved := vnet.CurvnetSetQuiet(td, vnet_)
	ifc := IfcFindCloner(td, name)
	vnet.CurvnetRestore(td, saved)

	return ifc
}

// IfCloneCreateif is if_clone_createif (if_clone.c:308).
func IfCloneCreateif(td *kern.Thread, ifc *IfClone, name []byte, len int, ifd *IfcData, ifpp **Ifnet) kern.Errno {
	var err kern.Errno
	unit := 0

	if Ifunit(td, name) != nil {
		return kern.EEXIST
	}

	kern.Preempt(td) // unlocked read of ifc_flags, and the window after ifunit
	kern.Known(td, &ifc.ifc_flags_sh, kern.AccessRead, "if_clone.c:317 ifc_flags in if_clone_createif")
	if ifc.ifc_flags&IFC_F_AUTOUNIT != 0 {
		if err = IfcHandleUnit(td, ifc, name, len, &unit); err != 0 {
			return err
		}
		ifd.Unit = uint32(unit)
	}
	*ifpp = nil
	err = ifc.ifc_create(td, ifc, name, len, ifd, ifpp)

	if err == 0 {
		kern.MPASS(td, *ifpp != nil)
		IfCloneAddif(td, ifc, *ifpp)
	} else if kern.Preempt(td); ifc.ifc_flags&IFC_F_AUTOUNIT != 0 { // unlocked read of ifc_flags
		kern.Known(td, &ifc.ifc_flags_sh, kern.AccessRead, "if_clone.c:328 ifc_flags in if_clone_createif")
		IfcFreeUnit(td, ifc, unit)
	}

	return err
}

// IfCloneDestroy is if_clone_destroy (if_clone.c:337).
func IfCloneDestroy(td *kern.Thread, name []byte) kern.Errno {
	var err kern.Errno
	var ifc *IfClone
	var ifp *Ifnet

	ifp = IfunitRef(td, name)
	if ifp == nil {
		return kern.ENXIO
	}

	ifc = IfcFindClonerInVnet(td, []byte(ifp.IfDname+"\x00"), ifp.IfHomeVnet)
	if ifc == nil {
		IfRele(td, ifp)
		return kern.EINVAL
	}

	err = IfCloneDestroyif(td, ifc, ifp)
	IfRele(td, ifp)
	return err
}

// IfCloneDestroyifFlags is if_clone_destroyif_flags (if_clone.c:362).
func IfCloneDestroyifFlags(td *kern.Thread, ifc *IfClone, ifp *Ifnet, flags uint32) kern.Errno {
	var err kern.Errno

	// The interface may live in another vnet than its cloner: run in the
	// interface's vnet.
	saved := vnet.CurvnetSetQuiet(td, ifp.IfVnet)

	if !IfcUnlinkIfp(td, ifc, ifp) {
		vnet.CurvnetRestore(td, saved)
		return kern.ENXIO // ifp is not on the list
	}

	unit := ifp.IfDunit
	err = ifc.ifc_destroy(td, ifc, ifp, flags)

	if err != 0 {
		IfcLinkIfp(td, ifc, ifp)
	} else if kern.Preempt(td); ifc.ifc_flags&IFC_F_AUTOUNIT != 0 { // unlocked read of ifc_flags
		kern.Known(td, &ifc.ifc_flags_sh, kern.AccessRead, "if_clone.c:384 ifc_flags in if_clone_destroyif_flags")
		IfcFreeUnit(td, ifc, unit)
	}
	vnet.CurvnetRestore(td, saved)
	return err
}

// IfCloneDestroyif is if_clone_destroyif (if_clone.c:390).
func IfCloneDestroyif(td *kern.Thread, ifc *IfClone, ifp *Ifnet) kern.Errno {
	return IfCloneDestroyifFlags(td, ifc, ifp, 0)
}

// IfCloneAlloc is if_clone_alloc (if_clone.c:396).
func IfCloneAlloc(td *kern.Thread, name []byte, maxunit int) *IfClone {
	kern.KASSERT(td, name != nil, "%s: no name\n", "if_clone_alloc")

	ifc := kern.Malloc[IfClone](td, MClone(td.K), kern.M_WAITOK|kern.M_ZERO)
	kern.Strncpy(ifc.ifc_name[:], name, IFCLOSIZ-1)
	IF_CLONE_LOCK_INIT(td, ifc)
	kern.GuardBy(&ifc.ifc_iflist_sh, "ifc_iflist", &ifc.ifc_mtx, 0)
	kern.GuardBy(&ifc.ifc_refcnt_sh, "ifc_refcnt", &ifc.ifc_mtx, 0)
	kern.GuardBy(&ifc.ifc_flags_sh, "ifc_flags", nil, 0)
	IF_CLONE_ADDREF(td, ifc)
	if maxunit != 0 {
		ifc.ifc_maxunit = maxunit
	} else {
		ifc.ifc_maxunit = IF_MAXUNIT
	}
	ifc.ifc_unrhdr = unrhdr.NewUnrhdr(td, 0, ifc.ifc_maxunit, &ifc.ifc_mtx)
	ifc.ifc_iflist = IfnetList{}

	return ifc
}

// IfCloneAttach is if_clone_attach (if_clone.c:414).
func IfCloneAttach(td *kern.Thread, ifc *IfClone) kern.Errno {
	IF_CLONERS_LOCK(td)
	kern.Read(td, &V_if_cloners(td).sh) // LIST_FOREACH
	for ifc1 := V_if_cloners(td).lh_first; ifc1 != nil; ifc1 = ifc1.ifc_list.le_next {
		if kern.Strcmp(ifc.ifc_name[:], ifc1.ifc_name[:]) == 0 {
			IF_CLONERS_UNLOCK(td)
			IF_CLONE_REMREF(td, ifc)
			return kern.EEXIST
		}
	}
	kern.Write(td, &V_if_cloners(td).sh) // LIST_INSERT_HEAD, V_if_cloners_count++
	listInsertHeadClone(td, V_if_cloners(td), ifc)
	*V_if_cloners_count(td)++
	IF_CLONERS_UNLOCK(td)

	return 0
}

// IfcAttachCloner is ifc_attach_cloner (if_clone.c:433).
func IfcAttachCloner(td *kern.Thread, name []byte, req *IfCloneAddreq) *IfClone {
	if req.CreateF == nil || req.DestroyF == nil {
		return nil
	}
	if kern.Strnlen(name, IFCLOSIZ) >= IFCLOSIZ-1 {
		return nil
	}

	ifc := IfCloneAlloc(td, name, int(req.Maxunit))
	if req.MatchF != nil {
		ifc.ifc_match = req.MatchF
	} else {
		ifc.ifc_match = IfcSimpleMatch
	}
	ifc.ifc_create = req.CreateF
	ifc.ifc_destroy = req.DestroyF
	kern.Write(td, &ifc.ifc_flags_sh)
	ifc.ifc_flags = int(req.Flags & (IFC_F_AUTOUNIT | IFC_F_NOGROUP))

	if IfCloneAttach(td, ifc) != 0 {
		return nil
	}

	IfCloneEvent(td.K).Invoke(func(h IfCloneEventHandler) { h(td, ifc) })

	return ifc
}

// IfcDetachCloner is ifc_detach_cloner (if_clone.c:455).
func IfcDetachCloner(td *kern.Thread, ifc *IfClone) {
	IfCloneDetach(td, ifc)
}

// IfcAdvancedCreateWrapper is ifc_advanced_create_wrapper (if_clone.c:464).
func IfcAdvancedCreateWrapper(td *kern.Thread, ifc *IfClone, name []byte, maxlen int, ifc_data *IfcData, ifpp **Ifnet) kern.Errno {
	err := ifc.ifca_create(td, ifc, name, maxlen, ifc_data.Params)

	if err == 0 {
		*ifpp = Ifunit(td, name)
	}
	return err
}

// IfcAdvancedDestroyWrapper is ifc_advanced_destroy_wrapper (if_clone.c:475).
func IfcAdvancedDestroyWrapper(td *kern.Thread, ifc *IfClone, ifp *Ifnet, flags uint32) kern.Errno {
	if ifc.ifca_destroy == nil {
		return kern.ENOTSUP
	}
	return ifc.ifca_destroy(td, ifc, ifp)
}

// IfCloneAdvanced is if_clone_advanced (if_clone.c:483).
func IfCloneAdvanced(td *kern.Thread, name []byte, maxunit uint, match IfcMatchT, create IfcCreateT, destroy IfcDestroyT) *IfClone {
	ifc := IfCloneAlloc(td, name, int(maxunit))
	ifc.ifc_match = match
	ifc.ifc_create = IfcAdvancedCreateWrapper
	ifc.ifc_destroy = IfcAdvancedDestroyWrapper
	ifc.ifca_destroy = destroy
	ifc.ifca_create = create

	if IfCloneAttach(td, ifc) != 0 {
		return nil
	}

	IfCloneEvent(td.K).Invoke(func(h IfCloneEventHandler) { h(td, ifc) })

	return ifc
}

// IfcSimpleCreateWrapper is ifc_simple_create_wrapper (if_clone.c:504).
func IfcSimpleCreateWrapper(td *kern.Thread, ifc *IfClone, name []byte, maxlen int, ifc_data *IfcData, ifpp **Ifnet) kern.Errno {
	unit := 0

	IfcName2unit(name, &unit)
	err := ifc.ifcs_create(td, ifc, unit, ifc_data.Params)
	if err == 0 {
		*ifpp = Ifunit(td, name)
	}
	return err
}

// IfcSimpleDestroyWrapper is ifc_simple_destroy_wrapper (if_clone.c:517).
func IfcSimpleDestroyWrapper(td *kern.Thread, ifc *IfClone, ifp *Ifnet, flags uint32) kern.Errno {
	if ifp.IfDunit < ifc.ifcs_minifs && flags&IFC_F_FORCE == 0 {
		return kern.EINVAL
	}

	ifc.ifcs_destroy(td, ifp)
	return 0
}

// IfCloneSimple is if_clone_simple (if_clone.c:527).
func IfCloneSimple(td *kern.Thread, name []byte, create IfcsCreateT, destroy IfcsDestroyT, minifs uint) *IfClone {
	ifc := IfCloneAlloc(td, name, 0)
	ifc.ifc_match = IfcSimpleMatch
	ifc.ifc_create = IfcSimpleCreateWrapper
	ifc.ifc_destroy = IfcSimpleDestroyWrapper
	ifc.ifcs_create = create
	ifc.ifcs_destroy = destroy
	ifc.ifcs_minifs = int(minifs)
	kern.Write(td, &ifc.ifc_flags_sh)
	ifc.ifc_flags = IFC_F_AUTOUNIT

	if IfCloneAttach(td, ifc) != 0 {
		return nil
	}

	for unit := uint(0); unit < minifs; unit++ {
		var name [IFNAMSIZ]byte
		var ifd IfcData
		var ifp *Ifnet

		kern.Snprintf(name[:], "%s%d", ifc.ifc_name[:], int(unit))
		err := IfCloneCreateif(td, ifc, name[:], IFNAMSIZ, &ifd, &ifp)
		if err != 0 {
			kern.Panicf(td, "%s: failed to create required interface %s", "if_clone_simple", kern.CString(name[:]))
		}
	}

	IfCloneEvent(td.K).Invoke(func(h IfCloneEventHandler) { h(td, ifc) })

	return ifc
}

// IfCloneDetach is if_clone_detach (if_clone.c:568).
func IfCloneDetach(td *kern.Thread, ifc *IfClone) {
	IF_CLONERS_LOCK(td)
	kern.Write(td, &V_if_cloners(td).sh) // LIST_REMOVE, V_if_cloners_count--
	listRemoveClone(td, ifc)
	*V_if_cloners_count(td)--
	IF_CLONERS_UNLOCK(td)

	// Destroy every interface of this cloner. The list head is read
	// without the cloner lock, as in the C (if_clone.c:578-579): once for
	// LIST_EMPTY and again for the argument, whose if_vnet the callee
	// reads with nothing held and no reference, so a concurrent
	// SIOCIFDESTROY can free the interface in either window.
	for {
		kern.Preempt(td)
		kern.Known(td, &ifc.ifc_iflist_sh, kern.AccessRead, "if_clone.c:578 LIST_EMPTY in if_clone_detach")
		if IfnetListFirst(&ifc.ifc_iflist) == nil {
			break
		}
		kern.Preempt(td)
		kern.Known(td, &ifc.ifc_iflist_sh, kern.AccessRead, "if_clone.c:579 LIST_FIRST in if_clone_detach")
		ifp := IfnetListFirst(&ifc.ifc_iflist)
		kern.Preempt(td)
		IfCloneDestroyifFlags(td, ifc, ifp, IFC_F_FORCE)
	}

	IF_CLONE_REMREF(td, ifc)
}

// IfCloneFree is if_clone_free (if_clone.c:584).
func IfCloneFree(td *kern.Thread, ifc *IfClone) {
	kern.Known(td, &ifc.ifc_iflist_sh, kern.AccessRead, "if_clone.c:588 LIST_EMPTY in if_clone_free (last reference)")
	kern.KASSERT(td, IfnetListFirst(&ifc.ifc_iflist) == nil, "%s: ifc_iflist not empty", "if_clone_free")

	IF_CLONE_LOCK_DESTROY(td, ifc)
	unrhdr.DeleteUnrhdr(td, ifc.ifc_unrhdr)
	kern.Free(td, ifc, MClone(td.K))
}

// IfCloneList is if_clone_list (if_clone.c:599).
func IfCloneList(td *kern.Thread, ifcr *IfClonereq) kern.Errno {
	var outbuf *kern.Bytes
	var err kern.Errno
	var bufCount, count int

	if ifcr.IfcrCount < 0 {
		return kern.EINVAL
	}

	IF_CLONERS_LOCK(td)
	kern.Read(td, &V_if_cloners(td).sh) // V_if_cloners_count
	// Size the buffer from a first look at the count; a cloner attached
	// between this unlock and the next lock may go unreported.
	if *V_if_cloners_count(td) < int(ifcr.IfcrCount) {
		bufCount = *V_if_cloners_count(td)
	} else {
		bufCount = int(ifcr.IfcrCount)
	}
	IF_CLONERS_UNLOCK(td)

	outbuf = kern.MallocBytes(td, MClone(td.K), IFNAMSIZ*bufCount, kern.M_WAITOK|kern.M_ZERO)

	IF_CLONERS_LOCK(td)
	kern.Read(td, &V_if_cloners(td).sh) // V_if_cloners_count and the list

	ifcr.IfcrTotal = int32(*V_if_cloners_count(td))
	dst := ifcr.IfcrBuffer
	if dst == 0 {
		// Only the total was asked for.
		goto done
	}
	if *V_if_cloners_count(td) < bufCount {
		count = *V_if_cloners_count(td)
	} else {
		count = bufCount
	}

	for ifc, buf := V_if_cloners(td).lh_first, 0; ifc != nil && count != 0; ifc, count, buf = ifc.ifc_list.le_next, count-1, buf+IFNAMSIZ {
		kern.Strlcpy(outbuf.B[buf:buf+IFNAMSIZ], ifc.ifc_name[:])
	}

done:
	IF_CLONERS_UNLOCK(td)
	if err == 0 && dst != 0 {
		err = kern.Copyout(td, outbuf.B, dst)
	}
	if outbuf != nil {
		kern.Free(td, outbuf, MClone(td.K))
	}
	return err
}

// IfCloneRestoregroup is if_clone_restoregroup (if_clone.c:659). After
// if_vmove it puts ifp back into its cloner's group, if a cloner of that
// name exists in the new vnet.
func IfCloneRestoregroup(td *kern.Thread, ifp *Ifnet) {
	var ifc *IfClone
	var ifc_name [IFCLOSIZ]byte

	saved := vnet.CurvnetSetQuiet(td, ifp.IfHomeVnet)
	IF_CLONERS_LOCK(td)
	kern.Read(td, &V_if_cloners(td).sh) // LIST_FOREACH
	for ifc = V_if_cloners(td).lh_first; ifc != nil; ifc = ifc.ifc_list.le_next {
		IF_CLONE_LOCK(td, ifc)
		kern.Read(td, &ifc.ifc_iflist_sh) // LIST_FOREACH
		for ifcifp := IfnetListFirst(&ifc.ifc_iflist); ifcifp != nil; ifcifp = IfnetListNext(ifcifp) {
			if ifp == ifcifp {
				kern.Strncpy(ifc_name[:], ifc.ifc_name[:], IFCLOSIZ-1)
				break
			}
		}
		IF_CLONE_UNLOCK(td, ifc)
		if ifc_name[0] != 0 {
			break
		}
	}
	vnet.CurvnetRestore(td, saved)
	kern.Read(td, &V_if_cloners(td).sh) // LIST_FOREACH
	for ifc = V_if_cloners(td).lh_first; ifc != nil; ifc = ifc.ifc_list.le_next {
		kern.Preempt(td) // ifc_flags is not guarded by if_cloners_mtx
		kern.Known(td, &ifc.ifc_flags_sh, kern.AccessRead, "if_clone.c:683 ifc_flags in if_clone_restoregroup")
		if kern.Strcmp(ifc.ifc_name[:], ifc_name[:]) == 0 && ifc.ifc_flags&IFC_NOGROUP == 0 {
			break
		}
	}
	IF_CLONERS_UNLOCK(td)

	if ifc != nil {
		IfAddgroup(td, ifp, kern.CString(ifc_name[:]))
	}
}

// IfcName2unit is ifc_name2unit (if_clone.c:698). It extracts the unit
// of a name of the form name###, -1 when there are no digits.
func IfcName2unit(name []byte, unit *int) kern.Errno {
	const intMax = 1<<31 - 1
	cutoff := intMax / 10
	cutlim := intMax % 10
	at := func(i int) byte {
		if i < len(name) {
			return name[i]
		}
		return 0
	}

	cp := 0
	for ; at(cp) != 0 && (at(cp) < '0' || at(cp) > '9'); cp++ {
	}
	if at(cp) == 0 {
		*unit = -1
	} else if at(cp) == '0' && at(cp+1) != 0 {
		// No leading zeroes.
		return kern.EINVAL
	} else {
		for *unit = 0; at(cp) != 0; cp++ {
			if at(cp) < '0' || at(cp) > '9' {
				// Not a number.
				return kern.EINVAL
			}
			if *unit > cutoff || (*unit == cutoff && int(at(cp)-'0') > cutlim) {
				return kern.EINVAL
			}
			*unit = (*unit * 10) + int(at(cp)-'0')
		}
	}

	return 0
}

// IfcAllocUnitSpecific is ifc_alloc_unit_specific (if_clone.c:728).
func IfcAllocUnitSpecific(td *kern.Thread, ifc *IfClone, unit *int) kern.Errno {
	var name [IFNAMSIZ]byte

	if *unit > ifc.ifc_maxunit {
		return kern.ENOSPC
	}

	if unrhdr.AllocUnrSpecific(td, ifc.ifc_unrhdr, uint32(*unit)) == -1 {
		return kern.EEXIST
	}

	kern.Snprintf(name[:], "%s%d", ifc.ifc_name[:], *unit)
	if Ifunit(td, name[:]) != nil {
		unrhdr.FreeUnr(td, ifc.ifc_unrhdr, uint32(*unit))
		return kern.EEXIST
	}

	IF_CLONE_ADDREF(td, ifc)

	return 0
}

// IfcAllocUnitNext is ifc_alloc_unit_next (if_clone.c:750).
func IfcAllocUnitNext(td *kern.Thread, ifc *IfClone, unit *int) kern.Errno {
	var err kern.Errno

	*unit = unrhdr.AllocUnr(td, ifc.ifc_unrhdr)
	if *unit == -1 {
		return kern.ENOSPC
	}

	unrhdr.FreeUnr(td, ifc.ifc_unrhdr, uint32(*unit))
	for {
		err = IfcAllocUnitSpecific(td, ifc, unit)
		if err != kern.EEXIST {
			break
		}

		*unit++
	}

	return err
}

// IfcAllocUnit is ifc_alloc_unit (if_clone.c:771).
func IfcAllocUnit(td *kern.Thread, ifc *IfClone, unit *int) kern.Errno {
	if *unit < 0 {
		return IfcAllocUnitNext(td, ifc, unit)
	}
	return IfcAllocUnitSpecific(td, ifc, unit)
}

// IfcFreeUnit is ifc_free_unit (if_clone.c:780).
func IfcFreeUnit(td *kern.Thread, ifc *IfClone, unit int) {
	unrhdr.FreeUnr(td, ifc.ifc_unrhdr, uint32(unit))
	IF_CLONE_REMREF(td, ifc)
}

// IfcSimpleMatch is ifc_simple_match (if_clone.c:788).
func IfcSimpleMatch(td *kern.Thread, ifc *IfClone, name []byte) bool {
	at := func(i int) byte {
		if i < len(name) {
			return name[i]
		}
		return 0
	}

	// The cloner's name first.
	cp := 0
	for i := 0; i < kern.Strlen(ifc.ifc_name[:]); i, cp = i+1, cp+1 {
		if ifc.ifc_name[i] != at(cp) {
			return false
		}
	}

	// Then a unit number or nothing.
	for ; at(cp) != 0; cp++ {
		if at(cp) < '0' || at(cp) > '9' {
			return false
		}
	}

	return true
}

// IfcHandleUnit is ifc_handle_unit (if_clone.c:809).
func IfcHandleUnit(td *kern.Thread, ifc *IfClone, name []byte, len int, punit *int) kern.Errno {
	var unit int

	err := IfcName2unit(name, &unit)
	if err != 0 {
		return err
	}

	wildcard := unit < 0

	err = IfcAllocUnit(td, ifc, &unit)
	if err != 0 {
		return err
	}

	// A wildcard name gets the unit appended.
	if wildcard {
		dp := kern.Strlen(name[:len])
		if kern.Snprintf(name[dp:len], "%d", unit) > len-dp-1 {
			// Only a programming error can get here.
			kern.Panicf(td, "if_clone_create(): interface name too long")
		}
	}
	*punit = unit

	return 0
}

// IfcCopyin is ifc_copyin (if_clone.c:845).
func IfcCopyin(td *kern.Thread, ifd *IfcData, target []byte) kern.Errno {
	if ifd.Params.IsNull() {
		return kern.EINVAL
	}

	if ifd.Flags&IFC_F_SYSSPACE != 0 {
		copy(target, ifd.Params.Kernel)
		return 0
	}
	return kern.Copyin(td, ifd.Params.User, target)
}

// IfcName is ifc_name (if_clone.c:858).
func IfcName(ifc *IfClone) string {
	return kern.CString(ifc.ifc_name[:])
}

// IfcFlagsSet is ifc_flags_set (if_clone.c:864).
func IfcFlagsSet(ifc *IfClone, flags int) {
	ifc.ifc_flags = flags
}

// IfcFlagsGet is ifc_flags_get (if_clone.c:870).
func IfcFlagsGet(ifc *IfClone) int {
	return ifc.ifc_flags
}

// IfcUnrhdr exposes a cloner's unit allocator to tests (not in the C,
// where ifc_unrhdr is private to if_clone.c).
func IfcUnrhdr(ifc *IfClone) *unrhdr.Unrhdr { return ifc.ifc_unrhdr }
