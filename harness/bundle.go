// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"kcheck/kern"
	"kcheck/linearize"
	"kcheck/model"
)

// Meta is bundle.json: how the execution was run, so that it replays.
type Meta struct {
	Kind    Kind   `json:"kind"`
	Summary string `json:"summary"`
	// Verdicts are all the execution's verdicts (Kind is the first's).
	Verdicts []Verdict `json:"verdicts,omitempty"`
	Strategy string    `json:"strategy"` // e.g. "pct seed=3 depth=3 steps=400"
	Native   bool      `json:"native,omitempty"`
	Mode     string    `json:"mode"`
	MaxSteps int64     `json:"max_steps"`
	Steps    int64     `json:"steps"`
	Schedule string    `json:"schedule"`
	Created  time.Time `json:"created"`
}

// Bundle files.
const (
	fileScenario = "scenario.json"
	fileSchedule = "schedule"
	fileMeta     = "bundle.json"
	fileHistory  = "history.json"
	fileHTML     = "history.html"
	fileReport   = "report.txt"
)

// WriteBundle writes a failure bundle for ex into a new directory under
// dir and returns its path. The bundle is written in a temporary
// directory and renamed into place, so a killed run never leaves half of
// one.
func WriteBundle(dir string, ex *Execution, cfg Config, strategy string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	name := fmt.Sprintf("%s-%s-%s-%04x", sanitize(ex.Scenario.Name), ex.Kind, time.Now().UTC().Format("20060102T150405.000000000"), rand.Uint32()&0xffff)
	// The pid in the temporary name lets a campaign remove what a worker
	// process it killed mid-write left (RemoveWorkerTemps).
	tmp, err := os.MkdirTemp(dir, fmt.Sprintf(".tmp-%s-p%d-", name, os.Getpid()))
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp) // no-op once renamed
	meta := Meta{Kind: ex.Kind, Summary: ex.Summary, Verdicts: verdictsBrief(ex.Verdicts), Strategy: strategy, Native: cfg.Native,
		Mode: cfg.Mode.String(), MaxSteps: cfg.MaxSteps, Steps: ex.Steps, Schedule: ex.Schedule.String(), Created: time.Now().UTC()}
	if err := writeJSON(filepath.Join(tmp, fileScenario), ex.Scenario); err != nil {
		return "", err
	}
	if err := writeJSON(filepath.Join(tmp, fileMeta), meta); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(tmp, fileSchedule), []byte(ex.Schedule.String()+"\n"), 0o644); err != nil {
		return "", err
	}
	tg, err := TargetOf(ex.Scenario.Target)
	if err != nil {
		return "", err
	}
	var hb bytes.Buffer
	if err := tg.WriteHistory(&hb, ex.Events); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(tmp, fileHistory), hb.Bytes(), 0o644); err != nil {
		return "", err
	}
	if err := WriteHTML(filepath.Join(tmp, fileHTML), ex, cfg.Mode); err != nil {
		return "", err
	}
	final := filepath.Join(dir, name)
	if err := os.WriteFile(filepath.Join(tmp, fileReport), []byte(Report(ex, strategy, final)), 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", err
	}
	return final, nil
}

