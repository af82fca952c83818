// SPDX-License-Identifier: BSD-2-Clause
//
// A minimal stand-in for jail(2) prisons, enough for if_vmove_loan and
// if_vmove_reclaim (SIOCSIFVNET / SIOCSIFRVNET), which name a child jail by
// its id and move interfaces to or from that jail's vnet. Not a port of
// sys/kern/kern_jail.c: a prison here is an id, a parent, a vnet and a
// reference count; the names of the few kern_jail.c routines if.c calls
// are kept (prison_find_child, prison_hold_locked, prison_free,
// TD_TO_VNET). See docs/DIVERGENCES.md, "ifnet".

package ifclone

import (
	"sync"
	"sync/atomic"

	"kcheck/kern"
	"kcheck/vnet"
)

// Prison is the part of struct prison (sys/sys/jail.h) if.c looks at.
type Prison struct {
	// PrId is pr_id, the jail id (0 for prison0).
	PrId int
	// PrVnet is pr_vnet, the jail's network stack. nil for prison0 means
	// vnet0.
	PrVnet *vnet.Vnet

	pr_parent *Prison
	pr_mtx    kern.Mtx
	pr_ref    int  // guarded by pr_mtx
	pr_alive  bool // guarded by pr_mtx; cleared by PrisonRemove

	// refsSeen is pr_ref as last published by a holder of pr_mtx, for
	// readers outside the kernel's locking (Refs). Not in the C: there the
	// last prison_free queues the teardown itself; here the jail remover
	// waits for it, and a wait condition may not take a kernel lock.
	refsSeen atomic.Int64
}

// jailState is the per-kernel table of prisons (allprison) and the
// jail each thread runs in (td_ucred->cr_prison).
type jailState struct {
	// allprison_lock guards the table.
	allprison_lock kern.Sx
	prison0        Prison
	allprison      map[int]*Prison

	// tdMu guards tdPrison; the emulation's stand-in for td_ucred.
	tdMu     sync.Mutex
	tdPrison map[*kern.Thread]*Prison
}

func (j *jailState) init(k *kern.Kernel) {
	j.allprison_lock.Init(k, "allprison", 0)
	j.prison0.pr_mtx.Init(k, "jail mutex", "", kern.MTX_DEF)
	j.prison0.pr_ref = 1
	j.prison0.refsSeen.Store(1)
	j.prison0.pr_alive = true
	j.allprison = map[int]*Prison{}
	j.tdPrison = map[*kern.Thread]*Prison{}
}

// PrisonCreate makes jail jid, a child of the jail td runs in, whose
// network stack is v (a vnet jail). EINVAL for jid <= 0 or a nil vnet,
// EEXIST when the id is taken.
func PrisonCreate(td *kern.Thread, jid int, v *vnet.Vnet) kern.Errno {
	j := &ifnetOf(td.K).jails
	if jid <= 0 || v == nil {
		return kern.EINVAL
	}
	j.allprison_lock.Xlock(td)
	defer j.allprison_lock.Xunlock(td)
	return PrisonCreateLocked(td, jid, v)
}

// AllprisonLock is allprison_lock, for the harness's jail(2):
// kern_jail_set holds it exclusively from its jid lookup through
// vnet_alloc to the prison's insertion (kern_jail.c), so no jail_attach,
// jail_remove or second jail_set sees a jail half made.
func AllprisonLock(k *kern.Kernel) *kern.Sx { return &ifnetOf(k).jails.allprison_lock }

// PrisonCreateLocked is PrisonCreate for a caller that holds
// allprison_lock exclusively.
func PrisonCreateLocked(td *kern.Thread, jid int, v *vnet.Vnet) kern.Errno {
	j := &ifnetOf(td.K).jails
	j.allprison_lock.Assert(td, kern.SA_XLOCKED)
	if jid <= 0 || v == nil {
		return kern.EINVAL
	}
	parent := tdPrison(td)
	if _, ok := j.allprison[jid]; ok {
		return kern.EEXIST
	}
	pr := &Prison{PrId: jid, PrVnet: v, pr_parent: parent, pr_ref: 1, pr_alive: true}
	pr.refsSeen.Store(1)
	pr.pr_mtx.Init(td.K, "jail mutex", "", kern.MTX_DEF)
	j.allprison[jid] = pr
	// kern_jail_set: the child holds its parent (prison_hold(ppr)) until
	// it is freed, so a parent outlives, and is torn down after, every
	// child (PrisonRelease).
	PrisonHold(td, parent)
	return 0
}

