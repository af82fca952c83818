// SPDX-License-Identifier: BSD-2-Clause
//
// Copyright (C) 1999-2000 by Maksim Yevmenkin <m_evmenkin@yahoo.com>
// All rights reserved.
// Copyright (c) 2019 Kyle Evans <kevans@FreeBSD.org>
//
// Based on work Copyright (c) 1988, Julian Onions <jpo@cs.nott.ac.uk>,
// Nottingham University 1987.
//
// The licence text is in LICENSE.

// Package tuntap is the cloner-facing part of FreeBSD's tun(4)/tap(4)
// driver, sys/net/if_tuntap.c, in its FreeBSD 14 form: three drivers (tun,
// tap, vmnet) whose cloners are attached per vnet with ifc_attach_cloner
// (flags 0, a match function built on the driver's own name parsing), each
// driver with its own unit allocator (an unrhdr on the module-wide tunmtx)
// and its own devfs clone list, so that unit numbers are global across
// vnets and separate per driver.
//
// Line numbers refer to sys/net/if_tuntap.c as stored in
// freebsd/freebsd-src at 002829ea6139 (it includes <net/if_private.h> and
// uses struct if_clone_addreq and struct ifc_data, the KPI of the seed's
// era). The devfs routines the cloning path calls are in kern_conf.go.
//
// Emulated: tuntapmodevent's MOD_LOAD, the per-vnet cloner attach and
// detach, the name parsing, tun_clone_create and tun_clone_destroy with
// their unit, device and interface handling, tun_destroy, tun_uninit and
// the ifnet_arrival_event handler tunrename that gives a renamed interface
// a devfs alias. Left out: the character device's open/read/write/ioctl/
// poll/kqueue paths, tunifioctl, the packet paths, BPF, the dev_clone
// handler tunclone (creating an interface by opening /dev/tunN) and the
// sysctls; see docs/DIVERGENCES.md, "drivers: tuntap/vlan".
//
// # Locks
//
//	tun_ioctl_sx (sx) -> tun_condvar (sx, the emulated cv) -> tun_mtx
//	tun_condvar -> cdev (devmtx, kern_conf.go)
//	tunmtx is a leaf, and the mutex of the three unrhdrs.
//
// tunrename holds tun_ioctl_sx while it busies the softc; tun_destroy sets
// TUN_DYING and waits for the busy count to drain (cv_wait_unlock) before
// it tears the device and the interface down.
package tuntap

import (
	"sync/atomic"

	"kcheck/ifclone"
	"kcheck/kern"
	"kcheck/unrhdr"
	"kcheck/vnet"
)

// tun_flags bits (if_tuntap.c:122-135).
const (
	TUN_OPEN    = 0x0001
	TUN_INITED  = 0x0002
	TUN_UNUSED1 = 0x0008
	TUN_UNUSED2 = 0x0010
	TUN_LMODE   = 0x0020
	TUN_RWAIT   = 0x0040
	TUN_ASYNC   = 0x0080
	TUN_IFHEAD  = 0x0100
	TUN_DYING   = 0x0200
	TUN_L2      = 0x0400
	TUN_VMNET   = 0x0800

	TUN_DRIVER_IDENT_MASK = TUN_L2 | TUN_VMNET
	TUN_READY             = TUN_OPEN | TUN_INITED
)

// IFT_PPP is IFT_PPP (sys/net/if_types.h), the type of a tun interface.
const IFT_PPP = 0x17

// Module event types (sys/sys/module.h).
const (
	modLoad   = 0 // MOD_LOAD
	modUnload = 1 // MOD_UNLOAD
)

// The driver names (if_tuntap.c:178-180).
const (
	tunname   = "tun"
	tapname   = "tap"
	vmnetname = "vmnet"
)

// tuntapSoftc is struct tuntap_softc (if_tuntap.c:117), reduced to what
// the cloning path uses. tun_list is guarded by tunmtx (the softc sits on
// tunGlobals.tunhead); tun_flags, tun_busy and tun_alias by tun_mtx (the C
// reads and writes tun_alias without it in tunrename, under the busy
// count); tun_dev and tun_ifp are set once at creation.
type tuntapSoftc struct {
	tun_alias *Cdev
	tun_dev   *Cdev
	tun_flags uint16
	tun_pid   int
	tun_ifp   *ifclone.Ifnet
	tun_drv   *tuntapDriver
	tun_mtx   kern.Mtx
	tun_cv    kern.Sx // stands for struct cv tun_cv: see cvWaitUnlock
	// tun_gate (emulation only) counts the threads in tunBusy/tunUnbusy
	// that hold, or are about to take, tun_cv shared.
	tun_gate atomic.Int32
	tun_busy int
}

