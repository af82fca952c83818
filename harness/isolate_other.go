// SPDX-License-Identifier: BSD-2-Clause

//go:build unix && !linux

package harness

import "os/exec"

// setPdeathsig: no such facility; a worker whose parent died exits when
// its stdin reaches EOF.
func setPdeathsig(cmd *exec.Cmd) {}