// RemoveWorkerTemps removes the temporary directories a killed process
// pid left in dir while writing bundles.
func RemoveWorkerTemps(dir string, pid int) {
	if dir == "" {
		return
	}
	m, _ := filepath.Glob(filepath.Join(dir, fmt.Sprintf(".tmp-*-p%d-*", pid)))
	for _, p := range m {
		os.RemoveAll(p)
	}
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func sanitize(s string) string {
	if s == "" {
		return "scenario"
	}
	return strings.Map(func(r rune) rune {
		if r == '/' || r == ' ' || r == os.PathSeparator {
			return '_'
		}
		return r
	}, s)
}

// Annotations builds the HTML picture's annotations: panics, WITNESS
// reports and each thread's run stretches.
func Annotations(ex *Execution) []linearize.Annotation {
	var end int64
	for _, op := range ex.Events {
		if op.Return != linearize.Infinity && op.Return > end {
			end = op.Return
		}
		if op.Call > end {
			end = op.Call
		}
	}
	anns := linearize.RunAnnotations(ex.Switches, end+1)
	if ex.Run != nil && ex.Run.Panic != nil {
		p := ex.Run.Panic
		th := ex.TidOf[p.Tid]
		if th < 0 {
			th = 0
		}
		kind := linearize.Panic
		if p.Witness != nil {
			kind = linearize.Witness
		}
		at := kern.StepTime(p.Step)
		anns = append(anns, linearize.Annotation{Kind: kind, Thread: th, Start: at, End: at + 1, Text: string(ex.Kind), Details: p.Msg})
	}
	return anns
}

// WriteHTML draws the history with porcupine's visualization (checking
// it against the target's model in mode if the execution did not).
func WriteHTML(path string, ex *Execution, mode model.Mode) error {
	c := ex.Checked
	if c == nil {
		tg, err := TargetOf(ex.Scenario.Target)
		if err != nil {
			return err
		}
		c = tg.Check(ex.Scenario, ex.Events, mode, linearize.Options{Timeout: 10 * time.Second})
	}
	return c.WriteHTML(path, Annotations(ex))
}

// Report is report.txt: the verdict, the details, the interleaving per
// thread and the command that replays the bundle.
func Report(ex *Execution, strategy, bundle string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "verdict:  %s\nsummary:  %s\nscenario: %s (%d threads, %d ops)\nstrategy: %s\nsteps:    %d\nschedule: %s\n\n",
		ex.Kind, ex.Summary, ex.Scenario.Name, len(ex.Scenario.Threads), ex.Scenario.Ops(), strategy, ex.Steps, ex.Schedule)
	if len(ex.Verdicts) > 1 {
		fmt.Fprintf(&b, "verdicts: %d\n", len(ex.Verdicts))
		for i, v := range ex.Verdicts {
			fmt.Fprintf(&b, "  %d. %s (%s): %s\n     identity: %s\n", i+1, v.Kind, v.Phase, v.Summary, v.Identity)
		}
		b.WriteString("\n")
		for i, v := range ex.Verdicts {
			if v.Details != "" {
				fmt.Fprintf(&b, "details of verdict %d, %s (%s):\n%s\n\n", i+1, v.Kind, v.Phase, indent(v.Details))
			}
		}
	} else {
		if len(ex.Verdicts) == 1 {
			fmt.Fprintf(&b, "verdicts: 1\n  1. %s (%s): %s\n     identity: %s\n\n", ex.Verdicts[0].Kind, ex.Verdicts[0].Phase, ex.Verdicts[0].Summary, ex.Verdicts[0].Identity)
		}
		if ex.Details != "" {
			fmt.Fprintf(&b, "details:\n%s\n\n", indent(ex.Details))
		}
	}
	// Times: the scheduling step in a controlled run, microseconds since
	// the kernel was made in a native one (its clock is wall time).
	unit := func(t int64) int64 { return t >> kern.ClockShift }
	if ex.Native {
		b.WriteString("history (call..return in µs, thread, operation -> result):\n")
		unit = func(t int64) int64 { return t / 1000 }
	} else {
		b.WriteString("history (call..return, thread, operation -> result):\n")
	}
	h := append(Events(nil), ex.Events...)
	sort.Slice(h, func(i, j int) bool { return h[i].Call < h[j].Call })
	for _, op := range h {
		ret := "inf"
		if op.Return != linearize.Infinity {
			ret = fmt.Sprint(unit(op.Return))
		}
		fmt.Fprintf(&b, "  [%6d..%6s] t%d  %s -> %s\n", unit(op.Call), ret, op.Thread, op.Input, op.outString())
	}
	if len(ex.Trace) > 0 {
		b.WriteString("\ninterleaving (one column per thread; at each step the seed's C function\n" +
			"and line (if_clone.c:N), or elsewhere the Go function and the port's file:line,\n" +
			"then the scheduling point):\n")
		b.WriteString(Interleaving(ex))
	}
	fmt.Fprintf(&b, "\nreplay: kcheck replay %s\n", bundle)
	return b.String()
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}