// tuntapDriver is struct tuntap_driver (if_tuntap.c:267): one of tun, tap
// and vmnet, with its devfs switch, its unit allocator and clone list.
// unrhdr and clones are set at MOD_LOAD and gone at tun_uninit.
type tuntapDriver struct {
	cdevsw           cdevsw
	ident_flags      int
	unrhdr           *unrhdr.Unrhdr
	clones           *clonedevs
	clone_match_fn   ifclone.IfcMatchF
	clone_create_fn  ifclone.IfcCreateF
	clone_destroy_fn ifclone.IfcDestroyF
}

// tuntapDriverCloner is struct tuntap_driver_cloner (if_tuntap.c:329): a
// vnet's cloner for one driver, on V_tuntap_driver_cloners. From M_TUN.
type tuntapDriverCloner struct {
	link   *tuntapDriverCloner // SLIST_ENTRY
	drv    *tuntapDriver
	cloner *ifclone.IfClone
}

// tunGlobals holds what are file-scope variables of if_tuntap.c for one
// kernel.
type tunGlobals struct {
	// tunmtx (if_tuntap.c:175) guards tunhead and is the mutex of the
	// drivers' unrhdrs.
	tunmtx kern.Mtx
	// arrival_tag (if_tuntap.c:176): tunrename's registration.
	arrival_tag kern.EventhandlerTag
	// tunhead (if_tuntap.c:188): every softc, in every vnet. Guarded by
	// tunmtx.
	tunhead []*tuntapSoftc
	// tun_ioctl_sx (if_tuntap.c:191) keeps if_softc stable for tunrename
	// and tunifioctl.
	tun_ioctl_sx kern.Sx
	// tuntap_drivers (if_tuntap.c:275): tun, tap, vmnet.
	tuntap_drivers [3]*tuntapDriver
	// v_tuntap_driver_cloners is VNET_DEFINE_STATIC(SLIST_HEAD(,
	// tuntap_driver_cloner), tuntap_driver_cloners) (if_tuntap.c:335): the
	// head of the list.
	v_tuntap_driver_cloners *vnet.Var[*tuntapDriverCloner]
	// m_tun is M_TUN (if_tuntap.c:181).
	m_tun *kern.MallocType
}

var tunSlot = kern.NewSlot[tunGlobals]()

func tunOf(k *kern.Kernel) *tunGlobals {
	return tunSlot.Get(k, func() *tunGlobals {
		g := &tunGlobals{m_tun: k.MallocType(tunname, "Tunnel Interface")}
		// SX_SYSINIT(tun_ioctl_sx, ...) (if_tuntap.c:192), run at once.
		g.tun_ioctl_sx.Init(k, "tun_ioctl", 0)
		mk := func(flags int, name string, match ifclone.IfcMatchF) *tuntapDriver {
			return &tuntapDriver{
				ident_flags:      flags,
				cdevsw:           cdevsw{d_flags: D_NEEDMINOR, d_name: name},
				clone_match_fn:   match,
				clone_create_fn:  tunCloneCreate,
				clone_destroy_fn: tunCloneDestroy,
			}
		}
		g.tuntap_drivers = [3]*tuntapDriver{
			mk(0, tunname, tunCloneMatch),
			mk(TUN_L2, tapname, tapCloneMatch),
			mk(TUN_L2|TUN_VMNET, vmnetname, vmnetCloneMatch),
		}
		return g
	})
}

// vTuntapDriverCloners is V_tuntap_driver_cloners (if_tuntap.c:338).
func (g *tunGlobals) vTuntapDriverCloners(td *kern.Thread) **tuntapDriverCloner {
	return g.v_tuntap_driver_cloners.V(td)
}

func tunLock(td *kern.Thread, tp *tuntapSoftc)       { tp.tun_mtx.Lock(td) }
func tunUnlock(td *kern.Thread, tp *tuntapSoftc)     { tp.tun_mtx.Unlock(td) }
func tunLockAssert(td *kern.Thread, tp *tuntapSoftc) { tp.tun_mtx.Assert(td, kern.MA_OWNED) }

// tun2ifp is TUN2IFP (if_tuntap.c:148).
func tun2ifp(tp *tuntapSoftc) *ifclone.Ifnet { return tp.tun_ifp }

// softc is ifp->if_softc as the driver's softc (nil if none).
func softc(ifp *ifclone.Ifnet) *tuntapSoftc {
	tp, _ := ifp.IfSoftc.(*tuntapSoftc)
	return tp
}

