// SPDX-License-Identifier: BSD-2-Clause
//
// Copyright (c) 2008 The FreeBSD Foundation
// Copyright (c) 2009-2021 Bjoern A. Zeeb <bz@FreeBSD.org>
//
// The licence text is in LICENSE.

// Package epair is the cloner-facing part of FreeBSD's epair(4) driver,
// sys/net/if_epair.c, as FreeBSD 14-CURRENT had it in mid-2023: a pair of
// Ethernet-like interfaces epair<N>a and epair<N>b made by one create
// request.
//
// Line numbers refer to sys/net/if_epair.c of freebsd/freebsd-src at
// 4d846d260e2b (May 2023, the SPDX tag change: ifc_attach_cloner,
// struct if_clone_addreq, <net/if_private.h>).
//
// # What the cloner does
//
//   - Its own match (epairCloneMatch): "epair" and "epair<digits>", never
//     the "epair<N>a"/"epair<N>b" names, so a create request cannot name
//     an end.
//   - Its own unit handling (epairHandleUnit) through ifc_alloc_unit: the
//     cloner is not IFC_F_AUTOUNIT. The unit is given back (ifc_free_unit)
//     when either end's name already exists, with EEXIST.
//   - One create makes both ends (epairCloneCreate). The b end is linked
//     to the cloner inside the create with if_clone_addif; the a end is
//     linked by if_clone_createif after the create returns. For that window
//     b is on the cloner's list and a is not.
//   - Destroying either end destroys both (epairCloneDestroy): the peer is
//     detached and handed to if_clone_destroyif in its own vnet with its
//     softc cleared, so that the nested destroy returns at once; the unit is
//     freed once, by the outer call.
//   - The ends may live in different vnets (if_vmove); the cloner of the
//     pair is the one of the vnet it was created in.
//
// # Not emulated
//
// The packet path (transmit, start, the per-CPU queues' mbufs and task
// queues, netisr), media, ioctl, BPF, RSS, capabilities. The queue mutexes
// are kept, since create and destroy initialise, lock and destroy them;
// ether_ifattach and ether_ifdetach are reduced to if_attach and if_detach
// plus the hardware address (etherIfattach, etherIfdetach). The MAC is
// hashed with FNV-1a instead of jenkins_hash32 from a fixed hostid (see
// docs/DIVERGENCES.md, "drivers: lo/disc/epair").
//
// # Locks
//
// epair_n_index_mtx ("epairidx") guards next_index; it is a leaf, taken in
// the create path only. Each queue has its "epairq" mutex, also a leaf.
// Neither is held across a call into if_clone.c or if.c.
package epair

import (
	"encoding/binary"
	"hash/fnv"

	"kcheck/ifclone"
	"kcheck/kern"
	"kcheck/vnet"
)

// epairname is epairname (if_epair.c:86).
const epairname = "epair"

// Module event types (sys/sys/module.h).
const (
	modLoad   = 0 // MOD_LOAD
	modUnload = 1 // MOD_UNLOAD
)

// ETHER_ADDR_LEN is the length of an Ethernet address (net/ethernet.h).
const ETHER_ADDR_LEN = 6

// The states of an epair queue (if_epair.c:107).
const (
	EPAIR_QUEUE_IDLE = iota
	EPAIR_QUEUE_WAKING
	EPAIR_QUEUE_RUNNING
)

// epairQueue is struct epair_queue (if_epair.c:103), without the mbuf queue
// and the task.
type epairQueue struct {
	mtx   kern.Mtx
	id    int
	state int
	sc    *epairSoftc
}

// epairQueues is the array mallocarray(9) returns for sc->queues.
type epairQueues struct {
	q []epairQueue
}

// epairSoftc is struct epair_softc (if_epair.c:117), allocated from
// M_EPAIR. hwaddr stands for the interface's if_hw_addr, which kcheck's
// ifnet does not have.
type epairSoftc struct {
	ifp        *ifclone.Ifnet // this ifp
	oifp       *ifclone.Ifnet // the other ifp of the pair
	num_queues int
	queues     *epairQueues
	hwaddr     [ETHER_ADDR_LEN]byte
}

