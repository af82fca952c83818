// SPDX-License-Identifier: BSD-2-Clause
//
// Copyright (c) 2004 Poul-Henning Kamp
// All rights reserved.

// Package unrhdr is a line-by-line Go port of FreeBSD's sys/kern/subr_unit.c (unit number
// allocation, unr(9)) as stored at freebsd-src commit 337f05dd3fec: the
// revision with UNR_NO_MTX and without the iterator API. Line numbers in
// the comments refer to that file. The licence text is in LICENSE.
//
// # The data structure
//
// A unit number space [low, high] is described by a header (Unrhdr) and a
// list of chunks (Unr). The first `first` units are allocated and the last
// `last` units are free without any chunk; the list describes what lies
// between. A chunk's ptr says what it is: nil is a run of len free units,
// the header itself is a run of len allocated units, anything else is a
// bitmap (Unrb) of len units, one bit per unit. A bitmap is itself a chunk
// of the same size as struct unr (32 bytes on amd64, NBITS = 256 bits), so
// `alloc` counts chunks whatever their use and matches the C exactly.
//
// # Memory and locking
//
// Chunks come from malloc(9) type M_UNIT with M_WAITOK. Allocation may
// sleep, so the entry points that can need new chunks (AllocUnrSpecific,
// FreeUnr) allocate two before taking the lock and free the unused ones
// afterwards. Chunks that become unused under the lock are queued on
// ppfree and freed by CleanUnrhdrl, which drops the mutex around each
// free(9). The mutex is the caller's (if_clone passes the cloner's), the
// kernel's global "unit# allocation" mutex (Kernel.UnitMtx) when none is
// given, or none at all with UnrNoMtx.
//
// Lock order: the header's mutex is a leaf; nothing else is taken under it
// (free(9) and malloc(9) run with it dropped).
//
// INVARIANTS and DIAGNOSTIC are on: CheckUnrhdr runs wherever the C calls
// check_unrhdr and every KASSERT is kept, panicking with the C's message.
//
// # Where the Go differs
//
//   - struct unr and struct unrb overlay the same 32 bytes in C (optimize_unr
//     turns a chunk into a bitmap in place). Go must not write integers over
//     pointers, so a chunk (Unr) carries both views side by side, the bitmap
//     first so that a bitmap pointer and its chunk pointer are the same
//     address. Counts (alloc, M_UNIT objects) are unchanged.
//   - ptr is an unsafe.Pointer holding either the *Unrhdr or a chunk, the Go
//     spelling of void *.
//   - UNR_NO_MTX, (void *)-1 in C, is a per-kernel sentinel mutex
//     (UnrNoMtx(k)) since a package-level value would be shared state.
//   - The header caches the kernel's M_UNIT type (mUnit); C uses a global.
//   - Functions that assert, lock or allocate take the thread first.
package unrhdr

import (
	"fmt"
	"io"
	"math"
	"strings"
	"unsafe"

	"kcheck/kern"
)

// NBITS is NBITS (subr_unit.c:208). The number of units one bitmap holds,
// 8 * sizeof(struct unrb) = 8 * sizeof(struct unr) = 256 on amd64.
const NBITS = 8 * 32

// SizeofUnr is sizeof(struct unr) on amd64, the unit of M_UNIT memory.
const SizeofUnr = 32

// SizeofUnrhdr is sizeof(struct unrhdr) on amd64.
const SizeofUnrhdr = 64

// Unrhdr is struct unrhdr (sys/sys/_unrhdr.h). The header of one unit
// number space. Every field is guarded by mtx (when there is one).
type Unrhdr struct {
	head   unrq      // TAILQ_HEAD(unrhd, unr): the chunk list
	low    uint32    // lowest unit
	high   uint32    // highest unit
	busy   uint32    // units allocated
	alloc  uint32    // chunks in use (bitmaps count as chunks)
	first  uint32    // units allocated from low on, with no chunk
	last   uint32    // units free up to high, with no chunk
	mtx    *kern.Mtx // nil: no locking (UNR_NO_MTX)
	ppfree unrq      // TAILQ_HEAD(unrfr, unr): chunks to free once unlocked

	mUnit *kern.MallocType // the kernel's M_UNIT (emulation only)

	// sh shadows the header and its chunk lists for the lockset checker
	// (kern/lockset.go): guarded by mtx, as every *l function asserts
	// (subr_unit.c's mtx_assert(uh->mtx, MA_OWNED)).
	sh kern.Shadow
}

