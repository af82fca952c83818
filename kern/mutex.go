// SPDX-License-Identifier: BSD-2-Clause
//
// mutex(9) as sys/kern/kern_mutex.c implements it for MTX_DEF mutexes
// (Copyright (c) 1998 Berkeley Software Design, Inc.), reduced to what the
// emulation needs: ownership, recursion, destruction and the INVARIANTS
// checks.

package kern

import (
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"
)

// mtx_init options (sys/sys/mutex.h).
const (
	MTX_DEF       = 0x00000000
	MTX_SPIN      = 0x00000001
	MTX_RECURSE   = 0x00000004
	MTX_NOWITNESS = 0x00000008
	MTX_NOPROFILE = 0x00000020
	MTX_QUIET     = 0x00000040
	MTX_DUPOK     = 0x00000080
	MTX_NEW       = 0x00000100
)

// mtx_assert what values (sys/sys/lock.h LA_* via MA_*).
const (
	MA_OWNED       = 0x01
	MA_NOTOWNED    = 0x00
	MA_RECURSED    = 0x04
	MA_NOTRECURSED = 0x08
)

// Mtx is struct mtx, a default (sleep) mutex. The zero value is not usable:
// call Init. Every Lock and Unlock is a scheduling point.
type Mtx struct {
	lo lockObject
	// owner is the owning *Thread or nil. Read it with ownerTd; write it
	// with setOwner (see there why a controlled kernel stores it plainly).
	owner   unsafe.Pointer
	recurse int
	mu      sync.Mutex // native mode only
}

// ownerTd is the thread that holds m, or nil.
func (m *Mtx) ownerTd() *Thread { return (*Thread)(atomic.LoadPointer(&m.owner)) }

// setOwner records td (or nil) as m's owner. In native mode other threads
// read owner while we write it (the recursion test in Lock, Owned,
// Assert), so the store is atomic. In controlled mode one emulated thread
// runs at a time and every hand-over is a channel operation, which orders
// this store before any other thread's load: a plain store suffices, and
// it spares the lock and unlock paths a full-barrier exchange each.
func (m *Mtx) setOwner(k *Kernel, td *Thread) {
	if k.sched == nil {
		atomic.StorePointer(&m.owner, unsafe.Pointer(td))
		return
	}
	m.owner = unsafe.Pointer(td)
}

// Init is mtx_init(9): typ names the WITNESS class (the name when empty).
func (m *Mtx) Init(k *Kernel, name, typ string, opts int) {
	if typ == "" {
		typ = name
	}
	m.lo = lockObject{name: name, flags: opts, state: lockLive, impl: m}
	if opts&MTX_NOWITNESS == 0 {
		m.lo.class = k.witness.class(typ, false)
	}
	m.setOwner(k, nil)
	m.recurse = 0
}

// Name is the lock's name.
func (m *Mtx) Name() string { return m.lo.name }

func (m *Mtx) checkLive(td *Thread, op string) {
	if m.lo.state != lockLive {
		m.notLive(td, op)
	}
}

// notLive panics for checkLive; out of line so that checkLive inlines.
func (m *Mtx) notLive(td *Thread, op string) {
	Panicf(td, "%s() of %s mutex %s @ %s", op, m.lo.stateName(), m.lo.name, callerLine())
}

// Destroy is mtx_destroy(9): the mutex must be unowned or owned
// (unrecursed) by td.
func (m *Mtx) Destroy(td *Thread) {
	m.checkLive(td, "mtx_destroy")
	if o := m.ownerTd(); o != td {
		if o != nil {
			Panicf(td, "mtx_destroy() of mutex %s owned by %s @ %s", m.lo.name, o.Name, callerLine())
		}
	} else {
		if m.recurse != 0 {
			Panicf(td, "mtx_destroy() of recursed mutex %s @ %s", m.lo.name, callerLine())
		}
		td.K.witness.unlock(td, &m.lo)
		m.setOwner(td.K, nil)
		if td.K.sched == nil {
			m.mu.Unlock()
		}
	}
	m.lo.state = lockDestroyed
}

// Lock is mtx_lock(9).
func (m *Mtx) Lock(td *Thread) {
	m.checkLive(td, "mtx_lock")
	if m.ownerTd() == td {
		m.recurseLock(td)
		return
	}
	k := td.K
	if len(td.held) != 0 { // else checkorder has nothing to compare
		k.witness.checkorder(td, &m.lo)
	}
	td.point("mtx_lock", &m.lo)
	if k.sched != nil {
		if m.ownerTd() != nil {
			m.wait(td)
		}
	} else if !m.mu.TryLock() {
		td.nativeBlock("mtx "+m.lo.name, m.mu.TryLock)
	}
	m.checkLive(td, "mtx_lock") // it may have been destroyed while we waited
	m.setOwner(k, td)
	k.witness.lock(td, &m.lo, false)
}

