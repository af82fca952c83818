// SPDX-License-Identifier: BSD-2-Clause

//go:build !amd64

package kern

import "runtime"

// callersFP is runtime.Callers where no frame-pointer walk is provided.
func callersFP(skip int, pcs []uintptr) int { return runtime.Callers(skip+2, pcs) }

// CallerPC is the return address skip frames above the function that
// calls it (0: into that function's caller); 0 when the stack is shorter.
//
//go:noinline
func CallerPC(skip int) uintptr {
	var pc [1]uintptr
	if runtime.Callers(skip+3, pc[:]) == 0 {
		return 0
	}
	return pc[0]
}
