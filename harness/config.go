// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"kcheck/model"
)

// The defaults of a campaign's options, in one place: the command's flags
// show them and Resolve, NewCampaign and Execute fill them in.
const (
	// DefaultSpec is the specification histories are checked against
	// unless told otherwise (--spec).
	DefaultSpec = "relaxed"
	// DefaultThreads and DefaultOps shape random scenarios.
	DefaultThreads = 3
	DefaultOps     = 4
	// DefaultStrategy, with PCT's depth and step estimate, and DFS's
	// preemption bound.
	DefaultStrategy = "pct"
	DefaultDepth    = 3
	DefaultPCTSteps = 500
	DefaultBound    = 1
	// DefaultExecutions is the budget when neither executions nor a time
	// are given (except dfs over explicit scenarios: until exhausted).
	DefaultExecutions = 1000
	// DefaultRandomMaxSchedules caps the dfs exploration of one random
	// scenario (explicit ones: no cap).
	DefaultRandomMaxSchedules = 500
	// DefaultCheckTimeout is porcupine's budget per execution; a timeout
	// is the verdict Unknown.
	DefaultCheckTimeout = 10 * time.Second
	// DefaultWatchdog bounds each run phase of a campaign's executions
	// (without a time budget; with one, half of it if that is less, at
	// least 1 s).
	DefaultWatchdog = 10 * time.Second
	// DefaultNativeTimeout bounds a native run phase of a campaign.
	DefaultNativeTimeout = 10 * time.Second
	// DefaultIsolate: random, pct and native campaigns run executions in
	// worker processes (dfs always runs in process). Isolation costs
	// nothing measurable: README's "Isolation" gives the figures.
	DefaultIsolate = true
	// DefaultTraceEvery traces one execution in this many for function
	// coverage.
	DefaultTraceEvery = 50
	// DefaultLabelSamples failures per failure key are labelled by
	// replaying them with each finding's fix.
	DefaultLabelSamples = 2
	// DefaultLabelTime is the labelling's wall-time budget of a campaign
	// with no time budget (--time); one with a time budget T labels
	// within DefaultLabelShare of T.
	DefaultLabelTime = 10 * time.Minute
	// DefaultLabelShare is the share of a campaign's time that labelling
	// may take: while the executions run (of their wall time so far) and,
	// for a campaign with a time budget, in all (its label-time budget).
	DefaultLabelShare = 0.10
	// DefaultBatch executions per JSON-lines batch record.
	DefaultBatch = 1000
	// DefaultProgress is the interval of progress lines.
	DefaultProgress = 5 * time.Second
	// DefaultOutDir receives failure bundles.
	DefaultOutDir = "kcheck-out"
)

// CampaignOptions are a campaign's knobs as a person gives them: the
// fields of 'kcheck run's flags, one to one, named by the flag in the
// comments and in Resolve's errors. DefaultCampaignOptions holds every
// default; Resolve validates them (the one place that does) and turns
// them into a CampaignConfig.
type CampaignOptions struct {
	Scenarios  []string // --scenario: named scenarios or scenario files
	AllNamed   bool     // --all-named
	Threads    int      // --threads (random scenarios)
	Ops        int      // --ops
	Cloners    string   // --cloners: comma-separated families or driver names
	OpsKinds   string   // --ops-kinds (generate.go)
	Jails      bool     // --jails, --renames, --lists: aliases adding kinds
	Renames    bool
	Lists      bool
	NoCoverage bool // --no-coverage (coverage.go)
	NoFeedback bool // --no-feedback (feedback.go)

	Strategy     string // --strategy
	Depth        int    // --depth (pct)
	PCTSteps     int64  // --pct-steps (pct)
	Bound        int    // --bound (dfs; -1: none)
	MaxSchedules int    // --max-schedules (dfs; -1: the default for the scenarios)

	Executions int64         // --executions
	Duration   time.Duration // --time
	Seed       uint64        // --seed
	Workers    int           // --workers
	Shard      string        // --shard i/n

	Spec          string        // --spec
	MaxSteps      int64         // --max-steps
	CheckTimeout  time.Duration // --check-timeout
	TraceEvery    int           // --trace-every (-1: never)
	Watchdog      time.Duration // --watchdog
	NativeTimeout time.Duration // --native-timeout
	Isolate       bool          // --isolate

	Out          string        // --out
	Bundles      int           // --bundles
	KnownBundles int           // --known-bundles (-1: as Bundles)
	JSONLines    string        // --json-lines FILE
	ExecRecords  bool          // --exec-records
	Batch        int64         // --batch
	Progress     time.Duration // --progress

	Labels       bool          // --labels
	LabelSamples int           // --label-samples
	LabelTime    time.Duration // --label-time (not Set: DefaultLabelTime, or LabelShare of --time)
	LabelShare   float64       // --label-share
	LabelCache   string        // --label-cache
	// NewLabeler makes the labeler of a labelled campaign from the cache
	// directory (package triage provides it; harness cannot import it).
	// Nil, or an error: labels are off (an error if Labels was set).
	NewLabeler func(cache string) (Labeler, error)

	// Set names the options given explicitly, by flag name ("depth",
	// "native-timeout" ...): some apply to one strategy only, some
	// defaults depend on others.
	Set map[string]bool
}

