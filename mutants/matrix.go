// SPDX-License-Identifier: BSD-2-Clause

package mutants

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"kcheck/harness"
	"kcheck/internal/sysinfo"
	"kcheck/model"
)

// Options configures a kill-matrix campaign.
type Options struct {
	Root       string                 // module root (default: found from the working directory)
	WorkDir    string                 // where overlays and binaries go (default: a temp dir)
	Budget     time.Duration          // per cell (default 10 s)
	Strategies []harness.StrategyKind // default native, random, pct, dfs
	Mutants    []string               // IDs or names (default: all)
	NRandom    int                    // random scenarios in the kill set (default 12)
	Mode       model.Mode             // spec mode (default Relaxed, set by the CLI)
	Seed       uint64                 // first seed of random and PCT
	// BaselineFactor: the faithful port is surveyed for this many times the
	// cell budget per strategy, so that what it can produce is known
	// better than what a mutant cell sees (default 3).
	BaselineFactor float64
	// Only restricts the kill set to these scenario names.
	Only []string
	// Jobs is how many builds run at once (cells always run one at a
	// time, so that their timings are comparable). Default: GOMAXPROCS.
	Jobs int
	Log  io.Writer // progress (nil: none)
}

// CellReport is one cell of the matrix as reported.
type CellReport struct {
	Strategy   string  `json:"strategy"`
	Killed     bool    `json:"killed"`
	Kind       string  `json:"kind,omitempty"`
	Scenario   string  `json:"scenario,omitempty"`
	Summary    string  `json:"summary,omitempty"`
	Executions uint64  `json:"executions"` // to the kill, or in the whole budget
	Seconds    float64 `json:"seconds"`    // to the kill, or the budget spent
	Exhausted  bool    `json:"exhausted,omitempty"`
	Error      string  `json:"error,omitempty"`
	// Crashes counts killer processes that died (and were restarted)
	// within the cell: a Go fatal error, never a kill (see Crash).
	Crashes int `json:"crashes,omitempty"`
}

// Row is one mutant's line of the matrix.
type Row struct {
	ID          string                 `json:"id"`
	Name        string                 `json:"name"`
	Description string                 `json:"description"`
	History     string                 `json:"history,omitempty"`
	File        string                 `json:"file"`
	BuildError  string                 `json:"build_error,omitempty"`
	Cells       map[string]*CellReport `json:"cells"`
	// NativeRatio is native stress's time to kill over the best controlled
	// strategy's (NaN when either did not kill; see RatioNote).
	NativeRatio *float64 `json:"native_ratio,omitempty"`
	RatioNote   string   `json:"ratio_note"`
}

// Killed reports whether any strategy killed the mutant.
func (r *Row) Killed() bool {
	for _, c := range r.Cells {
		if c.Killed {
			return true
		}
	}
	return false
}

// Matrix is a campaign's outcome.
type Matrix struct {
	Command    string                    `json:"command"`
	Started    time.Time                 `json:"started"`
	Elapsed    float64                   `json:"elapsed_s"`
	Budget     float64                   `json:"budget_s"`
	Mode       string                    `json:"mode"`
	Strategies []string                  `json:"strategies"`
	Scenarios  []string                  `json:"scenarios"`
	Baseline   map[string]*CellResult    `json:"baseline"` // per strategy
	Excluded   map[string][]harness.Kind `json:"excluded"` // baseline kinds per scenario
	Rows       []*Row                    `json:"rows"`
	Machine    Machine                   `json:"machine"`
	BaselineX  float64                   `json:"baseline_factor"`
	// Removed are the equivalent mutants taken out of the catalogue.
	Removed []*Removed `json:"removed,omitempty"`
}

// Crashes counts the killer processes that died in the baseline survey and
// in the cells.
func (mx *Matrix) Crashes() (baseline, cells int) {
	for _, r := range mx.Baseline {
		if r != nil {
			baseline += r.Kinds[allScenarios][string(Crash)]
		}
	}
	for _, row := range mx.Rows {
		for _, c := range row.Cells {
			cells += c.Crashes
		}
	}
	return baseline, cells
}