// recurseLock is Lock by the owner: a recursion, or a panic for a mutex
// not initialised MTX_RECURSE. Out of line, as is every panic path of the
// lock and unlock fast paths.
func (m *Mtx) recurseLock(td *Thread) {
	if m.lo.flags&MTX_RECURSE == 0 {
		Panicf(td, "_mtx_lock_sleep: recursed on non-recursive mutex %s @ %s", m.lo.name, callerLine())
	}
	m.recurse++
}

// wait blocks td (controlled mode) until m is free. Out of line: the
// closure and the description are built only on contention.
func (m *Mtx) wait(td *Thread) {
	td.block("mtx "+m.lo.name, func() bool { return m.ownerTd() == nil })
}

// Trylock is mtx_trylock(9): it never blocks and adds no lock order.
func (m *Mtx) Trylock(td *Thread) bool {
	m.checkLive(td, "mtx_trylock")
	td.point("mtx_trylock", &m.lo)
	if m.ownerTd() == td {
		if m.lo.flags&MTX_RECURSE == 0 {
			Panicf(td, "mtx_trylock() of non-recursive mutex %s already owned @ %s", m.lo.name, callerLine())
		}
		m.recurse++
		return true
	}
	if td.K.sched != nil {
		if m.ownerTd() != nil {
			return false
		}
	} else if !m.mu.TryLock() {
		return false
	}
	m.setOwner(td.K, td)
	td.K.witness.lock(td, &m.lo, false)
	return true
}

// Unlock is mtx_unlock(9).
func (m *Mtx) Unlock(td *Thread) {
	m.checkLive(td, "mtx_unlock")
	if m.ownerTd() != td {
		m.notOwned(td)
	}
	if m.recurse > 0 {
		m.recurse--
		return
	}
	k := td.K
	if !dropTop(td, &m.lo, false) {
		k.witness.unlock(td, &m.lo)
	}
	m.setOwner(k, nil)
	if k.sched == nil {
		m.mu.Unlock()
	}
	td.point("mtx_unlock", &m.lo)
}

// notOwned panics for Unlock by a thread that does not own m.
func (m *Mtx) notOwned(td *Thread) {
	Panicf(td, "mutex %s not owned at %s", m.lo.name, callerLine())
}

func (m *Mtx) forceRelease(td *Thread, _ bool) {
	if m.ownerTd() == td {
		m.recurse = 0
		m.setOwner(td.K, nil)
		if td.K.sched == nil {
			m.mu.Unlock()
		}
	}
}

// Owned is mtx_owned(9).
func (m *Mtx) Owned(td *Thread) bool { return m.ownerTd() == td }

// Recursed is mtx_recursed(9).
func (m *Mtx) Recursed(td *Thread) bool { return m.ownerTd() == td && m.recurse > 0 }

// Assert is mtx_assert(9) with INVARIANTS: it panics with the kernel's
// messages when the assertion does not hold.
func (m *Mtx) Assert(td *Thread, what int) {
	if atomic.LoadPointer(&m.owner) != unsafe.Pointer(td) || what != MA_OWNED || m.lo.state != lockLive {
		m.assert(td, what) // else it holds: the usual case, inlined
	}
}

// assert is Assert's full check, out of line.
func (m *Mtx) assert(td *Thread, what int) {
	if m.lo.state != lockLive {
		Panicf(td, "mtx_assert() of %s mutex %s @ %s", m.lo.stateName(), m.lo.name, callerLine())
	}
	owned := m.ownerTd() == td
	switch what {
	case MA_OWNED, MA_OWNED | MA_RECURSED, MA_OWNED | MA_NOTRECURSED:
		if !owned {
			Panicf(td, "mutex %s not owned at %s", m.lo.name, callerLine())
		}
		if what&MA_RECURSED != 0 && m.recurse == 0 {
			Panicf(td, "mutex %s unrecursed at %s", m.lo.name, callerLine())
		}
		if what&MA_NOTRECURSED != 0 && m.recurse != 0 {
			Panicf(td, "mutex %s recursed at %s", m.lo.name, callerLine())
		}
	case MA_NOTOWNED:
		if owned {
			Panicf(td, "mutex %s owned at %s", m.lo.name, callerLine())
		}
	default:
		Panicf(td, "unknown mtx_assert at %s", callerLine())
	}
}

func (m *Mtx) String() string { return fmt.Sprintf("mtx %q", m.lo.name) }
