// SPDX-License-Identifier: BSD-2-Clause
//
// Copyright (c) 2004-2009 University of Zagreb
// Copyright (c) 2006-2009 FreeBSD Foundation
// Copyright (c) 2009 Jeffrey Roberson <jeff@freebsd.org>
// Copyright (c) 2009 Robert N. M. Watson
// All rights reserved.
//
// The licence text is in LICENSE.

// Package vnet is a Go port of FreeBSD 14's virtual network stack core:
// sys/net/vnet.h (vnet_h.go) and sys/net/vnet.c (vnet.go). Line numbers in
// the comments refer to those files as stored in the stable/14 vendor
// mirror sobomax/freebsd14_vendor at commit 0f7ff3427c99 (vnet.c
// "$FreeBSD: 2480fc8dd86c $", vnet.h "$FreeBSD: dcfcb5f99064 $"), the
// revision in which vnet_destroy sets vnet_shutdown and runs the
// destructors under ifnet_detach_sxlock.
//
// # What it provides
//
//   - Vnet (struct vnet), vnet0 and the list of all vnets with its locks.
//   - Per-vnet variables (VNET_DEFINE): Define makes a typed Var whose
//     master value is copied into every vnet at VnetAlloc, and into the
//     vnets that already exist when it is defined late (module load).
//     Var.V reads through curvnet (V_name), Var.Get through a named vnet
//     (VNET_VNET).
//   - CURVNET_SET / CURVNET_SET_QUIET / CURVNET_RESTORE on the thread, with
//     VNET_DEBUG always on (see "Pairing" below).
//   - VnetAlloc / VnetDestroy running the VNET_SYSINIT constructors in
//     ascending (subsystem, order) and the VNET_SYSUNINIT destructors in
//     descending order with curvnet set, vnet_state following them.
//   - VNET_SYSINIT / VNET_SYSUNINIT registration through kern's SYSINIT
//     machinery, and run-time registration that applies a constructor to
//     every existing vnet (VnetRegisterSysinit) or a destructor on
//     deregistration (VnetDeregisterSysuninit).
//
// Every former C global lives in a per-kernel State (Of(k)); nothing here
// is a mutable package variable.
//
// # Boot and teardown
//
// Of(k) initialises the locks and the modspace free list at once (the C
// does that in SYSINITs at SI_SUB_VNET_PRELINK and SI_SUB_KLD) and
// registers vnet.c's own SYSINITs with the kernel: vnet0_init at
// SI_SUB_VNET (allocates vnet0 and makes it the boot thread's curvnet),
// vnet_init_done at SI_SUB_VNET_DONE (clears it) and the dummy
// VNET_SYSINIT vnet_sysinit_done. Call Of(k), or any function that does,
// before k.Boot. Past the C, a SYSUNINIT at SI_SUB_VNET destroys vnet0 in
// k.Shutdown so that the malloc types end at zero (FreeBSD never frees
// vnet0).
//
// # Pairing
//
// C's CURVNET_SET declares locals that CURVNET_RESTORE reads, so the
// compiler pairs them by scope. Go has no such macro: CurvnetSet returns a
// Saved value (the saved vnet and td_vnet_lpush plus an identity token)
// and CurvnetRestore takes it. The kernel keeps, per thread, the stack of
// outstanding sets; a restore of anything but the innermost outstanding
// set of that thread (a swapped, repeated or foreign restore, or a zero
// Saved) panics with a *kern.Panic, as KASSERT would. Write it as in C:
//
//	saved := vnet.CurvnetSet(td, ifp.IfVnet)
//	...
//	vnet.CurvnetRestore(td, saved)
//
// or `defer vnet.CurvnetRestore(td, vnet.CurvnetSet(td, v))` for a
// function-wide scope.
//
// # Lock order
//
// The table LockOrder (lockorder.go) is the one source, checked against
// WITNESS by harness's TestLockOrderTable: ifnet_detach_sxlock (if.c's,
// given through State.IfnetDetachSxlock) before vnet_sysinit_sxlock, which
// comes before whatever the constructors and destructors take;
// vnet_sxlock before vnet_rwlock; the data allocator's lock is a leaf.
//
// VnetAlloc runs the constructors with vnet_sysinit_sxlock shared and no
// list lock, then takes the list locks; VnetRegisterSysinit holds
// vnet_sysinit_sxlock exclusively while it walks the list of vnets without
// the list locks (vnet.c:477), as the C does.
package vnet