// Unrb is struct unrb (subr_unit.c:201). A bitmap of NBITS units, one bit
// per unit, set when allocated.
type Unrb struct {
	map_ [NBITS / _BITSTR_BITS]bitstr // map is a Go keyword
}

// Unr is struct unr (subr_unit.c:195). One chunk of M_UNIT memory. In C a
// chunk is either a struct unr or a struct unrb; here it carries both, the
// bitmap view first (see the package comment).
type Unr struct {
	ub   Unrb           // this chunk seen as a struct unrb
	list unrEntry       // TAILQ_ENTRY(unr)
	len  uint32         // run length, or bits used in the bitmap ptr
	ptr  unsafe.Pointer // nil: free run; the header: allocated run; else bitmap

	// MallocHeader keeps kern's allocation state inside the chunk, after
	// the bytes a bitmap overlays (not in the C; it makes malloc/free
	// accounting cheap on this hot path). Having no Poison method, a
	// chunk is trashed on free by one copy of its type's trash (kern's
	// zone.go): the map 0xdeadc0de..., list and ptr nil, len 0xdeadc0de.
	kern.MallocHeader
}

// Poison implements kern.Poisoner for the header.
func (uh *Unrhdr) Poison() {
	uh.head = unrq{}
	uh.low, uh.high, uh.busy, uh.alloc = kern.Poison, kern.Poison, kern.Poison, kern.Poison
	uh.first, uh.last = kern.Poison, kern.Poison
	uh.mtx = nil
	uh.ppfree = unrq{}
	uh.mUnit = nil
	uh.sh.Poison()
}

// asUnrb is the C cast from void *ptr to struct unrb *.
func asUnrb(p unsafe.Pointer) *Unrb { return (*Unrb)(p) }

// mUnitOf is MALLOC_DEFINE(M_UNIT, "Unitno", "Unit number allocation")
// (subr_unit.c:92). One per kernel.
func mUnitOf(k *kern.Kernel) *kern.MallocType {
	return k.MallocType("Unitno", "Unit number allocation")
}

// MUnit returns the kernel's M_UNIT malloc type, for leak accounting.
func MUnit(k *kern.Kernel) *kern.MallocType { return mUnitOf(k) }

var noMtxSlot = kern.NewSlot[kern.Mtx]()

// UnrNoMtx is UNR_NO_MTX (subr_unit.c:146). Passed as the mutex, it makes a
// header that takes no lock at all (the caller serialises). It is a
// per-kernel sentinel, never initialised, so locking it panics.
func UnrNoMtx(k *kern.Kernel) *kern.Mtx {
	return noMtxSlot.Get(k, func() *kern.Mtx { return new(kern.Mtx) })
}

// malloc is the Malloc macro (subr_unit.c:94). M_WAITOK | M_ZERO from M_UNIT.
func malloc(td *kern.Thread, mt *kern.MallocType) *Unr {
	return kern.Malloc[Unr](td, mt, kern.M_WAITOK|kern.M_ZERO)
}

// ubEmpty is ub_empty (subr_unit.c:212). No bit set among the first len.
func ubEmpty(ub *Unrb, len int) bool {
	var firstSet int
	bitFfs(ub.map_[:], len, &firstSet)
	return firstSet == -1
}

// ubFull is ub_full (subr_unit.c:221). No bit clear among the first len.
func ubFull(ub *Unrb, len int) bool {
	var firstClear int
	bitFfc(ub.map_[:], len, &firstClear)
	return firstClear == -1
}

// CheckUnrhdr is check_unrhdr (subr_unit.c:238). It recounts the allocated
// units and the chunks and panics if they disagree with busy and alloc.
// line is the C line of the call site (__LINE__ in the C).
func CheckUnrhdr(td *kern.Thread, uh *Unrhdr, line int) {
	y := uh.first
	var z uint32
	for up := uh.head.tqh_first; up != nil; up = up.list.tqe_next {
		z++
		if up.ptr != unsafe.Pointer(uh) && up.ptr != nil {
			ub := asUnrb(up.ptr)
			if !(up.len <= NBITS) {
				kern.Panicf(td, "UNR inconsistency: len %d max %d (line %d)\n",
					up.len, NBITS, line)
			}
			z++
			w := 0
			bitCount(ub.map_[:], 0, int(up.len), &w)
			y += uint32(w)
		} else if up.ptr != nil {
			y += up.len
		}
	}
	if !(y == uh.busy) {
		kern.Panicf(td, "UNR inconsistency: items %d found %d (line %d)\n",
			uh.busy, y, line)
	}
	if !(z == uh.alloc) {
		kern.Panicf(td, "UNR inconsistency: chunks %d found %d (line %d)\n",
			uh.alloc, z, line)
	}
}

