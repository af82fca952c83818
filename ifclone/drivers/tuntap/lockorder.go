// SPDX-License-Identifier: BSD-2-Clause

package tuntap

import "kcheck/kern"

var beforeTun = []string{"ifnet_detach_sx", "vnet_sysinit_sxlock"}

// LockOrder: if_tuntap.c's global tunmtx, a softc's tun_mtx, the ioctl sx,
// the emulated condition variable and devfs's cdev mutex (kern_conf.c's
// dev_lock), all taken under SIOCIFDESTROY or a vnet destructor, nested
// as the package comment draws it: tun_ioctl_sx, then the condvar, then
// tun_mtx; the condvar before cdev (see kern.LockOrder).
var LockOrder = kern.LockOrder{
	After: map[string][]string{
		"tunmtx":      beforeTun,
		"tun_ioctl":   beforeTun,
		"tun_condvar": {"ifnet_detach_sx", "vnet_sysinit_sxlock", "tun_ioctl"},
		"tun_mtx":     {"ifnet_detach_sx", "vnet_sysinit_sxlock", "tun_ioctl", "tun_condvar"},
		"cdev":        {"ifnet_detach_sx", "vnet_sysinit_sxlock", "tun_condvar"},
	},
}
