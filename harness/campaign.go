// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"kcheck/ifclone"
	"kcheck/kern"
	"kcheck/model"
)

// CampaignConfig says what a campaign runs: which scenarios, under which
// strategy, for how long, and where failures go.
type CampaignConfig struct {
	// Scenarios are explicit (named or loaded) scenarios. Empty means a
	// new random scenario per execution (per DFS exploration) from Gen.
	Scenarios []*Scenario
	Gen       GenConfig

	Strategy StrategyKind
	Depth    int   // PCT bug depth (0: the Explorer's default)
	Steps    int64 // PCT step estimate (0: the Explorer's default)
	Bound    int   // DFS preemption bound (-1: none)
	// MaxSchedules caps the DFS exploration of one scenario (0: none).
	MaxSchedules int

	Mode         model.Mode
	MaxSteps     int64         // livelock budget per phase (0: 200,000)
	CheckTimeout time.Duration // porcupine budget per execution (0: Execute's)
	// Watchdog bounds each run phase of an execution in wall time; past it
	// the execution is a Hang (0: none). NativeTimeout bounds a native
	// run phase (0: kern's 60 s).
	Watchdog      time.Duration
	NativeTimeout time.Duration
	// Isolate runs executions in worker processes (see Isolation): a fatal
	// Go run-time error in one is a Crash verdict instead of the end of
	// the campaign. Needs MaybeWorker to be called at the start of main.
	Isolate bool
	// LoadDrivers replaces the default driver set (tests: broken drivers).
	// With Isolate it must be registered with RegisterDrivers, by name.
	LoadDrivers func(td *kern.Thread)
	// Drivers names a driver set registered with RegisterDrivers ("":
	// LoadDrivers, or the default set); it reaches worker processes.
	Drivers string

	// Executions is the budget of executions of this shard (0: none);
	// Duration the wall-clock budget (0: none). With neither, a campaign
	// ends when its context is cancelled or DFS runs out of schedules.
	Executions int64
	Duration   time.Duration

	Seed uint64
	// Workers run executions in parallel, one emulated kernel each
	// (0: runtime.NumCPU()).
	Workers int
	// Shard and Shards split the seed space: execution i of shard s/n uses
	// seed Seed + i*n + s (ShardSeed). Shards 0 means 1.
	Shard, Shards int

	// OutDir receives failure bundles ("" writes none).
	OutDir string
	// BundlesPerKind caps the bundles written per scenario and verdict
	// kind (random scenarios count as one scenario); negative: no cap.
	BundlesPerKind int

	// TraceEvery traces one execution in this many for the coverage of
	// the seed's functions (0: 50; negative: never).
	TraceEvery int

	// Labeler, when set, labels the failures with the findings they are
	// (see label.go): the first LabelSamples failures of each failure key
	// (FailureKey) are labelled with it, and the rest of the key take
	// their label. Labelling runs while the executions do, busy at most
	// LabelShare of the wall time so far (0: DefaultLabelShare; negative:
	// only after the executions), and after them; LabelTime (0: no limit)
	// bounds its wall time during and after the executions together, and
	// the failures it does not reach are UNLABELLED (pending).
	// Bundles are then written per label, not per scenario and kind:
	// BundlesPerKind per NEW or UNLABELLED label, KnownBundles (negative:
	// BundlesPerKind) per known finding.
	Labeler      Labeler
	LabelSamples int // 0: 2
	LabelTime    time.Duration
	LabelShare   float64
	KnownBundles int
	// NoCoverage turns off the per-execution coverage of seed functions
	// and lines at scheduling points (coverage.go); NoFeedback keeps
	// random scenarios from being steered by it (feedback.go).
	NoCoverage bool
	NoFeedback bool

	// OnExecution, if set, is called after every execution, from the
	// worker that ran it (concurrently: it must be safe for that).
	OnExecution func(ExecRecord)
}

// ExecRecord is what a campaign knows about one execution.
type ExecRecord struct {
	Index    int64  // execution index within the shard
	Seed     uint64 // the seed (random, pct, native); the scenario's seed for DFS over random scenarios
	Scenario string
	Strategy string // the Explorer's description
	Kind     Kind
	Summary  string
	Ops      int
	Steps    int64
	Schedule uint64 // hash of the schedule (0 for native runs)
	Bundle   string // bundle written for it, if any
}