// newUnr is new_unr (subr_unit.c:285). It takes one of the two chunks the
// caller preallocated and counts it.
func newUnr(td *kern.Thread, uh *Unrhdr, p1, p2 **Unr) *Unr {
	uh.alloc++
	if !(*p1 != nil || *p2 != nil) {
		kern.Panicf(td, "Out of cached memory")
	}
	if *p1 != nil {
		p := *p1
		*p1 = nil
		return p
	}
	p := *p2
	*p2 = nil
	return p
}

// deleteUnr is delete_unr (subr_unit.c:303). It uncounts a chunk (a run or
// a bitmap) and queues it on ppfree for CleanUnrhdrl.
func deleteUnr(uh *Unrhdr, ptr unsafe.Pointer) {
	uh.alloc--
	up := (*Unr)(ptr)
	uh.ppfree.tailqInsertTail(up)
}

// CleanUnrhdrl is clean_unrhdrl (subr_unit.c:313). It frees the queued
// chunks, dropping the mutex around each free(9).
//
// Preconditions: uh.mtx held (if any).
func CleanUnrhdrl(td *kern.Thread, uh *Unrhdr) {
	if uh.mtx != nil {
		uh.mtx.Assert(td, kern.MA_OWNED)
	}
	kern.Write(td, &uh.sh) // ppfree
	for {
		up := uh.ppfree.tqh_first
		if up == nil {
			break
		}
		uh.ppfree.tailqRemove(up)
		if uh.mtx != nil {
			uh.mtx.Unlock(td)
		}
		kern.Free(td, up, uh.mUnit)
		if uh.mtx != nil {
			uh.mtx.Lock(td)
		}
	}
}

// CleanUnrhdr is clean_unrhdr (subr_unit.c:331).
func CleanUnrhdr(td *kern.Thread, uh *Unrhdr) {
	if uh.mtx != nil {
		uh.mtx.Lock(td)
	}
	CleanUnrhdrl(td, uh)
	if uh.mtx != nil {
		uh.mtx.Unlock(td)
	}
}

// InitUnrhdr is init_unrhdr (subr_unit.c:342). It sets up a header the
// caller owns for the units low..high. mutex nil means the kernel's global
// unit mutex, UnrNoMtx(k) means no locking.
func InitUnrhdr(td *kern.Thread, uh *Unrhdr, low, high int, mutex *kern.Mtx) {
	if !(low >= 0 && low <= high) {
		kern.Panicf(td, "UNR: use error: new_unrhdr(%d, %d)", low, high)
	}
	// Go only: the C parameters are int (32 bits); refuse what C could not
	// be passed rather than truncate it silently.
	if high > math.MaxInt32 {
		kern.Panicf(td, "UNR: use error: new_unrhdr(%d, %d)", low, high)
	}
	if mutex == UnrNoMtx(td.K) {
		uh.mtx = nil
	} else if mutex != nil {
		uh.mtx = mutex
	} else {
		uh.mtx = td.K.UnitMtx()
	}
	uh.mUnit = mUnitOf(td.K)
	uh.head.tailqInit()
	uh.ppfree.tailqInit()
	uh.low = uint32(low)
	uh.high = uint32(high)
	uh.first = 0
	uh.last = uint32(1 + (high - low))
	uh.busy = 0
	uh.alloc = 0
	if uh.mtx != nil {
		kern.GuardBy(&uh.sh, "unrhdr", uh.mtx, 0)
	} else {
		kern.GuardBy(&uh.sh, "unrhdr", nil, 0) // UNR_NO_MTX: the caller serialises
	}
	CheckUnrhdr(td, uh, 361)
}

// NewUnrhdr is new_unrhdr (subr_unit.c:371). It allocates a header from
// M_UNIT and initialises it.
func NewUnrhdr(td *kern.Thread, low, high int, mutex *kern.Mtx) *Unrhdr {
	uh := kern.Malloc[Unrhdr](td, mUnitOf(td.K), kern.M_WAITOK|kern.M_ZERO)
	InitUnrhdr(td, uh, low, high, mutex)
	return uh
}

