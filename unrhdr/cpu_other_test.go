// SPDX-License-Identifier: BSD-2-Clause

//go:build !unix

package unrhdr

import "time"

// processCPU is not measured here: BenchmarkDriverMix reports no CPU figure.
func processCPU() time.Duration { return 0 }
