// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"kcheck/harness"
	"kcheck/harness/results"
	"kcheck/triage"
)

// runOptions are run's flags: the campaign's (harness.CampaignOptions,
// with their defaults) and how to report and judge it.
type runOptions struct {
	c             harness.CampaignOptions
	jsonOut       bool
	allowExpected bool
	allowKnown    bool
	labelDFSCap   int
	labelReuse    bool
}

func newRunCmd() *cobra.Command {
	o := &runOptions{c: harness.DefaultCampaignOptions()}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run a campaign of executions and judge each",
		Long: `Run a campaign: many executions of scenarios under a scheduling strategy, in
parallel (one emulated kernel per worker), each judged in order: panic
(KASSERT, poison), WITNESS, deadlock/livelock, linearizability, leaks.

Scenarios: --scenario NAME (a named scenario, see 'kcheck scenarios') or
--scenario FILE.json (repeatable), --all-named, or else a new random scenario
per execution drawn from its seed (--threads, --ops, --cloners, --ops-kinds).
Random scenarios draw every operation kind unless --ops-kinds narrows them:
create, destroy, rename, list_cloners, vmove_loan, vmove_reclaim,
vnet_create, vnet_destroy, kldload, kldunload. --jails, --renames and --lists
are kept as aliases that add their kinds to --ops-kinds.

Seeds: execution i of shard s/n uses seed --seed + i*n + s, so shards are
disjoint and together cover what one unsharded run of the same total would.
Under dfs, explicit scenarios are dealt to shards (scenario j to shard j mod
n) and each is explored to its preemption bound; random scenarios are drawn
one per seed and each explored up to --max-schedules schedules.

Budget: --executions and/or --time; with neither, 1000 executions (dfs over
named scenarios: until the bounded space is exhausted). The campaign ends
within about 1.5 s of --time even if an execution is stuck: an execution
still running then is abandoned (counted as such in the summary). Ctrl-C
stops the same way: workers finish the execution in flight (and its
bundle) if they can within that grace.

Stuck executions: --watchdog bounds each run phase of an execution in wall
time (a thread that stops reaching scheduling points is the verdict Hang,
with every goroutine's stack in the bundle); --native-timeout bounds a
native run (a thread not waiting for a lock then is a Hang, else Deadlock).

Isolation: --isolate runs executions in worker processes (this binary
re-executed), so that a fatal Go error in one (stack overflow in an
emulated thread, concurrent map writes in native mode, out of memory) is
the verdict Crash, with the fatal message and the schedule prefix up to the
death, and the campaign goes on; without it such an error ends kcheck with
Go's exit status 2. Not for dfs.

Labels: with --labels (the default inside the kcheck source tree), every
failing execution is labelled with the findings it is (docs/FINDINGS.md,
package triage) or NEW. A cheap key per failure (verdict kind and panic
identity, or the shape of the illegal part of the history) is computed as
it runs; the first --label-samples failures of each key (every key's
first before any key's second) are replayed with each candidate finding's
fix (the fix that removes the failure names it), and the other failures
of the key take their label. Labelling runs while the executions do, busy
at most --label-share (10%) of the wall time so far, and finishes after
them within --label-time: by default 10% of --time for a campaign with a
time budget (so that labelling costs at most a tenth of it), else 10m.
A failure not labelled within the budget (pending), of a kind
that is not replayed (Crash, Hang, Unknown ...), or whose key's labelled
members disagree is UNLABELLED, never a known finding. The summary groups
failures by label; bundles are written per label (--bundles per NEW or
UNLABELLED label, --known-bundles per known finding). Fix runners are
built on first use and cached by source hash under the user cache
directory (--label-cache), and run as servers while the campaign labels.
A failure class whose samples agreed in an earlier campaign on the same
sources takes that label without replays (--label-reuse=false labels
every class from scratch). The summary says what the labelling cost:
its wall time during and after the executions, the budget, the failures
left pending, and the labeller's work (attributions, runner requests, DFS
fallbacks).

Verdicts (judging order): InternalError (kcheck's own failure), Crash,
Panic, WitnessReversal, WitnessSleep, Deadlock, Livelock, Hang,
NotLinearizable, Unknown, Leak, GoroutineLeak, Pass.

` + exitStatusHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	c := &o.c
	f.StringArrayVar(&c.Scenarios, "scenario", c.Scenarios, "named scenario or path to a scenario JSON file (repeatable)")
	f.BoolVar(&c.AllNamed, "all-named", c.AllNamed, "run every named scenario")
	f.IntVar(&c.Threads, "threads", c.Threads, "random scenarios: threads (1..8)")
	f.IntVar(&c.Ops, "ops", c.Ops, "random scenarios: operations per thread (1..64)")
	f.StringVar(&c.Cloners, "cloners", c.Cloners, "random scenarios: driver families to draw names from (lo, disc, epair, tuntap, vlan)")
	f.StringVar(&c.OpsKinds, "ops-kinds", c.OpsKinds, "random scenarios: operation kinds drawn, comma-separated ("+strings.Join(harness.OpKinds, ",")+")")
	f.BoolVar(&c.Jails, "jails", c.Jails, "random scenarios: with --ops-kinds, add vnet_create, vnet_destroy, vmove_loan, vmove_reclaim (all are on by default)")
	f.BoolVar(&c.Renames, "renames", c.Renames, "random scenarios: with --ops-kinds, add rename (on by default)")
	f.BoolVar(&c.Lists, "lists", c.Lists, "random scenarios: with --ops-kinds, add list_cloners (on by default)")
	f.StringVar(&c.Strategy, "strategy", c.Strategy, "scheduling strategy: random, pct, dfs or native")
	f.IntVar(&c.Depth, "depth", c.Depth, "pct: bug depth d")
	f.Int64Var(&c.PCTSteps, "pct-steps", c.PCTSteps, "pct: estimated steps k of one execution; change points are drawn among them, so k near the real length (named scenarios: 200-900) spreads them best")
	f.IntVar(&c.Bound, "bound", c.Bound, "dfs: preemption bound (-1: none)")
	f.IntVar(&c.MaxSchedules, "max-schedules", c.MaxSchedules, "dfs: schedules explored per scenario at most (0: no cap; default: none for explicit scenarios, 500 for random ones)")
	f.Int64Var(&c.Executions, "executions", c.Executions, "budget: executions of this shard (default 1000 when --time is not set)")
	f.DurationVar(&c.Duration, "time", c.Duration, "budget: wall-clock time, e.g. 30s, 10m")
	f.Uint64Var(&c.Seed, "seed", c.Seed, "first seed")
	f.IntVar(&c.Workers, "workers", c.Workers, "parallel workers, one emulated kernel each")
	f.StringVar(&c.Shard, "shard", c.Shard, "this shard i of n shards, as i/n")
	f.StringVar(&c.Spec, "spec", c.Spec, "sequential specification: relaxed or strict")
	f.Int64Var(&c.MaxSteps, "max-steps", c.MaxSteps, "livelock budget: scheduling points per phase")
	f.DurationVar(&c.CheckTimeout, "check-timeout", c.CheckTimeout, "linearizability check budget per execution (a timeout is the verdict Unknown)")
	f.BoolVar(&c.NoCoverage, "no-coverage", c.NoCoverage, "do not record seed functions and lines reached at scheduling points (on by default, every execution)")
	f.BoolVar(&c.NoFeedback, "no-feedback", c.NoFeedback, "random scenarios: do not steer operation mixes and thread counts, nor mutate kept scenarios, towards new (seed line, preemption) pairs")
	f.IntVar(&c.TraceEvery, "trace-every", c.TraceEvery, "trace one execution in N for function coverage (-1: never)")
	f.StringVar(&c.Out, "out", c.Out, "directory for failure bundles")
	f.IntVar(&c.Bundles, "bundles", c.Bundles, "bundles written per label (with --labels; else per scenario and verdict kind) at most (0: none, -1: every failure)")
	f.IntVar(&c.KnownBundles, "known-bundles", c.KnownBundles, "with --labels: bundles written per known finding at most (0: none, so that known findings do not pile up; -1: as --bundles)")
	f.BoolVar(&c.Labels, "labels", c.Labels, "label each failure with the known findings it is, or NEW (needs the kcheck source tree: off with a note outside it; a native run's failures are labelled by reproducing them under PCT or random scheduling)")
	f.IntVar(&c.LabelSamples, "label-samples", c.LabelSamples, "with --labels: failures per failure key labelled by replaying them with each finding's fix (the others take their key's label)")
	f.DurationVar(&c.LabelTime, "label-time", c.LabelTime, "with --labels: wall-time budget of the labelling, during and after the executions together (0: none; default: --label-share of --time when --time is given); failures it does not reach are UNLABELLED (pending)")
	f.Float64Var(&c.LabelShare, "label-share", c.LabelShare, "with --labels: the share of the wall time labelling may be busy while the executions run, and of --time its default budget")
	f.StringVar(&c.LabelCache, "label-cache", c.LabelCache, "with --labels: directory of the cached fix runners (default: the user cache directory's kcheck-triage)")
	f.BoolVar(&o.labelReuse, "label-reuse", true, "with --labels: a failure class an earlier campaign on the same sources labelled (its samples agreeing) takes that label without replays, and DFS fallback answers are reused (--label-reuse=false: label every class from scratch; the fix runners stay cached)")
	f.IntVar(&o.labelDFSCap, "label-dfs-cap", 0, "with --labels: schedules of the DFS fallback for a generated scenario (0: triage.Labeler's default, RandomDFSCap)")
	f.BoolVar(&o.jsonOut, "json", false, "print the summary as JSON on stdout")
	f.StringVar(&c.JSONLines, "json-lines", c.JSONLines, "append JSON-lines results (start, batches, summary) to FILE, for 'kcheck merge'")
	f.BoolVar(&c.ExecRecords, "exec-records", c.ExecRecords, "with --json-lines: one record per execution too")
	f.Int64Var(&c.Batch, "batch", c.Batch, "with --json-lines: executions per batch record")
	f.BoolVar(&o.allowKnown, "allow-known", false, "exit 0 unless a failure is NEW or UNLABELLED (without --labels: unless a failing verdict is not one its named scenario is known to produce, its Expect list)")
	f.BoolVar(&o.allowExpected, "allow-expected", false, "the former name of --allow-known")
	f.DurationVar(&c.Progress, "progress", c.Progress, "interval of progress lines when stderr is not a terminal (0: none)")
	f.DurationVar(&c.Watchdog, "watchdog", c.Watchdog, "wall-time bound of each run phase of an execution; past it the verdict is Hang (0: none; default 10s, or --time/2 if that is less, at least 1s)")
	f.DurationVar(&c.NativeTimeout, "native-timeout", c.NativeTimeout, "native: wall-time bound of a run phase; past it the verdict is Hang (a thread not waiting for a lock) or Deadlock")
	f.BoolVar(&c.Isolate, "isolate", c.Isolate, "run executions in worker processes: a fatal Go error is the verdict Crash, not the end of kcheck (random, pct, native; --isolate=false to run in process)")
	return cmd
}