// epairGlobals holds what are file-scope variables of if_epair.c for one
// kernel.
type epairGlobals struct {
	// m_epair is M_EPAIR (if_epair.c:89).
	m_epair *kern.MallocType
	// v_epair_cloner is VNET_DEFINE_STATIC(struct if_clone *, epair_cloner)
	// (if_epair.c:92).
	v_epair_cloner *vnet.Var[*ifclone.IfClone]
	// epair_n_index_mtx (if_epair.c:116) guards next_index (if_epair.c:95).
	epair_n_index_mtx kern.Mtx
	next_index        uint32
	// epair_tasks (if_epair.c:131): only the count of queues is kept, set
	// at module load and read without a lock afterwards.
	epair_tasks struct{ tasks int }
}

var epairSlot = kern.NewSlot[epairGlobals]()

func epairOf(k *kern.Kernel) *epairGlobals {
	return epairSlot.Get(k, func() *epairGlobals {
		return &epairGlobals{m_epair: MEpair(k)}
	})
}

// MEpair is the kernel's M_EPAIR malloc type (if_epair.c:89).
func MEpair(k *kern.Kernel) *kern.MallocType {
	return k.MallocType(epairname, "Pair of virtual cross-over connected Ethernet-like interfaces")
}

// vEpairCloner is V_epair_cloner: curvnet's copy.
func (g *epairGlobals) vEpairCloner(td *kern.Thread) **ifclone.IfClone {
	return g.v_epair_cloner.V(td)
}

// The lock macros of if_epair.c:96-100.
func (g *epairGlobals) epairLockInit(k *kern.Kernel) {
	g.epair_n_index_mtx.Init(k, "epairidx", "", kern.MTX_DEF)
}
func (g *epairGlobals) epairLockDestroy(td *kern.Thread) { g.epair_n_index_mtx.Destroy(td) }
func (g *epairGlobals) epairLock(td *kern.Thread)        { g.epair_n_index_mtx.Lock(td) }
func (g *epairGlobals) epairUnlock(td *kern.Thread)      { g.epair_n_index_mtx.Unlock(td) }

// epairCloneMatch is epair_clone_match (if_epair.c:465): "epair" followed
// by nothing or by digits only. The ends' names (with a or b) do not
// match, so no create request can name one.
func epairCloneMatch(td *kern.Thread, ifc *ifclone.IfClone, name []byte) bool {
	at := func(i int) byte {
		if i < len(name) {
			return name[i]
		}
		return 0
	}

	if kern.Strncmp([]byte(epairname), name, len(epairname)) != 0 {
		return false
	}

	for cp := len(epairname); at(cp) != 0; cp++ {
		if at(cp) < '0' || at(cp) > '9' {
			return false
		}
	}

	return true
}

// epairCloneAdd is epair_clone_add (if_epair.c:489): attach the b end with
// the a end's hardware address, last byte 0x0b, and put it on the cloner's
// list (if_clone_addif). From here until if_clone_createif links the a end,
// b is on the list and a is not.
func epairCloneAdd(td *kern.Thread, ifc *ifclone.IfClone, scb *epairSoftc) {
	var eaddr [ETHER_ADDR_LEN]byte

	ifp := scb.ifp
	// Copy the a end's address (scb->oifp->if_hw_addr).
	eaddr = scb.oifp.IfSoftc.(*epairSoftc).hwaddr
	eaddr[5] = 0x0b
	etherIfattach(td, ifp, eaddr)

	ifclone.IfCloneAddif(td, ifc, ifp)
}

// epairAllocSc is epair_alloc_sc (if_epair.c:504): an IFT_ETHER interface
// (not yet named or attached) and its softc, with one queue per task
// queue, each with its mutex.
func epairAllocSc(td *kern.Thread, ifc *ifclone.IfClone) *epairSoftc {
	g := epairOf(td.K)

	ifp := ifclone.IfAlloc(td, ifclone.IFT_ETHER)
	if ifp == nil {
		return nil
	}

	sc := kern.Malloc[epairSoftc](td, g.m_epair, kern.M_WAITOK|kern.M_ZERO)
	sc.ifp = ifp
	sc.num_queues = g.epair_tasks.tasks
	sc.queues = kern.Malloc[epairQueues](td, g.m_epair, kern.M_WAITOK)
	sc.queues.q = make([]epairQueue, sc.num_queues)
	for i := 0; i < sc.num_queues; i++ {
		q := &sc.queues.q[i]
		q.id = i
		q.state = EPAIR_QUEUE_IDLE
		q.mtx.Init(td.K, "epairq", "", kern.MTX_DEF|kern.MTX_NEW)
		// mbufq_init, NET_TASK_INIT: no packets, no task queues.
		q.sc = sc
	}

	// ifmedia_init/add/set: no media.

	return sc
}

