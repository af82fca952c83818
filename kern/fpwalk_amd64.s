// SPDX-License-Identifier: BSD-2-Clause

#include "textflag.h"

// func getfp() uintptr
TEXT ·getfp(SB), NOSPLIT, $0-8
	MOVQ BP, ret+0(FP)
	RET
