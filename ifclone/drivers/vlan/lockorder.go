// SPDX-License-Identifier: BSD-2-Clause

package vlan

import "kcheck/kern"

// LockOrder: vlan_sx (VLAN_XLOCK) before a trunk's mutex ("vlan"), both
// under SIOCIFDESTROY or a vnet destructor (see kern.LockOrder).
var LockOrder = kern.LockOrder{
	After: map[string][]string{
		"vlan_sx": {"ifnet_detach_sx", "vnet_sysinit_sxlock"},
		"vlan":    {"vlan_sx"},
	},
}
