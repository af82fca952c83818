// SPDX-License-Identifier: BSD-2-Clause

package mutants

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"kcheck/harness"
	"kcheck/model"
)

// Hang is the verdict the killer gives an execution that did not finish
// within CellConfig.HangAfter (a native deadlock or livelock: free
// goroutines cannot be stopped, so the killer reports and exits).
const Hang harness.Kind = "Hang"

// CellConfig is one cell of the kill matrix: one strategy on the kill set,
// for a time budget, in the binary built for one mutant (or the baseline).
type CellConfig struct {
	Strategy harness.StrategyKind `json:"strategy"`
	Budget   time.Duration        `json:"budget"`
	Mode     model.Mode           `json:"mode"`
	Seed     uint64               `json:"seed"`
	NRandom  int                  `json:"n_random"`
	// Only restricts the set to these scenario names (empty: all).
	Only []string `json:"only,omitempty"`
	// Exclude lists, per scenario, the verdict kinds the faithful port
	// produced (the baseline): they do not count as kills.
	Exclude map[string][]harness.Kind `json:"exclude,omitempty"`
	// Survey runs the whole budget and records every kind (the baseline);
	// otherwise the cell stops at the first kill.
	Survey bool `json:"survey,omitempty"`
	// DFS preemption bound and per-scenario schedule cap.
	DFSBound        int `json:"dfs_bound"`
	DFSMaxSchedules int `json:"dfs_max_schedules"`
	// PCT depth.
	PCTDepth int `json:"pct_depth"`
	// Ignore are verdict kinds that never count as kills (default:
	// Unknown, a checker timeout; GoroutineLeak, which the faithful port
	// produced now and then; Crash, since the harness's native mode can
	// die of its own data races).
	Ignore []harness.Kind `json:"ignore,omitempty"`
	// HangAfter is how long one execution may take before it is a Hang.
	HangAfter time.Duration `json:"hang_after"`
}

// allScenarios keys the kinds excluded everywhere.
const allScenarios = "*"

// Crash is the verdict of a killer process that died (a Go fatal error
// such as a concurrent map write, which no recover catches). The scenario
// of a crash is not known: it is counted under "*".
const Crash harness.Kind = "Crash"

// Kill is the first execution whose verdict the baseline never produced.
type Kill struct {
	Scenario   string       `json:"scenario"`
	Kind       harness.Kind `json:"kind"`
	Summary    string       `json:"summary"`
	Execution  uint64       `json:"execution"` // 1-based
	ElapsedSec float64      `json:"elapsed_s"`
	Strategy   string       `json:"strategy_desc"`
}

// CellResult is what one cell observed.
type CellResult struct {
	Strategy   string                    `json:"strategy"`
	Executions uint64                    `json:"executions"`
	ElapsedSec float64                   `json:"elapsed_s"`
	Kinds      map[string]map[string]int `json:"kinds"` // scenario -> kind -> count
	Kill       *Kill                     `json:"kill,omitempty"`
	Exhausted  bool                      `json:"exhausted,omitempty"` // DFS explored every bounded schedule
	Error      string                    `json:"error,omitempty"`
}

func (c *CellConfig) defaults() {
	if c.Budget == 0 {
		c.Budget = 10 * time.Second
	}
	if c.DFSBound == 0 {
		c.DFSBound = 2
	}
	if c.DFSMaxSchedules == 0 {
		c.DFSMaxSchedules = 20000
	}
	if c.PCTDepth == 0 {
		c.PCTDepth = 3
	}
	if c.HangAfter == 0 {
		c.HangAfter = 20 * time.Second
	}
	if c.Ignore == nil {
		c.Ignore = DefaultIgnore
	}
}

// DefaultIgnore are the verdict kinds that do not count as kills unless a
// cell says otherwise.
var DefaultIgnore = []harness.Kind{harness.Unknown, harness.GoroutineLeak, Crash}

