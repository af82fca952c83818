// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"kcheck/harness"
	"kcheck/harness/bench"
	"kcheck/mutants"
)

type benchOptions struct {
	budget       time.Duration
	lengths      []int
	checkTimeout time.Duration
	spec         string
	json         bool
	goBench      bool
	out          string
	quick        bool
}

func newBenchCmd() *cobra.Command {
	o := &benchOptions{}
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure the checker's performance (scheduling points, executions/s, unrhdr, linearizability checking)",
		Long: `bench measures, on this machine:

  sched       the cost of one scheduling point of the controlled scheduler, with
              a context switch at every point (two threads handing over) and
              without (one thread), and a controlled mutex lock/unlock pair
  executions  executions per second of each strategy on the standard scenario
              (3 threads x 4 create/destroy operations over lo and epair, all
              checks on: assertions, WITNESS, linearizability, leaks)
  unrhdr      ns per unr call of subr_unit.c's own test-driver mix (10,000
              units, alloc_unr / alloc_unr_specific / free_unr), with and
              without check_unrhdr after every call
  checker     linearizability-check time against history length, 8 threads
              over all cloner families, partitioned and whole; a check whose
              estimated memory is over the checker's budget (512 MiB) runs
              partitioned instead of whole, or not at all (unknown)
  peak RSS    the process's peak resident set size at the end

and prints a table (or JSON with --json, or the Go benchmark format that
benchstat compares with --go-bench). --out writes the figures, with the
machine (nproc, CPU model, Go version), to docs/PERFORMANCE.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	f.DurationVar(&o.budget, "budget", 3*time.Second, "time per strategy for executions/s")
	f.IntSliceVar(&o.lengths, "lengths", []int{100, 1000, 10000, 100000}, "history lengths for the checker figures")
	f.DurationVar(&o.checkTimeout, "check-timeout", 2*time.Minute, "timeout of one linearizability check")
	f.StringVar(&o.spec, "spec", harness.DefaultSpec, "spec mode: relaxed or strict")
	f.BoolVar(&o.json, "json", false, "print JSON instead of a table")
	f.BoolVar(&o.goBench, "go-bench", false, "print the Go benchmark format (for benchstat) instead of a table")
	f.StringVar(&o.out, "out", "", "also write the report as markdown to this file (e.g. docs/PERFORMANCE.md)")
	f.BoolVar(&o.quick, "quick", false, "tiny fixed iteration counts instead of runs grown to 1s, and 1s per strategy unless --budget is given (smoke runs)")
	return cmd
}

func (o *benchOptions) run(cmd *cobra.Command) error {
	mode, err := harness.ParseSpec(o.spec)
	if err != nil {
		return usageErrorf("%v", err)
	}
	if o.json && o.goBench {
		return usageErrorf("--json and --go-bench: choose one")
	}
	if o.budget <= 0 {
		return usageErrorf("--budget must be positive")
	}
	for _, n := range o.lengths {
		if n <= 0 {
			return usageErrorf("--lengths: %d is not a positive length", n)
		}
	}
	if o.quick && !cmd.Flags().Changed("budget") {
		o.budget = min(o.budget, time.Second)
	}
	log := cmd.ErrOrStderr()
	rep := bench.RunBench(bench.BenchConfig{Budget: o.budget, Lengths: o.lengths, CheckTimeout: o.checkTimeout, Mode: mode, Quick: o.quick,
		Progress: func(s string) { fmt.Fprintln(log, s) }})
	w := cmd.OutOrStdout()
	switch {
	case o.goBench:
		io.WriteString(w, rep.GoBench())
	case o.json:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return exitWith(exitUsage, err)
		}
	default:
		io.WriteString(w, rep.Table())
	}
	if o.out != "" {
		p := o.out
		if !filepath.IsAbs(p) {
			if root, err := mutants.ModuleRoot("."); err == nil {
				p = filepath.Join(root, p)
			}
		}
		if err := os.WriteFile(p, []byte(rep.Markdown(commandLine(cmd))), 0o644); err != nil {
			return exitWith(exitUsage, err)
		}
		fmt.Fprintf(log, "wrote %s\n", p)
	}
	return nil
}
