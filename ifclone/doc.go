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
// Lock order: the table LockOrder (lockorder.go), with vnet.LockOrder and
// the drivers' tables, is the one source; harness's TestLockOrderTable
// checks every order WITNESS learns over the named scenarios against them.
// Lookups that take no lock run in the network epoch.
package ifclone