// PrisonRelease is the end of prison_deref for a removed prison pr, after
// its vnet is destroyed: the reference pr held on its parent goes
// (kern_jail.c: removing a prison frees a reference on its parent).
func PrisonRelease(td *kern.Thread, pr *Prison) {
	if pr.pr_parent != nil {
		prisonFree(td, pr.pr_parent)
	}
}

// PrisonRemove is jail_remove(2) on jail jid: the prison becomes dying
// and its own reference is dropped. It stays in the table, and so within
// reach of prison_find_child, until its last reference goes and
// PrisonDelist takes it out (kern_jail.c prison_deref). ENOENT when there
// is no such jail or it is already dying.
func PrisonRemove(td *kern.Thread, jid int) kern.Errno {
	j := &ifnetOf(td.K).jails
	j.allprison_lock.Xlock(td)
	pr, ok := j.allprison[jid]
	if ok {
		pr.pr_mtx.Lock(td)
		ok = pr.pr_alive
		pr.pr_alive = false
		pr.pr_mtx.Unlock(td)
	}
	j.allprison_lock.Xunlock(td)
	if !ok {
		return kern.ENOENT
	}
	prisonFree(td, pr)
	return 0
}

// PrisonDelist takes an unreferenced dying prison out of the table, as
// prison_deref does under allprison_lock when the last reference goes
// (kern_jail.c); the caller then destroys its vnet.
func PrisonDelist(td *kern.Thread, pr *Prison) {
	j := &ifnetOf(td.K).jails
	j.allprison_lock.Xlock(td)
	pr.pr_mtx.Lock(td)
	kern.KASSERT(td, pr.pr_ref == 0 && !pr.pr_alive, "prison_deref: prison %d delisted with %d references", pr.PrId, pr.pr_ref)
	pr.pr_mtx.Unlock(td)
	if j.allprison[pr.PrId] == pr {
		delete(j.allprison, pr.PrId)
	}
	j.allprison_lock.Xunlock(td)
}

// PrisonAttach puts td in jail jid (jail_attach(2)); jid 0 is prison0, where
// every thread starts. ENOENT when there is no such jail.
func PrisonAttach(td *kern.Thread, jid int) kern.Errno {
	j := &ifnetOf(td.K).jails
	var pr *Prison
	if jid == 0 {
		pr = &j.prison0
	} else {
		j.allprison_lock.Slock(td)
		pr = j.allprison[jid]
		j.allprison_lock.Sunlock(td)
		if pr == nil {
			return kern.ENOENT
		}
	}
	j.tdMu.Lock()
	j.tdPrison[td] = pr
	j.tdMu.Unlock()
	return 0
}

// tdPrison is td->td_ucred->cr_prison.
func tdPrison(td *kern.Thread) *Prison {
	j := &ifnetOf(td.K).jails
	j.tdMu.Lock()
	defer j.tdMu.Unlock()
	if pr, ok := j.tdPrison[td]; ok {
		return pr
	}
	return &j.prison0
}

// prisonVnet is pr->pr_vnet, with prison0's being vnet0.
func prisonVnet(td *kern.Thread, pr *Prison) *vnet.Vnet {
	if pr.PrVnet == nil {
		return vnet.Of(td.K).Vnet0()
	}
	return pr.PrVnet
}

// tdToVnet is TD_TO_VNET(td) (sys/net/vnet.h): the vnet of td's jail.
func tdToVnet(td *kern.Thread) *vnet.Vnet { return prisonVnet(td, tdPrison(td)) }

