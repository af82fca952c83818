// SPDX-License-Identifier: BSD-3-Clause
//
// Copyright (c) 1982, 1986, 1993
//	The Regents of the University of California.  All rights reserved.
//
// The licence text is in LICENSE.

// Package disc is the cloner-facing part of FreeBSD's discard driver,
// sys/net/if_disc.c, as FreeBSD 14-CURRENT had it in mid-2023: a "disc"
// cloner per vnet made with the compatibility wrapper if_clone_simple and
// minifs 0 (no interface is created at attach, and every unit, 0 included,
// may be destroyed), a softc from M_DISC per interface, and the cloner
// detached by the VNET_SYSUNINIT at SI_SUB_INIT_IF.
//
// Line numbers refer to sys/net/if_disc.c as stored in Nevuqe/nqc at
// c74f302d06dc, a fork of FreeBSD main of mid-2023 whose text is FreeBSD's
// with the $FreeBSD$ tag renamed on the same line (see
// docs/DIVERGENCES.md, "drivers: lo/disc/epair").
//
// Not emulated: discoutput and discioctl (packets and interface
// configuration), BPF, the MTU and if_drv_flags.
package disc

import (
	"kcheck/ifclone"
	"kcheck/kern"
	"kcheck/vnet"
)

// discname is discname (if_disc.c:77).
const discname = "disc"

// Module event types (sys/sys/module.h).
const (
	modLoad   = 0 // MOD_LOAD
	modUnload = 1 // MOD_UNLOAD
)

// discSoftc is struct disc_softc (if_disc.c:67), allocated from M_DISC.
type discSoftc struct {
	sc_ifp *ifclone.Ifnet
}

// discGlobals holds what are file-scope variables of if_disc.c for one
// kernel.
type discGlobals struct {
	// m_disc is M_DISC (if_disc.c:78).
	m_disc *kern.MallocType
	// v_disc_cloner is VNET_DEFINE_STATIC(struct if_clone *, disc_cloner)
	// (if_disc.c:80).
	v_disc_cloner *vnet.Var[*ifclone.IfClone]
}

var discSlot = kern.NewSlot[discGlobals]()

func discOf(k *kern.Kernel) *discGlobals {
	return discSlot.Get(k, func() *discGlobals {
		return &discGlobals{m_disc: MDisc(k)}
	})
}

// MDisc is the kernel's M_DISC malloc type (if_disc.c:78).
func MDisc(k *kern.Kernel) *kern.MallocType {
	return k.MallocType(discname, "Discard interface")
}

// vDiscCloner is V_disc_cloner: curvnet's copy.
func (g *discGlobals) vDiscCloner(td *kern.Thread) **ifclone.IfClone { return g.v_disc_cloner.V(td) }

// discCloneCreate is disc_clone_create (if_disc.c:83), the ifcs_create of
// the simple cloner: a softc and an interface disc<unit> attached to
// curvnet. The wrapper (ifc_simple_create_wrapper) finds the interface
// again by name.
func discCloneCreate(td *kern.Thread, ifc *ifclone.IfClone, unit int, params ifclone.Caddr) kern.Errno {
	g := discOf(td.K)

	sc := kern.Malloc[discSoftc](td, g.m_disc, kern.M_WAITOK|kern.M_ZERO)
	ifp := ifclone.IfAlloc(td, ifclone.IFT_LOOP)
	sc.sc_ifp = ifp
	if ifp == nil {
		kern.Free(td, sc, g.m_disc)
		return kern.ENOSPC
	}

	ifp.IfSoftc = sc
	ifclone.IfInitname(ifp, discname, unit)
	// if_mtu, if_drv_flags, if_output, if_hdrlen, if_addrlen and the send
	// queue are not modelled; nor is discioctl. IFF_LOOPBACK stays for the
	// reason the C gives (routes), which does not matter here.
	ifp.IfFlags.Set(ifclone.IFF_LOOPBACK | ifclone.IFF_MULTICAST)
	ifclone.IfAttach(td, ifp)
	// bpfattach: no BPF.

	return 0
}

