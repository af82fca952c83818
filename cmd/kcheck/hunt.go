// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"kcheck/harness"
	"kcheck/triage"
)

func newHuntCmd() *cobra.Command {
	var dir, only, seeds, out, labelCache string
	var budget time.Duration
	var threads, ops, parallel int
	var label bool
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
without. With --label (the default) an execution that shows the symptom of
a finding that has a fix in package triage's catalogue counts only if the
triage labeller attributes the failure to the finding (or to the finding it
is folded into: F7 is an F3 form); for a finding identified by a signature
the symptom rule decides. Labelling time is not charged to the budget.
Prints a markdown table of executions and seconds to the first
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
				Progress: func(s string) { fmt.Fprintln(cmd.ErrOrStderr(), "kcheck hunt:", s) },
				Folded:   map[string]string{}}
			for _, f := range triage.Catalogue {
				if f.FoldedInto != "" {
					hc.Folded[f.ID] = f.FoldedInto
				}
			}
			if label {
				l, err := triage.NewLabeler(".", labelCache)
				if err != nil {
					return exitWith(2, err)
				}
				hc.Confirm = huntConfirm(cmd.Context(), l)
			}
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
	f.BoolVar(&label, "label", true, "confirm a symptom hit with the triage labeller where the finding has a fix identity")
	f.StringVar(&labelCache, "label-cache", "", "with --label: directory of the cached fix runners (default: the user cache directory's kcheck-triage)")
	return cmd
}

// huntConfirm asks the triage labeller whether a failure that shows a
// finding's symptom is that finding: decided only for findings with a fix
// (a finding folded into another is decided by the other's fix). A label
// that names it as probable ("F2?", beside other probable findings)
// answers Probably.
func huntConfirm(ctx context.Context, l *triage.Labeler) func(string, harness.LabelRequest) (harness.Confirmation, error) {
	return func(id string, req harness.LabelRequest) (harness.Confirmation, error) {
		want := id
		f := triage.ByID(id)
		if f != nil && f.FoldedInto != "" {
			want = f.FoldedInto
			f = triage.ByID(want)
		}
		if f == nil || f.Fix == nil {
			return harness.Undecided, nil
		}
		ids, err := l.LabelFailure(ctx, req)
		if err != nil {
			return harness.Undecided, err
		}
		c := harness.Otherwise
		for _, got := range ids {
			switch got {
			case want, id:
				return harness.Labelled, nil
			case want + triage.Probable, id + triage.Probable:
				c = harness.Probably
			}
		}
		return c, nil
	}
}