// DeleteUnrhdr is delete_unrhdr (subr_unit.c:381). The space must be empty.
func DeleteUnrhdr(td *kern.Thread, uh *Unrhdr) {
	kern.Known(td, &uh.sh, kern.AccessRead, "subr_unit.c:384 delete_unrhdr reads the header unlocked (the caller's last use)")
	CheckUnrhdr(td, uh, 384)
	if !(uh.busy == 0) {
		kern.Panicf(td, "unrhdr has %d allocations", uh.busy)
	}
	if !(uh.alloc == 0) {
		kern.Panicf(td, "UNR memory leak in delete_unrhdr")
	}
	if !(uh.ppfree.tqh_first == nil) {
		kern.Panicf(td, "unrhdr has postponed item for free")
	}
	kern.Free(td, uh, uh.mUnit)
}

// ClearUnrhdr is clear_unrhdr (subr_unit.c:393). It frees every chunk and
// marks all units free. It takes no lock; ppfree must be empty (callers
// run CleanUnrhdr first). Like the C it passes uh.mtx back to InitUnrhdr,
// so a header made with UnrNoMtx (mtx nil) ends up on the global mutex.
func ClearUnrhdr(td *kern.Thread, uh *Unrhdr) {
	kern.Known(td, &uh.sh, kern.AccessWrite, "subr_unit.c:393 clear_unrhdr takes no lock")
	if !uh.ppfree.tailqEmpty() {
		kern.Panicf(td, "unrhdr has postponed item for free")
	}
	var uq *Unr
	for up := uh.head.tqh_first; up != nil; up = uq {
		uq = up.list.tqe_next
		if up.ptr != unsafe.Pointer(uh) {
			kern.Free(td, (*Unr)(up.ptr), uh.mUnit) // free(NULL) for a free run
		}
		kern.Free(td, up, uh.mUnit)
	}
	uh.busy = 0
	uh.alloc = 0
	InitUnrhdr(td, uh, int(uh.low), int(uh.high), uh.mtx)

	CheckUnrhdr(td, uh, 409)
}

// isBitmap is is_bitmap (subr_unit.c:413).
func isBitmap(uh *Unrhdr, up *Unr) bool {
	return up.ptr != unsafe.Pointer(uh) && up.ptr != nil
}

// optimizeUnr is optimize_unr (subr_unit.c:428). It finds the stretch of
// chunks that, packed into one bitmap, frees the most chunks (at least
// two), and packs it. It returns true when it packed something, so that
// the caller tries again. It allocates nothing: the first chunk of the
// stretch becomes the bitmap when none of them is one.
func optimizeUnr(uh *Unrhdr) bool {
	var up, uf, us *Unr
	var ub, ubf *Unrb
	var a, l, ba uint32

	// Score every starting point: chunks (bitmaps count twice) that fit
	// in NBITS units from there.
	us = nil
	ba = 0
	for uf = uh.head.tqh_first; uf != nil; uf = uf.list.tqe_next {
		if uf.len >= NBITS {
			continue
		}
		a = 1
		if isBitmap(uh, uf) {
			a++
		}
		l = uf.len
		up = uf
		for {
			up = up.list.tqe_next
			if up == nil {
				break
			}
			if (up.len + l) > NBITS {
				break
			}
			a++
			if isBitmap(uh, up) {
				a++
			}
			l += up.len
		}
		if a > ba {
			ba = a
			us = uf
		}
	}
	if ba < 3 {
		return false
	}

	// A run at the start: reuse its own memory as the bitmap and fold
	// the next chunk into it (subr_unit.c:472-502).
	if !isBitmap(uh, us) {
		uf = us.list.tqe_next
		uh.head.tailqRemove(us)
		a = us.len
		l = 0
		if us.ptr == unsafe.Pointer(uh) {
			l = 1
		}
		ub = &us.ub // C: ub = (void *)us
		bitNclear(ub.map_[:], 0, NBITS-1)
		if l != 0 {
			bitNset(ub.map_[:], 0, int(a)) // sets bit a too, as the C does
		}
		if !isBitmap(uh, uf) {
			if uf.ptr == nil {
				bitNclear(ub.map_[:], int(a), int(a+uf.len-1))
			} else {
				bitNset(ub.map_[:], int(a), int(a+uf.len-1))
			}
			uf.ptr = unsafe.Pointer(ub)
			uf.len += a
			us = uf
		} else {
			ubf = asUnrb(uf.ptr)
			for l = 0; l < uf.len; l, a = l+1, a+1 {
				if bitTest(ubf.map_[:], int(l)) != 0 {
					bitSet(ub.map_[:], int(a))
				} else {
					bitClear(ub.map_[:], int(a))
				}
			}
			uf.len = a
			deleteUnr(uh, uf.ptr)
			uf.ptr = unsafe.Pointer(ub)
			us = uf
		}
	}
	ub = asUnrb(us.ptr)
	for {
		uf = us.list.tqe_next
		if uf == nil {
			return true
		}
		if uf.len+us.len > NBITS {
			return true
		}
		if uf.ptr == nil {
			bitNclear(ub.map_[:], int(us.len), int(us.len+uf.len-1))
			us.len += uf.len
			uh.head.tailqRemove(uf)
			deleteUnr(uh, unsafe.Pointer(uf))
		} else if uf.ptr == unsafe.Pointer(uh) {
			bitNset(ub.map_[:], int(us.len), int(us.len+uf.len-1))
			us.len += uf.len
			uh.head.tailqRemove(uf)
			deleteUnr(uh, unsafe.Pointer(uf))
		} else {
			ubf = asUnrb(uf.ptr)
			for l = 0; l < uf.len; l, us.len = l+1, us.len+1 {
				if bitTest(ubf.map_[:], int(l)) != 0 {
					bitSet(ub.map_[:], int(us.len))
				} else {
					bitClear(ub.map_[:], int(us.len))
				}
			}
			uh.head.tailqRemove(uf)
			deleteUnr(uh, unsafe.Pointer(ubf))
			deleteUnr(uh, unsafe.Pointer(uf))
		}
	}
}

