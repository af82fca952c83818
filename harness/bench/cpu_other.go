// SPDX-License-Identifier: BSD-2-Clause

//go:build !unix

package bench

import "time"

// processCPU is not measured here: the unrhdr figures have no CPU time.
func processCPU() time.Duration { return 0 }
