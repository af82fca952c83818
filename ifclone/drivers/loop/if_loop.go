// SPDX-License-Identifier: BSD-3-Clause
//
// Copyright (c) 1982, 1986, 1993
//	The Regents of the University of California.  All rights reserved.
//
// The licence text is in LICENSE.

// Package loop is the cloner-facing part of FreeBSD's loopback driver,
// sys/net/if_loop.c, as FreeBSD 14-CURRENT had it in mid-2023: the "lo"
// cloner attached per vnet with ifc_attach_cloner (IFC_F_AUTOUNIT), lo0
// created in every vnet by the VNET_SYSINIT, unit 0 refused to a destroy
// without IFC_F_FORCE, and the cloner detached (destroying every lo
// interface) by the VNET_SYSUNINIT at SI_SUB_INIT_IF.
//
// Line numbers refer to sys/net/if_loop.c as stored in Nevuqe/nqc at
// c74f302d06dc, a fork of FreeBSD main taken between the if_private.h split
// and the $FreeBSD$ removal of August 2023; its text is FreeBSD's with the
// $FreeBSD$ tag renamed on the same line, so the numbering is FreeBSD's of
// that time. The stored freebsd/freebsd-src copies are from other eras
// (see docs/DIVERGENCES.md, "drivers: lo/disc/epair"). VIMAGE is taken as
// configured, as in GENERIC.
//
// Not emulated: looutput, if_simloop, loioctl (packets and interface
// configuration), BPF, the MTU, capabilities and checksum flags.
//
// # Per-kernel and per-vnet state
//
// VNET_DEFINE(loif) and VNET_DEFINE_STATIC(lo_cloner) are per-vnet
// variables (vnet.Define). The C's file-scope lo_cloner is a per-kernel
// variable written and read without a lock by every vnet's constructor, as
// in the C (see vnetLoifInit).
package loop

import (
	"sync/atomic"

	"kcheck/ifclone"
	"kcheck/kern"
	"kcheck/vnet"
)

// loname is loname (if_loop.c:106).
const loname = "lo"

// Module event types (sys/sys/module.h).
const (
	modLoad   = 0 // MOD_LOAD
	modUnload = 1 // MOD_UNLOAD
)

// loGlobals holds what are file-scope variables of if_loop.c for one
// kernel.
type loGlobals struct {
	// v_loif is VNET_DEFINE(struct ifnet *, loif) (if_loop.c:98): the
	// vnet's first lo interface, read and written without a lock.
	v_loif *vnet.Var[*ifclone.Ifnet]
	// v_lo_cloner is VNET_DEFINE_STATIC(struct if_clone *, lo_cloner)
	// (if_loop.c:101).
	v_lo_cloner *vnet.Var[*ifclone.IfClone]
	// lo_cloner is the file-scope lo_cloner (if_loop.c:105), shared by all
	// vnets. Atomic only so that native runs are free of Go data races;
	// the C accesses are plain, and the preemption points around them
	// stand for that.
	lo_cloner atomic.Pointer[ifclone.IfClone]
}

var loSlot = kern.NewSlot[loGlobals]()

func loOf(k *kern.Kernel) *loGlobals {
	return loSlot.Get(k, func() *loGlobals { return &loGlobals{} })
}

// vLoif is V_loif: curvnet's copy.
func (g *loGlobals) vLoif(td *kern.Thread) **ifclone.Ifnet { return g.v_loif.V(td) }

// vLoCloner is V_lo_cloner: curvnet's copy.
func (g *loGlobals) vLoCloner(td *kern.Thread) **ifclone.IfClone { return g.v_lo_cloner.V(td) }

// loCloneDestroy is lo_clone_destroy (if_loop.c:108): unit 0 (lo0) goes
// only with IFC_F_FORCE, which if_clone_detach passes at vnet teardown;
// any other lo interface is detached and freed.
func loCloneDestroy(td *kern.Thread, ifc *ifclone.IfClone, ifp *ifclone.Ifnet, flags uint32) kern.Errno {
	if ifp.IfDunit == 0 && flags&ifclone.IFC_F_FORCE == 0 {
		return kern.EINVAL
	}

	// The KASSERT against destroying V_loif is compiled only without
	// VIMAGE. bpfdetach: no BPF.

	ifclone.IfDetach(td, ifp)
	ifclone.IfFree(td, ifp)

	return 0
}

// loCloneCreate is lo_clone_create (if_loop.c:126): a loopback interface
// named lo<unit>, the unit chosen by if_clone (IFC_F_AUTOUNIT), attached to
// curvnet; the first one a vnet gets becomes its V_loif.
func loCloneCreate(td *kern.Thread, ifc *ifclone.IfClone, name []byte, len int,
	ifd *ifclone.IfcData, ifpp **ifclone.Ifnet) kern.Errno {
	g := loOf(td.K)

	ifp := ifclone.IfAlloc(td, ifclone.IFT_LOOP)
	if ifp == nil {
		return kern.ENOSPC
	}

	ifclone.IfInitname(ifp, loname, int(ifd.Unit))
	// if_mtu, if_output, the send queue, capabilities and checksum
	// offload are not modelled; nor is loioctl.
	ifp.IfFlags.Set(ifclone.IFF_LOOPBACK | ifclone.IFF_MULTICAST)
	ifclone.IfAttach(td, ifp)
	// bpfattach: no BPF.
	kern.Preempt(td) // V_loif is tested and set without a lock
	if *g.vLoif(td) == nil {
		*g.vLoif(td) = ifp
	}
	*ifpp = ifp

	return 0
}

