// SPDX-License-Identifier: BSD-2-Clause

package epair

import "kcheck/kern"

// LockOrder: epair's unit-index mutex and its queue mutexes are leaves,
// taken under SIOCIFDESTROY's ifnet_detach_sxlock or a vnet destructor's
// vnet_sysinit_sxlock (see kern.LockOrder).
var LockOrder = kern.LockOrder{
	After: map[string][]string{
		"epairidx": {"ifnet_detach_sx", "vnet_sysinit_sxlock"},
		"epairq":   {"ifnet_detach_sx", "vnet_sysinit_sxlock"},
	},
}