// discCloneDestroy is disc_clone_destroy (if_disc.c:122), the ifcs_destroy
// of the simple cloner: detach and free the interface, then its softc.
func discCloneDestroy(td *kern.Thread, ifp *ifclone.Ifnet) {
	g := discOf(td.K)

	sc, _ := ifp.IfSoftc.(*discSoftc)

	// bpfdetach: no BPF.
	ifclone.IfDetach(td, ifp)
	ifclone.IfFree(td, ifp)

	kern.Free(td, sc, g.m_disc)
}

// vnetDiscInit is vnet_disc_init (if_disc.c:136), the VNET_SYSINIT at
// (SI_SUB_PSEUDO, SI_ORDER_ANY): attach this vnet's "disc" cloner through
// the if_clone_simple compatibility wrapper, minifs 0.
func vnetDiscInit(td *kern.Thread, _ any) {
	g := discOf(td.K)

	*g.vDiscCloner(td) = ifclone.IfCloneSimple(td, cstr(discname), discCloneCreate,
		discCloneDestroy, 0)
}

// vnetDiscUninit is vnet_disc_uninit (if_disc.c:146), the VNET_SYSUNINIT at
// (SI_SUB_INIT_IF, SI_ORDER_ANY): detach this vnet's cloner, destroying its
// interfaces.
func vnetDiscUninit(td *kern.Thread, _ any) {
	g := discOf(td.K)

	ifclone.IfCloneDetach(td, *g.vDiscCloner(td))
}

// discModevent is disc_modevent (if_disc.c:155): nothing to do on load or
// unload.
func discModevent(td *kern.Thread, typ int) kern.Errno {
	switch typ {
	case modLoad, modUnload:
	default:
		return kern.EOPNOTSUPP
	}
	return 0
}

// Load does for the kernel of td what linking if_disc.c into it does: it
// sets up the ifnet layer (ifclone.IfnetInit), defines V_disc_cloner and
// registers the VNET_SYSINIT, the VNET_SYSUNINIT and DECLARE_MODULE's
// SYSINIT (with a SYSUNINIT for MOD_UNLOAD). They run at the next
// k.Boot(td) (kern.Kldload runs them at once); k.Shutdown undoes them, and
// so does kern.Kldunload of the file if_disc. Loading it while it is linked
// is EEXIST.
func Load(td *kern.Thread) kern.Errno {
	k := td.K
	g := discOf(k)
	return kern.LinkFile(td, "if_disc", func(lf *kern.LinkerFile) {
		ifclone.IfnetInit(k)
		g.v_disc_cloner = vnet.Define[*ifclone.IfClone](td, "disc_cloner", nil)
		lf.AtUnload(g.v_disc_cloner.Undefine)

		// VNET_SYSINIT(vnet_disc_init, ...) (if_disc.c:143).
		vnet.VNET_SYSINIT(k, "vnet_disc_init", kern.SI_SUB_PSEUDO, kern.SI_ORDER_ANY, vnetDiscInit, nil)
		// VNET_SYSUNINIT(vnet_disc_uninit, ...) (if_disc.c:152).
		vnet.VNET_SYSUNINIT(k, "vnet_disc_uninit", kern.SI_SUB_INIT_IF, kern.SI_ORDER_ANY, vnetDiscUninit, nil)
		// DECLARE_MODULE(if_disc, ..., SI_SUB_PSEUDO, SI_ORDER_ANY).
		kern.DECLARE_MODULE(k, "if_disc", kern.SI_SUB_PSEUDO, kern.SI_ORDER_ANY, discModevent)
	})
}

// Cloner is VNET_VNET(v, disc_cloner): v's "disc" cloner, nil before its
// constructor ran. Not synchronised: for tests and reports between runs.
func Cloner(td *kern.Thread, v *vnet.Vnet) *ifclone.IfClone {
	return *discOf(td.K).v_disc_cloner.Get(v)
}

// cstr is a Go string as a C string.
func cstr(s string) []byte { return append([]byte(s), 0) }
