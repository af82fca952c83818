// SPDX-License-Identifier: BSD-2-Clause
//
// Copyright (c) 2009 Robert N. M. Watson
// All rights reserved.
//
// The licence text is in LICENSE.
//
// The part of sys/net/if_dead.c (freebsd/freebsd-src 033074c4407f) that
// kcheck's ifnet has entry points for: once an interface is detached, its
// driver routines are replaced so that late calls fail instead of reaching
// a driver that has let go of it.

package ifclone

import "kcheck/kern"

// ifdeadIoctl is ifdead_ioctl (if_dead.c:67). Every ioctl fails with ENXIO.
func ifdeadIoctl(td *kern.Thread, ifp *Ifnet, cmd uint64, data any) kern.Errno {
	return kern.ENXIO
}

// ifDead is if_dead (if_dead.c:97). It is reduced to the one driver
// routine kcheck's ifnet has: if_ioctl.
func ifDead(ifp *Ifnet) {
	ifp.IfIoctl = ifdeadIoctl
}