// BundleRef names a bundle a campaign wrote.
type BundleRef struct {
	Path     string `json:"path"`
	Scenario string `json:"scenario"`
	Kind     Kind   `json:"kind"`
	Label    string `json:"label,omitempty"` // labelled campaigns
}

// Stats are a campaign's running totals.
type Stats struct {
	Executions int64 `json:"executions"`
	Operations int64 `json:"operations"`
	Steps      int64 `json:"steps"`
	Verdicts   Tally `json:"verdicts"`
	// Also counts the verdicts executions reached besides their headline
	// one, as "kind (phase)" (a teardown panic behind a NotLinearizable
	// history, an invariant behind a panic ...).
	Also       map[string]int64           `json:"also_verdicts,omitempty"`
	ByScenario ByScenario                 `json:"by_scenario,omitempty"`
	Schedules  int                        `json:"distinct_schedules"`
	LockEdges  []string                   `json:"lock_order_edges"`
	Functions  []string                   `json:"functions_reached"`
	Traced     int64                      `json:"traced_executions"`
	Bundles    []BundleRef                `json:"bundles"`
	Errors     []string                   `json:"errors,omitempty"`
	Labels     *LabelReport               `json:"labels,omitempty"`
	Coverage   *CoverageStats             `json:"coverage,omitempty"`
	Elapsed    time.Duration              `json:"-"`
	firstFail  map[string]map[Kind]string // scenario -> kind -> summary
}

// Failures is the number of executions whose verdict is not Pass.
func (s *Stats) Failures() int64 { return s.Verdicts.Failures() }

// CampaignResult is how a campaign ended.
type CampaignResult struct {
	Stats
	// Interrupted: the context was cancelled before the budget was spent.
	Interrupted bool
	// Exhausted: DFS explored every schedule of every scenario.
	Exhausted bool
	// Abandoned executions were still running StopGrace after the end of
	// the budget (or the interrupt); they are not in the totals.
	// AbandonedRuns says which (scenario, strategy and seed), to re-run.
	Abandoned     int64
	AbandonedRuns []string
	// ScheduleHashes are the distinct schedules' hashes, sorted.
	ScheduleHashes []uint64
}

// ShardSeed is the seed of execution i of shard s of n.
func ShardSeed(seed uint64, i int64, shard, shards int) uint64 {
	if shards < 1 {
		shards = 1
	}
	return seed + uint64(i)*uint64(shards) + uint64(shard)
}

// ScheduleHash is the campaign's identity of a schedule.
func ScheduleHash(s fmt.Stringer) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s.String()))
	return h.Sum64()
}

// RandomScenarioFor is the random scenario of a seed, as campaigns draw it.
func RandomScenarioFor(seed uint64, gc GenConfig) *Scenario {
	s := RandomScenario(rand.New(rand.NewPCG(seed, 0x5ce7a410)), gc)
	s.Name = fmt.Sprintf("%s-s%d", s.Name, seed)
	return s
}

// SeedFunctions are the Go names of the seed's functions in its order
// (ifclone.SeedFuncs), the denominator of a campaign's function coverage.
var SeedFunctions = func() []string {
	out := make([]string, len(ifclone.SeedFuncs))
	for i, f := range ifclone.SeedFuncs {
		out[i] = f.GoName
	}
	return out
}()

// SeedCName is the C name of a seed function's Go port ("" if none).
func SeedCName(goName string) string { return ifclone.SeedCName(goName) }

// SeedFunctionAt is the seed function (its Go name) a trace event's
// location is in, or "" (ifclone.SeedFuncAt).
func SeedFunctionAt(where kern.Location) string {
	if f, ok := ifclone.SeedFuncAt(where); ok {
		return f.GoName
	}
	return ""
}

// stackSampler is a chooser that passes every decision on to inner and
// notes the seed's functions on the deciding thread's stack: Choose runs
// on the goroutine of the thread that reached the scheduling point, so its
// stack is the emulated thread's. It sees every function active at a
// decision, where the trace's Where names only the innermost.
type stackSampler struct {
	inner kern.Chooser
	funcs map[string]bool
	pcs   [64]uintptr
}