// tunBusyLocked is tun_busy_locked (if_tuntap.c:346): one more busy
// reference, EBUSY once the softc is dying.
func tunBusyLocked(td *kern.Thread, tp *tuntapSoftc) kern.Errno {
	tunLockAssert(td, tp)
	if tp.tun_flags&TUN_DYING != 0 {
		// Busy going away.
		return kern.EBUSY
	}

	tp.tun_busy++
	return 0
}

// tunUnbusyLocked is tun_unbusy_locked (if_tuntap.c:365): drop a busy
// reference; the last one wakes tun_destroy (cv_broadcast; in the
// emulation the waiter wakes when the gate is left, see cvWaitUnlock).
func tunUnbusyLocked(td *kern.Thread, tp *tuntapSoftc) {
	tunLockAssert(td, tp)
	kern.KASSERT(td, tp.tun_busy != 0, "tun_unbusy: called for non-busy tunnel")

	tp.tun_busy--
	// At zero the C does cv_broadcast(&tp->tun_cv).
}

// tunBusy is tun_busy (if_tuntap.c:378). The emulation's condition
// variable is a gate held shared for as long as the busy reference lasts
// (see cvWaitUnlock): it is entered before and left after the C's body.
func tunBusy(td *kern.Thread, tp *tuntapSoftc) kern.Errno {
	tp.tun_gate.Add(1)
	tp.tun_cv.Slock(td) // emulation only: enter the gate
	tunLock(td, tp)
	ret := tunBusyLocked(td, tp)
	tunUnlock(td, tp)
	if ret != 0 {
		tp.tun_cv.Sunlock(td) // emulation only: no busy reference taken
		tp.tun_gate.Add(-1)
	}
	return ret
}

// tunUnbusy is tun_unbusy (if_tuntap.c:389), leaving the emulation's gate
// after the C's body.
func tunUnbusy(td *kern.Thread, tp *tuntapSoftc) {
	tunLock(td, tp)
	tunUnbusyLocked(td, tp)
	tunUnlock(td, tp)
	tp.tun_cv.Sunlock(td) // emulation only: leave the gate
	tp.tun_gate.Add(-1)
}

// tuntapName2info is tuntap_name2info (if_tuntap.c:402): which driver a
// name belongs to (its ident_flags) and its unit, -1 for the bare driver
// name. Drivers are tried in V_tuntap_driver_cloners order (vmnet, tap,
// tun: vnet_tun_init inserts at the head). ENXIO when none matches; a
// unit is taken only as dev_stdclone parses it (digits, no leading zero,
// nothing after them, at most 0xffffff), so "tun0a" and "tun007" are not
// tun names. Runs in curvnet.
func tuntapName2info(td *kern.Thread, name []byte, outunit *int, outflags *int) kern.Errno {
	g := tunOf(td.K)
	var drv *tuntapDriver
	var flags, unit int
	var found bool

	if name == nil {
		return kern.EINVAL
	}

	found = false

	head := g.vTuntapDriverCloners(td)
	kern.KASSERT(td, *head != nil, "tuntap_driver_cloners failed to initialize")
	for drvc := *head; drvc != nil; drvc = drvc.link {
		kern.KASSERT(td, drvc.drv != nil, "tuntap_driver_cloners entry not properly initialized")
		drv = drvc.drv

		if kern.StrcmpString(name, drv.cdevsw.d_name) == 0 {
			found = true
			unit = -1
			flags = drv.ident_flags
			break
		}

		if devStdclone(name, drv.cdevsw.d_name, &unit) == 1 {
			found = true
			flags = drv.ident_flags
			break
		}
	}

	if !found {
		return kern.ENXIO
	}

	if outunit != nil {
		*outunit = unit
	}
	if outflags != nil {
		*outflags = flags
	}
	return 0
}

// tuntapDriverFromFlags is tuntap_driver_from_flags (if_tuntap.c:458): the
// driver whose ident_flags are the identifying bits of tun_flags.
func tuntapDriverFromFlags(td *kern.Thread, tun_flags int) *tuntapDriver {
	g := tunOf(td.K)

	head := g.vTuntapDriverCloners(td)
	kern.KASSERT(td, *head != nil, "tuntap_driver_cloners failed to initialize")
	for drvc := *head; drvc != nil; drvc = drvc.link {
		kern.KASSERT(td, drvc.drv != nil, "tuntap_driver_cloners entry not properly initialized")
		drv := drvc.drv
		if tun_flags&TUN_DRIVER_IDENT_MASK == drv.ident_flags {
			return drv
		}
	}

	return nil
}

// tunCloneMatch is tun_clone_match (if_tuntap.c:477): a tun name.
func tunCloneMatch(td *kern.Thread, ifc *ifclone.IfClone, name []byte) bool {
	var tunflags int

	if tuntapName2info(td, name, nil, &tunflags) == 0 {
		if tunflags&TUN_L2 == 0 {
			return true
		}
	}

	return false
}