// Scenarios is the cell's scenario set.
func (c *CellConfig) Scenarios() []*harness.Scenario {
	all := KillSet(c.NRandom)
	if len(c.Only) == 0 {
		return all
	}
	want := map[string]bool{}
	for _, n := range c.Only {
		want[n] = true
	}
	var out []*harness.Scenario
	for _, s := range all {
		if want[s.Name] {
			out = append(out, s)
		}
	}
	return out
}

// cellRun is the state of a running cell, shared with the hang watchdog.
type cellRun struct {
	mu       sync.Mutex
	res      CellResult
	start    time.Time
	curScn   string
	curStart time.Time
	curDesc  string
	done     bool
}

// RunCell runs one cell in this process (the killer binary calls it). When
// an execution hangs, onHang is called (from another goroutine) with the
// result so far, which then includes a Hang kill; the caller is expected to
// report it and exit, since the hung goroutines cannot be stopped.
//
// onProgress, when not nil, is called about twice a second with the result
// so far (the killer prints it, so that a run that crashes the process
// still tells what it did).
func RunCell(cfg CellConfig, onHang, onProgress func(*CellResult)) *CellResult {
	cfg.defaults()
	set := cfg.Scenarios()
	r := &cellRun{start: time.Now()}
	r.res = CellResult{Strategy: string(cfg.Strategy), Kinds: map[string]map[string]int{}}
	if len(set) == 0 {
		r.res.Error = "empty scenario set"
		return &r.res
	}
	excl := map[string]map[harness.Kind]bool{}
	for s, ks := range cfg.Exclude {
		excl[s] = map[harness.Kind]bool{}
		for _, k := range ks {
			excl[s][k] = true
		}
	}

	for _, k := range cfg.Ignore {
		if excl[allScenarios] == nil {
			excl[allScenarios] = map[harness.Kind]bool{}
		}
		excl[allScenarios][k] = true
	}

	stop := make(chan struct{})
	defer close(stop)
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			r.mu.Lock()
			if !r.done && r.curScn != "" && time.Since(r.curStart) > cfg.HangAfter {
				r.done = true
				r.res.Executions++
				r.res.ElapsedSec = time.Since(r.start).Seconds()
				r.count(r.curScn, Hang)
				r.res.Kill = &Kill{Scenario: r.curScn, Kind: Hang, Execution: r.res.Executions,
					Summary:    fmt.Sprintf("execution still running after %s (native deadlock or livelock)", cfg.HangAfter),
					ElapsedSec: r.res.ElapsedSec, Strategy: r.curDesc}
				res := r.res
				r.mu.Unlock()
				if onHang != nil {
					onHang(&res)
				}
				return
			}
			r.mu.Unlock()
		}
	}()

	// DFS: one explorer per scenario, visited round-robin.
	var dfs []*harness.Explorer
	if cfg.Strategy == harness.DFS {
		for range set {
			dfs = append(dfs, &harness.Explorer{Kind: harness.DFS, Bound: cfg.DFSBound, MaxSchedules: cfg.DFSMaxSchedules})
		}
	}
	// PCT's k (the step count its change points are drawn from) is, per
	// scenario, the longest execution of it seen so far in this cell
	// (harness.Explorer's default before the first; a livelock, which
	// runs to the step budget, does not count): a fixed k far above a
	// scenario's length puts most change points after its end.
	pctSteps := map[string]int64{}
	var n uint64
	lastProgress := time.Now()
	for time.Since(r.start) < cfg.Budget {
		var scn *harness.Scenario
		hcfg := harness.Config{Mode: cfg.Mode}
		desc := ""
		switch cfg.Strategy {
		case harness.Random, harness.PCT:
			scn = set[n%uint64(len(set))]
			e := &harness.Explorer{Kind: cfg.Strategy, Seed: cfg.Seed + n/uint64(len(set)), Depth: cfg.PCTDepth, Steps: pctSteps[scn.Name]}
			hcfg.Chooser, _, desc, _ = e.Next()
		case harness.Native:
			scn = set[n%uint64(len(set))]
			hcfg.Native = true
			desc = fmt.Sprintf("native run#%d", n/uint64(len(set))+1)
		case harness.DFS:
			found := false
			for i := 0; i < len(set); i++ {
				j := (int(n) + i) % len(set)
				if ch, _, d, ok := dfs[j].Next(); ok {
					scn, hcfg.Chooser, desc, found = set[j], ch, d, true
					n = uint64(j)
					break
				}
			}
			if !found {
				r.mu.Lock()
				r.res.Exhausted = true
				r.mu.Unlock()
				goto out
			}
		default:
			r.res.Error = fmt.Sprintf("unknown strategy %q", cfg.Strategy)
			goto out
		}
		n++
		r.mu.Lock()
		if r.done {
			r.mu.Unlock()
			select {} // the watchdog reported a hang; the caller exits
		}
		r.curScn, r.curStart, r.curDesc = scn.Name, time.Now(), desc
		r.mu.Unlock()

		ex := execute(scn, hcfg)
		if ex.Kind != harness.Livelock && ex.Steps > pctSteps[scn.Name] {
			pctSteps[scn.Name] = ex.Steps
		}

		r.mu.Lock()
		if r.done {
			r.mu.Unlock()
			select {}
		}
		r.curScn = ""
		r.res.Executions++
		r.count(scn.Name, ex.Kind)
		if !cfg.Survey && ex.Kind != harness.Pass && !excl[allScenarios][ex.Kind] && !excl[scn.Name][ex.Kind] {
			r.res.Kill = &Kill{Scenario: scn.Name, Kind: ex.Kind, Summary: ex.Summary, Execution: r.res.Executions,
				ElapsedSec: time.Since(r.start).Seconds(), Strategy: desc}
			r.mu.Unlock()
			goto out
		}
		if onProgress != nil && time.Since(lastProgress) > 500*time.Millisecond {
			lastProgress = time.Now()
			r.res.ElapsedSec = time.Since(r.start).Seconds()
			onProgress(&r.res)
		}
		r.mu.Unlock()
	}