// ControlledKills counts the mutants that PCT or DFS killed.
func (mx *Matrix) ControlledKills() int {
	n := 0
	for _, r := range mx.Rows {
		for _, s := range []harness.StrategyKind{harness.PCT, harness.DFS} {
			if c := r.Cells[string(s)]; c != nil && c.Killed {
				n++
				break
			}
		}
	}
	return n
}

// Machine is the machine a matrix was measured on (package sysinfo).
type Machine = sysinfo.Machine

// ThisMachine is sysinfo.ThisMachine.
func ThisMachine() Machine { return sysinfo.ThisMachine() }

func (o *Options) defaults() error {
	if o.Root == "" {
		r, err := ModuleRoot(".")
		if err != nil {
			return err
		}
		o.Root = r
	}
	if o.Budget == 0 {
		o.Budget = 10 * time.Second
	}
	if len(o.Strategies) == 0 {
		o.Strategies = []harness.StrategyKind{harness.Native, harness.Random, harness.PCT, harness.DFS}
	}
	if o.NRandom == 0 {
		o.NRandom = 12
	}
	if o.BaselineFactor == 0 {
		o.BaselineFactor = 3
	}
	if o.Jobs == 0 {
		o.Jobs = runtime.GOMAXPROCS(0)
	}
	return nil
}

func (o *Options) logf(f string, a ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, f, a...)
	}
}

