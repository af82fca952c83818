// SPDX-License-Identifier: BSD-2-Clause

package unrhdr

import "kcheck/kern"

// LockOrder: subr_unit.c's own mutex (for headers created without one) is
// a leaf, taken under whatever its caller holds (see kern.LockOrder).
var LockOrder = kern.LockOrder{
	After: map[string][]string{
		"unit# allocation": {"ifnet_detach_sx", "vnet_sysinit_sxlock"},
	},
}
