// SPDX-License-Identifier: BSD-2-Clause

package ifclone

import "kcheck/kern"

// beforeIfnet are the classes every ifnet-layer lock may be taken under:
// SIOCIFDESTROY and the vnet moves hold ifnet_detach_sxlock, and a vnet's
// destructors run with vnet_sysinit_sxlock (vnet.LockOrder).
var beforeIfnet = []string{"ifnet_detach_sx", "vnet_sysinit_sxlock"}

// LockOrder is the lock order of if_clone.c, the if.c subset and
// kern_jail.c's part (see kern.LockOrder). ifnet_detach_sxlock is taken
// first of all; if_cloners_mtx before a cloner's ifc_mtx (which is also
// the cloner's unrhdr mutex: if_clone_restoregroup nests them);
// IFNET_WLOCK before if_addr_lock; allprison_lock before a prison's mutex
// and before the vnet locks vnet_alloc takes under it.
// if_cloners_mtx and ifnet_sx are never held together.
var LockOrder = kern.LockOrder{
	After: map[string][]string{
		"ifnet_detach_sx": {},
		"allprison":       {},
		"jail mutex":      {"allprison", "ifnet_detach_sx"},
		"if_cloners lock": beforeIfnet,
		"if_clone lock":   {"if_cloners lock"},
		"ifnet_sx":        beforeIfnet,
		"if_addr_lock":    {"ifnet_sx"},
		"if_afdata":       beforeIfnet,
		// kern_jail_set holds allprison_lock across vnet_alloc, whose
		// constructors take the vnet and ifnet locks (kern_jail.c).
		"vnet_sysinit_sxlock": {"allprison"},
		"vnet_sxlock":         {"allprison"},
		"vnet_rwlock":         {"allprison"},
	},
}