// tapCloneMatch is tap_clone_match (if_tuntap.c:490): a tap name.
func tapCloneMatch(td *kern.Thread, ifc *ifclone.IfClone, name []byte) bool {
	var tunflags int

	if tuntapName2info(td, name, nil, &tunflags) == 0 {
		if tunflags&(TUN_L2|TUN_VMNET) == TUN_L2 {
			return true
		}
	}

	return false
}

// vmnetCloneMatch is vmnet_clone_match (if_tuntap.c:503): a vmnet name.
func vmnetCloneMatch(td *kern.Thread, ifc *ifclone.IfClone, name []byte) bool {
	var tunflags int

	if tuntapName2info(td, name, nil, &tunflags) == 0 {
		if tunflags&TUN_VMNET != 0 {
			return true
		}
	}

	return false
}

// tunCloneCreate is tun_clone_create (if_tuntap.c:516), the cloners'
// create_f. The name says which driver and unit: a given unit is taken
// from the driver's unrhdr with alloc_unr_specific (EEXIST when it is
// busy, or out of the unrhdr's range: "tun40000" is EEXIST), the bare
// driver name gets the lowest free unit from alloc_unr. Nothing checks
// the resulting name against the interfaces that exist: if_clone_createif
// looked up the name as the caller wrote it ("tun"), not the one written
// back here ("tun1"), so an interface renamed to "tun1" and a new tun1 can
// coexist; and devfs refuses the device name if a renamed interface's
// alias holds it, which make_dev_s, called without MAKEDEV_CHECKNAME,
// turns into a panic. alloc_unr's -1 (no unit left) is not checked either.
// The unit is never freed on an error path here. The dev_ref taken on
// success (if_tuntap.c:551) is never dropped by the driver: every cdev made
// here outlives its interface on dead_cdevsw's list (CDEV_LEAK.md,
// TestCdevLeak).
func tunCloneCreate(td *kern.Thread, ifc *ifclone.IfClone, name []byte, len int,
	ifd *ifclone.IfcData, ifpp **ifclone.Ifnet) kern.Errno {
	var drv *tuntapDriver
	var dev *Cdev
	var i, tunflags, unit int

	tunflags = 0
	err := tuntapName2info(td, name, &unit, &tunflags)
	if err != 0 {
		return err
	}

	drv = tuntapDriverFromFlags(td, tunflags)
	if drv == nil {
		return kern.ENXIO
	}

	if unit != -1 {
		// The unit asked for must be free.
		if unrhdr.AllocUnrSpecific(td, drv.unrhdr, uint32(unit)) == -1 {
			return kern.EEXIST
		}
	} else {
		unit = unrhdr.AllocUnr(td, drv.unrhdr)
	}

	kern.Snprintf(name[:ifclone.IFNAMSIZ], "%s%d", drv.cdevsw.d_name, unit)

	// A device of this unit left on the clone list, or a new one.
	dev = nil
	i = cloneCreate(td, &drv.clones, &drv.cdevsw, &unit, &dev, 0)
	if i != 0 {
		i = int(tunCreateDevice(td, drv, unit, false, &dev, name))
	}
	if i == 0 {
		devRef(td, dev) // no dev_rel matches it (CDEV_LEAK.md)
		tuncreate(td, dev)
		tp := dev.si_drv1
		*ifpp = tp.tun_ifp
	}

	return kern.Errno(i)
}

// cvWaitUnlock stands for cv_wait_unlock(&tp->tun_cv, &tp->tun_mtx) in
// tun_destroy: release tun_mtx and sleep until the busy count drains,
// without tun_mtx on return. kern has no condition variable, so tun_cv is
// an sx that every busy reference taken through tun_busy holds shared
// until tun_unbusy: taking it exclusively sleeps until the count is back
// to zero, and a tun_busy after that finds TUN_DYING. (tun_busy_locked
// callers that unbusy in another thread, tunopen/tundtor, are not
// emulated.) See docs/DIVERGENCES.md.
func cvWaitUnlock(td *kern.Thread, tp *tuntapSoftc) {
	tunUnlock(td, tp)
	tp.tun_cv.Xlock(td)
	tp.tun_cv.Xunlock(td)
}