func (o *Options) selected() ([]*Mutant, error) {
	if len(o.Mutants) == 0 {
		return Catalogue(), nil
	}
	var out []*Mutant
	for _, id := range o.Mutants {
		m, err := ByID(id)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// cellConfig is the configuration of one cell.
func (o *Options) cellConfig(s harness.StrategyKind, budget time.Duration, exclude map[string][]harness.Kind, survey bool) CellConfig {
	return CellConfig{Strategy: s, Budget: budget, Mode: o.Mode, Seed: o.Seed, NRandom: o.NRandom,
		Only: o.Only, Exclude: exclude, Survey: survey}
}

// runKiller runs one cell in bin and decodes its result. A killer that
// dies (a Go fatal error) is restarted for the rest of the budget when
// surveying; otherwise its death is the cell's kill, of kind Crash.
func runKiller(ctx context.Context, bin, dir string, cfg CellConfig) (*CellResult, error) {
	cfg.defaults()
	total := &CellResult{Strategy: string(cfg.Strategy), Kinds: map[string]map[string]int{}}
	start := time.Now()
	for attempt := 0; ; attempt++ {
		left := cfg.Budget - time.Since(start)
		if attempt > 0 && (left < 100*time.Millisecond || attempt > 20) {
			break
		}
		c := cfg
		c.Budget = left
		c.Seed = cfg.Seed + uint64(attempt)*1_000_003
		r, crash, err := runKillerOnce(ctx, bin, dir, c)
		if err != nil {
			return nil, err
		}
		total.Executions += r.Executions
		for s, ks := range r.Kinds {
			if total.Kinds[s] == nil {
				total.Kinds[s] = map[string]int{}
			}
			for k, n := range ks {
				total.Kinds[s][k] += n
			}
		}
		total.Exhausted, total.Error = r.Exhausted, r.Error
		if r.Kill != nil {
			k := *r.Kill
			k.Execution = total.Executions
			k.ElapsedSec = time.Since(start).Seconds()
			total.Kill = &k
		}
		if crash == "" {
			break
		}
		total.Executions++
		// A crash is counted for every scenario ("*"): which one ran is
		// not known.
		if total.Kinds[allScenarios] == nil {
			total.Kinds[allScenarios] = map[string]int{}
		}
		total.Kinds[allScenarios][string(Crash)]++
		excluded := false
		for _, k := range append(cfg.Exclude[allScenarios], cfg.Ignore...) {
			excluded = excluded || k == Crash
		}
		if !cfg.Survey && !excluded {
			total.Kill = &Kill{Scenario: allScenarios, Kind: Crash, Summary: crash, Execution: total.Executions,
				ElapsedSec: time.Since(start).Seconds()}
			break
		}
		if total.Kill != nil {
			break
		}
	}
	total.ElapsedSec = time.Since(start).Seconds()
	return total, nil
}

// runKillerOnce runs the killer once; crash is the first line of its
// fatal error when it died without a final result.
func runKillerOnce(ctx context.Context, bin, dir string, cfg CellConfig) (res *CellResult, crash string, err error) {
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, "", err
	}
	f, err := os.CreateTemp(dir, "cell-*.json")
	if err != nil {
		return nil, "", err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, "", err
	}
	f.Close()
	// The killer reports a hang itself after HangAfter; this is the
	// backstop for a killer that cannot even do that.
	ctx, cancel := context.WithTimeout(ctx, cfg.Budget+cfg.HangAfter+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-config", f.Name())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	// The last complete line is the latest result.
	var last CellResult
	got := false
	for _, line := range bytes.Split(stdout.Bytes(), []byte("\n")) {
		var r CellResult
		if len(bytes.TrimSpace(line)) > 0 && json.Unmarshal(line, &r) == nil {
			last, got = r, true
		}
	}
	if runErr == nil && got {
		return &last, "", nil
	}
	if ctx.Err() != nil && cmd.ProcessState == nil {
		return nil, "", ctx.Err()
	}
	if !got {
		last = CellResult{Strategy: string(cfg.Strategy), Kinds: map[string]map[string]int{}}
	}
	msg := strings.TrimSpace(stderr.String())
	if msg == "" {
		msg = fmt.Sprint(runErr)
	}
	first, _, _ := strings.Cut(msg, "\n")
	if fr := fatalFrame(msg); fr != "" {
		first += " in " + fr
	}
	return &last, "killer died: " + first, nil
}

// fatalFrame picks the first kcheck function of a Go crash's stack.
func fatalFrame(stack string) string {
	for _, line := range strings.Split(stack, "\n") {
		if strings.HasPrefix(line, "kcheck/") {
			if i := strings.Index(line, "("); i > 0 {
				return line[:i]
			}
			return line
		}
	}
	return ""
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// Run builds the baseline and every selected mutant, surveys the baseline
// and fills the matrix.
func Run(ctx context.Context, o Options) (*Matrix, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	muts, err := o.selected()
	if err != nil {
		return nil, err
	}
	if o.WorkDir == "" {
		d, err := os.MkdirTemp("", "kcheck-mutants-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		o.WorkDir = d
	}
	start := time.Now()
	mx := &Matrix{Started: start.UTC(), Budget: o.Budget.Seconds(), Mode: o.Mode.String(), Baseline: map[string]*CellResult{},
		Machine: ThisMachine(), BaselineX: o.BaselineFactor, Removed: RemovedMutants()}
	for _, s := range o.Strategies {
		mx.Strategies = append(mx.Strategies, string(s))
	}
	cc := o.cellConfig("", 0, nil, false)
	for _, s := range cc.Scenarios() {
		mx.Scenarios = append(mx.Scenarios, s.Name)
	}

	// Builds: the baseline and every mutant, Jobs at a time.
	o.logf("building the baseline and %d mutants in %s\n", len(muts), o.WorkDir)
	bins := make([]string, len(muts))
	berrs := make([]error, len(muts))
	baseBin, err := BuildKiller(ctx, o.Root, nil, o.WorkDir)
	if err != nil {
		return nil, fmt.Errorf("baseline build: %w", err)
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, o.Jobs)
	for i, m := range muts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			bins[i], berrs[i] = BuildKiller(ctx, o.Root, m, o.WorkDir)
			if berrs[i] != nil {
				o.logf("  %s: build failed\n", m)
			}
		}()
	}
	wg.Wait()
	o.logf("built in %s\n", time.Since(start).Round(time.Second))

	// The baseline survey.
	var base []*CellResult
	for _, s := range o.Strategies {
		bud := time.Duration(float64(o.Budget) * o.BaselineFactor)
		o.logf("baseline %-7s survey for %s ... ", s, bud)
		r, err := runKiller(ctx, baseBin, o.WorkDir, o.cellConfig(s, bud, nil, true))
		if err != nil {
			return nil, fmt.Errorf("baseline %s: %w", s, err)
		}
		mx.Baseline[string(s)] = r
		base = append(base, r)
		o.logf("%d executions, %d scenarios with failures\n", r.Executions, len(Observed(r)))
	}
	mx.Excluded = Observed(base...)

	// The cells.
	for i, m := range muts {
		row := &Row{ID: m.ID, Name: m.Name, Description: m.Description, History: m.History, File: m.File(),
			Cells: map[string]*CellReport{}}
		mx.Rows = append(mx.Rows, row)
		if berrs[i] != nil {
			row.BuildError = berrs[i].Error()
			continue
		}
		o.logf("%s %-34s", m.ID, m.Name)
		for _, s := range o.Strategies {
			r, err := runKiller(ctx, bins[i], o.WorkDir, o.cellConfig(s, o.Budget, mx.Excluded, false))
			c := &CellReport{Strategy: string(s)}
			if r != nil {
				c.Crashes = r.Kinds[allScenarios][string(Crash)]
			}
			switch {
			case err != nil:
				c.Error = err.Error()
			case r.Kill != nil:
				c.Killed, c.Kind, c.Scenario, c.Summary = true, string(r.Kill.Kind), r.Kill.Scenario, r.Kill.Summary
				c.Executions, c.Seconds = r.Kill.Execution, r.Kill.ElapsedSec
			default:
				c.Executions, c.Seconds, c.Exhausted, c.Error = r.Executions, r.ElapsedSec, r.Exhausted, r.Error
			}
			row.Cells[string(s)] = c
			o.logf(" %s", cellShort(c))
		}
		if v, note := nativeRatio(row); !math.IsNaN(v) {
			row.NativeRatio, row.RatioNote = &v, note
		} else {
			row.RatioNote = note
		}
		o.logf("\n")
		if ctx.Err() != nil {
			return mx, ctx.Err()
		}
	}
	mx.Elapsed = time.Since(start).Seconds()
	return mx, nil
}

func cellShort(c *CellReport) string {
	switch {
	case c.Error != "":
		return "error"
	case c.Killed:
		return fmt.Sprintf("%s/%s@%.2fs", c.Strategy, c.Kind, c.Seconds)
	}
	return c.Strategy + "/-"
}

// bestControlled is the fastest kill by a strategy other than native (nil:
// none).
func bestControlled(r *Row) *CellReport {
	var best *CellReport
	for s, c := range r.Cells {
		if s != string(harness.Native) && c.Killed && (best == nil || c.Seconds < best.Seconds) {
			best = c
		}
	}
	return best
}

// nativeRatio is native time-to-kill over the best controlled one.
func nativeRatio(r *Row) (float64, string) {
	best := math.Inf(1)
	bestS := ""
	for s, c := range r.Cells {
		if s != string(harness.Native) && c.Killed && c.Seconds < best {
			best, bestS = c.Seconds, s
		}
	}
	nat, ok := r.Cells[string(harness.Native)]
	switch {
	case !ok:
		return math.NaN(), "native not run"
	case bestS == "" && nat.Killed:
		return math.NaN(), "only native killed"
	case bestS == "" && !nat.Killed:
		return math.NaN(), "not killed"
	case !nat.Killed:
		return math.NaN(), fmt.Sprintf("native did not kill in %.0fs; best %s %.3fs (ratio > %.0f)", nat.Seconds, bestS, best, nat.Seconds/math.Max(best, 1e-3))
	}
	return nat.Seconds / math.Max(best, 1e-4), fmt.Sprintf("native %.3fs / %s %.3fs", nat.Seconds, bestS, best)
}

// Summary counts killed mutants and kills per strategy.
func (mx *Matrix) Summary() (killed int, perStrategy map[string]int) {
	perStrategy = map[string]int{}
	for _, r := range mx.Rows {
		if r.Killed() {
			killed++
		}
		for s, c := range r.Cells {
			if c.Killed {
				perStrategy[s]++
			}
		}
	}
	return killed, perStrategy
}

// Markdown renders docs/MUTANTS.md.
func (mx *Matrix) Markdown() string {
	var b strings.Builder
	killed, per := mx.Summary()
	fmt.Fprintf(&b, "# Mutants: the bug catalogue and its kill matrix\n\n")
	fmt.Fprintf(&b, "Written by `%s` on %s (%s, %d CPUs, %s). Do not edit by hand: re-run the command.\n\n",
		mx.Command, mx.Started.Format("2006-01-02 15:04 UTC"), mx.Machine.CPU, mx.Machine.CPUs, mx.Machine.GoVersion)
	b.WriteString("Each mutant is a small textual change to the faithful port (package `mutants`, `catalogue.go`), applied at build\n" +
		"time with `go build -overlay`: the port carries no mutation switches. For each mutant a driver binary\n" +
		"(`mutants/internal/killer`) is built against the mutated sources and runs one strategy at a time over the kill set\n" +
		"until the first kill or the per-cell budget.\n\n")
	fmt.Fprintf(&b, "**%d of %d mutants killed.** Kills per strategy:", killed, len(mx.Rows))
	for i, s := range mx.Strategies {
		sep := ","
		if i == len(mx.Strategies)-1 {
			sep = "."
		}
		fmt.Fprintf(&b, " %s %d%s", s, per[s], sep)
	}
	fmt.Fprintf(&b, " Killed by a controlled strategy (pct or dfs): %d of %d.", mx.ControlledKills(), len(mx.Rows))
	if len(mx.Removed) > 0 {
		fmt.Fprintf(&b, " %d mutants of an earlier catalogue were found equivalent in this emulation and replaced (see the end).", len(mx.Removed))
	}
	b.WriteString("\n\n")

	b.WriteString("## What counts as a kill\n\n")
	fmt.Fprintf(&b, "The faithful port itself fails some scenarios (genuine FreeBSD races; see docs/FINDINGS.md). Before the cells, the\n"+
		"unmutated build is surveyed with every strategy for %.0f× the cell budget; every (scenario, verdict kind) it produced\n"+
		"is excluded. A mutant is killed by the first execution whose verdict kind was never produced by the baseline on\n"+
		"that scenario and is none of Pass, Unknown (a checker timeout, never a verdict on the code), GoroutineLeak (the\n"+
		"faithful port got it now and then before kern counted thread exits exactly; still ignored as a precaution) and\n"+
		"Crash (the killer process died of a Go fatal error, which no recover catches and which does not say which\n"+
		"execution caused it; the killer is restarted for the rest of the budget). Crashes came from the harness itself:\n"+
		"its native mode raced on the maps of its target's jail bookkeeping, which a mutex now guards (harness/target.go).\n"+
		"The handling stays as a safeguard. %s\n"+
		"`Hang` is an execution that did not finish in 20 s (a native deadlock or livelock: free goroutines cannot be\n"+
		"stopped, so the driver reports and exits). Spec mode: %s.\n\n", mx.BaselineX, crashNote(mx), mx.Mode)
	fmt.Fprintf(&b, "Kill set (%d scenarios): the harness's named scenarios, the `x-` scenarios of `mutants/scenarios.go` (each aimed\n"+
		"at one code path and built so that the faithful port passes it under every schedule: sequential, or with the\n"+
		"racing thread gated on a name only the set-up creates) and seeded random scenarios (3 threads × 4 operations over all families, with jails,\n"+
		"renames and clone listing). Strategies: native (free goroutines, one execution after another), random walk,\n"+
		"PCT (depth 3; its step estimate k is, per scenario, the longest execution of it the cell has seen, 2000 before the\n"+
		"first), DFS (preemption bound 2, at most 20000 schedules per scenario, round-robin over the scenarios).\n\n", len(mx.Scenarios))

	b.WriteString("## Catalogue\n\n| id | name | file | bug | FreeBSD history it echoes |\n|---|---|---|---|---|\n")
	for _, r := range mx.Rows {
		h := r.History
		if h == "" {
			h = "—"
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s |\n", r.ID, r.Name, r.File, md(r.Description), md(h))
	}

	fmt.Fprintf(&b, "\n## Kill matrix (budget %.0f s per cell)\n\n", mx.Budget)
	b.WriteString("Each cell: verdict kind, executions and seconds to the first kill; `—` not killed within the budget (executions run).\n\n")
	b.WriteString("| mutant |")
	for _, s := range mx.Strategies {
		fmt.Fprintf(&b, " %s |", s)
	}
	b.WriteString(" killing scenario (first strategy that killed) |\n|---|")
	for range mx.Strategies {
		b.WriteString("---|")
	}
	b.WriteString("---|\n")
	for _, r := range mx.Rows {
		fmt.Fprintf(&b, "| %s `%s` |", r.ID, r.Name)
		if r.BuildError != "" {
			for range mx.Strategies {
				b.WriteString(" build error |")
			}
			b.WriteString(" |\n")
			continue
		}
		first := ""
		firstT := math.Inf(1)
		for _, s := range mx.Strategies {
			c := r.Cells[s]
			switch {
			case c == nil:
				b.WriteString(" |")
			case c.Error != "":
				b.WriteString(" error |")
			case c.Killed:
				fmt.Fprintf(&b, " **%s** %d ex, %s |", c.Kind, c.Executions, secs(c.Seconds))
				if c.Seconds < firstT {
					firstT, first = c.Seconds, fmt.Sprintf("%s: %s", c.Scenario, c.Summary)
				}
			default:
				ex := ""
				if c.Exhausted {
					ex = ", exhausted"
				}
				fmt.Fprintf(&b, " — (%d ex%s) |", c.Executions, ex)
			}
		}
		fmt.Fprintf(&b, " %s |\n", md(abbrevN(first, 140)))
	}

	b.WriteString("\n## Native stress vs controlled scheduling\n\nTime to kill under native stress divided by the best controlled strategy's time to kill " +
		"(a ratio below 1: native was faster). The last column is the fastest controlled kill: strategy, verdict and scenario.\n\n" +
		"| mutant | ratio | note | fastest controlled kill |\n|---|---|---|---|\n")
	for _, r := range mx.Rows {
		ratio := "—"
		if r.NativeRatio != nil {
			ratio = fmt.Sprintf("%.2f", *r.NativeRatio)
		}
		best := "—"
		if c := bestControlled(r); c != nil {
			best = fmt.Sprintf("%s %s, %s: %s", c.Strategy, secs(c.Seconds), c.Kind, c.Scenario)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.ID, ratio, r.RatioNote, md(best))
	}

	b.WriteString("\n## Baseline (the faithful port)\n\n| strategy | executions | seconds | scenarios with a failing verdict |\n|---|---|---|---|\n")
	for _, s := range mx.Strategies {
		r := mx.Baseline[s]
		if r == nil {
			continue
		}
		fmt.Fprintf(&b, "| %s | %d | %.1f | %d |\n", s, r.Executions, r.ElapsedSec, len(Observed(r)))
	}
	b.WriteString("\nExcluded (scenario: verdict kinds the baseline produced):\n\n")
	var names []string
	for s := range mx.Excluded {
		names = append(names, s)
	}
	sort.Strings(names)
	for _, s := range names {
		var ks []string
		for _, k := range mx.Excluded[s] {
			ks = append(ks, string(k))
		}
		fmt.Fprintf(&b, "- `%s`: %s\n", s, strings.Join(ks, ", "))
	}
	fmt.Fprintf(&b, "\nCampaign time: %.0f s.\n", mx.Elapsed)

	if len(mx.Removed) > 0 {
		b.WriteString("\n## Equivalent mutants (removed)\n\n" +
			"These mutants of an earlier catalogue survived every strategy, and reading the code shows why: no execution of\n" +
			"this emulation can tell them from the faithful port. Each was replaced, under the same ID, by a realistic variant\n" +
			"of the same bug class that the kill set reaches. Their rules stay in `catalogue.go` (`removed`), checked by\n" +
			"TestMutantRulesApplyExactlyOnce, so that each reason keeps pointing at code that exists.\n\n" +
			"| former id | name | bug | replaced by | why it is equivalent here |\n|---|---|---|---|---|\n")
		for _, r := range mx.Removed {
			fmt.Fprintf(&b, "| %s | `%s` | %s | `%s` | %s |\n", r.ID, r.Name, md(r.Description), r.ReplacedBy, md(r.Reason))
		}
	}
	return b.String()
}

// crashNote says how many killer crashes this campaign saw.
func crashNote(mx *Matrix) string {
	base, cells := mx.Crashes()
	if base+cells == 0 {
		return "It no longer occurs: no killer crashed in this campaign."
	}
	return fmt.Sprintf("Killer crashes in this campaign: %d in the baseline survey, %d in the cells.", base, cells)
}

func secs(s float64) string {
	if s < 1 {
		return fmt.Sprintf("%.0f ms", s*1000)
	}
	return fmt.Sprintf("%.2f s", s)
}

func md(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", "\\|"), "\n", " ") }

func abbrevN(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
