// SPDX-License-Identifier: BSD-3-Clause
//
// The LIST subset of sys/sys/queue.h (Copyright (c) 1991, 1993 The Regents
// of the University of California) that vnet.c uses, specialised to struct
// vnet, with the INVARIANTS checks (QMD_LIST_CHECK_*) of a kernel build.
//
// The next pointers are atomic because the C walks this list without its
// locks in vnet_register_sysinit and vnet_deregister_sysuninit: a plain Go
// pointer there would be a data race under -race that the C, with word-sized
// stores, does not have. le_prev is only touched with VNET_LIST_WLOCK held.
// LIST_REMOVE does not trash the removed links (QUEUE_MACRO_DEBUG_TRASH is
// off in a GENERIC kernel), so an unlocked walker standing on a removed vnet
// carries on to its old successor, as in C.

package vnet

import (
	"sync/atomic"

	"kcheck/kern"
)

// vnetEntry is LIST_ENTRY(vnet).
type vnetEntry struct {
	le_next atomic.Pointer[Vnet]  // next element
	le_prev *atomic.Pointer[Vnet] // address of previous next element
}

// vnetListHead is LIST_HEAD(vnet_list_head, vnet) (vnet.h:253).
type vnetListHead struct {
	lh_first atomic.Pointer[Vnet]
	// sh shadows the list (head and vnet_le links) for the lockset
	// checker: declared in vnetInitPrelink, guarded by vnet_sxlock.
	// Writers hold both list locks exclusively (VNET_LIST_WLOCK,
	// vnet.c:97-98); the port's readers all take VNET_LIST_RLOCK, the sx
	// (vnet.c:103); no ported reader uses the NOSLEEP (rwlock) variant,
	// which a single declared guard could not express.
	sh kern.Shadow
}

// listFirst is LIST_FIRST.
func (h *vnetListHead) listFirst() *Vnet { return h.lh_first.Load() }

// listNext is LIST_NEXT(elm, vnet_le).
func listNext(elm *Vnet) *Vnet { return elm.vnet_le.le_next.Load() }

// listInsertHead is LIST_INSERT_HEAD(head, elm, vnet_le), with
// QMD_LIST_CHECK_HEAD.
func (h *vnetListHead) listInsertHead(td *kern.Thread, elm *Vnet) {
	first := h.lh_first.Load()
	if first != nil && first.vnet_le.le_prev != &h.lh_first {
		kern.Panicf(td, "Bad list head %p first->prev != head", h)
	}
	elm.vnet_le.le_next.Store(first)
	if first != nil {
		first.vnet_le.le_prev = &elm.vnet_le.le_next
	}
	h.lh_first.Store(elm)
	elm.vnet_le.le_prev = &h.lh_first
}

// listRemove is LIST_REMOVE(elm, vnet_le), with QMD_LIST_CHECK_NEXT and
// QMD_LIST_CHECK_PREV. An element that was never linked (or whose links
// free(9) trashed) has no le_prev; the C would fault dereferencing it, the
// check reports it as the bad link it is.
func listRemove(td *kern.Thread, elm *Vnet) {
	next := elm.vnet_le.le_next.Load()
	if next != nil && next.vnet_le.le_prev != &elm.vnet_le.le_next {
		kern.Panicf(td, "Bad link elm %p next->prev != elm", elm)
	}
	if elm.vnet_le.le_prev == nil || elm.vnet_le.le_prev.Load() != elm {
		kern.Panicf(td, "Bad link elm %p prev->next != elm", elm)
	}
	if next != nil {
		next.vnet_le.le_prev = elm.vnet_le.le_prev
	}
	elm.vnet_le.le_prev.Store(next)
}
