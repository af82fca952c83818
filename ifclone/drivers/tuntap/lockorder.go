// SPDX-License-Identifier: BSD-2-Clause

package tuntap

import "kcheck/kern"

var beforeTun = []string{"ifnet_detach_sx", "vnet_sysinit_sxlock"}

// LockOrder: if_tuntap.c's global tunmtx, a softc's tun_mtx, the ioctl sx
// and devfs's cdev mutex (kern_conf.c's dev_lock), each taken under
// SIOCIFDESTROY or a vnet destructor and never nested in one another here
// (see kern.LockOrder).
var LockOrder = kern.LockOrder{
	After: map[string][]string{
		"tunmtx":      beforeTun,
		"tun_mtx":     beforeTun,
		"tun_ioctl":   beforeTun,
		"tun_condvar": beforeTun,
		"cdev":        beforeTun,
	},
}