out:
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done = true
	r.res.ElapsedSec = time.Since(r.start).Seconds()
	res := r.res
	return &res
}

func (r *cellRun) count(scn string, k harness.Kind) {
	m := r.res.Kinds[scn]
	if m == nil {
		m = map[string]int{}
		r.res.Kinds[scn] = m
	}
	m[string(k)]++
}

// execute runs one execution, turning a Go panic that escaped the harness
// into a Panic verdict.
func execute(scn *harness.Scenario, cfg harness.Config) (ex *harness.Execution) {
	defer func() {
		if r := recover(); r != nil {
			ex = &harness.Execution{Scenario: scn, Kind: harness.Panic, Summary: fmt.Sprintf("escaped panic: %v", r)}
		}
	}()
	return harness.Execute(scn, cfg)
}

// Observed lists the (scenario, kind) pairs other than Pass a set of cell
// results saw, as an exclusion map.
func Observed(results ...*CellResult) map[string][]harness.Kind {
	seen := map[string]map[harness.Kind]bool{}
	for _, r := range results {
		if r == nil {
			continue
		}
		for s, ks := range r.Kinds {
			for k := range ks {
				if harness.Kind(k) == harness.Pass {
					continue
				}
				if seen[s] == nil {
					seen[s] = map[harness.Kind]bool{}
				}
				seen[s][harness.Kind(k)] = true
			}
		}
	}
	out := map[string][]harness.Kind{}
	for s, ks := range seen {
		for k := range ks {
			out[s] = append(out[s], k)
		}
		sort.Slice(out[s], func(i, j int) bool { return out[s][i] < out[s][j] })
	}
	return out
}
