// SPDX-License-Identifier: BSD-2-Clause
//
// sx(9) shared/exclusive locks as sys/kern/kern_sx.c provides them
// (Copyright (c) 2007 Attilio Rao, 2001 Jason Evans), reduced to ownership,
// recursion and the INVARIANTS checks. sx locks may be held while sleeping.

package kern

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

// sx_init flags (sys/sys/sx.h).
const (
	SX_DUPOK      = 0x01
	SX_NOPROFILE  = 0x02
	SX_NOWITNESS  = 0x04
	SX_QUIET      = 0x08
	SX_NOADAPTIVE = 0x10
	SX_RECURSE    = 0x20
	SX_NEW        = 0x40
)

// sx_assert what values (sys/sys/sx.h SA_*).
const (
	SA_LOCKED      = 0x01
	SA_SLOCKED     = 0x02
	SA_XLOCKED     = 0x04
	SA_UNLOCKED    = 0x00
	SA_RECURSED    = 0x08
	SA_NOTRECURSED = 0x10
)

// Sx is struct sx. Every acquire and release is a scheduling point, and an
// acquire is a sleep for WITNESS (sleeping with a mutex held is reported).
type Sx struct {
	lo lockObject
	// xowner is the exclusive owner (*Thread) or nil, and readers the
	// number of shared holds. Read them with owner and nreaders, write
	// them with setOwner and addReaders: atomically in a native kernel,
	// plainly in a controlled one, whose threads run one at a time with a
	// coroutine switch between them (as Mtx.setOwner).
	xowner  unsafe.Pointer
	recurse int
	readers int32
	rw      sync.RWMutex // native mode only
	// Which threads hold it shared, and how often, is read off each
	// thread's WITNESS list of held locks (sharedBy): one entry per
	// sx_slock not yet released, and only the thread itself reads or
	// changes its list, so no map and no mutex is needed.
}

// Init is sx_init_flags(9).
func (sx *Sx) Init(k *Kernel, name string, flags int) {
	sx.lo = lockObject{name: name, flags: flags, state: lockLive, impl: sx}
	if flags&SX_NOWITNESS == 0 {
		sx.lo.class = k.witness.class(name, true)
	}
}

func (sx *Sx) owner() *Thread { return (*Thread)(atomic.LoadPointer(&sx.xowner)) }

func (sx *Sx) nreaders() int32 { return atomic.LoadInt32(&sx.readers) }

// setOwner makes o (nil: none) the exclusive owner; td is the thread
// that does it.
func (sx *Sx) setOwner(td, o *Thread) {
	if td.K.sched == nil {
		atomic.StorePointer(&sx.xowner, unsafe.Pointer(o))
		return
	}
	sx.xowner = unsafe.Pointer(o)
}

func (sx *Sx) addReaders(td *Thread, n int32) {
	if td.K.sched == nil {
		atomic.AddInt32(&sx.readers, n)
		return
	}
	sx.readers += n
}

// Name is the lock's name.
func (sx *Sx) Name() string { return sx.lo.name }

func (sx *Sx) checkLive(td *Thread, op string) {
	if sx.lo.state != lockLive {
		Panicf(td, "%s() of %s sx %s @ %s", op, sx.lo.stateName(), sx.lo.name, callerLine())
	}
}

// Destroy is sx_destroy(9): the lock must be unheld.
func (sx *Sx) Destroy(td *Thread) {
	sx.checkLive(td, "sx_destroy")
	if sx.owner() != nil || sx.nreaders() != 0 {
		Panicf(td, "sx lock %s still held", sx.lo.name)
	}
	sx.lo.state = lockDestroyed
}

// Xlock is sx_xlock(9).
func (sx *Sx) Xlock(td *Thread) {
	sx.checkLive(td, "sx_xlock")
	if sx.owner() == td {
		if sx.lo.flags&SX_RECURSE == 0 {
			Panicf(td, "_sx_xlock_hard: recursed on non-recursive sx %s @ %s", sx.lo.name, callerLine())
		}
		sx.recurse++
		return
	}
	if sx.sharedBy(td) > 0 {
		Panicf(td, "sx_xlock() of %s while share-locked by this thread (upgrade deadlock) @ %s", sx.lo.name, callerLine())
	}
	if td.K.witness.sleepWarns(td) {
		td.K.witness.warnSleep(td, "sx_xlock "+sx.lo.name)
	}
	td.K.witness.checkorder(td, &sx.lo)
	td.point("sx_xlock", &sx.lo)
	if td.K.sched != nil {
		if sx.owner() != nil || sx.nreaders() != 0 {
			td.block("sx "+sx.lo.name, func() bool { return sx.owner() == nil && sx.nreaders() == 0 })
		}
	} else if !sx.rw.TryLock() {
		td.nativeBlock("sx "+sx.lo.name, sx.rw.TryLock)
	}
	sx.setOwner(td, td)
	td.K.witness.lock(td, &sx.lo, false)
}