// tunDestroy is tun_destroy (if_tuntap.c:623): mark the softc dying, wait
// for its busy references, then destroy the device (and any alias), detach
// and free the interface, give the unit back and free the softc. The
// caller has taken it off tunhead.
func tunDestroy(td *kern.Thread, tp *tuntapSoftc) {
	g := tunOf(td.K)

	tunLock(td, tp)
	tp.tun_flags |= TUN_DYING
	if tp.tun_busy != 0 {
		cvWaitUnlock(td, tp)
	} else {
		tunUnlock(td, tp)
		// Emulation only: a tun_busy that entered the gate before
		// TUN_DYING was set holds it shared until it has seen the flag
		// and failed; wait it out, or cv_destroy below (the gate's
		// Destroy) would find it held, which a C condition variable
		// without waiters never is.
		if tp.tun_gate.Load() != 0 {
			tp.tun_cv.Xlock(td)
			tp.tun_cv.Xunlock(td)
		}
	}

	saved := vnet.CurvnetSet(td, tun2ifp(tp).IfVnet)

	// destroy_dev takes the alias with it. tun_clone_create's dev_ref on
	// tun_dev is not dropped here or anywhere (CDEV_LEAK.md).
	destroyDev(td, tp.tun_dev)
	// seldrain and the knlist: no poll/kqueue.
	if tp.tun_flags&TUN_L2 != 0 {
		etherIfdetach(td, tun2ifp(tp))
	} else {
		// bpfdetach: no BPF.
		ifclone.IfDetach(td, tun2ifp(tp))
	}
	g.tun_ioctl_sx.Xlock(td)
	tun2ifp(tp).IfSoftc = nil
	g.tun_ioctl_sx.Xunlock(td)
	unrhdr.FreeUnr(td, tp.tun_drv.unrhdr, uint32(tun2ifp(tp).IfDunit))
	ifclone.IfFree(td, tun2ifp(tp))
	tp.tun_mtx.Destroy(td)
	tp.tun_cv.Destroy(td) // cv_destroy
	kern.Free(td, tp, g.m_tun)
	vnet.CurvnetRestore(td, saved)
}

// tunCloneDestroy is tun_clone_destroy (if_tuntap.c:658), the cloners'
// destroy_f: take the softc off tunhead and destroy it. It never fails.
func tunCloneDestroy(td *kern.Thread, ifc *ifclone.IfClone, ifp *ifclone.Ifnet, flags uint32) kern.Errno {
	g := tunOf(td.K)
	tp := softc(ifp)

	g.tunmtx.Lock(td)
	g.tunhead = tailqRemove(td, g.tunhead, tp)
	g.tunmtx.Unlock(td)
	tunDestroy(td, tp)

	return 0
}

// tailqRemove is TAILQ_REMOVE(&tunhead, tp, tun_list). Removing a softc
// that is not on the list fails QMD_TAILQ_CHECK_PREV in an INVARIANTS
// kernel (sys/sys/queue.h); it panics with the same message.
func tailqRemove(td *kern.Thread, head []*tuntapSoftc, tp *tuntapSoftc) []*tuntapSoftc {
	for i, x := range head {
		if x == tp {
			return append(head[:i:i], head[i+1:]...)
		}
	}
	kern.Panicf(td, "Bad link elm %p prev->next != elm", tp)
	return head
}

// vnetTunInit is vnet_tun_init (if_tuntap.c:671), the VNET_SYSINIT at
// (SI_SUB_PROTO_IF, SI_ORDER_ANY): attach this vnet's tun, tap and vmnet
// cloners (flags 0: no IFC_F_AUTOUNIT, the driver picks units itself).
func vnetTunInit(td *kern.Thread, _ any) {
	g := tunOf(td.K)

	for i := 0; i < len(g.tuntap_drivers); i++ {
		drv := g.tuntap_drivers[i]
		drvc := kern.Malloc[tuntapDriverCloner](td, g.m_tun, kern.M_WAITOK|kern.M_ZERO)

		drvc.drv = drv
		req := ifclone.IfCloneAddreq{
			MatchF:   drv.clone_match_fn,
			CreateF:  drv.clone_create_fn,
			DestroyF: drv.clone_destroy_fn,
		}
		drvc.cloner = ifclone.IfcAttachCloner(td, cstr(drv.cdevsw.d_name), &req)
		head := g.vTuntapDriverCloners(td)
		drvc.link = *head // SLIST_INSERT_HEAD
		*head = drvc
	}
}

// vnetTunUninit is vnet_tun_uninit (if_tuntap.c:695), the VNET_SYSUNINIT
// at (SI_SUB_PROTO_IF, SI_ORDER_ANY): detach this vnet's cloners, which
// destroys every interface they made, wherever it lives.
func vnetTunUninit(td *kern.Thread, _ any) {
	g := tunOf(td.K)

	head := g.vTuntapDriverCloners(td)
	for *head != nil {
		drvc := *head
		*head = drvc.link // SLIST_REMOVE_HEAD

		ifclone.IfCloneDetach(td, drvc.cloner)
		kern.Free(td, drvc, g.m_tun)
	}
}