// epairSetupIfp is epair_setup_ifp (if_epair.c:536): name the interface
// (the full name, end letter included, goes to if_xname; if_dname is
// "epair" and if_dunit the pair's unit) and hang the softc on it.
func epairSetupIfp(sc *epairSoftc, name []byte, unit int) {
	ifp := sc.ifp

	ifp.IfSoftc = sc
	kern.Strlcpy(ifp.IfXname[:], name)
	ifp.IfDname = epairname
	ifp.IfDunit = unit
	ifp.IfFlags.Set(ifclone.IFF_BROADCAST | ifclone.IFF_SIMPLEX | ifclone.IFF_MULTICAST)
	// Capabilities, if_transmit, if_qflush, if_start, if_ioctl, if_init,
	// the send queue and the baud rate are not modelled.
}

// epairGenerateMac is epair_generate_mac (if_epair.c:559): a locally
// administered address 02:xx:xx:xx:xx:0a from the interface index (kept
// monotonic in next_index under epair_n_index_mtx) and the host id.
func epairGenerateMac(td *kern.Thread, sc *epairSoftc, eaddr *[ETHER_ADDR_LEN]byte) {
	g := epairOf(td.K)
	var key [3]uint32
	var hash uint32
	var hostid uint64

	g.epairLock(td)
	// Without SMP (mp_ncpus is not modelled) the C takes hash = 0 here;
	// the value is overwritten below either way.
	hash = 0
	g.epairUnlock(td)

	// getcredhostid: no prison host id is modelled, so it is 0 and the C
	// falls back to arc4rand; a fixed value keeps runs reproducible.
	if hostid == 0 {
		hostid = 0x6b636865636b0001
	}

	ifp := sc.ifp
	g.epairLock(td)
	if uint32(ifp.IfIndex) > g.next_index {
		g.next_index = uint32(ifp.IfIndex)
	} else {
		g.next_index++
	}

	key[0] = g.next_index
	g.epairUnlock(td)
	key[1] = uint32(hostid & 0xffffffff)
	key[2] = uint32((hostid >> 32) & 0xfffffffff)
	hash = hashKey(key)

	eaddr[0] = 0x02
	binary.LittleEndian.PutUint32(eaddr[1:5], hash)
	eaddr[5] = 0x0a
}

// hashKey stands in for jenkins_hash32(key, 3, 0): FNV-1a over the three
// words.
func hashKey(key [3]uint32) uint32 {
	h := fnv.New32a()
	var b [12]byte
	for i, w := range key {
		binary.LittleEndian.PutUint32(b[4*i:], w)
	}
	h.Write(b[:])
	return h.Sum32()
}

// epairFreeSc is epair_free_sc (if_epair.c:605): free the interface (its
// last reference goes one epoch later), destroy the queue mutexes and free
// the softc.
func epairFreeSc(td *kern.Thread, sc *epairSoftc) {
	g := epairOf(td.K)

	if sc == nil {
		return
	}

	ifclone.IfFree(td, sc.ifp)
	// ifmedia_removeall: no media.
	for i := 0; i < sc.num_queues; i++ {
		q := &sc.queues.q[i]
		q.mtx.Destroy(td)
	}
	kern.Free(td, sc.queues, g.m_epair)
	kern.Free(td, sc, g.m_epair)
}

// epairSetState is epair_set_state (if_epair.c:621). It sets or clears
// IFF_DRV_RUNNING in if_drv_flags and reports the link state; kcheck's
// ifnet has neither, so it does nothing.
func epairSetState(ifp *ifclone.Ifnet, running bool) {
	_, _ = ifp, running
}