// prisonFindChild is prison_find_child (kern_jail.c): the referenced jail
// prid below mypr, alive or dying, returned with its pr_mtx held, or nil. The caller holds
// allprison_lock.
func prisonFindChild(td *kern.Thread, mypr *Prison, prid int) *Prison {
	j := &ifnetOf(td.K).jails
	j.allprison_lock.Assert(td, kern.SA_LOCKED)
	pr := j.allprison[prid]
	if pr == nil {
		return nil
	}
	descend := false
	for p := pr.pr_parent; p != nil; p = p.pr_parent {
		if p == mypr {
			descend = true
			break
		}
	}
	if !descend {
		return nil
	}
	pr.pr_mtx.Lock(td)
	// Any referenced descendant, a dying one included: kern_jail.c keeps
	// a removed prison on allprison until its last reference goes
	// (prison_deref), and prison_find_child tests only pr_ref > 0 (the
	// newer revisions assert prison_isvalid instead).
	if pr.pr_ref > 0 {
		return pr
	}
	pr.pr_mtx.Unlock(td)
	return nil
}

// PrisonFindChildListed reports whether prison_find_child, from the jail
// td runs in, finds jail jid: a descendant still on allprison with a
// reference, alive or dying (sys_jail_remove's look-up). The caller
// holds allprison_lock.
func PrisonFindChildListed(td *kern.Thread, jid int) bool {
	pr := prisonFindChild(td, tdPrison(td), jid)
	if pr == nil {
		return false
	}
	pr.pr_mtx.Unlock(td)
	return true
}

// prisonHoldLocked is prison_hold_locked: a reference, pr_mtx held.
func prisonHoldLocked(td *kern.Thread, pr *Prison) {
	pr.pr_mtx.Assert(td, kern.MA_OWNED)
	pr.pr_ref++
	pr.refsSeen.Store(int64(pr.pr_ref))
}

// prisonFree is prison_free: drop a reference. The emulation keeps the
// structure (the C frees the last reference's prison from a task).
func prisonFree(td *kern.Thread, pr *Prison) {
	pr.pr_mtx.Lock(td)
	kern.KASSERT(td, pr.pr_ref > 0, "prison_free: prison %d has no references", pr.PrId)
	pr.pr_ref--
	pr.refsSeen.Store(int64(pr.pr_ref))
	pr.pr_mtx.Unlock(td)
}

// PrisonFind returns the prison with id jid (prison0 for 0), a dying one
// included, without taking a reference; nil if there is none. For the harness's jail life
// cycle, which stands in for kern_jail.c.
func PrisonFind(td *kern.Thread, jid int) *Prison {
	j := &ifnetOf(td.K).jails
	if jid == 0 {
		return &j.prison0
	}
	j.allprison_lock.Slock(td)
	pr := j.allprison[jid]
	j.allprison_lock.Sunlock(td)
	return pr
}

// PrisonHold is prison_hold (kern_jail.c): a reference that keeps the
// prison, and so its vnet, from being torn down.
func PrisonHold(td *kern.Thread, pr *Prison) {
	pr.pr_mtx.Lock(td)
	prisonHoldLocked(td, pr)
	pr.pr_mtx.Unlock(td)
}

// PrisonFree is prison_free (kern_jail.c): drops a reference. The C
// defers the teardown of an unreferenced prison to a taskqueue; here
// whoever tears jails down waits for Refs to reach zero.
func PrisonFree(td *kern.Thread, pr *Prison) { prisonFree(td, pr) }

// Refs is pr_ref as the last holder of the prison mutex left it
// (published under pr_mtx by prison_hold_locked and prison_free), so a
// wait condition, which may not take a kernel lock, reads it without a
// data race in native mode. Not for logic: it may be stale the moment it
// is read.
func (pr *Prison) Refs() int { return int(pr.refsSeen.Load()) }

// PrisonFindHold looks up the live (not dying) prison jid and takes a
// reference on it under allprison_lock, as prison_find_child followed by
// prison_hold_locked does; nil if there is none. The harness's socket(2)
// in a jail: a process can be in a jail only while it is alive.
func PrisonFindHold(td *kern.Thread, jid int) *Prison {
	j := &ifnetOf(td.K).jails
	j.allprison_lock.Slock(td)
	defer j.allprison_lock.Sunlock(td)
	pr := j.allprison[jid]
	if pr == nil {
		return nil
	}
	pr.pr_mtx.Lock(td)
	defer pr.pr_mtx.Unlock(td)
	if !pr.pr_alive || pr.pr_ref == 0 {
		return nil
	}
	prisonHoldLocked(td, pr)
	return pr
}