// collapseUnr is collapse_unr (subr_unit.c:541). After up changed, it turns
// a full or empty bitmap into a run, drops an empty run, merges up with
// like neighbours, folds a leading allocated run into first and a trailing
// free run into last, then packs bitmaps. It allocates nothing.
func collapseUnr(uh *Unrhdr, up *Unr) {
	var upp *Unr
	var ub *Unrb

	// A bitmap that is all ones or all zeros becomes a run.
	if isBitmap(uh, up) {
		ub = asUnrb(up.ptr)
		if ubFull(ub, int(up.len)) {
			deleteUnr(uh, up.ptr)
			up.ptr = unsafe.Pointer(uh)
		} else if ubEmpty(ub, int(up.len)) {
			deleteUnr(uh, up.ptr)
			up.ptr = nil
		}
	}

	// An empty run goes; carry on from a neighbour.
	if up.len == 0 {
		upp = up.list.tqe_prev
		if upp == nil {
			upp = up.list.tqe_next
		}
		uh.head.tailqRemove(up)
		deleteUnr(uh, unsafe.Pointer(up))
		up = upp
	}

	// Merge with a neighbour of the same kind, on either side.
	if up != nil {
		upp = up.list.tqe_prev
		if upp != nil && up.ptr == upp.ptr {
			up.len += upp.len
			uh.head.tailqRemove(upp)
			deleteUnr(uh, unsafe.Pointer(upp))
		}
		upp = up.list.tqe_next
		if upp != nil && up.ptr == upp.ptr {
			up.len += upp.len
			uh.head.tailqRemove(upp)
			deleteUnr(uh, unsafe.Pointer(upp))
		}
	}

	// A leading allocated run joins first.
	upp = uh.head.tqh_first
	if upp != nil && upp.ptr == unsafe.Pointer(uh) {
		uh.first += upp.len
		uh.head.tailqRemove(upp)
		deleteUnr(uh, unsafe.Pointer(upp))
		if up == upp {
			up = nil
		}
	}

	// A trailing free run joins last.
	upp = uh.head.tqh_last
	if upp != nil && upp.ptr == nil {
		uh.last += upp.len
		uh.head.tailqRemove(upp)
		deleteUnr(uh, unsafe.Pointer(upp))
		if up == upp {
			up = nil
		}
	}

	// Pack into bitmaps while that saves chunks.
	for optimizeUnr(uh) {
		continue
	}
}