// epairHandleUnit is epair_handle_unit (if_epair.c:633): take the unit the
// name asks for, or the next free one for "epair" (appending it to name),
// through ifc_alloc_unit; make sure the name has room for the end letter;
// refuse with EEXIST when epair<N>b or epair<N>a already exists in curvnet.
// On success name is "epair<N>a" and *punit the unit; on failure the unit
// is given back.
func epairHandleUnit(td *kern.Thread, ifc *ifclone.IfClone, name []byte, len int, punit *int) kern.Errno {
	var err kern.Errno
	var unit int

	// Was a particular unit asked for?
	err = ifclone.IfcName2unit(name[:len], &unit)
	if err != 0 {
		return err
	}
	wildcard := unit < 0

	err = ifclone.IfcAllocUnit(td, ifc, &unit)
	if err != 0 {
		return err
	}

	// A wildcard name gets its unit appended; either way one byte must
	// be left for the end letter.
	dp := kern.Strlen(name[:len])
	if wildcard {
		slen := kern.Snprintf(name[dp:len], "%d", unit)
		if slen > len-dp-1 {
			// The name is too long.
			err = kern.ENOSPC
			goto done
		}
		dp += slen
	}
	if len-dp-1 < 1 {
		// No room for the a/b suffix.
		err = kern.ENOSPC
		goto done
	}
	name[dp] = 'b'
	// dp stays where it is: the 'b' becomes 'a' below.
	name[dp+1] = 0

	// Neither end may exist already.
	if ifclone.Ifunit(td, name) != nil {
		err = kern.EEXIST
		goto done
	}

	name[dp] = 'a'
	if ifclone.Ifunit(td, name) != nil {
		err = kern.EEXIST
		goto done
	}
	*punit = unit
done:
	if err != 0 {
		ifclone.IfcFreeUnit(td, ifc, unit)
	}

	return err
}

// epairCloneCreate is epair_clone_create (if_epair.c:691), the cloner's
// create_f: reserve the unit, allocate both ends, attach a, attach b and
// link it to the cloner, and return a (which if_clone_createif links). On
// return name is "epair<N>a".
func epairCloneCreate(td *kern.Thread, ifc *ifclone.IfClone, name []byte, len int,
	ifd *ifclone.IfcData, ifpp **ifclone.Ifnet) kern.Errno {
	var sca, scb *epairSoftc
	var ifp *ifclone.Ifnet
	var unit int
	var eaddr [ETHER_ADDR_LEN]byte

	err := epairHandleUnit(td, ifc, name, len, &unit)
	if err != 0 {
		return err
	}

	// Both ends' memory first.
	sca = epairAllocSc(td, ifc)
	scb = epairAllocSc(td, ifc)
	if sca == nil || scb == nil {
		epairFreeSc(td, sca)
		epairFreeSc(td, scb)
		ifclone.IfcFreeUnit(td, ifc, unit)
		return kern.ENOSPC
	}

	// Each end knows the other, so that destroying one frees both.
	sca.oifp = scb.ifp
	scb.oifp = sca.ifp

	// The a end.
	ifp = sca.ifp
	epairSetupIfp(sca, name, unit)
	epairGenerateMac(td, sca, &eaddr)

	etherIfattach(td, ifp, eaddr)

	// The b end: same name with the last letter swapped.
	dp := kern.Strlen(name) - 1
	name[dp] = 'b'

	epairSetupIfp(scb, name, unit)

	ifp = scb.ifp
	// The C rewrites name twice here; what counts is that it holds b's
	// name while b is linked.
	kern.StrlcpyString(name[:len], epairname)
	kern.Strlcpy(name[:len], scb.ifp.IfXname[:])

	epairCloneAdd(td, ifc, scb)

	// Back to a's name: a is what if_clone_createif links next.
	kern.Strlcpy(name[:len], sca.ifp.IfXname[:])

	// Both ends up.
	epairSetState(sca.ifp, true)
	epairSetState(scb.ifp, true)

	*ifpp = sca.ifp

	return 0
}

// epairDrainRings is epair_drain_rings (if_epair.c:757): empty every queue
// under its mutex (there are no packets here; the locking remains).
func epairDrainRings(td *kern.Thread, sc *epairSoftc) {
	for i := 0; i < sc.num_queues; i++ {
		q := &sc.queues.q[i]
		q.mtx.Lock(td)
		// mbufq_flush: nothing is ever queued.
		q.mtx.Unlock(td)
	}
}

