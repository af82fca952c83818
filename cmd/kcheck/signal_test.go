// SPDX-License-Identifier: BSD-2-Clause

//go:build unix

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/harness"
)

// asMainEnv makes the test binary run main (TestMain), so that a test can
// send real signals to a real kcheck process.
const asMainEnv = "KCHECK_TEST_MAIN"

func startKcheck(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), asMainEnv+"=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	require.NoError(t, cmd.Start())
	return cmd, &out, &errb
}

func exitCode(t *testing.T, cmd *exec.Cmd, within time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		require.NoError(t, err)
		return 0
	case <-time.After(within):
		cmd.Process.Kill()
		<-done
		t.Fatalf("kcheck did not exit within %v", within)
		return -1
	}
}

// TestSignals: one SIGINT (or SIGTERM) stops a campaign gracefully with
// its summary; a second exits at once.
func TestSignals(t *testing.T) {
	args := []string{"run", "--scenario", "SameExplicitName", "--strategy", "pct", "--time", "5m",
		"--workers", "2", "--bundles", "0", "--progress", "0"}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd, out, errb := startKcheck(t, args...)
			time.Sleep(time.Second)
			require.NoError(t, cmd.Process.Signal(sig))
			code := exitCode(t, cmd, harness.StopGrace+5*time.Second)
			assert.Equal(t, exitInterrupted, code, "stdout:\n%s\nstderr:\n%s", out, errb)
			assert.Contains(t, out.String(), "interrupted")
			assert.Contains(t, out.String(), "executions/s", "the summary is printed")
		})
	}
	t.Run("twice", func(t *testing.T) {
		cmd, out, errb := startKcheck(t, args...)
		time.Sleep(time.Second)
		// Back to back (two different signals, which the kernel does not
		// merge): the second arrives while the graceful stop is under way.
		require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
		require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
		code := exitCode(t, cmd, 3*time.Second)
		assert.Equal(t, exitInterrupted, code, "stdout:\n%s\nstderr:\n%s", out, errb)
		assert.Contains(t, errb.String(), "interrupted again: exiting at once")
	})
}
