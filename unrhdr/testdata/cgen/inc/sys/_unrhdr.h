/*-
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Userland stand-in for sys/sys/_unrhdr.h (Copyright (c) 2004 Poul-Henning
 * Kamp): struct unrhdr with FreeBSD's field order, over glibc's queue.h.
 */
#ifndef _SYS_UNRHDR_H
#define _SYS_UNRHDR_H
#include <sys/queue.h>
#include "compat.h"
struct mtx;
struct unrhdr {
	TAILQ_HEAD(unrhd,unr)	head;
	u_int			low;
	u_int			high;
	u_int			busy;
	u_int			alloc;
	u_int			first;
	u_int			last;
	struct mtx		*mtx;
	TAILQ_HEAD(unrfr,unr)	ppfree;
};
#endif