// vnetLoifInit is vnet_loif_init (if_loop.c:154), the VNET_SYSINIT at
// (SI_SUB_PSEUDO, SI_ORDER_ANY): attach this vnet's "lo" cloner and create
// lo0 through it.
//
// The C stores the new cloner in the file-scope lo_cloner and then copies
// that variable into V_lo_cloner. Two vnets constructed at once (vnet_alloc
// runs constructors with vnet_sysinit_sxlock shared) can interleave there,
// leaving one vnet's V_lo_cloner pointing at the other vnet's cloner; the
// preemption points keep that window open here as in the C.
func vnetLoifInit(td *kern.Thread, _ any) {
	g := loOf(td.K)
	req := ifclone.IfCloneAddreq{
		CreateF:  loCloneCreate,
		DestroyF: loCloneDestroy,
		Flags:    ifclone.IFC_F_AUTOUNIT,
	}
	ifc := ifclone.IfcAttachCloner(td, cstr(loname), &req)
	kern.Preempt(td) // lo_cloner is a file-scope variable: unlocked store
	g.lo_cloner.Store(ifc)
	// VIMAGE:
	kern.Preempt(td) // ... and unlocked load
	*g.vLoCloner(td) = g.lo_cloner.Load()
	ifd := ifclone.IfcData{Unit: 0}
	ifclone.IfcCreateIfp(td, cstr(loname), &ifd, nil)
}

// vnetLoifUninit is vnet_loif_uninit (if_loop.c:173), the VNET_SYSUNINIT at
// (SI_SUB_INIT_IF, SI_ORDER_SECOND): detach this vnet's cloner, which
// destroys every interface on it (lo0 included, with IFC_F_FORCE) wherever
// it lives, then forget lo0.
func vnetLoifUninit(td *kern.Thread, _ any) {
	g := loOf(td.K)

	ifclone.IfcDetachCloner(td, *g.vLoCloner(td))
	kern.Preempt(td) // V_loif is written without a lock
	*g.vLoif(td) = nil
}

// loopModevent is loop_modevent (if_loop.c:184): loading succeeds, and the
// module refuses to unload.
func loopModevent(td *kern.Thread, typ int) kern.Errno {
	switch typ {
	case modLoad:
	case modUnload:
		// The C prints "loop module unload - not possible for this
		// module type" on the console.
		return kern.EINVAL
	default:
		return kern.EOPNOTSUPP
	}
	return 0
}

// Load does for the kernel of td what linking if_loop.c into it does: it
// sets up the ifnet layer (ifclone.IfnetInit), defines V_loif and
// V_lo_cloner, and registers the VNET_SYSINIT, the VNET_SYSUNINIT and
// DECLARE_MODULE's SYSINIT. Like every SYSINIT they run at the next
// k.Boot(td) (at boot, or after it as kldload would), the constructor on
// every vnet that exists then and on every vnet allocated later; k.Shutdown
// runs the destructor on every vnet left. Call it before k.Boot so that
// vnet0 gets its lo0 at boot. Loading it while the file if_lo is linked
// is EEXIST; kern.Kldunload of it is refused by loop_modevent (EINVAL).
func Load(td *kern.Thread) kern.Errno {
	k := td.K
	g := loOf(k)
	return kern.LinkFile(td, "if_lo", func(lf *kern.LinkerFile) {
		ifclone.IfnetInit(k)
		g.v_loif = vnet.Define[*ifclone.Ifnet](td, "loif", nil)
		g.v_lo_cloner = vnet.Define[*ifclone.IfClone](td, "lo_cloner", nil)
		lf.AtUnload(g.v_loif.Undefine)
		lf.AtUnload(g.v_lo_cloner.Undefine)

		// VNET_SYSINIT(vnet_loif_init, ...) (if_loop.c:169).
		vnet.VNET_SYSINIT(k, "vnet_loif_init", kern.SI_SUB_PSEUDO, kern.SI_ORDER_ANY, vnetLoifInit, nil)
		// VNET_SYSUNINIT(vnet_loif_uninit, ...) (if_loop.c:180).
		vnet.VNET_SYSUNINIT(k, "vnet_loif_uninit", kern.SI_SUB_INIT_IF, kern.SI_ORDER_SECOND, vnetLoifUninit, nil)
		// DECLARE_MODULE(if_lo, ...): MOD_LOAD at its SYSINIT. The unload
		// at k.Shutdown is refused (EINVAL), as kldunload of if_lo is.
		kern.DECLARE_MODULE(k, "if_lo", kern.SI_SUB_PROTO_IFATTACHDOMAIN, kern.SI_ORDER_ANY, loopModevent)
	})
}

// Loif is VNET_VNET(v, loif): v's lo0 (the first lo interface created in
// v), nil before the constructor ran and after the destructor. Not
// synchronised: for tests and reports between runs.
func Loif(td *kern.Thread, v *vnet.Vnet) *ifclone.Ifnet {
	return *loOf(td.K).v_loif.Get(v)
}

// Cloner is VNET_VNET(v, lo_cloner): the cloner v's constructor recorded
// (which, after the race described at vnetLoifInit, may be another vnet's).
// Not synchronised: for tests and reports between runs.
func Cloner(td *kern.Thread, v *vnet.Vnet) *ifclone.IfClone {
	return *loOf(td.K).v_lo_cloner.Get(v)
}

// cstr is a Go string as a C string.
func cstr(s string) []byte { return append([]byte(s), 0) }
