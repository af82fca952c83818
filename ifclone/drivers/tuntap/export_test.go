// SPDX-License-Identifier: BSD-2-Clause

package tuntap

import "kcheck/kern"

// RelDeadCdevs calls dev_rel once on every cdev on dead_cdevsw's list: the
// release that if_tuntap.c never does (see CDEV_LEAK.md). For the tests
// only; it shows that exactly one reference per cdev is missing.
func RelDeadCdevs(td *kern.Thread) {
	s := devfsOf(td.K)
	devLock(td)
	dead := append([]*Cdev(nil), s.dead_devs...)
	devUnlock(td)
	for _, dev := range dead {
		devRel(td, dev)
	}
}