func (o *runOptions) run(cmd *cobra.Command) error {
	ctx := cmd.Context()
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	o.c.Set = map[string]bool{}
	cmd.Flags().Visit(func(f *pflag.Flag) { o.c.Set[f.Name] = true })
	o.c.NewLabeler = func(cache string) (harness.Labeler, error) {
		l, err := triage.NewLabeler(".", cache)
		if err == nil {
			if o.labelDFSCap > 0 {
				l.RandomDFSCap = o.labelDFSCap
			}
			l.NoClassMemory, l.NoDiskCache = !o.labelReuse, !o.labelReuse
		}
		return l, err
	}
	cfg, source, notes, err := o.c.Resolve()
	if err != nil {
		return exitWith(exitUsage, err)
	}
	head := results.Head{Version: results.Version, Campaign: results.Fingerprint(cfg, source), Shard: cfg.Shard, Shards: cfg.Shards}
	host, _ := os.Hostname()
	head.Instance = fmt.Sprintf("%s-%d-%d", host, os.Getpid(), time.Now().UnixNano())
	var rw *results.Writer
	if o.c.JSONLines != "" {
		rw, err = results.Open(o.c.JSONLines, head, o.c.Batch)
		if err != nil {
			return exitWith(exitUsage, fmt.Errorf("--json-lines: %v", err))
		}
		if o.c.ExecRecords {
			cfg.OnExecution = rw.Exec
		}
	}
	c, err := harness.NewCampaign(cfg)
	if err != nil {
		return exitWith(exitUsage, err)
	}
	cfg = c.Config()
	if rw != nil {
		rw.Start(results.Start{Started: time.Now().UTC(), Seed: cfg.Seed, Strategy: results.StrategyDesc(cfg),
			Spec: o.c.Spec, Source: source, Args: os.Args, Expected: harness.ExpectationsOf(cfg.Scenarios)})
	}
	if !o.jsonOut {
		where := "in process"
		if cfg.Isolate {
			where = "worker processes"
		}
		fmt.Fprintf(stdout, "kcheck run: %s; %s, spec %s, seed %d, shard %d/%d, %d workers (%s)\n",
			source, results.StrategyDesc(cfg), o.c.Spec, cfg.Seed, cfg.Shard, cfg.Shards, cfg.Workers, where)
	}

	pr := startProgress(ctx, c, stderr, cfg, o.c.Progress, rw)
	res := c.Run(ctx)
	pr.stop()

	sum := results.FromCampaign(head, cfg, o.c.Spec, source, res)
	sum.Notes = append(sum.Notes, notes...)
	if rw != nil {
		if err := rw.Finish(res.Stats, sum, res.ScheduleHashes); err != nil {
			res.Errors = append(res.Errors, fmt.Sprintf("--json-lines %s: %v", o.c.JSONLines, err))
			sum.Errors = res.Errors
		}
	}
	if o.jsonOut {
		b, _ := json.MarshalIndent(sum, "", "  ")
		fmt.Fprintln(stdout, string(b))
	} else {
		sum.Print(stdout, &res.Stats)
	}
	switch {
	case sum.Verdicts[harness.InternalError] > 0:
		return exitWith(exitInternal, fmt.Errorf("internal error: %d executions failed in kcheck itself (verdict InternalError), not in the kernel",
			sum.Verdicts[harness.InternalError]))
	case len(sum.Errors) > 0:
		return exitWith(exitInternal, fmt.Errorf("internal error: the campaign reported %d errors", len(sum.Errors)))
	case sum.Violations > 0 && !(o.allowKnown || o.allowExpected):
		return errViolation
	case sum.Labelled && (sum.New > 0 || sum.Unlabelled > 0):
		return errViolation
	case !sum.Labelled && sum.Violations > 0 && sum.Unexpected > 0:
		return errViolation
	case res.Interrupted:
		return exitWith(exitInterrupted, fmt.Errorf("interrupted before the budget was spent"))
	}
	return nil
}