func (s *stackSampler) Choose(d *kern.Decision) int {
	n := runtime.Callers(2, s.pcs[:])
	frames := runtime.CallersFrames(s.pcs[:n])
	for {
		f, more := frames.Next()
		if ifclone.InSeedPort(f.File) {
			if i := ifclone.SeedFuncIndex(f.Function); i >= 0 {
				s.funcs[ifclone.SeedFuncs[i].GoName] = true
			}
		}
		if !more {
			break
		}
	}
	return s.inner.Choose(d)
}

// Campaign runs many executions in parallel and keeps the totals.
//
// Guards: cfg and fb (the pointer) are immutable after NewCampaign; start
// is written by Run before any worker starts; mu guards the fields from
// stats to cov; fb has its own lock (feedback.mu); the counters are
// atomics.
type Campaign struct {
	cfg CampaignConfig // immutable after NewCampaign

	mu        sync.Mutex
	stats     Stats                // (mu)
	schedules map[uint64]struct{}  // (mu)
	edges     map[string]struct{}  // (mu)
	funcs     map[string]struct{}  // (mu)
	bundles   map[string]int       // (mu) scenario/kind -> bundles written
	start     time.Time            // set by Run before the workers start
	flying    map[int64]string     // (mu) executions in flight: index -> what runs
	keys      map[string]*keyState // (mu) labelled campaigns: failure key -> its failures
	keyOrder  []string             // (mu)
	lab       *labelling           // (mu) labelled campaigns: the labeller, set by Run
	cov       coverageSet          // (mu) coverage.go
	fb        *feedback            // immutable pointer, nil: no coverage feedback; guarded by feedback.mu

	next      atomic.Int64 // executions reserved
	units     atomic.Int64 // DFS work units handed out
	abandoned atomic.Int64 // executions killed with their worker process at the end
}

// NewCampaign checks cfg and prepares a campaign.
func NewCampaign(cfg CampaignConfig) (*Campaign, error) {
	if cfg.Shards == 0 {
		cfg.Shards = 1
	}
	if cfg.Shards < 1 || cfg.Shard < 0 || cfg.Shard >= cfg.Shards {
		return nil, fmt.Errorf("shard %d/%d: want 0 <= shard < shards", cfg.Shard, cfg.Shards)
	}
	if cfg.Workers == 0 {
		cfg.Workers = runtime.NumCPU()
	}
	if cfg.Workers < 1 {
		return nil, fmt.Errorf("workers %d: want at least 1", cfg.Workers)
	}
	if _, err := ParseStrategy(string(cfg.Strategy)); err != nil {
		return nil, err
	}
	if cfg.MaxSteps == 0 {
		cfg.MaxSteps = DefaultMaxSteps
	}
	for _, s := range cfg.Scenarios {
		if err := s.Validate(); err != nil {
			return nil, err
		}
		if err := s.ValidateBudget(cfg.MaxSteps); err != nil {
			return nil, err
		}
	}
	if len(cfg.Scenarios) == 0 && int64(cfg.Gen.Threads)*int64(cfg.Gen.Ops)*MinStepsPerOp > cfg.MaxSteps {
		return nil, fmt.Errorf("random scenarios of %d x %d operations cannot finish within the step budget of %d", cfg.Gen.Threads, cfg.Gen.Ops, cfg.MaxSteps)
	}
	if cfg.Isolate && cfg.Strategy == DFS {
		return nil, fmt.Errorf("isolation (worker processes) applies to random, pct and native campaigns, not dfs (its exploration state lives in this process)")
	}
	if cfg.Isolate && cfg.LoadDrivers != nil && cfg.Drivers == "" {
		return nil, fmt.Errorf("isolation needs the driver set by name (Drivers, see RegisterDrivers), not a LoadDrivers function")
	}
	if cfg.Drivers != "" {
		load, ok := driverSet(cfg.Drivers)
		if !ok {
			return nil, fmt.Errorf("driver set %q is not registered", cfg.Drivers)
		}
		cfg.LoadDrivers = load
	}
	if cfg.Watchdog < 0 || cfg.NativeTimeout < 0 {
		return nil, fmt.Errorf("watchdog %v, native timeout %v: want 0 (none/default) or a positive duration", cfg.Watchdog, cfg.NativeTimeout)
	}
	if len(cfg.Scenarios) == 0 && (cfg.Gen.Threads < 1 || cfg.Gen.Ops < 1) {
		return nil, fmt.Errorf("random scenarios need at least 1 thread and 1 op (have %d x %d)", cfg.Gen.Threads, cfg.Gen.Ops)
	}
	if cfg.TraceEvery == 0 {
		cfg.TraceEvery = DefaultTraceEvery
	}
	if cfg.LabelSamples == 0 {
		cfg.LabelSamples = DefaultLabelSamples
	}
	if cfg.Labeler != nil && cfg.LabelSamples < 1 {
		return nil, fmt.Errorf("label samples %d: want at least 1", cfg.LabelSamples)
	}
	if cfg.LabelShare == 0 {
		cfg.LabelShare = DefaultLabelShare
	}
	if cfg.LabelShare > 1 {
		return nil, fmt.Errorf("label share %v: want at most 1", cfg.LabelShare)
	}
	c := &Campaign{cfg: cfg, schedules: map[uint64]struct{}{}, edges: map[string]struct{}{},
		funcs: map[string]struct{}{}, bundles: map[string]int{}, flying: map[int64]string{}, keys: map[string]*keyState{}}
	c.stats.Verdicts = Tally{}
	c.stats.ByScenario = ByScenario{}
	c.stats.firstFail = map[string]map[Kind]string{}
	if len(cfg.Scenarios) == 0 && !cfg.NoCoverage && !cfg.NoFeedback && cfg.Strategy != Native {
		c.fb = newFeedback(cfg.Gen, cfg.Seed)
	}
	return c, nil
}

