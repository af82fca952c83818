// SPDX-License-Identifier: BSD-2-Clause

//go:build unix

package unrhdr

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user + system) the process has used, the
// Go side of bench.c's CLOCK_PROCESS_CPUTIME_ID, or 0 where it cannot be
// read.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
