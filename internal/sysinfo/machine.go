// SPDX-License-Identifier: BSD-2-Clause

package sysinfo

import (
	"os"
	"runtime"
	"strings"
)

// Machine is what reports of figures say about the machine they were
// measured on (kcheck bench, kcheck mutants).
type Machine struct {
	CPUs      int    `json:"nproc"`
	CPU       string `json:"cpu"`
	GoVersion string `json:"go"`
	OS        string `json:"os"`
}

// ThisMachine reads nproc, the CPU model from /proc/cpuinfo ("unknown"
// where there is none) and the Go version.
func ThisMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH, CPU: "unknown"}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}
