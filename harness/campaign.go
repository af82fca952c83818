// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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
}

// Stats are a campaign's running totals.
type Stats struct {
	Executions int64                      `json:"executions"`
	Operations int64                      `json:"operations"`
	Steps      int64                      `json:"steps"`
	Verdicts   map[Kind]int64             `json:"verdicts"`
	ByScenario map[string]map[Kind]int64  `json:"by_scenario,omitempty"`
	Schedules  int                        `json:"distinct_schedules"`
	LockEdges  []string                   `json:"lock_order_edges"`
	Functions  []string                   `json:"functions_reached"`
	Traced     int64                      `json:"traced_executions"`
	Bundles    []BundleRef                `json:"bundles"`
	Errors     []string                   `json:"errors,omitempty"`
	Coverage   *CoverageStats             `json:"coverage,omitempty"`
	Elapsed    time.Duration              `json:"-"`
	firstFail  map[string]map[Kind]string // scenario -> kind -> summary
}

// Failures is the number of executions whose verdict is not Pass.
func (s *Stats) Failures() int64 {
	var n int64
	for k, c := range s.Verdicts {
		if k != Pass {
			n += c
		}
	}
	return n
}

// CampaignResult is how a campaign ended.
type CampaignResult struct {
	Stats
	// Interrupted: the context was cancelled before the budget was spent.
	Interrupted bool
	// Exhausted: DFS explored every schedule of every scenario.
	Exhausted bool
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

// SeedFunctions are the Go counterparts of the C functions of the seed
// (if_clone.c), the denominator of a campaign's function coverage.
var SeedFunctions = []string{
	"VnetIfCloneInit", "IfcCreateIfp", "IfCloneCreate", "IfcLinkIfp", "IfCloneAddif",
	"IfcUnlinkIfp", "IfcFindClonerMatch", "IfcFindCloner", "IfcFindClonerInVnet",
	"IfCloneCreateif", "IfCloneDestroy", "IfCloneDestroyifFlags", "IfCloneDestroyif",
	"IfCloneAlloc", "IfCloneAttach", "IfcAttachCloner", "IfcDetachCloner",
	"IfcAdvancedCreateWrapper", "IfcAdvancedDestroyWrapper", "IfCloneAdvanced",
	"IfcSimpleCreateWrapper", "IfcSimpleDestroyWrapper", "IfCloneSimple", "IfCloneDetach",
	"IfCloneFree", "IfCloneList", "IfCloneRestoregroup", "IfcName2unit",
	"IfcAllocUnitSpecific", "IfcAllocUnitNext", "IfcAllocUnit", "IfcFreeUnit",
	"IfcSimpleMatch", "IfcHandleUnit", "IfcCopyin", "IfcName", "IfcFlagsSet", "IfcFlagsGet",
}

// seedCNames are the C names of SeedFunctions, in the same order (the
// seed's order); TestSeedFunctionsMatchSource keeps both in step with
// the doc comments of ifclone/if_clone.go.
var seedCNames = []string{
	"vnet_if_clone_init", "ifc_create_ifp", "if_clone_create", "ifc_link_ifp", "if_clone_addif",
	"ifc_unlink_ifp", "ifc_find_cloner_match", "ifc_find_cloner", "ifc_find_cloner_in_vnet",
	"if_clone_createif", "if_clone_destroy", "if_clone_destroyif_flags", "if_clone_destroyif",
	"if_clone_alloc", "if_clone_attach", "ifc_attach_cloner", "ifc_detach_cloner",
	"ifc_advanced_create_wrapper", "ifc_advanced_destroy_wrapper", "if_clone_advanced",
	"ifc_simple_create_wrapper", "ifc_simple_destroy_wrapper", "if_clone_simple", "if_clone_detach",
	"if_clone_free", "if_clone_list", "if_clone_restoregroup", "ifc_name2unit",
	"ifc_alloc_unit_specific", "ifc_alloc_unit_next", "ifc_alloc_unit", "ifc_free_unit",
	"ifc_simple_match", "ifc_handle_unit", "ifc_copyin", "ifc_name", "ifc_flags_set", "ifc_flags_get",
}

// SeedCName is the C name of a seed function's Go port ("" if none).
func SeedCName(goName string) string {
	for i, g := range SeedFunctions {
		if g == goName {
			return seedCNames[i]
		}
	}
	return ""
}

var seedFunctionSet = func() map[string]bool {
	m := map[string]bool{}
	for _, f := range SeedFunctions {
		m[f] = true
	}
	return m
}()

// SeedFunctionAt extracts the seed function of a trace event's Where
// ("ifclone/if_clone.go:123 (ifclone.IfCloneCreate.func1)"), or "".
func SeedFunctionAt(where string) string {
	file, fn, ok := strings.Cut(where, " (")
	if !ok || !strings.HasPrefix(file, "ifclone/if_clone.go:") {
		return ""
	}
	fn = strings.TrimSuffix(fn, ")")
	rest, ok := strings.CutPrefix(fn, "ifclone.")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, ".") // closures: IfCloneCreate.func1
	if seedFunctionSet[name] {
		return name
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
		if strings.HasSuffix(f.File, "/ifclone/if_clone.go") {
			if rest, ok := strings.CutPrefix(f.Function, "kcheck/ifclone."); ok {
				name, _, _ := strings.Cut(rest, ".")
				if seedFunctionSet[name] {
					s.funcs[name] = true
				}
			}
		}
		if !more {
			break
		}
	}
	return s.inner.Choose(d)
}