// Config is the campaign's configuration with defaults filled in.
func (c *Campaign) Config() CampaignConfig { return c.cfg }

// StopGrace is how long Run waits, once the time budget is spent or ctx
// is cancelled, for the executions in flight to finish before it returns
// without them (they are counted in CampaignResult.Abandoned; in worker
// processes they are killed).
var StopGrace = 1500 * time.Millisecond

// Run runs the campaign until its budget is spent, DFS is exhausted or
// ctx is cancelled. On cancellation (or at the end of the time budget)
// every worker finishes the execution it is running (and writes its
// bundle) before Run returns, unless that takes longer than StopGrace: an
// execution stuck where no watchdog can end it is then abandoned, so Run
// returns within StopGrace of the deadline whatever the executions do.
func (c *Campaign) Run(ctx context.Context) *CampaignResult {
	c.mu.Lock()
	c.start = time.Now()
	c.mu.Unlock()
	var deadline time.Time
	if c.cfg.Duration > 0 {
		deadline = c.start.Add(c.cfg.Duration)
	}
	stopped := make(chan struct{})
	var stopOnce sync.Once
	stopNow := func() { stopOnce.Do(func() { close(stopped) }) }
	stop := func() bool {
		select {
		case <-stopped:
			return true
		default:
		}
		if ctx.Err() != nil || (!deadline.IsZero() && !time.Now().Before(deadline)) {
			stopNow()
			return true
		}
		return false
	}
	if c.cfg.Labeler != nil {
		c.startLabelling(ctx)
	}
	var procs []*isolatedWorker
	if c.cfg.Isolate {
		for w := 0; w < c.cfg.Workers; w++ {
			procs = append(procs, newIsolatedWorker(c))
		}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	var exhausted atomic.Int32 // DFS workers that ran out of units
	for w := 0; w < c.cfg.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if c.cfg.Strategy == DFS {
				if c.dfsWorker(stop) {
					exhausted.Add(1)
				}
			} else {
				var p *isolatedWorker
				if procs != nil {
					p = procs[w]
				}
				c.seedWorker(stop, p)
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()

	// Watch the deadline and ctx, so that stop() turns true on time even
	// while every worker is inside an execution.
	var timer <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		timer = t.C
	}
	clean := true
	select {
	case <-done:
	case <-ctx.Done():
		clean = c.drain(stopNow, done, procs)
	case <-timer:
		clean = c.drain(stopNow, done, procs)
	}
	for _, p := range procs {
		p.close()
	}
	elapsed := time.Since(c.start)
	if c.cfg.Labeler != nil {
		rep := c.finishLabelling(ctx)
		c.writeLabelBundles(rep)
		c.settleKeyBundles(rep)
		c.mu.Lock()
		c.stats.Labels = rep
		c.mu.Unlock()
	}
	res := &CampaignResult{Stats: c.Snapshot()}
	res.Elapsed = elapsed // the executions' wall time; labelling's is Labels.Elapsed
	res.Interrupted = ctx.Err() != nil
	res.Abandoned = c.abandoned.Load()
	if !clean {
		res.Abandoned = int64(c.inFlight())
	}
	if res.Abandoned > 0 {
		c.mu.Lock()
		for _, d := range c.flying {
			res.AbandonedRuns = append(res.AbandonedRuns, d)
		}
		c.mu.Unlock()
		sort.Strings(res.AbandonedRuns)
	}
	res.Exhausted = c.cfg.Strategy == DFS && int(exhausted.Load()) == c.cfg.Workers
	c.mu.Lock()
	for h := range c.schedules {
		res.ScheduleHashes = append(res.ScheduleHashes, h)
	}
	c.mu.Unlock()
	sort.Slice(res.ScheduleHashes, func(i, j int) bool { return res.ScheduleHashes[i] < res.ScheduleHashes[j] })
	return res
}

// drain stops the campaign and waits up to StopGrace for the workers;
// then it kills the worker processes (their executions are abandoned)
// and waits a little more. It reports whether every worker returned.
func (c *Campaign) drain(stopNow func(), done chan struct{}, procs []*isolatedWorker) bool {
	stopNow()
	select {
	case <-done:
		return true
	case <-time.After(StopGrace):
	}
	if len(procs) == 0 {
		return false // in-process executions cannot be stopped: leave them
	}
	for _, p := range procs {
		p.kill()
	}
	select {
	case <-done:
		return true
	case <-time.After(StopGrace):
		return false
	}
}

// inFlight is the number of executions reserved but not accounted.
func (c *Campaign) inFlight() int64 {
	n := c.next.Load()
	if c.cfg.Executions > 0 && n > c.cfg.Executions {
		n = c.cfg.Executions
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return max(0, n-c.stats.Executions)
}

// reserve claims the next execution index within the budget.
func (c *Campaign) reserve() (int64, bool) {
	i := c.next.Add(1) - 1
	if c.cfg.Executions > 0 && i >= c.cfg.Executions {
		return i, false
	}
	return i, true
}

// seedWorker runs random, PCT and native executions: one seed each,
// in process or (Isolate) in the worker process w owns.
func (c *Campaign) seedWorker(stop func() bool, w *isolatedWorker) {
	for !stop() {
		i, ok := c.reserve()
		if !ok {
			return
		}
		seed := ShardSeed(c.cfg.Seed, i, c.cfg.Shard, c.cfg.Shards)
		var scn *Scenario
		key := "random"
		if len(c.cfg.Scenarios) > 0 {
			scn = c.cfg.Scenarios[int(i%int64(len(c.cfg.Scenarios)))]
			key = scn.Name
		} else if c.fb != nil {
			scn = c.fb.scenario(seed)
		} else {
			scn = RandomScenarioFor(seed, c.cfg.Gen)
		}
		j := job{Index: i, Seed: seed, Key: key, Scenario: scn, Strategy: c.cfg.Strategy, Depth: c.cfg.Depth,
			Steps: c.cfg.Steps, Mode: c.cfg.Mode, MaxSteps: c.cfg.MaxSteps, CheckTimeout: c.cfg.CheckTimeout,
			Watchdog: c.cfg.Watchdog, NativeTimeout: c.cfg.NativeTimeout, Drivers: c.cfg.Drivers,
			Traced: c.traced(i, c.cfg.Strategy == Native), OutDir: c.cfg.OutDir, Label: c.cfg.Labeler != nil,
			Coverage: !c.cfg.NoCoverage}
		c.fly(i, fmt.Sprintf("%s: %s seed=%d", scn.Name, c.cfg.Strategy, seed))
		var r jobResult
		if w != nil {
			j.SkipBundle = c.fullKinds(key)
			var abandoned bool
			r, abandoned = w.run(j, stop)
			if abandoned {
				c.abandoned.Add(1)
				return
			}
			if r.Bundle != "" && !r.claimed && !r.KeyBundle && !c.claimBundle(key, r.Kind) {
				// Another worker wrote this kind's last allowed bundle
				// meanwhile.
				os.RemoveAll(r.Bundle)
				r.Bundle = ""
			}
		} else {
			r = runJob(j, c.cfg.LoadDrivers, func(k Kind) bool { return c.claimBundle(key, k) })
		}
		r.scn = scn
		c.account(r)
	}
}

// traced says whether execution i is one of those traced for coverage.
func (c *Campaign) traced(i int64, native bool) bool {
	return c.cfg.TraceEvery > 0 && i%int64(c.cfg.TraceEvery) == 0 && !native
}

// fullKinds lists the verdict kinds whose bundles for key are all written.
func (c *Campaign) fullKinds(key string) []Kind {
	if c.cfg.BundlesPerKind < 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Kind
	for _, k := range Kinds {
		if c.bundles[key+"\x00"+string(k)] >= c.cfg.BundlesPerKind || c.bundledByLabel(k) {
			out = append(out, k)
		}
	}
	return out
}

// dfsWorker takes scenarios (explicit ones of its shard, or random ones
// from successive seeds) and explores each with bounded DFS. It reports
// whether it ran out of scenarios (rather than budget or time).
func (c *Campaign) dfsWorker(stop func() bool) bool {
	for !stop() {
		u := c.units.Add(1) - 1
		var scn *Scenario
		var seed uint64
		key := "random"
		if len(c.cfg.Scenarios) > 0 {
			// Scenario j belongs to shard j mod n.
			j := u*int64(c.cfg.Shards) + int64(c.cfg.Shard)
			if j >= int64(len(c.cfg.Scenarios)) {
				return true
			}
			scn = c.cfg.Scenarios[j]
			key = scn.Name
		} else {
			seed = ShardSeed(c.cfg.Seed, u, c.cfg.Shard, c.cfg.Shards)
			scn = RandomScenarioFor(seed, c.cfg.Gen)
		}
		e := &Explorer{Kind: DFS, Bound: c.cfg.Bound, MaxSchedules: c.cfg.MaxSchedules}
		for !stop() {
			ch, _, desc, more := e.Next()
			if !more {
				break
			}
			i, ok := c.reserve()
			if !ok {
				return false
			}
			c.execute(i, seed, key, scn, Config{Chooser: ch}, desc)
		}
		if err := e.Err(); err != nil {
			c.addError(fmt.Sprintf("%s: %v", scn.Name, err))
		}
	}
	return false
}

func (c *Campaign) execute(i int64, seed uint64, key string, scn *Scenario, cfg Config, desc string) {
	cfg.Mode = c.cfg.Mode
	cfg.MaxSteps = c.cfg.MaxSteps
	cfg.CheckTimeout = c.cfg.CheckTimeout
	cfg.Watchdog, cfg.NativeTimeout = c.cfg.Watchdog, c.cfg.NativeTimeout
	cfg.LoadDrivers = c.cfg.LoadDrivers
	if !c.cfg.NoCoverage && !cfg.Native {
		cfg.Coverage = getCoverage()
	}
	c.fly(i, scn.Name+": "+desc)
	r := runExec(scn, cfg, c.traced(i, cfg.Native), c.cfg.OutDir, func(k Kind) bool { return c.claimBundle(key, k) }, desc, c.cfg.Labeler != nil)
	r.Index, r.Seed, r.Key, r.scn = i, seed, key, scn
	c.account(r)
}

// fly notes execution i as running (account ends it).
func (c *Campaign) fly(i int64, desc string) {
	c.mu.Lock()
	c.flying[i] = desc
	c.mu.Unlock()
}

// account adds one execution's result to the totals.
func (c *Campaign) account(r jobResult) {
	if r.BundleErr != "" {
		c.addError(fmt.Sprintf("bundle for %s (%s): %s", r.Scenario, r.Kind, r.BundleErr))
	}
	c.mu.Lock()
	delete(c.flying, r.Index)
	st := &c.stats
	st.Executions++
	st.Operations += int64(r.Ops)
	st.Steps += r.Steps
	st.Verdicts.Add(r.Kind, 1)
	for _, a := range r.Also {
		if st.Also == nil {
			st.Also = map[string]int64{}
		}
		st.Also[a]++
	}
	st.ByScenario.Add(r.Key, r.Kind, 1)
	if r.Kind != Pass {
		ff := st.firstFail[r.Key]
		if ff == nil {
			ff = map[Kind]string{}
			st.firstFail[r.Key] = ff
		}
		if _, ok := ff[r.Kind]; !ok {
			ff[r.Kind] = r.Summary
		}
	}
	if !r.Native && r.Kind != Crash {
		c.schedules[r.Hash] = struct{}{}
	}
	for _, e := range r.LockOrder {
		c.edges[e] = struct{}{}
	}
	if r.Traced {
		st.Traced++
		for _, f := range r.Functions {
			c.funcs[f] = struct{}{}
		}
	}
	if r.Bundle != "" && !r.KeyBundle { // a key bundle: noteFailure, then settleKeyBundles
		ref := BundleRef{Path: r.Bundle, Scenario: r.Scenario, Kind: r.Kind}
		if c.cfg.Labeler != nil && len(r.Signed) > 0 {
			// Labelled where it ran (no replay writes it again).
			ref.Label = labelOf(r.Signed)
			if err := os.WriteFile(filepath.Join(r.Bundle, "label"), []byte(ref.Label+"\n"), 0o644); err != nil {
				st.Errors = append(st.Errors, fmt.Sprintf("bundle %s: %v", r.Bundle, err))
			}
		}
		st.Bundles = append(st.Bundles, ref)
	}
	if c.cfg.Labeler != nil && r.Kind.Violation() {
		c.noteFailure(r)
	}
	novel := 0
	if r.Cov != nil {
		novel = c.cov.addResolved(r.Cov, c.funcs)
	}
	c.mu.Unlock()
	if c.fb != nil && r.scn != nil {
		c.fb.reward(r.scn, novel)
	}
	if c.cfg.OnExecution != nil {
		c.cfg.OnExecution(ExecRecord{Index: r.Index, Seed: r.Seed, Scenario: r.Scenario, Strategy: r.Desc, Kind: r.Kind,
			Summary: r.Summary, Ops: r.Ops, Steps: r.Steps, Schedule: r.Hash, Bundle: r.Bundle})
	}
}

// bundledByLabel reports whether the bundles of failures of kind k are
// written per label once labelled (writeLabelBundles), not where they
// ran. A native failure's are written where it ran, as without labels:
// it may not reproduce under control, and then that bundle is the only
// record of it.
func (c *Campaign) bundledByLabel(k Kind) bool {
	return c.cfg.Labeler != nil && Labellable(k) && c.cfg.Strategy != Native
}

func (c *Campaign) claimBundle(key string, k Kind) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bundledByLabel(k) {
		return false // written per label once labelled
	}
	id := key + "\x00" + string(k)
	if c.cfg.BundlesPerKind >= 0 && c.bundles[id] >= c.cfg.BundlesPerKind {
		return false
	}
	c.bundles[id]++
	return true
}

func (c *Campaign) addError(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.stats.Errors) < 100 {
		c.stats.Errors = append(c.stats.Errors, s)
	}
}

