// SPDX-License-Identifier: BSD-2-Clause

//go:build unix

package harness

import (
	"os/exec"
	"syscall"
)

// quitWorker asks a worker for its goroutines' stacks (SIGQUIT makes the
// Go runtime print them and exit).
func quitWorker(p *workerProc) {
	if p.cmd.Process != nil {
		p.cmd.Process.Signal(syscall.SIGQUIT)
	}
}

func setWorkerAttrs(cmd *exec.Cmd) { setPdeathsig(cmd) }
