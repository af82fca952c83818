// SPDX-License-Identifier: BSD-2-Clause
//
// SYSINIT/SYSUNINIT ordering as sys/sys/kernel.h defines it (Copyright (c)
// 1995 Terrence R. Lambert, 1990, 1993 The Regents of the University of
// California).

package kern

import "sort"

// SubsystemID is enum sysinit_sub_id; the values are the C's.
type SubsystemID uint32

// The subsystems the emulation uses (sys/sys/kernel.h).
const (
	SI_SUB_DUMMY                SubsystemID = 0x0000000
	SI_SUB_DONE                 SubsystemID = 0x0000001
	SI_SUB_TUNABLES             SubsystemID = 0x0700000
	SI_SUB_VM                   SubsystemID = 0x1000000
	SI_SUB_KMEM                 SubsystemID = 0x1800000
	SI_SUB_WITNESS              SubsystemID = 0x1A80000
	SI_SUB_LOCK                 SubsystemID = 0x1B00000
	SI_SUB_EVENTHANDLER         SubsystemID = 0x1C00000
	SI_SUB_VNET_PRELINK         SubsystemID = 0x1E00000
	SI_SUB_KLD                  SubsystemID = 0x2000000
	SI_SUB_CPU                  SubsystemID = 0x2100000
	SI_SUB_VNET                 SubsystemID = 0x21E0000
	SI_SUB_INTRINSIC            SubsystemID = 0x2200000
	SI_SUB_MBUF                 SubsystemID = 0x2700000
	SI_SUB_INTR                 SubsystemID = 0x2800000
	SI_SUB_DEVFS                SubsystemID = 0x2F00000
	SI_SUB_INIT_IF              SubsystemID = 0x3000000
	SI_SUB_DRIVERS              SubsystemID = 0x3100000
	SI_SUB_CONFIGURE            SubsystemID = 0x3800000
	SI_SUB_PSEUDO               SubsystemID = 0x7000000
	SI_SUB_PROTO_BEGIN          SubsystemID = 0x8000000
	SI_SUB_PROTO_PFIL           SubsystemID = 0x8100000
	SI_SUB_PROTO_IF             SubsystemID = 0x8400000
	SI_SUB_PROTO_DOMAININIT     SubsystemID = 0x8600000
	SI_SUB_PROTO_DOMAIN         SubsystemID = 0x8800000
	SI_SUB_PROTO_FIREWALL       SubsystemID = 0x8806000
	SI_SUB_PROTO_IFATTACHDOMAIN SubsystemID = 0x8808000
	SI_SUB_PROTO_END            SubsystemID = 0x8ffffff
	SI_SUB_VNET_DONE            SubsystemID = 0xdc00000
	SI_SUB_LAST                 SubsystemID = 0xfffffff
)

// SysinitOrder is enum sysinit_elem_order.
type SysinitOrder uint32

// Orders within a subsystem (sys/sys/kernel.h).
const (
	SI_ORDER_FIRST   SysinitOrder = 0x0000000
	SI_ORDER_SECOND  SysinitOrder = 0x0000001
	SI_ORDER_THIRD   SysinitOrder = 0x0000002
	SI_ORDER_FOURTH  SysinitOrder = 0x0000003
	SI_ORDER_FIFTH   SysinitOrder = 0x0000004
	SI_ORDER_SIXTH   SysinitOrder = 0x0000005
	SI_ORDER_SEVENTH SysinitOrder = 0x0000006
	SI_ORDER_EIGHTH  SysinitOrder = 0x0000007
	SI_ORDER_MIDDLE  SysinitOrder = 0x1000000
	SI_ORDER_ANY     SysinitOrder = 0xfffffff
)

// Sysinit is struct sysinit: one initialisation (or, with Uninit, one
// teardown) step of the emulated boot.
type Sysinit struct {
	Name      string
	Subsystem SubsystemID
	Order     SysinitOrder
	Func      func(td *Thread)
	// FuncArg and Arg are the C's form, func(arg) with the declared
	// argument, used when Func is nil (SysinitArg): a static function
	// and a pointer make no closure.
	FuncArg  func(td *Thread, arg any)
	Arg      any
	Uninit   bool
	done     bool
	modevent bool // DECLARE_MODULE's MOD_UNLOAD stand-in (module.go)
}

// newSysinit places si in the kernel's slab of Sysinits (one allocation
// per chunk: a kernel registers some fifty at boot).
func (k *Kernel) newSysinit(si Sysinit) *Sysinit {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.sysinitSlab) == cap(k.sysinitSlab) {
		k.sysinitSlab = make([]Sysinit, 0, 32)
	}
	k.sysinitSlab = append(k.sysinitSlab, si)
	return &k.sysinitSlab[len(k.sysinitSlab)-1]
}

// SYSINIT registers an initialisation step.
func (k *Kernel) SYSINIT(name string, sub SubsystemID, order SysinitOrder, fn func(td *Thread)) *Sysinit {
	return k.declare(Sysinit{Name: name, Subsystem: sub, Order: order, Func: fn})
}

