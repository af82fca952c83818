// SPDX-License-Identifier: BSD-2-Clause

package kern

import "unsafe"

// getfp returns the frame pointer of its caller (fpwalk_amd64.s).
func getfp() unsafe.Pointer

// callersFP fills pcs with the return addresses of the calling
// goroutine's frames by walking the frame-pointer chain, skipping the
// first skip of them (0: the caller of callersFP's caller... as for
// runtime.Callers with skip+2). It expands no inlined frames (the reader
// does, with runtime.CallersFrames), which makes it far cheaper than
// runtime.Callers. It must not call anything that could move the stack.
//
//go:nosplit
func callersFP(skip int, pcs []uintptr) int {
	fp := getfp() // callersFP's own frame
	n := 0
	for fp != nil && n < len(pcs) {
		pc := *(*uintptr)(unsafe.Add(fp, 8))
		fp = *(*unsafe.Pointer)(fp)
		if pc == 0 {
			break
		}
		if skip > 0 {
			skip--
			continue
		}
		pcs[n] = pc
		n++
	}
	return n
}

// CallerPC is the return address skip frames above the function that
// calls it (0: into that function's caller), by the frame-pointer walk:
// physical frames, so the functions it walks past must not be inlined.
// runtime.CallersFrames expands the inlined calls at the address. 0 when
// the stack is shorter.
//
//go:noinline
func CallerPC(skip int) uintptr {
	var pc [1]uintptr
	if callersFP(skip+2, pc[:]) == 0 {
		return 0
	}
	return pc[0]
}
