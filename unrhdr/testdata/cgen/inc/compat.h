/* SPDX-License-Identifier: BSD-2-Clause */
/* What glibc's <sys/queue.h> lacks for subr_unit.c. */
#ifndef COMPAT_H
#define COMPAT_H
#include <sys/types.h>
#include <stdint.h>
#ifndef TAILQ_FOREACH_SAFE
#define	TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST((head));				\
	    (var) && ((tvar) = TAILQ_NEXT((var), field), 1);		\
	    (var) = (tvar))
#endif
#endif
