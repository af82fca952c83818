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
