// SPDX-License-Identifier: BSD-2-Clause

// Package ifclone is the port of FreeBSD's interface cloning framework and
// what it stands on: if_clone.go is the seed, sys/net/if_clone.c, line by
// line and in its order (every function's doc comment names its C
// counterpart and line); if.go and if_var.go are the part of sys/net/if.c
// that if_clone.c calls (ifnets, ifunit, groups, rename, the vnet moves,
// vnet_if_return); ioctl.go is ifioctl's cloning paths with their
// arguments in user memory; jail.go is the little of kern_jail.c the moves
// need. The cloning drivers live in ifclone/drivers.
//
// Every function that in C runs as curthread takes td *kern.Thread first;
// errors are kern.Errno values; names live in fixed [IFNAMSIZ]byte arrays
// with C string semantics.
//
// Lock order, as WITNESS learns it over the named scenarios:
// ifnet_detach_sxlock first (SIOCIFDESTROY, the vnet moves, vnet_destroy),
// then vnet_sysinit_sxlock (vnet_destroy's destructors); if_cloners_mtx
// before a cloner's ifc_mtx (if_clone_restoregroup nests them; ifc_mtx is
// also the cloner's unrhdr mutex); ifnet_sxlock (IFNET_WLOCK) before
// if_addr_lock. if_cloners_mtx and ifnet_sxlock are never held together.
// Lookups that take no lock run in the network epoch.
package ifclone