// tunUninit is tun_uninit (if_tuntap.c:711), the SYSUNINIT at
// (SI_SUB_PROTO_IF, SI_ORDER_ANY) that runs after vnet_tun_uninit: stop
// renaming aliases, destroy any softc still on tunhead, delete the unit
// allocators and clone lists, destroy tunmtx.
func tunUninit(td *kern.Thread) {
	g := tunOf(td.K)

	ifclone.IfnetArrivalEvent(td.K).Deregister(g.arrival_tag)
	// EVENTHANDLER_DEREGISTER(dev_clone, clone_tag): tunclone is not
	// emulated.

	g.tunmtx.Lock(td)
	for len(g.tunhead) != 0 {
		tp := g.tunhead[0]
		g.tunhead = tailqRemove(td, g.tunhead, tp)
		g.tunmtx.Unlock(td)
		tunDestroy(td, tp)
		g.tunmtx.Lock(td)
	}
	g.tunmtx.Unlock(td)
	for i := 0; i < len(g.tuntap_drivers); i++ {
		drv := g.tuntap_drivers[i]
		unrhdr.DeleteUnrhdr(td, drv.unrhdr)
		drv.unrhdr = nil // divergence: the C leaves it dangling (docs/DIVERGENCES.md)
		cloneCleanup(td, &drv.clones)
	}
	g.tunmtx.Destroy(td)
}

// tuntapDriverFromIfnet is tuntap_driver_from_ifnet (if_tuntap.c:738): the
// driver an interface belongs to, by if_dname.
func tuntapDriverFromIfnet(td *kern.Thread, ifp *ifclone.Ifnet) *tuntapDriver {
	g := tunOf(td.K)

	if ifp == nil {
		return nil
	}

	for i := 0; i < len(g.tuntap_drivers); i++ {
		drv := g.tuntap_drivers[i]
		if ifp.IfDname == drv.cdevsw.d_name {
			return drv
		}
	}

	return nil
}

// tuntapmodevent is tuntapmodevent (if_tuntap.c:756): at MOD_LOAD create
// tunmtx, each driver's clone list and unrhdr (units 0..IF_MAXUNIT on
// tunmtx), and register tunrename for ifnet_arrival_event at priority
// 1000. MOD_UNLOAD does nothing: tun_uninit runs later, after the vnet
// destructors.
func tuntapmodevent(td *kern.Thread, typ int) kern.Errno {
	g := tunOf(td.K)

	switch typ {
	case modLoad:
		g.tunmtx.Init(td.K, "tunmtx", "", kern.MTX_DEF)
		for i := 0; i < len(g.tuntap_drivers); i++ {
			drv := g.tuntap_drivers[i]
			cloneSetup(td, &drv.clones)
			drv.unrhdr = unrhdr.NewUnrhdr(td, 0, ifclone.IF_MAXUNIT, &g.tunmtx)
		}
		g.arrival_tag = ifclone.IfnetArrivalEvent(td.K).Register(
			func(td *kern.Thread, ifp *ifclone.Ifnet) { tunrename(td, ifp) }, 1000)
		// EVENTHANDLER_REGISTER(dev_clone, tunclone, 0, 1000): devfs
		// cloning is not emulated.
	case modUnload:
		// tun_uninit does the work after the vnet sysuninits.
	default:
		return kern.EOPNOTSUPP
	}
	return 0
}

// tunCreateDevice is tun_create_device (if_tuntap.c:804): a softc and the
// character device /dev/<name> for it, the softc on tunhead. hasCred
// stands for cr != NULL (the devfs-cloning path, not emulated): only then
// does make_dev_s get MAKEDEV_REF|MAKEDEV_CHECKNAME, so on the if_clone
// path a name devfs refuses panics in make_dev_s.
func tunCreateDevice(td *kern.Thread, drv *tuntapDriver, unit int, hasCred bool, dev **Cdev, name []byte) kern.Errno {
	g := tunOf(td.K)
	var args makeDevArgs

	tp := kern.Malloc[tuntapSoftc](td, g.m_tun, kern.M_WAITOK|kern.M_ZERO)
	tp.tun_mtx.Init(td.K, "tun_mtx", "", kern.MTX_DEF)
	tp.tun_cv.Init(td.K, "tun_condvar", 0) // cv_init
	tp.tun_flags = uint16(drv.ident_flags)
	tp.tun_drv = drv

	if hasCred {
		args.mda_flags = MAKEDEV_REF | MAKEDEV_CHECKNAME
	}
	args.mda_devsw = &drv.cdevsw
	// mda_cr, mda_uid (UID_UUCP), mda_gid (GID_DIALER), mda_mode (0600):
	// devfs permissions are not modelled.
	args.mda_unit = unit
	args.mda_si_drv1 = tp
	err := makeDevS(td, &args, dev, name)
	if err != 0 {
		kern.Free(td, tp, g.m_tun)
		return err
	}

	kern.KASSERT(td, (*dev).si_drv1 != nil, "Failed to set si_drv1 at %s creation", kern.CString(name))
	tp.tun_dev = *dev
	// knlist_init_mtx: no kqueue.
	g.tunmtx.Lock(td)
	g.tunhead = append(g.tunhead, tp) // TAILQ_INSERT_TAIL
	g.tunmtx.Unlock(td)
	return 0
}