// Campaign runs many executions in parallel and keeps the totals.
type Campaign struct {
	cfg CampaignConfig

	mu        sync.Mutex
	stats     Stats
	schedules map[uint64]struct{}
	edges     map[string]struct{}
	funcs     map[string]struct{}
	bundles   map[string]int // scenario/kind -> bundles written
	start     time.Time
	cov       coverageSet // coverage.go
	fb        *feedback   // nil: no coverage feedback

	next  atomic.Int64 // executions reserved
	units atomic.Int64 // DFS work units handed out
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
	for _, s := range cfg.Scenarios {
		if err := s.Validate(); err != nil {
			return nil, err
		}
	}
	if len(cfg.Scenarios) == 0 && (cfg.Gen.Threads < 1 || cfg.Gen.Ops < 1) {
		return nil, fmt.Errorf("random scenarios need at least 1 thread and 1 op (have %d x %d)", cfg.Gen.Threads, cfg.Gen.Ops)
	}
	if cfg.MaxSteps == 0 {
		cfg.MaxSteps = 200_000
	}
	if cfg.TraceEvery == 0 {
		cfg.TraceEvery = 50
	}
	c := &Campaign{cfg: cfg, schedules: map[uint64]struct{}{}, edges: map[string]struct{}{},
		funcs: map[string]struct{}{}, bundles: map[string]int{}}
	c.stats.Verdicts = map[Kind]int64{}
	c.stats.ByScenario = map[string]map[Kind]int64{}
	c.stats.firstFail = map[string]map[Kind]string{}
	if len(cfg.Scenarios) == 0 && !cfg.NoCoverage && !cfg.NoFeedback && cfg.Strategy != Native {
		c.fb = newFeedback(cfg.Gen, cfg.Seed)
	}
	return c, nil
}

// Config is the campaign's configuration with defaults filled in.
func (c *Campaign) Config() CampaignConfig { return c.cfg }

// Run runs the campaign until its budget is spent, DFS is exhausted or
// ctx is cancelled. On cancellation every worker finishes the execution it
// is running (and writes its bundle) before Run returns.
func (c *Campaign) Run(ctx context.Context) *CampaignResult {
	c.mu.Lock()
	c.start = time.Now()
	c.mu.Unlock()
	var deadline time.Time
	if c.cfg.Duration > 0 {
		deadline = c.start.Add(c.cfg.Duration)
	}
	stop := func() bool {
		return ctx.Err() != nil || (!deadline.IsZero() && !time.Now().Before(deadline))
	}
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
				c.seedWorker(stop)
			}
		}()
	}
	wg.Wait()
	res := &CampaignResult{Stats: c.Snapshot()}
	res.Interrupted = ctx.Err() != nil
	res.Exhausted = c.cfg.Strategy == DFS && int(exhausted.Load()) == c.cfg.Workers
	c.mu.Lock()
	for h := range c.schedules {
		res.ScheduleHashes = append(res.ScheduleHashes, h)
	}
	c.mu.Unlock()
	sort.Slice(res.ScheduleHashes, func(i, j int) bool { return res.ScheduleHashes[i] < res.ScheduleHashes[j] })
	return res
}

