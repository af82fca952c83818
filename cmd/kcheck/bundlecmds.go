// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"kcheck/harness"
	"kcheck/harness/results"
	"kcheck/model"
)

// ---- replay ----

// replayOutcome is what replaying a bundle gave.
type replayOutcome struct {
	Bundle     string       `json:"bundle"`
	Recorded   harness.Kind `json:"recorded"`
	Replayed   harness.Kind `json:"replayed"`
	Summary    string       `json:"summary"`
	Reproduced bool         `json:"reproduced"`
	Divergence string       `json:"divergence,omitempty"`
	ex         *harness.Execution
	lb         *harness.LoadedBundle
}

// replayBundle reads and replays a bundle; err is for a bundle that
// cannot be read or replayed at all.
func replayBundle(dir string) (*replayOutcome, error) {
	lb, err := harness.ReadBundle(dir)
	if err != nil {
		return nil, fmt.Errorf("reading bundle %s: %v", dir, err)
	}
	ex, div, err := harness.Replay(lb)
	if err != nil {
		return nil, err
	}
	return &replayOutcome{Bundle: dir, Recorded: lb.Meta.Kind, Replayed: ex.Kind, Summary: ex.Summary,
		Reproduced: ex.Kind == lb.Meta.Kind, Divergence: div, ex: ex, lb: lb}, nil
}

func newReplayCmd() *cobra.Command {
	var quiet, noHTML, jsonOut bool
	cmd := &cobra.Command{
		Use:   "replay BUNDLE",
		Short: "Replay a failure bundle with its recorded schedule",
		Long: `Replay a failure bundle: run its scenario again under its recorded schedule
(the trace on), print the verdict, whether it matches the one the bundle
records, how the run left the schedule if it did, and the report: the
history and the interleaving, one column per thread, with the Go function
(the C function's counterpart) and line of each scheduling point. The
bundle's history.html is drawn again from the replay.

Exit status: 0 the replay reproduces the recorded verdict kind, 1 it does
not, 2 the bundle cannot be read.`,
		Args: exactArgs(1, "a bundle directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			ro, err := replayBundle(args[0])
			if err != nil {
				return exitWith(exitUsage, err)
			}
			htmlPath := ""
			if !noHTML {
				mode, _ := model.ParseMode(ro.lb.Meta.Mode)
				htmlPath = filepath.Join(args[0], "history.html")
				if err := harness.WriteHTML(htmlPath, ro.ex, mode); err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "kcheck: writing %s: %v\n", htmlPath, err)
					htmlPath = ""
				}
			}
			if jsonOut {
				b, _ := json.MarshalIndent(ro, "", "  ")
				fmt.Fprintln(out, string(b))
			} else {
				fmt.Fprintf(out, "bundle:     %s\n", ro.Bundle)
				fmt.Fprintf(out, "recorded:   %s (%s)\n", ro.Recorded, ro.lb.Meta.Summary)
				fmt.Fprintf(out, "replayed:   %s (%s)\n", ro.Replayed, ro.Summary)
				if ro.Reproduced {
					fmt.Fprintln(out, "reproduced: yes")
				} else {
					fmt.Fprintln(out, "reproduced: NO")
				}
				if ro.Divergence != "" {
					fmt.Fprintf(out, "divergence: %s\n", ro.Divergence)
				} else {
					fmt.Fprintln(out, "divergence: none (the recorded schedule was followed exactly)")
				}
				if htmlPath != "" {
					fmt.Fprintf(out, "history:    %s\n", htmlPath)
				}
				if !quiet {
					fmt.Fprintf(out, "\n%s", harness.Report(ro.ex, ro.lb.Meta.Strategy, args[0]))
				}
			}
			if !ro.Reproduced {
				return errViolation
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print the verdicts only, not the report")
	cmd.Flags().BoolVar(&noHTML, "no-html", false, "do not regenerate history.html")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the outcome as JSON")
	return cmd
}

// exactArgs is cobra.ExactArgs with a readable message.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErrorf("%s takes %s (got %d arguments)", cmd.CommandPath(), what, len(args))
		}
		return nil
	}
}

// ---- minimize ----