// AllocUnrl is alloc_unrl (subr_unit.c:613). It allocates the lowest free
// unit, or returns -1 when the space is full. It never sleeps.
//
// Preconditions: uh.mtx held (if any).
func AllocUnrl(td *kern.Thread, uh *Unrhdr) int {
	var up *Unr
	var ub *Unrb
	var x uint32
	var y int

	if uh.mtx != nil {
		uh.mtx.Assert(td, kern.MA_OWNED)
	}
	kern.Write(td, &uh.sh)
	CheckUnrhdr(td, uh, 622)
	x = uh.low + uh.first

	up = uh.head.tqh_first

	// No chunks: allocate at the boundary between first and last.
	if up == nil && uh.last > 0 {
		uh.first++
		uh.last--
		uh.busy++
		return int(int32(x))
	}

	// The first chunk always has a free unit; no chunk means none left.
	if up == nil {
		return -1
	}

	if !(up.ptr != unsafe.Pointer(uh)) {
		kern.Panicf(td, "UNR first element is allocated")
	}

	if up.ptr == nil { // free run
		uh.first++
		up.len--
	} else { // bitmap
		ub = asUnrb(up.ptr)
		bitFfc(ub.map_[:], int(up.len), &y)
		if !(y != -1) {
			kern.Panicf(td, "UNR corruption: No clear bit in bitmap.")
		}
		bitSet(ub.map_[:], y)
		x += uint32(y)
	}
	uh.busy++
	collapseUnr(uh, up)
	return int(int32(x))
}

// AllocUnr is alloc_unr (subr_unit.c:662). AllocUnrl under the header's
// mutex, then the postponed frees.
func AllocUnr(td *kern.Thread, uh *Unrhdr) int {
	var i int

	if uh.mtx != nil {
		uh.mtx.Lock(td)
	}
	i = AllocUnrl(td, uh)
	CleanUnrhdrl(td, uh)
	if uh.mtx != nil {
		uh.mtx.Unlock(td)
	}
	return i
}

// allocUnrSpecificl is alloc_unr_specificl (subr_unit.c:676). It allocates
// unit item if it is free and in range, else returns -1. New chunks come
// from *p1 and *p2.
//
// Preconditions: uh.mtx held (if any).
func allocUnrSpecificl(td *kern.Thread, uh *Unrhdr, item uint32, p1, p2 **Unr) int {
	var up, upn *Unr
	var ub *Unrb
	var i, last, tl uint32

	if uh.mtx != nil {
		uh.mtx.Assert(td, kern.MA_OWNED)
	}

	kern.Write(td, &uh.sh)
	if item < uh.low+uh.first || item > uh.high {
		return -1
	}

	up = uh.head.tqh_first
	// No chunks and item right after first: just move the boundary.
	if up == nil && item-uh.low == uh.first {
		uh.first++
		uh.last--
		uh.busy++
		CheckUnrhdr(td, uh, 694)
		return int(int32(item))
	}

	i = item - uh.low - uh.first

	if up == nil {
		up = newUnr(td, uh, p1, p2)
		up.ptr = nil
		up.len = i
		uh.head.tailqInsertTail(up)
		up = newUnr(td, uh, p1, p2)
		up.ptr = unsafe.Pointer(uh)
		up.len = 1
		uh.head.tailqInsertTail(up)
		// As in the C (subr_unit.c:709). This leaves last too large by
		// first when first > 0; see DIVERGENCES.md, unrhdr section.
		uh.last = uh.high - uh.low - i
		uh.busy++
		CheckUnrhdr(td, uh, 711)
		return int(int32(item))
	} else {
		// Find the chunk that holds item.
		for up = uh.head.tqh_first; up != nil; up = up.list.tqe_next {
			if up.len > i {
				break
			}
			i -= up.len
		}
	}

	if up == nil {
		if i > 0 {
			up = newUnr(td, uh, p1, p2)
			up.ptr = nil
			up.len = i
			uh.head.tailqInsertTail(up)
		}
		up = newUnr(td, uh, p1, p2)
		up.ptr = unsafe.Pointer(uh)
		up.len = 1
		uh.head.tailqInsertTail(up)
		goto done
	}

	if isBitmap(uh, up) {
		ub = asUnrb(up.ptr)
		if bitTest(ub.map_[:], int(i)) == 0 {
			bitSet(ub.map_[:], int(i))
			goto done
		} else {
			return -1
		}
	} else if up.ptr == unsafe.Pointer(uh) {
		return -1
	}

	if !(up.ptr == nil) {
		kern.Panicf(td, "alloc_unr_specificl: up->ptr != NULL (up=%p)", up)
	}

	// Split off the free units after item, if any.
	tl = up.len - (1 + i)
	if tl > 0 {
		upn = newUnr(td, uh, p1, p2)
		upn.ptr = nil
		upn.len = tl
		uh.head.tailqInsertAfter(up, upn)
	}

	// Split off the free units before item, if any.
	if i > 0 {
		upn = newUnr(td, uh, p1, p2)
		upn.len = i
		upn.ptr = nil
		uh.head.tailqInsertBefore(up, upn)
	}
	up.len = 1
	up.ptr = unsafe.Pointer(uh)

done:
	last = uh.high - uh.low - (item - uh.low)
	if uh.last > last {
		uh.last = last
	}
	uh.busy++
	collapseUnr(uh, up)
	CheckUnrhdr(td, uh, 774)
	return int(int32(item))
}