// DefaultCampaignOptions are the options of a campaign nobody configured.
func DefaultCampaignOptions() CampaignOptions {
	return CampaignOptions{
		Threads: DefaultThreads, Ops: DefaultOps, Cloners: strings.Join(Families, ","), OpsKinds: "all",
		Strategy: DefaultStrategy, Depth: DefaultDepth, PCTSteps: DefaultPCTSteps, Bound: DefaultBound, MaxSchedules: -1,
		Seed: 1, Workers: runtime.NumCPU(), Shard: "0/1",
		Spec: DefaultSpec, MaxSteps: DefaultMaxSteps, CheckTimeout: DefaultCheckTimeout, TraceEvery: DefaultTraceEvery,
		Watchdog: DefaultWatchdog, NativeTimeout: DefaultNativeTimeout, Isolate: DefaultIsolate,
		Out: DefaultOutDir, Bundles: 1, KnownBundles: 1, Batch: DefaultBatch, Progress: DefaultProgress,
		Labels: true, LabelSamples: DefaultLabelSamples, LabelTime: DefaultLabelTime, LabelShare: DefaultLabelShare,
	}
}

// ParseSpec reads a --spec value with model.ParseMode, but refuses an
// explicitly empty value: a user who gives no --spec gets DefaultSpec,
// and an empty value is more likely a scripting mistake than a choice.
func ParseSpec(s string) (model.Mode, error) {
	if s != "" {
		if m, err := model.ParseMode(s); err == nil {
			return m, nil
		}
	}
	return 0, fmt.Errorf("--spec %q: want relaxed or strict", s)
}

// familyAlias maps --cloners names (and driver aliases) to generator
// families. Derived from the model's driver table: a driver's name and
// each of its cloners' names map to the driver, and "loop" (if_loop's
// module) to lo.
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

// ResolveScenario finds a named scenario or loads a scenario file.
func ResolveScenario(arg string) (*Scenario, error) {
	if s, err := NamedScenario(arg); err == nil {
		return s, nil
	}
	if _, err := os.Stat(arg); err == nil {
		return LoadScenario(arg)
	}
	var names []string
	for _, s := range Named() {
		names = append(names, s.Name)
	}
	return nil, fmt.Errorf("--scenario %q: neither a named scenario nor a file (named: %s)", arg, strings.Join(names, ", "))
}

// Resolve validates the options, the one validation of a campaign's
// command line, and turns them into a campaign configuration (for
// NewCampaign, which checks what it needs again), a description of the
// scenario source, and notes for the summary (labels turned off, and
// why). Errors name the options as the command line does.
func (o *CampaignOptions) Resolve() (cfg CampaignConfig, source string, notes []string, err error) {
	cfg, source, err = o.resolve(&notes)
	return cfg, source, notes, err
}

