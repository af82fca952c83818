// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"kcheck/harness"
	"kcheck/model"
	"kcheck/triage"
)

type runOptions struct {
	scenarios             []string
	allNamed              bool
	threads, ops          int
	cloners               string
	jails, renames, lists bool
	opsKinds              string // random scenarios: operation kinds (generate.go)
	noCoverage, noFeedbk  bool   // harness/coverage.go, harness/feedback.go

	strategy     string
	depth        int
	pctSteps     int64
	bound        int
	maxSchedules int

	executions int64
	duration   time.Duration
	seed       uint64
	workers    int
	shard      string

	spec          string
	maxSteps      int64
	checkTimeout  time.Duration
	traceEvery    int
	watchdog      time.Duration
	nativeTimeout time.Duration
	isolate       bool

	out         string
	bundles     int
	jsonOut     bool
	jsonLines   string
	execRecords bool
	batch       int64
	progress    time.Duration

	allowExpected bool
	allowKnown    bool
	labelNote     string

	labels       bool
	labelSamples int
	labelTime    time.Duration
	labelCache   string
	knownBundles int
}

func newRunCmd() *cobra.Command {
	o := &runOptions{}
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
it runs; after the executions the first --label-samples failures of each
key are replayed with each candidate finding's fix (the fix that removes
the failure names it), within --label-time, and the other failures of the
key take their label. A failure not labelled within the budget, of a kind
that is not replayed (Crash, Hang, Unknown ...), or whose key's labelled
members disagree is UNLABELLED, never a known finding. The summary groups
failures by label; bundles are written per label (--bundles per NEW or
UNLABELLED label, --known-bundles per known finding). Fix runners are
built on first use and cached by source hash under the user cache
directory (--label-cache).

