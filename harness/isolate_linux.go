// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"os/exec"
	"syscall"
)

// setPdeathsig kills a worker when its parent dies (a second Ctrl-C, a
// crash of the parent): it must not outlive the campaign.
func setPdeathsig(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
