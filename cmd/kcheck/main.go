// SPDX-License-Identifier: BSD-2-Clause

// Command kcheck runs the model checker over the emulated if_clone.c:
// campaigns of executions under a scheduling strategy (run), replay and
// minimization of failure bundles (replay, minimize), the re-check of the
// documented findings (findings) and the merge of sharded results (merge).
//
// Exit status: 0 clean, 1 a violation found (or a bundle that does not
// reproduce), 2 bad usage or unreadable input, 3 an internal error of
// kcheck itself, 130 interrupted (SIGINT/SIGTERM) with nothing found.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"kcheck/harness"
)

// Exit codes.
const (
	exitClean     = 0
	exitViolation = 1
	exitUsage     = 2
	// exitInternal: kcheck itself failed (a harness bug, a bundle it could
	// not write). Go's own fatal errors exit 2: a run that dies of one
	// in-process cannot say 3, which is one reason for --isolate.
	exitInternal = 3
	// exitInterrupted: stopped by SIGINT/SIGTERM before the budget was
	// spent, nothing found meanwhile (128 + SIGINT, as shells report it).
	exitInterrupted = 130
)

// exitStatusHelp is the exit-status paragraph of the help texts.
const exitStatusHelp = `Exit status: 0 clean, 1 a violation found, 2 bad usage or unreadable input,
3 an internal error of kcheck (it takes precedence over 1), 130 interrupted
(SIGINT/SIGTERM) before the budget was spent with nothing found. One SIGINT
or SIGTERM stops a campaign gracefully (executions in flight get about
1.5 s, then are abandoned) and prints the summary;
a second one exits at once.`

// exitError carries an exit status out of a command; a nil err prints
// nothing more.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// exitWith makes RunE end the program with code, printing err if not nil.
func exitWith(code int, err error) error { return &exitError{code: code, err: err} }

// usageErrorf is a bad-usage error (exit 2).
func usageErrorf(format string, a ...any) error {
	return exitWith(exitUsage, fmt.Errorf(format, a...))
}

// errViolation ends a command with status 1 after it has said why.
var errViolation = exitWith(exitViolation, nil)

func main() {
	tuneGC()
	// A worker process of --isolate serves jobs and exits here.
	harness.MaybeWorker()
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first signal stops gracefully; the second exits at once
		// (worker processes die with their parent).
		<-sigs
		cancel()
		<-sigs
		fmt.Fprintln(os.Stderr, "kcheck: interrupted again: exiting at once")
		os.Exit(exitInterrupted)
	}()
	code := runContext(ctx, os.Args[1:], os.Stdout, os.Stderr)
	cancel()
	os.Exit(code)
}

// run is the program without the process around it: tests call it.
func run(args []string, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdout, stderr)
}

// runContext runs one command line; cancelling ctx is Ctrl-C.
func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitClean
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "kcheck: %v\n", ee.err)
			if ee.code == exitUsage && cmd != nil {
				fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
			}
		}
		return ee.code
	}
	// Anything else comes from cobra or pflag: an unknown command or
	// flag, a bad flag value, a wrong number of arguments.
	fmt.Fprintf(stderr, "kcheck: %v\n", err)
	path := "kcheck"
	if cmd != nil {
		path = cmd.CommandPath()
	}
	fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", path)
	return exitUsage
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "kcheck",
		Short: "Model-check the Go port of FreeBSD's if_clone.c",
		Long: `kcheck runs concurrent workloads against a line-by-line Go port of FreeBSD's
sys/net/if_clone.c (with subr_unit.c, vnet and the cloning drivers) under a
controlled scheduler, and judges every execution: kernel assertions, WITNESS
lock order, deadlock and livelock, linearizability against a sequential
specification, and leaks after teardown. Failures are written as bundles that
'kcheck replay' reproduces exactly.

` + exitStatusHelp,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.CompletionOptions.HiddenDefaultCmd = true
	// Every subcommand is built afresh for each invocation (tests run
	// kcheck in process many times), so no flag keeps an earlier run's
	// value. Use cmd.OutOrStdout(), cmd.ErrOrStderr() and cmd.Context(),
	// and return exitWith / usageErrorf / errViolation from RunE.
	root.AddCommand(newRunCmd(), newReplayCmd(), newMinimizeCmd(), newFindingsCmd(), newMergeCmd(), newScenariosCmd(),
		newMutantsCmd(), newStressCmd(), newBenchCmd(), newFixesCmd(), newHuntCmd())
	return root
}