// Xunlock is sx_xunlock(9).
func (sx *Sx) Xunlock(td *Thread) {
	sx.checkLive(td, "sx_xunlock")
	if sx.owner() != td {
		Panicf(td, "Lock %s not exclusively locked @ %s", sx.lo.name, callerLine())
	}
	if sx.recurse > 0 {
		sx.recurse--
		return
	}
	td.K.witness.unlock(td, &sx.lo)
	sx.setOwner(td, nil)
	if td.K.sched == nil {
		sx.rw.Unlock()
	}
	td.point("sx_xunlock", &sx.lo)
}

// Slock is sx_slock(9).
func (sx *Sx) Slock(td *Thread) {
	sx.checkLive(td, "sx_slock")
	if sx.owner() == td {
		Panicf(td, "sx_slock() of %s while exclusively locked by this thread @ %s", sx.lo.name, callerLine())
	}
	if td.K.witness.sleepWarns(td) {
		td.K.witness.warnSleep(td, "sx_slock "+sx.lo.name)
	}
	td.K.witness.checkorder(td, &sx.lo)
	td.point("sx_slock", &sx.lo)
	if td.K.sched != nil {
		if sx.owner() != nil {
			td.block("sx "+sx.lo.name, func() bool { return sx.owner() == nil })
		}
	} else if !sx.rw.TryRLock() {
		td.nativeBlock("sx "+sx.lo.name, sx.rw.TryRLock)
	}
	sx.addReaders(td, 1)
	td.K.witness.lock(td, &sx.lo, true)
}

// Sunlock is sx_sunlock(9).
func (sx *Sx) Sunlock(td *Thread) {
	sx.checkLive(td, "sx_sunlock")
	if sx.sharedBy(td) == 0 {
		Panicf(td, "Lock %s not share locked @ %s", sx.lo.name, callerLine())
	}
	td.K.witness.unlockShared(td, &sx.lo)
	sx.addReaders(td, -1)
	if td.K.sched == nil {
		sx.rw.RUnlock()
	}
	td.point("sx_sunlock", &sx.lo)
}

// sharedBy is how many times td holds sx shared: its entries on td's
// list of held locks (Slock adds one, Sunlock drops one). It is where
// kern_sx.c's _sx_assert looks too: with WITNESS, SA_SLOCKED and
// SA_LOCKED are witness_assert on the thread's own lock list (the lock
// word alone cannot tell which thread holds a shared lock).
func (sx *Sx) sharedBy(td *Thread) int {
	n := 0
	for i := range td.held {
		if td.held[i].lo == &sx.lo && td.held[i].shared {
			n++
		}
	}
	return n
}

// forceRelease drops one hold of td's (releaseAll calls it once per entry
// of td's held list, so a lock held shared twice is dropped twice).
func (sx *Sx) forceRelease(td *Thread, shared bool) {
	if shared {
		sx.addReaders(td, -1)
		if td.K.sched == nil {
			sx.rw.RUnlock()
		}
		return
	}
	if sx.owner() == td {
		sx.recurse = 0
		sx.setOwner(td, nil)
		if td.K.sched == nil {
			sx.rw.Unlock()
		}
	}
}

// Xlocked is sx_xlocked(9).
func (sx *Sx) Xlocked(td *Thread) bool { return sx.owner() == td }

// Assert is sx_assert(9) with INVARIANTS.
func (sx *Sx) Assert(td *Thread, what int) {
	x := sx.owner() == td
	s := sx.sharedBy(td) > 0
	switch what &^ (SA_RECURSED | SA_NOTRECURSED) {
	case SA_LOCKED:
		if !x && !s {
			Panicf(td, "Lock %s not locked @ %s", sx.lo.name, callerLine())
		}
	case SA_SLOCKED:
		if !s {
			Panicf(td, "Lock %s not share locked @ %s", sx.lo.name, callerLine())
		}
	case SA_XLOCKED:
		if !x {
			Panicf(td, "Lock %s not exclusively locked @ %s", sx.lo.name, callerLine())
		}
	case SA_UNLOCKED:
		if x || s {
			Panicf(td, "Lock %s locked @ %s", sx.lo.name, callerLine())
		}
		return
	}
	if what&SA_RECURSED != 0 && (!x || sx.recurse == 0) {
		Panicf(td, "Lock %s not recursed @ %s", sx.lo.name, callerLine())
	}
	if what&SA_NOTRECURSED != 0 && x && sx.recurse != 0 {
		Panicf(td, "Lock %s recursed @ %s", sx.lo.name, callerLine())
	}
}
