// SPDX-License-Identifier: BSD-2-Clause

package vnet

import "kcheck/kern"

// LockOrder is vnet.c's lock order (see kern.LockOrder): vnet_destroy runs
// the destructors with ifnet_detach_sxlock (if.c's) held and then
// vnet_sysinit_sxlock; the vnet list locks and the data allocator's lock
// nest inside the latter.
var LockOrder = kern.LockOrder{
	After: map[string][]string{
		"vnet_sysinit_sxlock":  {"ifnet_detach_sx"},
		"vnet_sxlock":          {"vnet_sysinit_sxlock"},
		"vnet_rwlock":          {"vnet_sxlock"},
		"vnet_data alloc lock": {"vnet_sysinit_sxlock", "kernel linker"},
	},
	Reversals: map[string]string{
		// Module unload: vnet_deregister_sysuninit holds
		// vnet_sysinit_sxlock while the driver's destructor reaches
		// if_detach, which takes ifnet_detach_sxlock.
		"vnet_sysinit_sxlock -> ifnet_detach_sx": "F10",
	},
}
