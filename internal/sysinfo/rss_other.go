// SPDX-License-Identifier: BSD-2-Clause

//go:build !unix

package sysinfo

func peakRSS() (int64, bool) { return 0, false }
