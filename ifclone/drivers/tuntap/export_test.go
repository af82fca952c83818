// SPDX-License-Identifier: BSD-2-Clause

package tuntap

import "kcheck/kern"

// DeadCdevRefs is the si_refcount of each cdev on dead_cdevsw's list, for
// the tests only.
func DeadCdevRefs(td *kern.Thread) []int {
	s := devfsOf(td.K)
	devLock(td)
	defer devUnlock(td)
	refs := make([]int, 0, len(s.dead_devs))
	for _, dev := range s.dead_devs {
		refs = append(refs, dev.si_refcount)
	}
	return refs
}

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
