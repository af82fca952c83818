// SPDX-License-Identifier: BSD-2-Clause

// Package sysinfo reports facts about the running process that kcheck's
// commands print beside their figures.
package sysinfo

// PeakRSS is the process's peak resident set size in bytes (getrusage's
// ru_maxrss), and whether the platform reports it.
func PeakRSS() (bytes int64, ok bool) { return peakRSS() }