// Snapshot copies the running totals (safe to call while Run runs).
func (c *Campaign) Snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Verdicts = c.stats.Verdicts.Clone()
	if c.stats.Also != nil {
		s.Also = map[string]int64{}
		for k, v := range c.stats.Also {
			s.Also[k] = v
		}
	}
	s.ByScenario = c.stats.ByScenario.Clone()
	s.firstFail = map[string]map[Kind]string{}
	for n, m := range c.stats.firstFail {
		mm := map[Kind]string{}
		for k, v := range m {
			mm[k] = v
		}
		s.firstFail[n] = mm
	}
	s.Schedules = len(c.schedules)
	s.LockEdges = sortedKeys(c.edges)
	s.Functions = sortedKeys(c.funcs)
	if c.cov.execs > 0 {
		s.Coverage = c.cov.stats(c.funcs)
	}
	s.Bundles = append([]BundleRef(nil), c.stats.Bundles...)
	s.Errors = append([]string(nil), c.stats.Errors...)
	if !c.start.IsZero() {
		s.Elapsed = time.Since(c.start)
	}
	return s
}

// FirstFailure is the summary of the first execution of a scenario (key:
// its name, or "random") that got verdict k.
func (s *Stats) FirstFailure(key string, k Kind) string { return s.firstFail[key][k] }

func sortedKeys(m map[string]struct{}) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// safeExecute is Execute with a Go panic of the harness itself (outside
// the emulated threads, which kern recovers) turned into the verdict
// InternalError, so one harness bug does not end a campaign silently.
func safeExecute(scn *Scenario, cfg Config) (ex *Execution) {
	defer func() {
		if r := recover(); r != nil {
			ex = &Execution{Scenario: scn, Threads: len(scn.Threads)}
			ex.judgeInternal(fmt.Errorf("harness panic: %v\n\n%s", r, debug.Stack()))
		}
	}()
	return Execute(scn, cfg)
}