// tuncreate is tuncreate (if_tuntap.c:947): the interface of a new device,
// named after the driver and the device's unit: tun is IFT_PPP and
// point-to-point, tap and vmnet are IFT_ETHER, broadcast and simplex. It
// is attached to curvnet, and the softc is marked TUN_INITED.
func tuncreate(td *kern.Thread, dev *Cdev) {
	var typ uint8

	tp := dev.si_drv1
	kern.KASSERT(td, tp != nil, "si_drv1 should have been initialized at creation")

	drv := tp.tun_drv
	iflags := ifclone.IFF_MULTICAST
	if tp.tun_flags&TUN_L2 != 0 {
		typ = ifclone.IFT_ETHER
		iflags |= ifclone.IFF_BROADCAST | ifclone.IFF_SIMPLEX
	} else {
		typ = IFT_PPP
		iflags |= ifclone.IFF_POINTOPOINT
	}
	ifp := ifclone.IfAlloc(td, typ)
	tp.tun_ifp = ifp
	if ifp == nil {
		kern.Panicf(td, "%s%d: failed to if_alloc() interface.\n", drv.cdevsw.d_name, dev2unit(dev))
	}
	ifp.IfSoftc = tp
	ifclone.IfInitname(ifp, drv.cdevsw.d_name, dev2unit(dev))
	// if_ioctl = tunifioctl, the send queue, capabilities, MTU, if_start,
	// if_output, if_transmit: not modelled.
	ifp.IfFlags.Set(iflags)

	if tp.tun_flags&TUN_L2 != 0 {
		// ether_gen_addr: no link-level address.
		etherIfattach(td, ifp)
	} else {
		ifclone.IfAttach(td, ifp)
		// bpfattach: no BPF.
	}

	tunLock(td, tp)
	tp.tun_flags |= TUN_INITED
	tunUnlock(td, tp)
}

// tunrename is tunrename (if_tuntap.c:1012), the ifnet_arrival_event
// handler: when a tun/tap/vmnet interface is renamed, replace its devfs
// alias by one with the new name (none when the name is the device's
// own again). Alias creation may fail (MAKEDEV_CHECKNAME): a name devfs
// already has is silently left without alias.
func tunrename(td *kern.Thread, ifp *ifclone.Ifnet) {
	g := tunOf(td.K)

	kern.Preempt(td) // if_flags is read without a lock
	if ifp.IfFlags.Get()&ifclone.IFF_RENAMING == 0 {
		return
	}

	if tuntapDriverFromIfnet(td, ifp) == nil {
		return
	}

	// tun_ioctl_sx keeps if_softc from going away until the softc is
	// busied (or found dying).
	g.tun_ioctl_sx.Xlock(td)
	tp := softc(ifp)
	if tp == nil {
		g.tun_ioctl_sx.Xunlock(td)
		return
	}
	err := tunBusy(td, tp)
	g.tun_ioctl_sx.Xunlock(td)
	if err != 0 {
		return
	}
	if tp.tun_alias != nil {
		destroyDev(td, tp.tun_alias)
		tp.tun_alias = nil
	}

	if kern.Strcmp(ifp.IfXname[:], tp.tun_dev.si_name[:]) == 0 {
		goto out
	}

	// Best effort: make_dev_alias_p leaves tun_alias alone on failure.
	makeDevAliasP(td, MAKEDEV_CHECKNAME, &tp.tun_alias, tp.tun_dev, ifp.IfXname[:])
out:
	tunUnbusy(td, tp)
}

// etherIfattach stands for ether_ifattach (sys/net/if_ethersubr.c) as far
// as kcheck models it: if_attach (no link-level address, BPF or netgraph).
func etherIfattach(td *kern.Thread, ifp *ifclone.Ifnet) { ifclone.IfAttach(td, ifp) }

// etherIfdetach stands for ether_ifdetach: if_detach.
func etherIfdetach(td *kern.Thread, ifp *ifclone.Ifnet) { ifclone.IfDetach(td, ifp) }

// cstr is a Go string as a C string.
func cstr(s string) []byte { return append([]byte(s), 0) }

