// SPDX-License-Identifier: BSD-2-Clause

//go:build !amd64

package kern

import "runtime"

// callersFP is runtime.Callers where no frame-pointer walk is provided.
func callersFP(skip int, pcs []uintptr) int { return runtime.Callers(skip+2, pcs) }
