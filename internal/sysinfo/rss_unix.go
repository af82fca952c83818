// SPDX-License-Identifier: BSD-2-Clause

//go:build unix

package sysinfo

import (
	"runtime"
	"syscall"
)

func peakRSS() (int64, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	// ru_maxrss is in kilobytes, except on Apple systems (bytes).
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss), true
	}
	return int64(ru.Maxrss) * 1024, true
}