// ---- progress ----

type progress struct {
	done chan struct{}
	wg   sync.WaitGroup
}

// startProgress reports a running campaign on w: a bar when w is a
// terminal, else a line every interval (none when interval is 0). It also
// writes the JSON-lines batches.
func startProgress(ctx context.Context, c *harness.Campaign, w io.Writer, cfg harness.CampaignConfig,
	interval time.Duration, rw *results.Writer) *progress {
	p := &progress{done: make(chan struct{})}
	var bar *progressbar.ProgressBar
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		max := int64(-1)
		switch {
		case cfg.Executions > 0:
			max = cfg.Executions
		case cfg.Duration > 0:
			max = int64(cfg.Duration / time.Second)
		}
		bar = progressbar.NewOptions64(max,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("kcheck"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetWidth(30),
		)
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		lastLine := time.Now()
		interrupted := false
		update := func(final bool) {
			s := c.Snapshot()
			if rw != nil && !final {
				rw.Tick(s, false)
			}
			rate := 0.0
			if s.Elapsed > 0 {
				rate = float64(s.Executions) / s.Elapsed.Seconds()
			}
			switch {
			case bar != nil:
				bar.Describe(fmt.Sprintf("kcheck %.0f exec/s, %d failing", rate, s.Failures()))
				if cfg.Executions > 0 {
					_ = bar.Set64(s.Executions)
				} else if cfg.Duration > 0 {
					_ = bar.Set64(int64(s.Elapsed / time.Second))
				} else {
					_ = bar.Set64(s.Executions)
				}
				if final {
					_ = bar.Finish()
				}
			case interval > 0 && !final && time.Since(lastLine) >= interval:
				lastLine = time.Now()
				fmt.Fprintf(w, "kcheck: %d executions (%.0f/s), %d failing, %d bundles, %s elapsed\n",
					s.Executions, rate, s.Failures(), len(s.Bundles), s.Elapsed.Round(time.Second))
			}
		}
		for {
			select {
			case <-p.done:
				update(true)
				return
			case <-ctx.Done():
				if !interrupted {
					interrupted = true
					if bar != nil {
						_ = bar.Clear()
					}
					fmt.Fprintln(w, "kcheck: interrupted: finishing the executions in flight (interrupt again to abort)")
				}
				select {
				case <-p.done:
					update(true)
					return
				case <-t.C:
				}
			case <-t.C:
				update(false)
			}
		}
	}()
	return p
}

func (p *progress) stop() {
	close(p.done)
	p.wg.Wait()
}