func newMinimizeCmd() *cobra.Command {
	var budget int
	var outDir string
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "minimize BUNDLE",
		Short: "Shrink a failure bundle's scenario and schedule, keeping its verdict",
		Long: `Minimize a failure bundle: remove whole threads, setup jails and single
operations, then shorten the schedule (truncate its tail, the replay's
fallback choosing the rest) and remove context switches, re-executing every
candidate under its schedule and keeping it only if its verdict kind is the
bundle's. Writes a new bundle (strategy "minimized from ...").

Exit status: 0 a minimized bundle was written, 1 the bundle does not
reproduce its verdict, 2 the bundle cannot be read or has nothing to minimize.`,
		Args: exactArgs(1, "a bundle directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			if budget < 1 {
				return usageErrorf("--budget %d: want at least 1", budget)
			}
			dir := args[0]
			lb, err := harness.ReadBundle(dir)
			if err != nil {
				return exitWith(exitUsage, fmt.Errorf("reading bundle %s: %v", dir, err))
			}
			if lb.Meta.Native {
				return exitWith(exitUsage, fmt.Errorf("bundle %s comes from a native run: it has no schedule to minimize", dir))
			}
			if lb.Meta.Kind == harness.Pass {
				return exitWith(exitUsage, fmt.Errorf("bundle %s records a pass: nothing to minimize", dir))
			}
			res, err := harness.MinimizeBundle(lb, budget)
			if err != nil {
				return exitWith(exitViolation, err)
			}
			if outDir == "" {
				outDir = filepath.Dir(filepath.Clean(dir))
			}
			mode, _ := model.ParseMode(lb.Meta.Mode)
			strategy := fmt.Sprintf("minimized from %s (%s)", dir, lb.Meta.Strategy)
			path, err := harness.WriteBundle(outDir, res.Execution, harness.Config{Mode: mode, MaxSteps: lb.Meta.MaxSteps}, strategy)
			if err != nil {
				return exitWith(exitUsage, fmt.Errorf("writing the minimized bundle: %v", err))
			}
			if jsonOut {
				b, _ := json.MarshalIndent(struct {
					Bundle     string       `json:"bundle"`
					Minimized  string       `json:"minimized"`
					Kind       harness.Kind `json:"kind"`
					Original   harness.Size `json:"original"`
					Size       harness.Size `json:"size"`
					Executions int          `json:"executions"`
					Reductions []string     `json:"reductions"`
				}{dir, path, res.Kind, res.Original, res.Minimized, res.Executions, res.Reductions}, "", "  ")
				fmt.Fprintln(out, string(b))
				return nil
			}
			fmt.Fprintf(out, "verdict kind kept: %s\n", res.Kind)
			fmt.Fprintf(out, "original:  %s\n", res.Original)
			fmt.Fprintf(out, "minimized: %s\n", res.Minimized)
			fmt.Fprintf(out, "executions spent: %d of %d\n", res.Executions, budget)
			for _, r := range res.Reductions {
				fmt.Fprintf(out, "  %s\n", r)
			}
			fmt.Fprintln(out, "scenario:")
			for i, th := range res.Scenario.Threads {
				var ops []string
				for _, op := range th {
					ops = append(ops, op.String())
				}
				fmt.Fprintf(out, "  t%d: %s\n", i, strings.Join(ops, "; "))
			}
			fmt.Fprintf(out, "schedule: %s\n", res.Schedule)
			fmt.Fprintf(out, "bundle:   %s\n", path)
			return nil
		},
	}
	cmd.Flags().IntVar(&budget, "budget", 1000, "executions minimization may spend")
	cmd.Flags().StringVar(&outDir, "out", "", "directory for the minimized bundle (default: beside the original)")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the outcome as JSON")
	return cmd
}

// ---- findings ----