Verdicts (judging order): InternalError (kcheck's own failure), Crash,
Panic, WitnessReversal, WitnessSleep, Deadlock, Livelock, Hang,
NotLinearizable, Unknown, Leak, GoroutineLeak, Pass.

` + exitStatusHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.scenarios, "scenario", nil, "named scenario or path to a scenario JSON file (repeatable)")
	f.BoolVar(&o.allNamed, "all-named", false, "run every named scenario")
	f.IntVar(&o.threads, "threads", 3, "random scenarios: threads (1..8)")
	f.IntVar(&o.ops, "ops", 4, "random scenarios: operations per thread (1..64)")
	f.StringVar(&o.cloners, "cloners", strings.Join(harness.Families, ","), "random scenarios: driver families to draw names from (lo, disc, epair, tuntap, vlan)")
	f.StringVar(&o.opsKinds, "ops-kinds", "all", "random scenarios: operation kinds drawn, comma-separated ("+strings.Join(harness.OpKinds, ",")+")")
	f.BoolVar(&o.jails, "jails", false, "random scenarios: with --ops-kinds, add vnet_create, vnet_destroy, vmove_loan, vmove_reclaim (all are on by default)")
	f.BoolVar(&o.renames, "renames", false, "random scenarios: with --ops-kinds, add rename (on by default)")
	f.BoolVar(&o.lists, "lists", false, "random scenarios: with --ops-kinds, add list_cloners (on by default)")
	f.StringVar(&o.strategy, "strategy", "pct", "scheduling strategy: random, pct, dfs or native")
	f.IntVar(&o.depth, "depth", 3, "pct: bug depth d")
	f.Int64Var(&o.pctSteps, "pct-steps", 500, "pct: estimated steps k of one execution; change points are drawn among them, so k near the real length (named scenarios: 200-900) spreads them best")
	f.IntVar(&o.bound, "bound", 1, "dfs: preemption bound (-1: none)")
	f.IntVar(&o.maxSchedules, "max-schedules", -1, "dfs: schedules explored per scenario at most (0: no cap; default: none for explicit scenarios, 500 for random ones)")
	f.Int64Var(&o.executions, "executions", 0, "budget: executions of this shard (default 1000 when --time is not set)")
	f.DurationVar(&o.duration, "time", 0, "budget: wall-clock time, e.g. 30s, 10m")
	f.Uint64Var(&o.seed, "seed", 1, "first seed")
	f.IntVar(&o.workers, "workers", runtime.NumCPU(), "parallel workers, one emulated kernel each")
	f.StringVar(&o.shard, "shard", "0/1", "this shard i of n shards, as i/n")
	f.StringVar(&o.spec, "spec", "relaxed", "sequential specification: relaxed or strict")
	f.Int64Var(&o.maxSteps, "max-steps", harness.DefaultMaxSteps, "livelock budget: scheduling points per phase")
	f.DurationVar(&o.checkTimeout, "check-timeout", 10*time.Second, "linearizability check budget per execution (a timeout is the verdict Unknown)")
	f.BoolVar(&o.noCoverage, "no-coverage", false, "do not record seed functions and lines reached at scheduling points (on by default, every execution)")
	f.BoolVar(&o.noFeedbk, "no-feedback", false, "random scenarios: do not steer operation mixes and thread counts towards new (seed line, preemption) pairs")
	f.IntVar(&o.traceEvery, "trace-every", 50, "trace one execution in N for function coverage (-1: never)")
	f.StringVar(&o.out, "out", "kcheck-out", "directory for failure bundles")
	f.IntVar(&o.bundles, "bundles", 1, "bundles written per label (with --labels; else per scenario and verdict kind) at most (0: none, -1: every failure)")
	f.IntVar(&o.knownBundles, "known-bundles", 1, "with --labels: bundles written per known finding at most (0: none, so that known findings do not pile up; -1: as --bundles)")
	f.BoolVar(&o.labels, "labels", true, "label each failure with the known findings it is, or NEW (needs the kcheck source tree: off with a note outside it; off for native)")
	f.IntVar(&o.labelSamples, "label-samples", 2, "with --labels: failures per failure key labelled by replaying them with each finding's fix (the others take their key's label)")
	f.DurationVar(&o.labelTime, "label-time", 10*time.Minute, "with --labels: wall-time budget of the labelling after the executions (0: none); failures it does not reach are UNLABELLED")
	f.StringVar(&o.labelCache, "label-cache", "", "with --labels: directory of the cached fix runners (default: the user cache directory's kcheck-triage)")
	f.BoolVar(&o.jsonOut, "json", false, "print the summary as JSON on stdout")
	f.StringVar(&o.jsonLines, "json-lines", "", "append JSON-lines results (start, batches, summary) to FILE, for 'kcheck merge'")
	f.BoolVar(&o.execRecords, "exec-records", false, "with --json-lines: one record per execution too")
	f.Int64Var(&o.batch, "batch", 1000, "with --json-lines: executions per batch record")
	f.BoolVar(&o.allowKnown, "allow-known", false, "exit 0 unless a failure is NEW or UNLABELLED (without --labels: unless a failing verdict is not one its named scenario is known to produce, its Expect list)")
	f.BoolVar(&o.allowExpected, "allow-expected", false, "the former name of --allow-known")
	f.DurationVar(&o.progress, "progress", 5*time.Second, "interval of progress lines when stderr is not a terminal (0: none)")
	f.DurationVar(&o.watchdog, "watchdog", defaultWatchdog, "wall-time bound of each run phase of an execution; past it the verdict is Hang (0: none; default 10s, or --time/2 if that is less, at least 1s)")
	f.DurationVar(&o.nativeTimeout, "native-timeout", 10*time.Second, "native: wall-time bound of a run phase; past it the verdict is Hang (a thread not waiting for a lock) or Deadlock")
	f.BoolVar(&o.isolate, "isolate", defaultIsolate, "run executions in worker processes: a fatal Go error is the verdict Crash, not the end of kcheck (random, pct, native; --isolate=false to run in process)")
	return cmd
}

// families maps --cloners names (and driver aliases) to generator families.
// Derived from the model's driver table: a driver's name and each of its
// cloners' names map to the driver, and "loop" (if_loop's module) to lo.
var familyAlias = func() map[string]string {
	m := map[string]string{"loop": model.DriverLo.String()}
	for _, d := range model.DriverList() {
		m[d.String()] = d.String()
		for _, c := range d.Cloners() {
			m[c.String()] = d.String()
		}
	}
	return m
}()

func parseShard(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("--shard %q: want i/n with 0 <= i < n, e.g. 0/4", s)
	}
	return i, n, nil
}

func parseSpec(s string) (model.Mode, error) {
	switch s {
	case "relaxed":
		return model.Relaxed, nil
	case "strict":
		return model.Strict, nil
	}
	return 0, fmt.Errorf("--spec %q: want relaxed or strict", s)
}

// resolveScenario finds a named scenario or loads a scenario file.
func resolveScenario(arg string) (*harness.Scenario, error) {
	if s, err := harness.NamedScenario(arg); err == nil {
		return s, nil
	}
	if _, err := os.Stat(arg); err == nil {
		return harness.LoadScenario(arg)
	}
	var names []string
	for _, s := range harness.Named() {
		names = append(names, s.Name)
	}
	return nil, fmt.Errorf("--scenario %q: neither a named scenario nor a file (named: %s)", arg, strings.Join(names, ", "))
}

// config turns the flags into a campaign configuration and a description
// of the scenario source.
func (o *runOptions) config(cmd *cobra.Command) (harness.CampaignConfig, string, error) {
	var cfg harness.CampaignConfig
	fl := cmd.Flags()
	strat, err := harness.ParseStrategy(o.strategy)
	if err != nil {
		return cfg, "", fmt.Errorf("--strategy: %v", err)
	}
	mode, err := parseSpec(o.spec)
	if err != nil {
		return cfg, "", err
	}
	shard, shards, err := parseShard(o.shard)
	if err != nil {
		return cfg, "", err
	}
	if o.workers < 1 {
		return cfg, "", fmt.Errorf("--workers %d: want at least 1", o.workers)
	}
	if o.executions < 0 || (fl.Changed("executions") && o.executions == 0) {
		return cfg, "", fmt.Errorf("--executions %d: want at least 1 (leave it out for the default budget)", o.executions)
	}
	if o.maxSchedules < -1 {
		return cfg, "", fmt.Errorf("--max-schedules %d: want 0 (no cap) or more", o.maxSchedules)
	}
	if o.progress < 0 {
		return cfg, "", fmt.Errorf("--progress %v: want 0 (none) or a positive interval", o.progress)
	}
	if o.batch < 1 {
		return cfg, "", fmt.Errorf("--batch %d: want at least 1", o.batch)
	}
	if o.watchdog < 0 {
		return cfg, "", fmt.Errorf("--watchdog %v: want 0 (none) or a positive duration", o.watchdog)
	}
	if o.nativeTimeout <= 0 {
		return cfg, "", fmt.Errorf("--native-timeout %v: want a positive duration", o.nativeTimeout)
	}
	if fl.Changed("native-timeout") && strat != harness.Native {
		return cfg, "", fmt.Errorf("--native-timeout applies to --strategy native only")
	}
	if o.duration < 0 {
		return cfg, "", fmt.Errorf("--time %v: want a positive duration", o.duration)
	}
	if o.depth < 1 {
		return cfg, "", fmt.Errorf("--depth %d: want at least 1", o.depth)
	}
	if o.pctSteps < 1 {
		return cfg, "", fmt.Errorf("--pct-steps %d: want at least 1", o.pctSteps)
	}
	if o.bound < -1 {
		return cfg, "", fmt.Errorf("--bound %d: want -1 (none) or at least 0", o.bound)
	}
	if o.maxSteps < 1 {
		return cfg, "", fmt.Errorf("--max-steps %d: want at least 1", o.maxSteps)
	}
	if o.checkTimeout <= 0 {
		return cfg, "", fmt.Errorf("--check-timeout %v: want a positive duration", o.checkTimeout)
	}
	if o.execRecords && o.jsonLines == "" {
		return cfg, "", fmt.Errorf("--exec-records needs --json-lines FILE")
	}
	if o.bundles < -1 {
		return cfg, "", fmt.Errorf("--bundles %d: want -1, 0 or more", o.bundles)
	}
	if o.knownBundles < -1 {
		return cfg, "", fmt.Errorf("--known-bundles %d: want -1, 0 or more", o.knownBundles)
	}
	if o.labelSamples < 1 {
		return cfg, "", fmt.Errorf("--label-samples %d: want at least 1", o.labelSamples)
	}
	if o.labelTime < 0 {
		return cfg, "", fmt.Errorf("--label-time %v: want 0 (none) or a positive duration", o.labelTime)
	}
	for _, name := range []string{"depth", "pct-steps"} {
		if fl.Changed(name) && strat != harness.PCT {
			return cfg, "", fmt.Errorf("--%s applies to --strategy pct only", name)
		}
	}
	for _, name := range []string{"bound", "max-schedules"} {
		if fl.Changed(name) && strat != harness.DFS {
			return cfg, "", fmt.Errorf("--%s applies to --strategy dfs only", name)
		}
	}

	explicit := len(o.scenarios) > 0 || o.allNamed
	if len(o.scenarios) > 0 && o.allNamed {
		return cfg, "", fmt.Errorf("use --scenario or --all-named, not both")
	}
	if explicit {
		for _, name := range []string{"threads", "ops", "cloners", "jails", "renames", "lists", "ops-kinds"} {
			if fl.Changed(name) {
				return cfg, "", fmt.Errorf("--%s shapes random scenarios: it does not go with --scenario or --all-named", name)
			}
		}
	}
	var source string
	switch {
	case o.allNamed:
		cfg.Scenarios = harness.Named()
		source = fmt.Sprintf("all %d named scenarios", len(cfg.Scenarios))
	case len(o.scenarios) > 0:
		var names []string
		for _, a := range o.scenarios {
			s, err := resolveScenario(a)
			if err != nil {
				return cfg, "", err
			}
			cfg.Scenarios = append(cfg.Scenarios, s)
			names = append(names, a)
		}
		source = "scenarios " + strings.Join(names, ", ")
	default:
		if o.threads < 1 || o.threads > 8 {
			return cfg, "", fmt.Errorf("--threads %d: want 1..8", o.threads)
		}
		if o.ops < 1 || o.ops > 64 {
			return cfg, "", fmt.Errorf("--ops %d: want 1..64", o.ops)
		}
		seen := map[string]bool{}
		var fams []string
		for _, c := range strings.Split(o.cloners, ",") {
			c = strings.TrimSpace(strings.ToLower(c))
			if c == "" {
				continue
			}
			fam, ok := familyAlias[c]
			if !ok {
				return cfg, "", fmt.Errorf("--cloners: unknown cloner %q (want lo, disc, epair, tuntap, vlan)", c)
			}
			if !seen[fam] {
				seen[fam] = true
				fams = append(fams, fam)
			}
		}
		if len(fams) == 0 {
			return cfg, "", fmt.Errorf("--cloners: no cloner given")
		}
		kinds, err := harness.ParseKinds(o.opsKinds)
		if err != nil {
			return cfg, "", fmt.Errorf("--ops-kinds: %w", err)
		}
		cfg.Gen = harness.GenConfig{Threads: o.threads, Ops: o.ops, Families: fams, Kinds: kinds, Jails: o.jails, Renames: o.renames, Lists: o.lists,
			VaryThreads: !fl.Changed("threads")}
		var extras []string
		for _, x := range []struct {
			on   bool
			name string
		}{{o.jails, "jails"}, {o.renames, "renames"}, {o.lists, "lists"}} {
			if x.on {
				extras = append(extras, x.name)
			}
		}
		source = fmt.Sprintf("random %d threads x %d ops over %s", o.threads, o.ops, strings.Join(fams, ","))
		if len(kinds) > 0 {
			source += " (" + strings.Join(cfg.Gen.EffectiveKinds(), ",") + ")"
		}
		if len(extras) > 0 {
			source += " with " + strings.Join(extras, ", ")
		}
	}

	cfg.Strategy = strat
	cfg.Depth, cfg.Steps, cfg.Bound = o.depth, o.pctSteps, o.bound
	cfg.MaxSchedules = o.maxSchedules
	if cfg.MaxSchedules < 0 {
		cfg.MaxSchedules = 0
		if !explicit {
			cfg.MaxSchedules = 500
		}
	}
	cfg.Mode, cfg.MaxSteps, cfg.CheckTimeout = mode, o.maxSteps, o.checkTimeout
	cfg.Executions, cfg.Duration = o.executions, o.duration
	if cfg.Executions == 0 && cfg.Duration == 0 && !(strat == harness.DFS && explicit) {
		cfg.Executions = 1000
	}
	cfg.Seed, cfg.Workers, cfg.Shard, cfg.Shards = o.seed, o.workers, shard, shards
	cfg.OutDir, cfg.BundlesPerKind, cfg.KnownBundles = o.out, o.bundles, o.knownBundles
	if o.knownBundles < 0 {
		cfg.KnownBundles = o.bundles
	}
	if o.bundles == 0 && o.knownBundles == 0 {
		cfg.OutDir = ""
	}
	cfg.TraceEvery = o.traceEvery
	// Feedback makes the scenario of a seed depend on what the campaign
	// saw before it, so a sharded or JSON-lines (mergeable) run keeps it
	// off: there, the shards together must run what one run would.
	cfg.NoCoverage = o.noCoverage
	cfg.NoFeedback = o.noFeedbk || o.shard != "0/1" || o.jsonLines != ""
	if cfg.TraceEvery == 0 || cfg.TraceEvery < -1 {
		return cfg, "", fmt.Errorf("--trace-every %d: want N >= 1, or -1 for never", o.traceEvery)
	}
	cfg.Watchdog = o.watchdog
	if !fl.Changed("watchdog") && o.duration > 0 {
		cfg.Watchdog = min(defaultWatchdog, max(time.Second, o.duration/2))
	}
	if strat == harness.Native {
		cfg.NativeTimeout = o.nativeTimeout
	}
	cfg.Isolate = o.isolate
	if strat == harness.DFS {
		if fl.Changed("isolate") && o.isolate {
			return cfg, "", fmt.Errorf("--isolate applies to random, pct and native campaigns, not dfs")
		}
		cfg.Isolate = false
	}
	if o.labels {
		switch {
		case strat == harness.Native:
			if fl.Changed("labels") {
				return cfg, "", fmt.Errorf("--labels: native runs record no schedule to replay; use --labels=false")
			}
			o.labelNote = "labels off: native runs record no schedule to replay"
		default:
			l, err := triage.NewLabeler(".", o.labelCache)
			if err != nil {
				if fl.Changed("labels") {
					return cfg, "", fmt.Errorf("--labels: %v (run inside the kcheck source tree)", err)
				}
				o.labelNote = "labels off: not inside the kcheck source tree (the fixes are built from it)"
				break
			}
			cfg.Labeler, cfg.LabelSamples, cfg.LabelTime = l, o.labelSamples, o.labelTime
		}
	}
	if cfg.Labeler == nil && o.bundles == 0 {
		cfg.OutDir = ""
	}
	if cfg.OutDir != "" {
		if err := checkOutDir(cfg.OutDir); err != nil {
			return cfg, "", fmt.Errorf("--out %s: %v", cfg.OutDir, err)
		}
	}
	return cfg, source, nil
}

// defaultWatchdog is --watchdog's default (without --time).
const defaultWatchdog = 10 * time.Second

// defaultIsolate is --isolate's default for random, pct and native
// campaigns (dfs always runs in process). Isolation costs nothing
// measurable: README's "Isolation" gives the figures (same seed and
// budget, in process and isolated).
const defaultIsolate = true

// checkOutDir reports at once, before any execution, an output directory
// that cannot be made: the nearest existing ancestor must be a directory.
func checkOutDir(dir string) error {
	for p := filepath.Clean(dir); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err == nil {
			if !fi.IsDir() {
				if p == filepath.Clean(dir) {
					return fmt.Errorf("not a directory")
				}
				return fmt.Errorf("%s is not a directory", p)
			}
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if filepath.Dir(p) == p {
			return nil
		}
	}
}

// strategyDesc describes the strategy and its parameters.
func strategyDesc(cfg harness.CampaignConfig) string {
	switch cfg.Strategy {
	case harness.PCT:
		return fmt.Sprintf("pct depth=%d steps=%d", cfg.Depth, cfg.Steps)
	case harness.DFS:
		s := fmt.Sprintf("dfs bound=%d", cfg.Bound)
		if cfg.MaxSchedules > 0 {
			s += fmt.Sprintf(" max-schedules=%d", cfg.MaxSchedules)
		}
		return s
	}
	return string(cfg.Strategy)
}

// fingerprint identifies a campaign: everything but the shard index and
// the way results are reported.
func fingerprint(cfg harness.CampaignConfig, source string) string {
	var names []string
	for _, s := range cfg.Scenarios {
		b, _ := json.Marshal(s)
		names = append(names, string(b))
	}
	g, _ := json.Marshal(cfg.Gen)
	desc := fmt.Sprintf("v%d|%s|%s|%s|%s|seed=%d|shards=%d|exec=%d|time=%v|maxsteps=%d|spec=%s",
		resultsVersion, source, strings.Join(names, ";"), g, strategyDesc(cfg), cfg.Seed, cfg.Shards,
		cfg.Executions, cfg.Duration, cfg.MaxSteps, cfg.Mode)
	sum := sha256.Sum256([]byte(desc))
	return fmt.Sprintf("%x", sum[:6])
}

func (o *runOptions) run(cmd *cobra.Command) error {
	ctx := cmd.Context()
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	cfg, source, err := o.config(cmd)
	if err != nil {
		return exitWith(exitUsage, err)
	}
	head := recordHead{Version: resultsVersion, Campaign: fingerprint(cfg, source), Shard: cfg.Shard, Shards: cfg.Shards}
	host, _ := os.Hostname()
	head.Instance = fmt.Sprintf("%s-%d-%d", host, os.Getpid(), time.Now().UnixNano())
	var rw *resultsWriter
	if o.jsonLines != "" {
		rw, err = openResults(o.jsonLines, head, o.batch)
		if err != nil {
			return exitWith(exitUsage, fmt.Errorf("--json-lines: %v", err))
		}
		if o.execRecords {
			cfg.OnExecution = rw.exec
		}
	}
	c, err := harness.NewCampaign(cfg)
	if err != nil {
		return exitWith(exitUsage, err)
	}
	cfg = c.Config()
	if rw != nil {
		rw.start(startRecord{Started: time.Now().UTC(), Seed: cfg.Seed, Strategy: strategyDesc(cfg),
			Spec: o.spec, Source: source, Args: os.Args, Expected: expectedKinds(cfg)})
	}
	if !o.jsonOut {
		where := "in process"
		if cfg.Isolate {
			where = "worker processes"
		}
		fmt.Fprintf(stdout, "kcheck run: %s; %s, spec %s, seed %d, shard %d/%d, %d workers (%s)\n",
			source, strategyDesc(cfg), o.spec, cfg.Seed, cfg.Shard, cfg.Shards, cfg.Workers, where)
	}

	pr := startProgress(ctx, c, stderr, cfg, o.progress, rw)
	res := c.Run(ctx)
	pr.stop()

	sum := makeSummary(head, cfg, o.spec, source, res)
	if o.labelNote != "" {
		sum.Notes = append(sum.Notes, o.labelNote)
	}
	if rw != nil {
		if err := rw.finish(res.Stats, sum, res.ScheduleHashes); err != nil {
			res.Errors = append(res.Errors, fmt.Sprintf("--json-lines %s: %v", o.jsonLines, err))
			sum.Errors = res.Errors
		}
	}
	if o.jsonOut {
		b, _ := json.MarshalIndent(sum, "", "  ")
		fmt.Fprintln(stdout, string(b))
	} else {
		printSummary(stdout, &sum, &res.Stats)
	}
	switch {
	case sum.Verdicts[string(harness.InternalError)] > 0:
		return exitWith(exitInternal, fmt.Errorf("internal error: %d executions failed in kcheck itself (verdict InternalError), not in the kernel",
			sum.Verdicts[string(harness.InternalError)]))
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

func makeSummary(head recordHead, cfg harness.CampaignConfig, spec, source string, res *harness.CampaignResult) summary {
	s := summary{recordHead: head, Seed: cfg.Seed, Strategy: strategyDesc(cfg), Spec: spec, Source: source,
		Executions: res.Executions, Operations: res.Operations, Steps: res.Steps,
		ElapsedSec: res.Elapsed.Seconds(), Verdicts: kindMap(res.Verdicts), Also: res.Also, ByScenario: map[string]map[string]int64{},
		Bundles: res.Bundles, Interrupted: res.Interrupted, Exhausted: res.Exhausted, Errors: res.Errors,
		Abandoned: res.Abandoned, AbandonedRuns: res.AbandonedRuns, Isolated: cfg.Isolate}
	s.Type = "summary"
	if s.ElapsedSec > 0 {
		s.ExecPerSec = float64(s.Executions) / s.ElapsedSec
	}
	for sc, m := range res.ByScenario {
		s.ByScenario[sc] = kindMap(m)
	}
	s.Violations = violations(s.Verdicts)
	if rep := res.Labels; rep != nil {
		s.Labelled = true
		s.Labels = rep.Groups
		s.LabelSec, s.LabelRuns, s.LabelKeys, s.LabelErrors = rep.Elapsed.Seconds(), rep.Runs, rep.Keys, rep.Errors
		s.tallyLabels()
	}
	s.Expected = expectedKinds(cfg)
	s.Unexpected = unexpected(s.ByScenario, s.Expected)
	if s.Bundles == nil {
		s.Bundles = []harness.BundleRef{}
	}
	s.Coverage = coverage{DistinctSchedules: int64(res.Schedules), SchedulesExact: true,
		LockOrderEdges: len(res.LockEdges), LockEdges: res.LockEdges,
		FunctionsReached: len(res.Functions), FunctionsTotal: len(harness.SeedFunctions), Functions: res.Functions,
		TracedExecutions: res.Traced, Seed: res.Coverage}
	if cfg.Strategy == harness.Native {
		s.Coverage.SchedulesExact = false // native runs record no schedule
	}
	return s
}

// expectedKinds maps each explicit scenario to the failing kinds it is
// known to produce.
func expectedKinds(cfg harness.CampaignConfig) map[string][]string {
	var m map[string][]string
	for _, sc := range cfg.Scenarios {
		if len(sc.Expect) == 0 {
			continue
		}
		if m == nil {
			m = map[string][]string{}
		}
		for _, k := range sc.Expect {
			m[sc.Name] = append(m[sc.Name], string(k))
		}
	}
	return m
}

// kindOrder sorts verdict kinds in judging order (Pass first here).
func kindOrder(kinds []string) {
	rank := map[string]int{string(harness.Pass): -1}
	for i, k := range harness.Kinds {
		if k != harness.Pass {
			rank[string(k)] = i
		}
	}
	sort.Slice(kinds, func(i, j int) bool {
		ri, oki := rank[kinds[i]]
		rj, okj := rank[kinds[j]]
		if !oki {
			ri = 1000
		}
		if !okj {
			rj = 1000
		}
		if ri != rj {
			return ri < rj
		}
		return kinds[i] < kinds[j]
	})
}

// printSummary is the table at the end of a run (and of a merge). st,
// when not nil, adds each failing kind's first summary.
func printSummary(w io.Writer, s *summary, st *harness.Stats) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw)
	if s.Interrupted {
		fmt.Fprintln(tw, "interrupted\tstopped early: the totals cover the executions that finished")
	}
	if s.Exhausted {
		fmt.Fprintln(tw, "exhausted\tdfs explored every schedule within the bound")
	}
	if s.Abandoned > 0 {
		fmt.Fprintf(tw, "abandoned\t%d executions still running when the campaign stopped (not in the totals)\n", s.Abandoned)
		for _, a := range s.AbandonedRuns {
			fmt.Fprintf(tw, "\t  %s\n", a)
		}
	}
	fmt.Fprintf(tw, "executions\t%d\n", s.Executions)
	fmt.Fprintf(tw, "operations\t%d\n", s.Operations)
	fmt.Fprintf(tw, "scheduling points\t%d\n", s.Steps)
	fmt.Fprintf(tw, "elapsed\t%s\n", (time.Duration(s.ElapsedSec * float64(time.Second))).Round(time.Millisecond))
	fmt.Fprintf(tw, "executions/s\t%.1f\n", s.ExecPerSec)
	fmt.Fprintln(tw, "verdicts\t")
	var kinds []string
	for k := range s.Verdicts {
		kinds = append(kinds, k)
	}
	kindOrder(kinds)
	for _, k := range kinds {
		line := fmt.Sprintf("  %s\t%d", k, s.Verdicts[k])
		if st != nil && k != string(harness.Pass) {
			for sc := range s.ByScenario {
				if f := st.FirstFailure(sc, harness.Kind(k)); f != "" {
					line += "\te.g. " + sc + ": " + f
					break
				}
			}
		}
		fmt.Fprintln(tw, line)
	}
	if len(s.Also) > 0 {
		fmt.Fprintln(tw, "also reached\t(verdicts behind each execution's first one)")
		var also []string
		for k := range s.Also {
			also = append(also, k)
		}
		sort.Strings(also)
		for _, k := range also {
			fmt.Fprintf(tw, "  %s\t%d\n", k, s.Also[k])
		}
	}
	fmt.Fprintln(tw, "coverage\t")
	switch {
	case s.Strategy == string(harness.Native):
		fmt.Fprintln(tw, "  distinct schedules\tn/a (native runs record no schedule)")
	case !s.Coverage.SchedulesExact:
		fmt.Fprintf(tw, "  distinct schedules\t~%d (estimated)\n", s.Coverage.DistinctSchedules)
	default:
		fmt.Fprintf(tw, "  distinct schedules\t%d\n", s.Coverage.DistinctSchedules)
	}
	fmt.Fprintf(tw, "  lock-order edges\t%d\n", s.Coverage.LockOrderEdges)
	fmt.Fprintf(tw, "  if_clone.c functions reached\t%d of %d\t(%d traced executions)\n",
		s.Coverage.FunctionsReached, s.Coverage.FunctionsTotal, s.Coverage.TracedExecutions)
	if c := s.Coverage.Seed; c != nil {
		fmt.Fprintf(tw, "  if_clone.c lines at scheduling points\t%d of %d\t(%d preempted there; %d executions with coverage)\n",
			len(c.LinesReached), c.LinesTotal, len(c.LinesPreempted), c.Executions)
		for _, u := range c.Unreached {
			fmt.Fprintf(tw, "    unreached\t%s\n", u)
		}
	}
	tw.Flush()

	if len(s.ByScenario) > 1 {
		var scs []string
		for sc := range s.ByScenario {
			scs = append(scs, sc)
		}
		sort.Strings(scs)
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprint(tw, "scenario\texecutions")
		for _, k := range kinds {
			fmt.Fprintf(tw, "\t%s", k)
		}
		fmt.Fprintln(tw, "\tknown to fail with")
		for _, sc := range scs {
			var n int64
			for _, v := range s.ByScenario[sc] {
				n += v
			}
			fmt.Fprintf(tw, "%s\t%d", sc, n)
			for _, k := range kinds {
				fmt.Fprintf(tw, "\t%d", s.ByScenario[sc][k])
			}
			fmt.Fprintf(tw, "\t%s\n", orDash(strings.Join(s.Expected[sc], ",")))
		}
		tw.Flush()
	}

	fmt.Fprintf(w, "\nbundles written: %d\n", len(s.Bundles))
	for _, b := range s.Bundles {
		fmt.Fprintf(w, "  %s  (%s)\n", b.Path, b.Kind)
	}
	for _, n := range s.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	for _, e := range s.Errors {
		fmt.Fprintf(w, "error: %s\n", e)
	}
	if s.Labelled {
		if len(s.Labels) > 0 {
			printLabels(w, s)
		}
		fmt.Fprintf(w, "\n%s\n", finalLine(s))
		return
	}
	if s.Violations > 0 {
		fmt.Fprintf(w, "\n%d of %d executions failed", s.Violations, s.Executions)
		if len(s.Expected) > 0 {
			fmt.Fprintf(w, " (%d with a verdict kind their scenario is not known to produce)", s.Unexpected)
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintf(w, "\nno violation in %d executions\n", s.Executions)
	}
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
	interval time.Duration, rw *resultsWriter) *progress {
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
				rw.tick(s, false)
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