// Load does for the kernel of td what linking if_tuntap.c into it does: it
// sets up the ifnet layer (ifclone.IfnetInit), defines
// V_tuntap_driver_cloners and registers DECLARE_MODULE's SYSINIT (MOD_LOAD
// at SI_SUB_PSEUDO), the VNET_SYSINIT/VNET_SYSUNINIT pair and the
// SYSUNINIT tun_uninit. They run at the next k.Boot(td): call Load before
// k.Boot for a kernel with the driver compiled in, after it for kldload.
// k.Shutdown detaches every vnet's cloners and then runs tun_uninit, and
// so does kern.Kldunload of the file if_tuntap (kern.Kldload runs the
// SYSINITs at once). Loading it while it is linked is EEXIST.
func Load(td *kern.Thread) kern.Errno {
	k := td.K
	g := tunOf(k)
	return kern.LinkFile(td, "if_tuntap", func(lf *kern.LinkerFile) {
		ifclone.IfnetInit(k)
		g.v_tuntap_driver_cloners = vnet.Define[*tuntapDriverCloner](td, "tuntap_driver_cloners", nil)
		lf.AtUnload(g.v_tuntap_driver_cloners.Undefine)

		// VNET_SYSINIT(vnet_tun_init, ...) (if_tuntap.c:692).
		vnet.VNET_SYSINIT(k, "vnet_tun_init", kern.SI_SUB_PROTO_IF, kern.SI_ORDER_ANY, vnetTunInit, nil)
		// VNET_SYSUNINIT(vnet_tun_uninit, ...) (if_tuntap.c:708).
		vnet.VNET_SYSUNINIT(k, "vnet_tun_uninit", kern.SI_SUB_PROTO_IF, kern.SI_ORDER_ANY, vnetTunUninit, nil)
		// SYSUNINIT(tun_uninit, ...) (if_tuntap.c:736). The three are tied
		// at (SI_SUB_PROTO_IF, SI_ORDER_ANY) and declared in this order;
		// linker_file_sysuninit's sort and k.Shutdown leave ties in
		// declaration order, so every vnet's cloners are detached before
		// tun_uninit destroys what is left on tunhead.
		k.SYSUNINIT("tun_uninit", kern.SI_SUB_PROTO_IF, kern.SI_ORDER_ANY, tunUninit)
		// DECLARE_MODULE(if_tuntap, ...) (if_tuntap.c:797).
		kern.DECLARE_MODULE(k, "if_tuntap", kern.SI_SUB_PSEUDO, kern.SI_ORDER_ANY, tuntapmodevent)
	})
}

// MTun is the kernel's M_TUN malloc type.
func MTun(k *kern.Kernel) *kern.MallocType { return tunOf(k).m_tun }

// MCdevp is the malloc type cdevs come from (devfs's M_CDEVP, "DEVFS1").
func MCdevp(k *kern.Kernel) *kern.MallocType { return devfsOf(k).m_cdevp }

// Unrhdr is the unit allocator of driver dname ("tun", "tap" or "vmnet"),
// nil before MOD_LOAD, after tun_uninit or for another name.
func Unrhdr(k *kern.Kernel, dname string) *unrhdr.Unrhdr {
	for _, drv := range tunOf(k).tuntap_drivers {
		if drv.cdevsw.d_name == dname {
			return drv.unrhdr
		}
	}
	return nil
}

// Softcs is the number of softcs on tunhead (every vnet).
func Softcs(td *kern.Thread) int {
	g := tunOf(td.K)
	g.tunmtx.Lock(td)
	defer g.tunmtx.Unlock(td)
	return len(g.tunhead)
}

// Devices lists the names devfs shows (devices and their aliases), in
// creation order.
func Devices(td *kern.Thread) []string {
	s := devfsOf(td.K)
	devLock(td)
	defer devUnlock(td)
	var out []string
	for _, dev := range s.cdevp_list {
		out = append(out, dev.Name())
	}
	return out
}

// DeadCdevs is the number of destroyed cdevs kept on dead_cdevsw's list by
// references nobody has dropped.
func DeadCdevs(td *kern.Thread) int {
	s := devfsOf(td.K)
	devLock(td)
	defer devUnlock(td)
	return len(s.dead_devs)
}

// DeadCdevRefs is the si_refcount of each cdev on dead_cdevsw's list, for
// the tests only.
func DeadCdevRefs(td *kern.Thread) []int {
	s := devfsOf(td.K)
	devLock(td)
	defer devUnlock(td)
	refs := make([]int, 0, len(s.dead_devs))
	for _, dev := range s.dead_devs {
		refs = append(refs, dev.si_refcount)
	}
	return refs
}