func (o *CampaignOptions) resolve(notes *[]string) (CampaignConfig, string, error) {
	var cfg CampaignConfig
	strat, err := ParseStrategy(o.Strategy)
	if err != nil {
		return cfg, "", fmt.Errorf("--strategy: %v", err)
	}
	mode, err := ParseSpec(o.Spec)
	if err != nil {
		return cfg, "", err
	}
	shard, shards, err := parseShard(o.Shard)
	if err != nil {
		return cfg, "", err
	}
	if o.Workers < 1 {
		return cfg, "", fmt.Errorf("--workers %d: want at least 1", o.Workers)
	}
	if o.Executions < 0 || (o.Set["executions"] && o.Executions == 0) {
		return cfg, "", fmt.Errorf("--executions %d: want at least 1 (leave it out for the default budget)", o.Executions)
	}
	if o.MaxSchedules < -1 {
		return cfg, "", fmt.Errorf("--max-schedules %d: want 0 (no cap) or more", o.MaxSchedules)
	}
	if o.Progress < 0 {
		return cfg, "", fmt.Errorf("--progress %v: want 0 (none) or a positive interval", o.Progress)
	}
	if o.Batch < 1 {
		return cfg, "", fmt.Errorf("--batch %d: want at least 1", o.Batch)
	}
	if o.Watchdog < 0 {
		return cfg, "", fmt.Errorf("--watchdog %v: want 0 (none) or a positive duration", o.Watchdog)
	}
	if o.NativeTimeout <= 0 {
		return cfg, "", fmt.Errorf("--native-timeout %v: want a positive duration", o.NativeTimeout)
	}
	if o.Set["native-timeout"] && strat != Native {
		return cfg, "", fmt.Errorf("--native-timeout applies to --strategy native only")
	}
	if o.Duration < 0 {
		return cfg, "", fmt.Errorf("--time %v: want a positive duration", o.Duration)
	}
	if o.Depth < 1 {
		return cfg, "", fmt.Errorf("--depth %d: want at least 1", o.Depth)
	}
	if o.PCTSteps < 1 {
		return cfg, "", fmt.Errorf("--pct-steps %d: want at least 1", o.PCTSteps)
	}
	if o.Bound < -1 {
		return cfg, "", fmt.Errorf("--bound %d: want -1 (none) or at least 0", o.Bound)
	}
	if o.MaxSteps < 1 {
		return cfg, "", fmt.Errorf("--max-steps %d: want at least 1", o.MaxSteps)
	}
	if o.CheckTimeout <= 0 {
		return cfg, "", fmt.Errorf("--check-timeout %v: want a positive duration", o.CheckTimeout)
	}
	if o.ExecRecords && o.JSONLines == "" {
		return cfg, "", fmt.Errorf("--exec-records needs --json-lines FILE")
	}
	if o.Bundles < -1 {
		return cfg, "", fmt.Errorf("--bundles %d: want -1, 0 or more", o.Bundles)
	}
	if o.KnownBundles < -1 {
		return cfg, "", fmt.Errorf("--known-bundles %d: want -1, 0 or more", o.KnownBundles)
	}
	if o.LabelSamples < 1 {
		return cfg, "", fmt.Errorf("--label-samples %d: want at least 1", o.LabelSamples)
	}
	if o.LabelTime < 0 {
		return cfg, "", fmt.Errorf("--label-time %v: want 0 (none) or a positive duration", o.LabelTime)
	}
	if o.LabelShare <= 0 || o.LabelShare > 1 {
		return cfg, "", fmt.Errorf("--label-share %v: want more than 0 and at most 1", o.LabelShare)
	}
	for _, name := range []string{"depth", "pct-steps"} {
		if o.Set[name] && strat != PCT {
			return cfg, "", fmt.Errorf("--%s applies to --strategy pct only", name)
		}
	}
	for _, name := range []string{"bound", "max-schedules"} {
		if o.Set[name] && strat != DFS {
			return cfg, "", fmt.Errorf("--%s applies to --strategy dfs only", name)
		}
	}

	explicit := len(o.Scenarios) > 0 || o.AllNamed
	if len(o.Scenarios) > 0 && o.AllNamed {
		return cfg, "", fmt.Errorf("use --scenario or --all-named, not both")
	}
	if explicit {
		for _, name := range []string{"threads", "ops", "cloners", "jails", "renames", "lists", "ops-kinds"} {
			if o.Set[name] {
				return cfg, "", fmt.Errorf("--%s shapes random scenarios: it does not go with --scenario or --all-named", name)
			}
		}
	}
	var source string
	switch {
	case o.AllNamed:
		cfg.Scenarios = Named()
		source = fmt.Sprintf("all %d named scenarios", len(cfg.Scenarios))
	case len(o.Scenarios) > 0:
		var names []string
		for _, a := range o.Scenarios {
			s, err := ResolveScenario(a)
			if err != nil {
				return cfg, "", err
			}
			cfg.Scenarios = append(cfg.Scenarios, s)
			names = append(names, a)
		}
		source = "scenarios " + strings.Join(names, ", ")
	default:
		if o.Threads < 1 || o.Threads > 8 {
			return cfg, "", fmt.Errorf("--threads %d: want 1..8", o.Threads)
		}
		if o.Ops < 1 || o.Ops > 64 {
			return cfg, "", fmt.Errorf("--ops %d: want 1..64", o.Ops)
		}
		seen := map[string]bool{}
		var fams []string
		for _, c := range strings.Split(o.Cloners, ",") {
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
		kinds, err := ParseKinds(o.OpsKinds)
		if err != nil {
			return cfg, "", fmt.Errorf("--ops-kinds: %w", err)
		}
		cfg.Gen = GenConfig{Threads: o.Threads, Ops: o.Ops, Families: fams, Kinds: kinds, Jails: o.Jails, Renames: o.Renames, Lists: o.Lists,
			VaryThreads: !o.Set["threads"]}
		var extras []string
		for _, x := range []struct {
			on   bool
			name string
		}{{o.Jails, "jails"}, {o.Renames, "renames"}, {o.Lists, "lists"}} {
			if x.on {
				extras = append(extras, x.name)
			}
		}
		source = fmt.Sprintf("random %d threads x %d ops over %s", o.Threads, o.Ops, strings.Join(fams, ","))
		if len(kinds) > 0 {
			source += " (" + strings.Join(cfg.Gen.EffectiveKinds(), ",") + ")"
		}
		if len(extras) > 0 {
			source += " with " + strings.Join(extras, ", ")
		}
	}

	cfg.Strategy = strat
	cfg.Depth, cfg.Steps, cfg.Bound = o.Depth, o.PCTSteps, o.Bound
	cfg.MaxSchedules = o.MaxSchedules
	if cfg.MaxSchedules < 0 {
		cfg.MaxSchedules = 0
		if !explicit {
			cfg.MaxSchedules = DefaultRandomMaxSchedules
		}
	}
	cfg.Mode, cfg.MaxSteps, cfg.CheckTimeout = mode, o.MaxSteps, o.CheckTimeout
	cfg.Executions, cfg.Duration = o.Executions, o.Duration
	if cfg.Executions == 0 && cfg.Duration == 0 && !(strat == DFS && explicit) {
		cfg.Executions = DefaultExecutions
	}
	cfg.Seed, cfg.Workers, cfg.Shard, cfg.Shards = o.Seed, o.Workers, shard, shards
	cfg.OutDir, cfg.BundlesPerKind, cfg.KnownBundles = o.Out, o.Bundles, o.KnownBundles
	if o.KnownBundles < 0 {
		cfg.KnownBundles = o.Bundles
	}
	if o.Bundles == 0 && o.KnownBundles == 0 {
		cfg.OutDir = ""
	}
	cfg.TraceEvery = o.TraceEvery
	// Feedback makes the scenario of a seed depend on what the campaign
	// saw before it, so a sharded or JSON-lines (mergeable) run keeps it
	// off: there, the shards together must run what one run would.
	cfg.NoCoverage = o.NoCoverage
	cfg.NoFeedback = o.NoFeedback || o.Shard != "0/1" || o.JSONLines != ""
	if cfg.TraceEvery == 0 || cfg.TraceEvery < -1 {
		return cfg, "", fmt.Errorf("--trace-every %d: want N >= 1, or -1 for never", o.TraceEvery)
	}
	cfg.Watchdog = o.Watchdog
	if !o.Set["watchdog"] && o.Duration > 0 {
		cfg.Watchdog = min(DefaultWatchdog, max(time.Second, o.Duration/2))
	}
	if strat == Native {
		cfg.NativeTimeout = o.NativeTimeout
	}
	cfg.Isolate = o.Isolate
	if strat == DFS {
		if o.Set["isolate"] && o.Isolate {
			return cfg, "", fmt.Errorf("--isolate applies to random, pct and native campaigns, not dfs")
		}
		cfg.Isolate = false
	}
	if o.Labels {
		var l Labeler
		err := fmt.Errorf("no labeler (CampaignOptions.NewLabeler)")
		if o.NewLabeler != nil {
			l, err = o.NewLabeler(o.LabelCache)
		}
		if err != nil {
			if o.Set["labels"] {
				return cfg, "", fmt.Errorf("--labels: %v (run inside the kcheck source tree)", err)
			}
			*notes = append(*notes, "labels off: not inside the kcheck source tree (the fixes are built from it)")
		} else {
			cfg.Labeler, cfg.LabelSamples, cfg.LabelTime, cfg.LabelShare = l, o.LabelSamples, o.LabelTime, o.LabelShare
			if !o.Set["label-time"] && cfg.Duration > 0 {
				// A campaign of budget T labels within LabelShare of T;
				// what it does not reach is UNLABELLED (pending).
				cfg.LabelTime = max(time.Duration(o.LabelShare*float64(cfg.Duration)), time.Millisecond)
			}
		}
	}
	if cfg.Labeler == nil && o.Bundles == 0 {
		cfg.OutDir = ""
	}
	if cfg.OutDir != "" {
		if err := checkOutDir(cfg.OutDir); err != nil {
			return cfg, "", fmt.Errorf("--out %s: %v", cfg.OutDir, err)
		}
	}
	return cfg, source, nil
}

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
