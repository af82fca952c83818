// SPDX-License-Identifier: BSD-2-Clause

package sysinfo

import (
	"runtime"
	"testing"
)

var sink []byte

// TestPeakRSSGrows: the peak covers memory the test has touched, so after
// touching 64 MiB more it must have grown by most of that.
func TestPeakRSSGrows(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("ru_maxrss checked on Linux only")
	}
	before, ok := PeakRSS()
	if !ok || before <= 0 {
		t.Fatalf("PeakRSS() = %d, %v", before, ok)
	}
	const n = 64 << 20
	sink = make([]byte, before+n)
	for i := 0; i < len(sink); i += 4096 {
		sink[i] = 1
	}
	after, _ := PeakRSS()
	if after < before+n*3/4 {
		t.Fatalf("peak RSS %d after touching %d more bytes than the previous peak %d", after, before+n, before)
	}
	sink = nil
}

// TestThisMachine: the figures' machine line has a CPU count, a Go
// version and, on Linux, the CPU model from /proc/cpuinfo.
func TestThisMachine(t *testing.T) {
	m := ThisMachine()
	if m.CPUs != runtime.NumCPU() || m.GoVersion != runtime.Version() || m.OS != runtime.GOOS+"/"+runtime.GOARCH {
		t.Fatalf("ThisMachine() = %+v", m)
	}
	if runtime.GOOS == "linux" && m.CPU == "" {
		t.Fatalf("no CPU model on Linux: %+v", m)
	}
}