// epairCloneDestroy is epair_clone_destroy (if_epair.c:776), the cloner's
// destroy_f, called by if_clone_destroyif_flags with ifp already off the
// cloner's list. It detaches both ends, hands the peer to
// if_clone_destroyif in the peer's vnet with its softc cleared (so that
// this function, called again for the peer, returns 0 at once), frees both
// softcs and interfaces and gives the unit back. A failure of the nested
// destroy (the peer not on the cloner's list) panics, as in the C.
func epairCloneDestroy(td *kern.Thread, ifc *ifclone.IfClone, ifp *ifclone.Ifnet, flags uint32) kern.Errno {
	var oifp *ifclone.Ifnet
	var sca, scb *epairSoftc

	// Called again by ourselves below for the peer: its softc is gone.
	kern.Preempt(td) // if_softc is read without a lock
	if ifp.IfSoftc == nil {
		return 0
	}

	unit := ifp.IfDunit
	sca = ifp.IfSoftc.(*epairSoftc)
	oifp = sca.oifp
	kern.Preempt(td) // the peer's if_softc, unlocked
	scb, _ = oifp.IfSoftc.(*epairSoftc)

	// Down and detached first.
	epairSetState(ifp, false)
	epairSetState(oifp, false)

	etherIfdetach(td, ifp)
	etherIfdetach(td, oifp)

	// Then the peer's queues and resources, in the peer's vnet.
	saved := vnet.CurvnetSetQuiet(td, oifp.IfVnet)
	epairDrainRings(td, scb)
	kern.Preempt(td) // the peer's if_softc is cleared without a lock
	oifp.IfSoftc = nil
	err := ifclone.IfCloneDestroyif(td, ifc, oifp)
	if err != 0 {
		kern.Panicf(td, "%s: if_clone_destroyif() for our 2nd iface failed: %d",
			"epair_clone_destroy", int(err))
	}
	epairFreeSc(td, scb)
	vnet.CurvnetRestore(td, saved)

	epairDrainRings(td, sca)
	epairFreeSc(td, sca)

	// The unit goes last, once for the pair.
	ifclone.IfcFreeUnit(td, ifc, unit)

	return 0
}

// vnetEpairInit is vnet_epair_init (if_epair.c:823), the VNET_SYSINIT at
// (SI_SUB_PSEUDO, SI_ORDER_ANY): attach this vnet's "epair" cloner with
// its own match, create and destroy and no flags (no IFC_F_AUTOUNIT).
func vnetEpairInit(td *kern.Thread, _ any) {
	g := epairOf(td.K)
	req := ifclone.IfCloneAddreq{
		MatchF:   epairCloneMatch,
		CreateF:  epairCloneCreate,
		DestroyF: epairCloneDestroy,
	}
	*g.vEpairCloner(td) = ifclone.IfcAttachCloner(td, cstr(epairname), &req)
}

// vnetEpairUninit is vnet_epair_uninit (if_epair.c:836), the VNET_SYSUNINIT
// at (SI_SUB_INIT_IF, SI_ORDER_ANY): detach this vnet's cloner, destroying
// every pair created in this vnet, wherever its ends are.
func vnetEpairUninit(td *kern.Thread, _ any) {
	g := epairOf(td.K)

	ifclone.IfcDetachCloner(td, *g.vEpairCloner(td))
}

// epairModInit is epair_mod_init (if_epair.c:845): without RSS, one task
// queue (not created here: there are no packets), so one queue per softc.
func epairModInit(td *kern.Thread) int {
	g := epairOf(td.K)

	g.epair_tasks.tasks = 0

	// taskqueue_create("epair_task"), taskqueue_start_threads: no task
	// queues.

	g.epair_tasks.tasks = 1

	return 0
}

// epairModCleanup is epair_mod_cleanup (if_epair.c:890): it would drain
// and free the task queues; there are none.
func epairModCleanup(td *kern.Thread) {}

// epairModevent is epair_modevent (if_epair.c:900): the index mutex and
// the task queues live from MOD_LOAD to MOD_UNLOAD.
func epairModevent(td *kern.Thread, typ int) kern.Errno {
	g := epairOf(td.K)

	switch typ {
	case modLoad:
		g.epairLockInit(td.K)
		if ret := epairModInit(td); ret != 0 {
			return kern.Errno(ret)
		}
		// bootverbose: "epair_modevent: epair initialized."
	case modUnload:
		epairModCleanup(td)
		g.epairLockDestroy(td)
		// bootverbose: "epair_modevent: epair unloaded."
	default:
		return kern.EOPNOTSUPP
	}
	return 0
}