// AllocUnrSpecific is alloc_unr_specific (subr_unit.c:779). It allocates
// unit item, or returns -1 if it is taken or out of range. It may sleep:
// two chunks are allocated before the lock is taken. Unlike AllocUnr it
// leaves postponed frees queued (as the C does).
func AllocUnrSpecific(td *kern.Thread, uh *Unrhdr, item uint32) int {
	var p1, p2 *Unr
	var i int

	kern.WitnessWarn(td, "alloc_unr_specific")

	p1 = malloc(td, uh.mUnit)
	p2 = malloc(td, uh.mUnit)

	if uh.mtx != nil {
		uh.mtx.Lock(td)
	}
	i = allocUnrSpecificl(td, uh, item, &p1, &p2)
	if uh.mtx != nil {
		uh.mtx.Unlock(td)
	}

	if p1 != nil {
		kern.Free(td, p1, uh.mUnit)
	}
	if p2 != nil {
		kern.Free(td, p2, uh.mUnit)
	}

	return i
}

// freeUnrl is free_unrl (subr_unit.c:809). It frees unit item, splitting a
// run around it when needed (with chunks from *p1 and *p2). Freeing a unit
// that is not allocated panics with the C's message, except in the free
// tail beyond the last chunk, where the C dereferences NULL: here that is
// a nil dereference, reported by kern as a fault.
//
// Preconditions: uh.mtx held (if any).
func freeUnrl(td *kern.Thread, uh *Unrhdr, item uint32, p1, p2 **Unr) {
	var up, upp, upn *Unr
	var ub *Unrb
	var pl uint32

	if !(item >= uh.low && item <= uh.high) {
		kern.Panicf(td, "UNR: free_unr(%d) out of range [%d...%d]",
			item, uh.low, uh.high)
	}
	kern.Write(td, &uh.sh)
	CheckUnrhdr(td, uh, 818)
	item -= uh.low
	upp = uh.head.tqh_first
	// No chunks and item is the last of first: move the boundary back.
	if item+1 == uh.first && upp == nil {
		uh.last++
		uh.first--
		uh.busy--
		CheckUnrhdr(td, uh, 828)
		return
	}
	// item inside first: turn first from item on into an allocated run at
	// the head of the list; the code below splits it.
	if item < uh.first {
		up = newUnr(td, uh, p1, p2)
		up.ptr = unsafe.Pointer(uh)
		up.len = uh.first - item
		uh.head.tailqInsertHead(up)
		uh.first -= up.len
	}

	item -= uh.first

	// Find the chunk that holds item.
	for up = uh.head.tqh_first; up != nil; up = up.list.tqe_next {
		if up.len > item {
			break
		}
		item -= up.len
	}

	// In a bitmap: clear its bit.
	if isBitmap(uh, up) {
		ub = asUnrb(up.ptr)

		if !(bitTest(ub.map_[:], int(item)) != 0) {
			kern.Panicf(td, "UNR: Freeing free item %d (bitmap)\n", item)
		}
		bitClear(ub.map_[:], int(item))
		uh.busy--
		collapseUnr(uh, up)
		return
	}

	if !(up.ptr == unsafe.Pointer(uh)) {
		kern.Panicf(td, "UNR Freeing free item %d (run))\n", item)
	}

	// A run of one: it becomes a free run.
	if up.len == 1 {
		up.ptr = nil
		uh.busy--
		collapseUnr(uh, up)
		return
	}

	// First unit of the run and a free run before it: move it there.
	upp = up.list.tqe_prev
	if item == 0 && upp != nil && upp.ptr == nil {
		upp.len++
		up.len--
		uh.busy--
		collapseUnr(uh, up)
		return
	}

	// Last unit of the run and a free run after it: move it there.
	upn = up.list.tqe_next
	if item == up.len-1 && upn != nil && upn.ptr == nil {
		upn.len++
		up.len--
		uh.busy--
		collapseUnr(uh, up)
		return
	}

	// Split off the allocated units after item, if any.
	pl = up.len - (1 + item)
	if pl > 0 {
		upp = newUnr(td, uh, p1, p2)
		upp.ptr = unsafe.Pointer(uh)
		upp.len = pl
		uh.head.tailqInsertAfter(up, upp)
	}

	// Split off the allocated units before item, if any.
	if item > 0 {
		upp = newUnr(td, uh, p1, p2)
		upp.len = item
		upp.ptr = unsafe.Pointer(uh)
		uh.head.tailqInsertBefore(up, upp)
	}
	up.len = 1
	up.ptr = nil
	uh.busy--
	collapseUnr(uh, up)
}

