// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"kcheck/harness"
)

func newHuntCmd() *cobra.Command {
	var dir, only, seeds, out string
	var budget time.Duration
	var threads, ops, parallel int
	cmd := &cobra.Command{
		Use:   "hunt",
		Short: "Rediscovery benchmark: how long default random campaigns take to find each known finding",
		Long: `For every finding with a bundle (--dir, default testdata/findings), read its
defining symptom from the bundle (the verdict kind; for a panic the message and,
for a fault, the ported function; for a history that is not linearizable the
operation kinds of its scenario and the spec mode), then run default random
campaigns (PCT, every operation kind, the finding's spec mode; random scenarios
never are the named scenario of the bundle) until an execution shows the
symptom or --budget is spent: once per --seeds, with coverage feedback and
without. Prints a markdown table of executions and seconds to the first
failure (median and worst over the seeds) and writes it to --out if given.

Exit status: 0, or 2 for bad usage.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var ss []uint64
			for _, s := range strings.Split(seeds, ",") {
				v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
				if err != nil {
					return usageErrorf("--seeds: %v", err)
				}
				ss = append(ss, v)
			}
			if budget <= 0 {
				return usageErrorf("--budget must be positive")
			}
			var ids []string
			if only != "" {
				ids = strings.Split(only, ",")
			}
			hc := harness.HuntConfig{Dir: dir, Only: ids, Seeds: ss, Budget: budget,
				Gen: harness.GenConfig{Threads: threads, Ops: ops, VaryThreads: true}, Parallel: parallel,
				Progress: func(s string) { fmt.Fprintln(cmd.ErrOrStderr(), "kcheck hunt:", s) }}
			res, err := harness.Hunt(hc)
			if err != nil {
				return exitWith(2, err)
			}
			table := harness.HuntTable(res, budget)
			fmt.Fprint(cmd.OutOrStdout(), table)
			if out != "" {
				if err := os.WriteFile(out, []byte(table), 0o644); err != nil {
					return exitWith(2, err)
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "dir", "testdata/findings", "directory of finding bundles (F<n>-...)")
	f.StringVar(&only, "only", "", "comma-separated finding ids to hunt (default: all)")
	f.StringVar(&seeds, "seeds", "1,2,3", "campaign seeds, comma-separated")
	f.DurationVar(&budget, "budget", 60*time.Second, "time budget per finding and campaign")
	f.IntVar(&threads, "threads", harness.DefaultThreads, "random scenarios: threads")
	f.IntVar(&ops, "ops", harness.DefaultOps, "random scenarios: operations per thread")
	f.IntVar(&parallel, "parallel", runtime.NumCPU(), "campaigns run at once (each on one core)")
	f.StringVar(&out, "out", "", "write the markdown table to this file")
	return cmd
}