// etherIfattach stands in for ether_ifattach (net/if_ethersubr.c): it
// records lla as the interface's hardware address (in the softc, for
// if_hw_addr) and attaches the interface with if_attach. The link-level
// address, BPF and the Ethernet defaults are not modelled.
func etherIfattach(td *kern.Thread, ifp *ifclone.Ifnet, lla [ETHER_ADDR_LEN]byte) {
	if sc, ok := ifp.IfSoftc.(*epairSoftc); ok {
		sc.hwaddr = lla
	}
	ifclone.IfAttach(td, ifp)
}

// etherIfdetach stands in for ether_ifdetach (net/if_ethersubr.c): if_detach
// (BPF and the netgraph hook are not modelled).
func etherIfdetach(td *kern.Thread, ifp *ifclone.Ifnet) {
	ifclone.IfDetach(td, ifp)
}

// Load does for the kernel of td what linking if_epair.c into it does: it
// sets up the ifnet layer (ifclone.IfnetInit), defines V_epair_cloner and
// registers DECLARE_MODULE's SYSINIT (MOD_LOAD: the index mutex; with a
// SYSUNINIT for MOD_UNLOAD), the VNET_SYSINIT and the VNET_SYSUNINIT. They
// run at the next k.Boot(td) (kern.Kldload runs them at once); k.Shutdown
// undoes them, and so does kern.Kldunload of the file if_epair. Loading it
// while it is linked is EEXIST.
func Load(td *kern.Thread) kern.Errno {
	k := td.K
	g := epairOf(k)
	return kern.LinkFile(td, "if_epair", func(lf *kern.LinkerFile) {
		ifclone.IfnetInit(k)
		g.v_epair_cloner = vnet.Define[*ifclone.IfClone](td, "epair_cloner", nil)
		lf.AtUnload(g.v_epair_cloner.Undefine)

		// VNET_SYSINIT(vnet_epair_init, ...) (if_epair.c:833).
		vnet.VNET_SYSINIT(k, "vnet_epair_init", kern.SI_SUB_PSEUDO, kern.SI_ORDER_ANY, vnetEpairInit, nil)
		// VNET_SYSUNINIT(vnet_epair_uninit, ...) (if_epair.c:842).
		vnet.VNET_SYSUNINIT(k, "vnet_epair_uninit", kern.SI_SUB_INIT_IF, kern.SI_ORDER_ANY, vnetEpairUninit, nil)
		// DECLARE_MODULE(if_epair, ..., SI_SUB_PSEUDO, SI_ORDER_MIDDLE)
		// (if_epair.c:932): MOD_LOAD runs before the VNET_SYSINIT above
		// (SI_ORDER_ANY), so the mutex exists before the first create.
		kern.DECLARE_MODULE(k, "if_epair", kern.SI_SUB_PSEUDO, kern.SI_ORDER_MIDDLE, epairModevent)
	})
}

// Cloner is VNET_VNET(v, epair_cloner): v's "epair" cloner, nil before its
// constructor ran. Not synchronised: for tests and reports between runs.
func Cloner(td *kern.Thread, v *vnet.Vnet) *ifclone.IfClone {
	return *epairOf(td.K).v_epair_cloner.Get(v)
}

// Peer is sc->oifp: the other end of ifp's pair, or nil when ifp has no
// epair softc (not an epair end, or an end whose destroy has begun). Not
// synchronised: for tests and reports between runs.
func Peer(ifp *ifclone.Ifnet) *ifclone.Ifnet {
	sc, ok := ifp.IfSoftc.(*epairSoftc)
	if !ok || sc == nil {
		return nil
	}
	return sc.oifp
}

// HWAddr is the end's hardware address (if_hw_addr), or false when ifp
// has no epair softc. Not synchronised: for tests and reports.
func HWAddr(ifp *ifclone.Ifnet) ([ETHER_ADDR_LEN]byte, bool) {
	sc, ok := ifp.IfSoftc.(*epairSoftc)
	if !ok || sc == nil {
		return [ETHER_ADDR_LEN]byte{}, false
	}
	return sc.hwaddr, true
}

// cstr is a Go string as a C string.
func cstr(s string) []byte { return append([]byte(s), 0) }
