// SPDX-License-Identifier: BSD-2-Clause

//go:build !unix

package harness

import "os/exec"

// quitWorker: without SIGQUIT the worker is just killed.
func quitWorker(p *workerProc) {
	if p.cmd.Process != nil {
		p.cmd.Process.Kill()
	}
}

func setWorkerAttrs(cmd *exec.Cmd) {}