// Interleaving renders the trace as one column per thread.
func Interleaving(ex *Execution) string {
	tg, _ := TargetOf(ex.Scenario.Target)
	cols := map[int]int{}
	var order []int
	for _, ev := range ex.Trace {
		if _, ok := cols[ev.Tid]; !ok {
			cols[ev.Tid] = len(order)
			order = append(order, ev.Tid)
		}
	}
	const w = 52
	var b strings.Builder
	b.WriteString("  step  ")
	for _, tid := range order {
		name := fmt.Sprintf("tid %d", tid)
		if th, ok := ex.TidOf[tid]; ok && th >= 0 {
			name = fmt.Sprintf("t%d", th)
		} else if ok {
			name = "setup/teardown"
		}
		fmt.Fprintf(&b, "%-*s", w, name)
	}
	b.WriteString("\n")
	for _, ev := range ex.Trace {
		fmt.Fprintf(&b, "  %5d ", ev.Step)
		cell := traceCell(tg, ev)
		if len(cell) > w-1 {
			cell = cell[:w-1]
		}
		for i := range order {
			if i == cols[ev.Tid] {
				fmt.Fprintf(&b, "%-*s", w, cell)
			} else {
				fmt.Fprintf(&b, "%-*s", w, "")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// traceCell renders one scheduling point as "Function:line what(lock)",
// the C function's name first (the target's CLocation) so that it
// survives the column width.
func traceCell(tg Target, ev kern.TraceEvent) string {
	what := ev.What
	if ev.Lock != "" {
		what += "(" + ev.Lock + ")"
	}
	loc := ev.Where
	if loc.File == "" {
		return what + " " + loc.String()
	}
	fn := loc.Func
	if cfn, cline, ok := cLocation(tg, loc); ok {
		// The C function, and the C line making the same call, when
		// the target knows one.
		if cline != "" {
			return cfn + " " + cline + " " + what
		}
		fn = cfn
	} else if i := strings.LastIndexByte(fn, '.'); i >= 0 {
		fn = fn[i+1:]
	}
	file := loc.File
	if j := strings.LastIndexByte(file, '/'); j >= 0 {
		file = file[j+1:]
	}
	return fn + " " + file + ":" + strconv.Itoa(loc.Line) + " " + what
}

func cLocation(tg Target, where kern.Location) (string, string, bool) {
	if tg == nil {
		return "", "", false
	}
	return tg.CLocation(where)
}

// LoadedBundle is a bundle read back.
type LoadedBundle struct {
	Dir      string
	Scenario *Scenario
	Meta     Meta
	Schedule kern.Schedule
	History  linearize.History
}

// ReadBundle reads a bundle directory.
func ReadBundle(dir string) (*LoadedBundle, error) {
	scn, err := LoadScenario(filepath.Join(dir, fileScenario))
	if err != nil {
		return nil, err
	}
	lb := &LoadedBundle{Dir: dir, Scenario: scn}
	mb, err := os.ReadFile(filepath.Join(dir, fileMeta))
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(mb))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&lb.Meta); err != nil {
		return nil, fmt.Errorf("%s: %w", fileMeta, err)
	}
	if _, err := ParseKind(string(lb.Meta.Kind)); err != nil {
		return nil, fmt.Errorf("%s: %w", fileMeta, err)
	}
	if _, err := model.ParseMode(lb.Meta.Mode); err != nil {
		return nil, fmt.Errorf("%s: %w", fileMeta, err)
	}
	if lb.Meta.MaxSteps < 0 {
		return nil, fmt.Errorf("%s: max_steps %d: want 0 or more", fileMeta, lb.Meta.MaxSteps)
	}
	sb, err := os.ReadFile(filepath.Join(dir, fileSchedule))
	if err != nil {
		return nil, err
	}
	if lb.Schedule, err = kern.ParseSchedule(string(sb)); err != nil {
		return nil, err
	}
	if _, ok := scn.target().(ifcloneTarget); !ok {
		// Only ifclone's history.json is read back (linearize's format);
		// a replay re-records any target's history.
		return lb, nil
	}
	if f, err := os.Open(filepath.Join(dir, fileHistory)); err == nil {
		lb.History, err = linearize.ReadJSON(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fileHistory, err)
		}
	}
	return lb, nil
}

// ReplayWatchdog bounds each run phase of a replay (and of minimization's
// executions): a Hang bundle replays as a Hang instead of hanging.
var ReplayWatchdog = 10 * time.Second

// Replay re-runs a bundle's execution with its recorded schedule (and the
// trace on, for the interleaving). It returns the execution and how the
// replay diverged from the schedule, if it did.
func Replay(lb *LoadedBundle) (*Execution, string, error) {
	mode, err := model.ParseMode(lb.Meta.Mode)
	if err != nil {
		return nil, "", err
	}
	if lb.Meta.Kind == Crash {
		return nil, "", fmt.Errorf("bundle %s records a Crash: its schedule is the prefix up to the death of a worker process, and replaying it here would end kcheck too; run its scenario with 'kcheck run --isolate --scenario %s'", lb.Dir, filepath.Join(lb.Dir, fileScenario))
	}
	if lb.Meta.Native {
		return nil, "", fmt.Errorf("bundle %s comes from a native run, which has no schedule to replay; run its scenario under a controlled strategy", lb.Dir)
	}
	rp := kern.NewReplay(lb.Schedule)
	cfg := Config{Chooser: rp, Mode: mode, MaxSteps: lb.Meta.MaxSteps, Trace: true, Watchdog: ReplayWatchdog}
	ex := Execute(lb.Scenario, cfg)
	return ex, rp.Diverged(), nil
}

// verdictsBrief is the verdicts without their details (which go to
// report.txt), for bundle.json.
func verdictsBrief(vs []Verdict) []Verdict {
	out := make([]Verdict, len(vs))
	for i, v := range vs {
		v.Details = ""
		out[i] = v
	}
	return out
}
