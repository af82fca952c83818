// SPDX-License-Identifier: BSD-3-Clause
//
// The TAILQ subset of sys/sys/queue.h (Copyright (c) 1991, 1993 The Regents
// of the University of California) that subr_unit.c uses, specialised to
// struct unr. The C keeps tqe_prev as the address of the previous element's
// next pointer; here it is the previous element itself (nil for the first),
// which gives TAILQ_PREV the same answers without the head-cast trick.

package unrhdr

// unrEntry is TAILQ_ENTRY(unr).
type unrEntry struct {
	tqe_next *Unr
	tqe_prev *Unr
}

// unrq is TAILQ_HEAD(unrhd, unr) and TAILQ_HEAD(unrfr, unr): both heads of
// struct unrhdr have the same shape.
type unrq struct {
	tqh_first *Unr
	tqh_last  *Unr
}

// tailqInit is TAILQ_INIT.
func (h *unrq) tailqInit() { h.tqh_first, h.tqh_last = nil, nil }

// tailqEmpty is TAILQ_EMPTY.
func (h *unrq) tailqEmpty() bool { return h.tqh_first == nil }

// tailqInsertHead is TAILQ_INSERT_HEAD.
func (h *unrq) tailqInsertHead(elm *Unr) {
	elm.list.tqe_prev = nil
	elm.list.tqe_next = h.tqh_first
	if h.tqh_first != nil {
		h.tqh_first.list.tqe_prev = elm
	} else {
		h.tqh_last = elm
	}
	h.tqh_first = elm
}

// tailqInsertTail is TAILQ_INSERT_TAIL.
func (h *unrq) tailqInsertTail(elm *Unr) {
	elm.list.tqe_next = nil
	elm.list.tqe_prev = h.tqh_last
	if h.tqh_last != nil {
		h.tqh_last.list.tqe_next = elm
	} else {
		h.tqh_first = elm
	}
	h.tqh_last = elm
}

// tailqInsertAfter is TAILQ_INSERT_AFTER: elm goes right after listelm.
func (h *unrq) tailqInsertAfter(listelm, elm *Unr) {
	elm.list.tqe_prev = listelm
	elm.list.tqe_next = listelm.list.tqe_next
	if elm.list.tqe_next != nil {
		elm.list.tqe_next.list.tqe_prev = elm
	} else {
		h.tqh_last = elm
	}
	listelm.list.tqe_next = elm
}

// tailqInsertBefore is TAILQ_INSERT_BEFORE. The C macro needs no head
// (tqe_prev points into it); with plain prev pointers inserting before the
// first element must update the head, hence the receiver.
func (h *unrq) tailqInsertBefore(listelm, elm *Unr) {
	elm.list.tqe_next = listelm
	elm.list.tqe_prev = listelm.list.tqe_prev
	if listelm.list.tqe_prev != nil {
		listelm.list.tqe_prev.list.tqe_next = elm
	} else {
		h.tqh_first = elm
	}
	listelm.list.tqe_prev = elm
}

// tailqRemove is TAILQ_REMOVE. Like the C with QUEUE_MACRO_DEBUG_TRASH
// off, it leaves elm's own links as they were.
func (h *unrq) tailqRemove(elm *Unr) {
	if elm.list.tqe_next != nil {
		elm.list.tqe_next.list.tqe_prev = elm.list.tqe_prev
	} else {
		h.tqh_last = elm.list.tqe_prev
	}
	if elm.list.tqe_prev != nil {
		elm.list.tqe_prev.list.tqe_next = elm.list.tqe_next
	} else {
		h.tqh_first = elm.list.tqe_next
	}
}