// FreeUnr is free_unr (subr_unit.c:917). It frees unit item. It may sleep:
// two chunks are allocated before the lock is taken, the unused ones and
// the postponed frees are freed afterwards.
func FreeUnr(td *kern.Thread, uh *Unrhdr, item uint32) {
	var p1, p2 *Unr

	kern.WitnessWarn(td, "free_unr")
	p1 = malloc(td, uh.mUnit)
	p2 = malloc(td, uh.mUnit)
	if uh.mtx != nil {
		uh.mtx.Lock(td)
	}
	freeUnrl(td, uh, item, &p1, &p2)
	CleanUnrhdrl(td, uh)
	if uh.mtx != nil {
		uh.mtx.Unlock(td)
	}
	if p1 != nil {
		kern.Free(td, p1, uh.mUnit)
	}
	if p2 != nil {
		kern.Free(td, p2, uh.mUnit)
	}
}

// printUnr is print_unr (subr_unit.c:947). It writes to w.
func printUnr(w io.Writer, uh *Unrhdr, up *Unr) {
	var x uint32
	var ub *Unrb

	fmt.Fprintf(w, "  %p len = %5d ", up, up.len)
	if up.ptr == nil {
		fmt.Fprintf(w, "free\n")
	} else if up.ptr == unsafe.Pointer(uh) {
		fmt.Fprintf(w, "alloc\n")
	} else {
		ub = asUnrb(up.ptr)
		fmt.Fprintf(w, "bitmap [")
		for x = 0; x < up.len; x++ {
			if bitTest(ub.map_[:], int(x)) != 0 {
				fmt.Fprintf(w, "#")
			} else {
				fmt.Fprintf(w, " ")
			}
		}
		fmt.Fprintf(w, "]\n")
	}
}

// PrintUnrhdr is print_unrhdr (subr_unit.c:971). It writes to w the header,
// then one line per chunk with the unit it starts at. As in the C, a
// bitmap advances the "from" column by NBITS rather than by its len, so
// the column is wrong after a bitmap shorter than NBITS.
//
// Preconditions: uh.mtx held, or the header quiescent.
func PrintUnrhdr(w io.Writer, uh *Unrhdr) {
	var x uint32

	fmt.Fprintf(w,
		"%p low = %d high = %d first = %d last = %d busy %d chunks = %d\n",
		uh, uh.low, uh.high, uh.first, uh.last, uh.busy, uh.alloc)
	x = uh.low + uh.first
	for up := uh.head.tqh_first; up != nil; up = up.list.tqe_next {
		fmt.Fprintf(w, "  from = %5d", x)
		printUnr(w, uh, up)
		if up.ptr == nil || up.ptr == unsafe.Pointer(uh) {
			x += up.len
		} else {
			x += NBITS
		}
	}
}

// String is PrintUnrhdr as a string, for failure reports.
func (uh *Unrhdr) String() string {
	var b strings.Builder
	PrintUnrhdr(&b, uh)
	return b.String()
}

// Busy is the number of allocated units (uh->busy).
func (uh *Unrhdr) Busy() uint32 { return uh.busy }

// Alloc is the number of chunks in use (uh->alloc), bitmaps included.
func (uh *Unrhdr) Alloc() uint32 { return uh.alloc }

// First is the number of units allocated from Low on without a chunk.
func (uh *Unrhdr) First() uint32 { return uh.first }

// Last is the number of units free up to High without a chunk.
func (uh *Unrhdr) Last() uint32 { return uh.last }

// Low is the lowest unit of the space.
func (uh *Unrhdr) Low() uint32 { return uh.low }

// High is the highest unit of the space.
func (uh *Unrhdr) High() uint32 { return uh.high }

// Mtx is the mutex that guards the header (nil with UnrNoMtx).
func (uh *Unrhdr) Mtx() *kern.Mtx { return uh.mtx }