// SYSUNINIT registers a teardown step, run by Shutdown.
func (k *Kernel) SYSUNINIT(name string, sub SubsystemID, order SysinitOrder, fn func(td *Thread)) *Sysinit {
	return k.declare(Sysinit{Name: name, Subsystem: sub, Order: order, Func: fn, Uninit: true})
}

// SysinitArg is SYSINIT with the C's (func, ident) pair (sys/sys/kernel.h,
// SYSINIT and struct sysinit's func and udata): fn(td, arg) runs at boot.
// It allocates nothing for fn when fn is a plain function.
func (k *Kernel) SysinitArg(name string, sub SubsystemID, order SysinitOrder, fn func(td *Thread, arg any), arg any) *Sysinit {
	return k.declare(Sysinit{Name: name, Subsystem: sub, Order: order, FuncArg: fn, Arg: arg})
}

// SysuninitArg is SYSUNINIT with the C's (func, ident) pair.
func (k *Kernel) SysuninitArg(name string, sub SubsystemID, order SysinitOrder, fn func(td *Thread, arg any), arg any) *Sysinit {
	return k.declare(Sysinit{Name: name, Subsystem: sub, Order: order, FuncArg: fn, Arg: arg, Uninit: true})
}

// declare files si in the kernel's list (and the file being linked).
func (k *Kernel) declare(si Sysinit) *Sysinit {
	s := k.newSysinit(si)
	k.linkerClaim(s)
	k.mu.Lock()
	k.sysinits = append(k.sysinits, s)
	k.mu.Unlock()
	return s
}

// run calls the step's function on td.
func (s *Sysinit) run(td *Thread) {
	if s.Func != nil {
		s.Func(td)
		return
	}
	s.FuncArg(td, s.Arg)
}

// sortSysinits orders ascending by (subsystem, order), stable within ties
// as the linker set order is.
func sortSysinits(s []*Sysinit) {
	sort.SliceStable(s, func(i, j int) bool {
		if s[i].Subsystem != s[j].Subsystem {
			return s[i].Subsystem < s[j].Subsystem
		}
		return s[i].Order < s[j].Order
	})
}

// linkerSortSysinits is the exchange sort linker_file_sysinit
// (kern_linker.c) applies to a file's sysinit_set, in place, ascending by
// (subsystem, order): for each slot, every later entry with a smaller key
// is swapped into it. The sort is not stable: a tie keeps the set's
// order only while no smaller entry behind it swaps past one of them (a
// set of A, B tied and then C smaller comes out C, B, A). s is in the
// set's order (the file's declaration order).
func linkerSortSysinits(s []*Sysinit) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[i].Subsystem < s[j].Subsystem || s[i].Subsystem == s[j].Subsystem && s[i].Order <= s[j].Order {
				continue
			}
			s[i], s[j] = s[j], s[i]
		}
	}
}

// linkerSortSysuninits is linker_file_sysuninit's sort of a file's
// sysuninit_set: the same exchange sort, descending.
func linkerSortSysuninits(s []*Sysinit) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[i].Subsystem > s[j].Subsystem || s[i].Subsystem == s[j].Subsystem && s[i].Order >= s[j].Order {
				continue
			}
			s[i], s[j] = s[j], s[i]
		}
	}
}

// Boot is mi_startup: it runs every registered SYSINIT not yet run, in
// ascending (subsystem, order), on td (normally thread0). Steps registered
// while booting are picked up in order.
func (k *Kernel) Boot(td *Thread) {
	for {
		k.mu.Lock()
		var todo []*Sysinit
		for _, s := range k.sysinits {
			if !s.Uninit && !s.done {
				todo = append(todo, s)
			}
		}
		n := len(k.sysinits)
		k.mu.Unlock()
		if len(todo) == 0 {
			return
		}
		sortSysinits(todo)
		for _, s := range todo {
			s.done = true
			s.run(td)
			k.mu.Lock()
			grew := len(k.sysinits) != n
			k.mu.Unlock()
			if grew {
				break // a step registered more: sort again
			}
		}
	}
}

// Shutdown runs every SYSUNINIT in descending (subsystem, order), as
// module unload and kernel shutdown do.
func (k *Kernel) Shutdown(td *Thread) {
	k.mu.Lock()
	todo := make([]*Sysinit, 0, len(k.sysinits))
	for _, s := range k.sysinits {
		if s.Uninit && !s.done {
			todo = append(todo, s)
		}
	}
	k.mu.Unlock()
	// Descending, ties in registration order: what linker_file_sysuninit
	// leaves of a set of ties.
	sort.SliceStable(todo, func(i, j int) bool {
		if todo[i].Subsystem != todo[j].Subsystem {
			return todo[i].Subsystem > todo[j].Subsystem
		}
		return todo[i].Order > todo[j].Order
	})
	for _, s := range todo {
		s.done = true
		s.run(td)
	}
}