// reserve claims the next execution index within the budget.
func (c *Campaign) reserve() (int64, bool) {
	i := c.next.Add(1) - 1
	if c.cfg.Executions > 0 && i >= c.cfg.Executions {
		return i, false
	}
	return i, true
}

// seedWorker runs random, PCT and native executions: one seed each.
func (c *Campaign) seedWorker(stop func() bool) {
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
		e := &Explorer{Kind: c.cfg.Strategy, Seed: seed, Depth: c.cfg.Depth, Steps: c.cfg.Steps}
		ch, native, desc, _ := e.Next()
		if c.cfg.Strategy == Native {
			desc = fmt.Sprintf("native seed=%d", seed)
		}
		c.execute(i, seed, key, scn, Config{Chooser: ch, Native: native}, desc)
	}
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
	traced := c.cfg.TraceEvery > 0 && i%int64(c.cfg.TraceEvery) == 0 && !cfg.Native
	var sampler *stackSampler
	if traced {
		sampler = &stackSampler{inner: cfg.Chooser, funcs: map[string]bool{}}
		cfg.Trace, cfg.Chooser = true, sampler
	}
	if !c.cfg.NoCoverage && !cfg.Native {
		cfg.Coverage = kern.NewCoverage()
	}
	ex := Execute(scn, cfg)
	if traced {
		cfg.Chooser = sampler.inner
	}
	kc := cfg.Coverage
	cfg.Coverage = nil
	var h uint64
	if !cfg.Native {
		h = ScheduleHash(ex.Schedule)
	}
	var fns []string
	if traced {
		for _, ev := range ex.Trace {
			if f := SeedFunctionAt(ev.Where); f != "" {
				fns = append(fns, f)
			}
		}
		for f := range sampler.funcs {
			fns = append(fns, f)
		}
	}
	bundle := ""
	if ex.Failed() && c.cfg.OutDir != "" && c.claimBundle(key, ex.Kind) {
		p, err := WriteBundle(c.cfg.OutDir, ex, cfg, desc)
		if err != nil {
			c.addError(fmt.Sprintf("bundle for %s (%s): %v", scn.Name, ex.Kind, err))
		} else {
			bundle = p
		}
	}
	c.mu.Lock()
	st := &c.stats
	st.Executions++
	st.Operations += int64(scn.Ops())
	st.Steps += ex.Steps
	st.Verdicts[ex.Kind]++
	bs := st.ByScenario[key]
	if bs == nil {
		bs = map[Kind]int64{}
		st.ByScenario[key] = bs
	}
	bs[ex.Kind]++
	if ex.Failed() {
		ff := st.firstFail[key]
		if ff == nil {
			ff = map[Kind]string{}
			st.firstFail[key] = ff
		}
		if _, ok := ff[ex.Kind]; !ok {
			ff[ex.Kind] = ex.Summary
		}
	}
	if !cfg.Native {
		c.schedules[h] = struct{}{}
	}
	for _, e := range ex.LockOrder {
		c.edges[e] = struct{}{}
	}
	if traced {
		st.Traced++
		for _, f := range fns {
			c.funcs[f] = struct{}{}
		}
	}
	novel := 0
	if kc != nil {
		novel = c.cov.addKernel(kc, c.funcs)
	}
	if bundle != "" {
		st.Bundles = append(st.Bundles, BundleRef{Path: bundle, Scenario: scn.Name, Kind: ex.Kind})
	}
	c.mu.Unlock()
	if c.fb != nil {
		c.fb.reward(scn, novel)
	}
	if c.cfg.OnExecution != nil {
		c.cfg.OnExecution(ExecRecord{Index: i, Seed: seed, Scenario: scn.Name, Strategy: desc, Kind: ex.Kind,
			Summary: ex.Summary, Ops: scn.Ops(), Steps: ex.Steps, Schedule: h, Bundle: bundle})
	}
}

func (c *Campaign) claimBundle(key string, k Kind) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
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
	s.Verdicts = map[Kind]int64{}
	for k, v := range c.stats.Verdicts {
		s.Verdicts[k] = v
	}
	s.ByScenario = map[string]map[Kind]int64{}
	for n, m := range c.stats.ByScenario {
		mm := map[Kind]int64{}
		for k, v := range m {
			mm[k] = v
		}
		s.ByScenario[n] = mm
	}
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
