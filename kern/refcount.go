// SPDX-License-Identifier: BSD-2-Clause
//
// refcount(9) as sys/sys/refcount.h (Copyright (c) 2005 John Baldwin) has
// it in FreeBSD 14: a saturating counter whose misuse panics under
// INVARIANTS.

package kern

import "sync/atomic"

// Saturation bits of FreeBSD 14's refcount.h.
const (
	refcountSaturatedBit    = 1 << 31
	RefcountSaturationValue = 3 << 30
)

// RefcountInit is refcount_init.
func RefcountInit(count *uint32, value uint32) { atomic.StoreUint32(count, value) }

// RefcountLoad is refcount_load.
func RefcountLoad(count *uint32) uint32 { return atomic.LoadUint32(count) }

// RefcountAcquire is refcount_acquire: it returns the old value. Taking a
// reference is a shared-memory access, so it is a scheduling point.
func RefcountAcquire(td *Thread, count *uint32) uint32 {
	td.point("refcount_acquire", nil)
	old := atomic.AddUint32(count, 1) - 1
	if old&refcountSaturatedBit != 0 {
		Panicf(td, "refcount %p wraparound", count)
	}
	return old
}

// RefcountAcquireIfNotZero is refcount_acquire_if_not_zero.
func RefcountAcquireIfNotZero(td *Thread, count *uint32) bool {
	td.point("refcount_acquire_if_not_zero", nil)
	for {
		old := atomic.LoadUint32(count)
		if old&^refcountSaturatedBit == 0 {
			return false
		}
		if old&refcountSaturatedBit != 0 {
			return true
		}
		if atomic.CompareAndSwapUint32(count, old, old+1) {
			return true
		}
	}
}

// RefcountRelease is refcount_release: true when the last reference went.
// Releasing a zero count panics ("refcount %p wraparound" in the C).
func RefcountRelease(td *Thread, count *uint32) bool {
	td.point("refcount_release", nil)
	old := atomic.AddUint32(count, ^uint32(0)) + 1
	if old == 0 || old&refcountSaturatedBit != 0 {
		Panicf(td, "refcount %p wraparound", count)
	}
	return old == 1
}