func newFindingsCmd() *cobra.Command {
	var file string
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "findings",
		Short: "Replay the bundle of every documented finding",
		Long: `List the findings of docs/FINDINGS.md ("## F<N>: title" sections; one with a
"Bundle: testdata/findings/<dir>" line is replayed, one pinned by a package
test instead names it on a "Test: ..." line), replay each bundle and say
whether it reproduces its recorded verdict.

Exit status: 0 every bundle reproduces, 1 one does not (or cannot be read),
2 the findings file cannot be read or holds no finding.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			path, err := harness.FindFindingsFile(file, cmd.Flags().Changed("file"))
			if err != nil {
				return exitWith(exitUsage, err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return exitWith(exitUsage, err)
			}
			fs := harness.ParseFindings(string(b))
			if len(fs) == 0 {
				return exitWith(exitUsage, fmt.Errorf("%s: no findings (sections \"## F<N>: title\")", path))
			}
			failed, replayed := 0, 0
			for i := range fs {
				f := &fs[i]
				if f.Bundle == "" {
					continue // pinned by a package test, not by a bundle
				}
				replayed++
				ro, err := replayBundle(harness.ResolveFindingBundle(path, f.Bundle))
				if err != nil {
					f.Problem = err.Error()
					failed++
					continue
				}
				f.Recorded, f.Replayed, f.Reproduced = ro.Recorded, ro.Replayed, ro.Reproduced
				if !ro.Reproduced {
					failed++
					f.Problem = fmt.Sprintf("replay gives %s: %s", ro.Replayed, ro.Summary)
				}
			}
			if jsonOut {
				b, _ := json.MarshalIndent(fs, "", "  ")
				fmt.Fprintln(out, string(b))
			} else {
				printFindings(out, path, fs)
				fmt.Fprintf(out, "\n%d of %d bundles reproduced (%d findings, %d pinned by tests instead)\n",
					replayed-failed, replayed, len(fs), len(fs)-replayed)
			}
			if failed > 0 {
				return errViolation
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "file", filepath.Join("docs", "FINDINGS.md"), "findings file (default: docs/FINDINGS.md here or in a parent directory)")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the outcome as JSON")
	return cmd
}

func printFindings(w io.Writer, path string, fs []harness.Finding) {
	fmt.Fprintf(w, "findings of %s\n\n", path)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "id\ttitle\trecorded\treplayed\toutcome")
	for _, f := range fs {
		outcome := "reproduced"
		switch {
		case f.Bundle == "" && f.Test != "":
			outcome = "pinned by test: " + f.Test
		case f.Bundle == "":
			outcome = "no bundle (see the section)"
		case !f.Reproduced:
			outcome = "NOT REPRODUCED: " + f.Problem
		}
		title := f.Title
		if len(title) > 60 {
			title = title[:57] + "..."
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.ID, title, orDash(string(f.Recorded)), orDash(string(f.Replayed)), outcome)
	}
	tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ---- merge ----

func newMergeCmd() *cobra.Command {
	var jsonOut, allowMixed, allowKnown, line bool
	cmd := &cobra.Command{
		Use:   "merge FILE...",
		Short: "Merge the JSON-lines results of sharded runs into one summary",
		Long: `Merge the JSON-lines files written by 'kcheck run --json-lines FILE' (one per
shard, or several shards appended to one file) into one summary: totals,
verdicts, coverage (distinct schedules exactly when every shard listed its
schedule hashes, else estimated from HyperLogLog sketches; lock-order edges
and functions as unions) and bundles. A shard run more than once (a retried
job) is counted once: its last instance with a summary. Shards without a
summary (killed) are counted from their batch records. Missing shards are
named.

Exit status: 0 no violation in the merged runs, 1 violations, 2 unreadable
input or shards of different campaigns (unless --allow-mixed), 3 a shard
recorded InternalError verdicts.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf("merge takes one or more JSON-lines files")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			runs, err := results.Read(args)
			if err != nil {
				return exitWith(exitUsage, err)
			}
			sum, err := results.Merge(runs, allowMixed)
			if err != nil {
				return exitWith(exitUsage, err)
			}
			switch {
			case line && sum.Labelled:
				fmt.Fprintln(out, sum.FinalLine())
			case line:
				fmt.Fprintf(out, "%d of %d executions failed (unlabelled runs: see their summaries)\n", sum.Violations, sum.Executions)
			case jsonOut:
				b, _ := json.MarshalIndent(sum, "", "  ")
				fmt.Fprintln(out, string(b))
			default:
				fmt.Fprintf(out, "kcheck merge: campaign %s, %s; %s, spec %s, seed %d: shards %v of %d\n",
					sum.Campaign, sum.Source, sum.Strategy, sum.Spec, sum.Seed, sum.ShardsMerged, sum.Shards)
				if len(sum.Missing) > 0 {
					fmt.Fprintf(out, "MISSING shards: %v\n", sum.Missing)
				}
				sum.Print(out, nil)
			}
			if n := sum.Verdicts[harness.InternalError]; n > 0 {
				return exitWith(exitInternal, fmt.Errorf("internal error: %d executions failed in kcheck itself (verdict InternalError)", n))
			}
			if sum.Violations > 0 && (!allowKnown || !sum.Labelled || sum.New > 0 || sum.Unlabelled > 0) {
				return errViolation
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&allowKnown, "allow-known", false, "exit 0 when every failure of labelled runs is a known finding (none NEW or UNLABELLED)")
	cmd.Flags().BoolVar(&line, "line", false, "print only the final line (labelled runs: NEW failures, or the known findings seen)")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the merged summary as JSON")
	cmd.Flags().BoolVar(&allowMixed, "allow-mixed", false, "merge records of different campaigns")
	return cmd
}

// ---- scenarios ----

func newScenariosCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "scenarios",
		Short: "List the named scenarios",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "name\tthreads\tops\tjails\twhat it exercises")
			for _, s := range harness.Named() {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", s.Name, len(s.Threads), s.Ops(), len(s.Jails), s.Note)
			}
			return tw.Flush()
		},
	}
}
