// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"kcheck/kern"
	"kcheck/model"
)

// MinimizeConfig bounds a minimization.
type MinimizeConfig struct {
	// Budget is the number of executions minimization may spend
	// (0: 1000). The final traced re-execution is not counted.
	Budget       int
	Mode         model.Mode
	MaxSteps     int64
	CheckTimeout time.Duration
	// Log, if set, receives one line per accepted reduction.
	Log func(string)
	// Identity is the verdict identity (Verdict.Identity) the minimized
	// counterexample must still reach; "" means that of the original
	// execution's headline verdict (the first of kind Execution.Kind).
	Identity string
	// Label, if set, names the finding an execution shows (a labeller,
	// e.g. triage's); a candidate is then kept only if it has the same
	// label as the original, whatever its identities.
	Label func(*Execution) string
	// KindOnly keeps any candidate whose first verdict has the original's
	// kind, as minimisation did before identities: a candidate may then
	// drift to another bug of the same kind. For comparisons only.
	KindOnly bool
}

// Size measures a counterexample; smaller is simpler. Scenario size
// (threads, operations, jails) comes first, then the schedule's context
// switches, then its decisions.
type Size struct {
	Threads   int `json:"threads"`
	Ops       int `json:"ops"`
	Jails     int `json:"jails"`
	Switches  int `json:"switches"`
	Decisions int `json:"decisions"`
}

func (s Size) String() string {
	return fmt.Sprintf("%d threads, %d ops, %d jails, %d context switches in %d decisions",
		s.Threads, s.Ops, s.Jails, s.Switches, s.Decisions)
}

func sizeOf(scn *Scenario, sched kern.Schedule) Size {
	return Size{Threads: len(scn.Threads), Ops: scn.Ops(), Jails: len(scn.Jails),
		Switches: sched.Switches(), Decisions: len(sched)}
}

// less orders sizes: the scenario first, then the schedule.
func (s Size) less(o Size) bool {
	a := [...]int{s.Ops, s.Threads, s.Jails, s.Switches, s.Decisions}
	b := [...]int{o.Ops, o.Threads, o.Jails, o.Switches, o.Decisions}
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// MinimizeResult is a minimized counterexample.
type MinimizeResult struct {
	Kind Kind
	// Identity is the verdict identity kept (or Label the finding label,
	// when a labeller was given).
	Identity string
	Label    string
	Scenario *Scenario
	Schedule kern.Schedule
	// Execution is the minimized counterexample run once more with the
	// trace on (for the report's interleaving).
	Execution *Execution
	Original  Size
	Minimized Size
	// Executions spent (within the budget).
	Executions int
	// Reductions lists the accepted steps, in order.
	Reductions []string
	// Unshrunk says what could not be removed and why: each operation,
	// thread, jail and merge of the last round that loses the bug, and a
	// budget spent before a fixpoint.
	Unshrunk []string
}

// decisionInfo is where one decision of a run was taken.
type decisionInfo struct {
	step int64
	prev int
}

// recordingChooser wraps a chooser and notes the step and the thread
// that reached each decision, so that the decisions taken inside one
// operation can be found.
type recordingChooser struct {
	inner kern.Chooser
	decs  []decisionInfo
}

func (r *recordingChooser) Choose(d *kern.Decision) int {
	r.decs = append(r.decs, decisionInfo{step: d.Step, prev: d.Prev})
	return r.inner.Choose(d)
}

// minimizer holds the current smallest counterexample.
type minimizer struct {
	cfg      MinimizeConfig
	kind     Kind
	identity string
	label    string
	used     int
	// unshrunk collects, in the current round, the reductions tried and
	// refused because the candidate lost the bug.
	unshrunk []string

	scn   *Scenario
	sched kern.Schedule
	ex    *Execution
	decs  []decisionInfo
	log   []string
}

// Minimize shrinks scn and sched while the bug stays what replaying them
// gives: it removes whole threads, merges one thread's operations into
// another's, removes setup jails and single operations, then shortens the
// schedule (truncating its tail, the rest falling back to the lowest
// runnable thread) and removes context switches. Every candidate is
// re-executed under kern.NewReplay; one is kept only if it is smaller and
// still reaches the original verdict's identity (Verdict.Identity: the
// panic's place and message, the phase, the operations of a
// non-linearizable partition ...; see MinimizeConfig for the label and
// kind-only alternatives), so that it cannot drift to another bug of the
// same kind.
func Minimize(scn *Scenario, sched kern.Schedule, cfg MinimizeConfig) (*MinimizeResult, error) {
	if cfg.Budget <= 0 {
		cfg.Budget = 1000
	}
	if err := scn.Validate(); err != nil {
		return nil, err
	}
	m := &minimizer{cfg: cfg}
	ex, rc := m.exec(scn, sched)
	if ex.Kind == Pass {
		return nil, fmt.Errorf("scenario %q passes under this schedule: nothing to minimize", scn.Name)
	}
	m.kind = ex.Kind
	m.identity = cfg.Identity
	if m.identity == "" {
		m.identity = ex.headline().Identity
	}
	if m.identity != "" && !ex.HasIdentity(m.identity) {
		return nil, fmt.Errorf("scenario %q does not reach verdict %q under this schedule (it gives %s)", scn.Name, m.identity, ex.VerdictKinds())
	}
	for _, v := range ex.Verdicts {
		if v.Identity == m.identity {
			m.kind = v.Kind
			break
		}
	}
	if cfg.Label != nil {
		m.label = cfg.Label(ex)
	}
	m.accept(scn, ex, rc, "")
	orig := sizeOf(scn, m.sched)

	fixpoint := false
	for m.left() {
		before := sizeOf(m.scn, m.sched)
		m.unshrunk = m.unshrunk[:0]
		m.removeThreads()
		m.mergeThreads()
		m.removeJails()
		m.removeOps()
		m.truncate()
		m.reduceSwitches()
		if !sizeOf(m.scn, m.sched).less(before) {
			fixpoint = true
			break
		}
	}
	unshrunk := append([]string(nil), m.unshrunk...)
	if !fixpoint {
		unshrunk = append(unshrunk, fmt.Sprintf("budget of %d executions spent before a fixpoint: more may shrink", m.cfg.Budget))
	}

	// Once more with the trace on, for the report.
	final := Execute(m.scn, m.config(kern.NewReplay(m.sched), true))
	if !m.keeps(final) {
		return nil, fmt.Errorf("minimized counterexample does not reproduce: %s, want %s", final.VerdictKinds(), m.want())
	}
	min := *m.scn
	if !strings.HasSuffix(min.Name, "-min") {
		min.Name += "-min"
	}
	final.Scenario = &min
	return &MinimizeResult{Kind: m.kind, Identity: m.identity, Label: m.label, Scenario: &min, Schedule: final.Schedule, Execution: final,
		Original: orig, Minimized: sizeOf(&min, final.Schedule), Executions: m.used, Reductions: m.log, Unshrunk: unshrunk}, nil
}

// keeps reports whether a candidate execution still shows the bug being
// minimized.
func (m *minimizer) keeps(ex *Execution) bool {
	switch {
	case m.cfg.Label != nil:
		return ex.Kind != Pass && m.cfg.Label(ex) == m.label
	case m.cfg.KindOnly || m.identity == "":
		return ex.Kind == m.kind
	}
	return ex.HasIdentity(m.identity)
}

// refused notes a scenario reduction that lost the bug (schedule
// reductions are too many to list).
func (m *minimizer) refused(what string, ex *Execution) {
	if !strings.HasPrefix(what, "removed") && !strings.HasPrefix(what, "merged") {
		return
	}
	ids := make([]string, 0, len(ex.Verdicts))
	for _, v := range ex.Verdicts {
		ids = append(ids, v.Identity)
	}
	if len(ids) == 0 {
		ids = append(ids, string(ex.Kind))
	}
	line := what + ": loses the bug (gives " + strings.Join(ids, "; ") + ")"
	for _, u := range m.unshrunk {
		if strings.HasPrefix(u, what+":") {
			return
		}
	}
	m.unshrunk = append(m.unshrunk, line)
}

// want describes what keeps checks, for messages.
func (m *minimizer) want() string {
	switch {
	case m.cfg.Label != nil:
		return fmt.Sprintf("label %q", m.label)
	case m.cfg.KindOnly || m.identity == "":
		return string(m.kind)
	}
	return fmt.Sprintf("verdict %q", m.identity)
}

// MinimizeBundle minimizes a bundle's counterexample. The bundle must
// replay to its recorded verdict kind.
func MinimizeBundle(lb *LoadedBundle, budget int) (*MinimizeResult, error) {
	if lb.Meta.Native {
		return nil, fmt.Errorf("bundle %s comes from a native run: it has no schedule to minimize", lb.Dir)
	}
	mode, err := model.ParseMode(lb.Meta.Mode)
	if err != nil {
		return nil, err
	}
	if lb.Meta.Kind == Pass {
		return nil, fmt.Errorf("bundle %s records a pass: nothing to minimize", lb.Dir)
	}
	rex := Execute(lb.Scenario, Config{Chooser: kern.NewReplay(lb.Schedule), Mode: mode, MaxSteps: lb.Meta.MaxSteps, Watchdog: ReplayWatchdog})
	if rex.Kind != lb.Meta.Kind {
		return nil, fmt.Errorf("bundle %s does not reproduce: replay gives %s, the bundle records %s", lb.Dir, rex.Kind, lb.Meta.Kind)
	}
	return Minimize(lb.Scenario, lb.Schedule, MinimizeConfig{Budget: budget, Mode: mode, MaxSteps: lb.Meta.MaxSteps})
}

func (m *minimizer) left() bool { return m.used < m.cfg.Budget }

func (m *minimizer) config(ch kern.Chooser, trace bool) Config {
	return Config{Chooser: ch, Mode: m.cfg.Mode, MaxSteps: m.cfg.MaxSteps, CheckTimeout: m.cfg.CheckTimeout, Trace: trace, Watchdog: ReplayWatchdog}
}

func (m *minimizer) exec(scn *Scenario, sched kern.Schedule) (*Execution, *recordingChooser) {
	m.used++
	rc := &recordingChooser{inner: kern.NewReplay(sched)}
	return Execute(scn, m.config(rc, false)), rc
}

func (m *minimizer) accept(scn *Scenario, ex *Execution, rc *recordingChooser, what string) {
	m.scn, m.ex, m.sched, m.decs = scn, ex, ex.Schedule, rc.decs
	if what != "" {
		line := fmt.Sprintf("%s -> %s", what, sizeOf(scn, ex.Schedule))
		m.log = append(m.log, line)
		if m.cfg.Log != nil {
			m.cfg.Log(line)
		}
	}
}

// try runs a candidate and keeps it if it keeps the verdict kind and is
// smaller than the current counterexample.
func (m *minimizer) try(scn *Scenario, sched kern.Schedule, what string) bool {
	if !m.left() {
		return false
	}
	// A candidate that no longer makes sense (an operation left in a jail
	// whose vnet_create was removed) is not run: its bundle could not be
	// loaded again.
	if scn.Validate() != nil {
		return false
	}
	ex, rc := m.exec(scn, sched)
	if !m.keeps(ex) {
		m.refused(what, ex)
		return false
	}
	if !sizeOf(scn, ex.Schedule).less(sizeOf(m.scn, m.sched)) {
		return false
	}
	m.accept(scn, ex, rc, what)
	return true
}

// tidOf is the kernel tid that ran scenario thread th in the current
// counterexample (-1 if none).
func (m *minimizer) tidOf(th int) int {
	for tid, i := range m.ex.TidOf {
		if i == th {
			return tid
		}
	}
	return -1
}

func cloneScenario(s *Scenario) *Scenario {
	c := *s
	c.Jails = append([]int(nil), s.Jails...)
	c.Threads = make([][]Op, len(s.Threads))
	for i, th := range s.Threads {
		c.Threads[i] = append([]Op(nil), th...)
	}
	return &c
}

// removeThreads drops whole threads, last first. Threads are created in
// order, so the tids after the removed one shift down by one.
func (m *minimizer) removeThreads() {
	for th := len(m.scn.Threads) - 1; th >= 0 && len(m.scn.Threads) > 1; th-- {
		if th >= len(m.scn.Threads) {
			continue
		}
		cand := cloneScenario(m.scn)
		cand.Threads = append(cand.Threads[:th], cand.Threads[th+1:]...)
		tid := m.tidOf(th)
		var sched kern.Schedule
		for _, c := range m.sched {
			switch {
			case tid >= 0 && int(c) == tid:
			case tid >= 0 && int(c) > tid:
				sched = append(sched, c-1)
			default:
				sched = append(sched, c)
			}
		}
		m.try(cand, sched, fmt.Sprintf("removed thread t%d", th))
	}
}

// mergeThreads moves all operations of one thread to the end of
// another's (then to its start), so that a bug needing two operations in
// a row, not two threads, shows with fewer threads. The merged thread's
// decisions in the schedule go to the thread that absorbed it.
func (m *minimizer) mergeThreads() {
	for from := len(m.scn.Threads) - 1; from >= 1; from-- {
		for into := 0; into < from && from < len(m.scn.Threads); into++ {
			for _, atEnd := range []bool{true, false} {
				if from >= len(m.scn.Threads) {
					break
				}
				cand := cloneScenario(m.scn)
				moved := cand.Threads[from]
				if atEnd {
					cand.Threads[into] = append(cand.Threads[into], moved...)
				} else {
					cand.Threads[into] = append(append([]Op(nil), moved...), cand.Threads[into]...)
				}
				cand.Threads = append(cand.Threads[:from], cand.Threads[from+1:]...)
				tidFrom, tidInto := m.tidOf(from), m.tidOf(into)
				var sched kern.Schedule
				for _, c := range m.sched {
					switch {
					case tidFrom >= 0 && int(c) == tidFrom:
						sched = append(sched, int32(tidInto))
					case tidFrom >= 0 && int(c) > tidFrom:
						sched = append(sched, c-1)
					default:
						sched = append(sched, c)
					}
				}
				where := "end"
				if !atEnd {
					where = "start"
				}
				if m.try(cand, sched, fmt.Sprintf("merged t%d into t%d (at its %s)", from, into, where)) {
					break
				}
			}
		}
	}
}

// removeJails drops setup jails the operations can do without.
func (m *minimizer) removeJails() {
	for j := len(m.scn.Jails) - 1; j >= 0; j-- {
		if j >= len(m.scn.Jails) {
			continue
		}
		cand := cloneScenario(m.scn)
		jail := cand.Jails[j]
		cand.Jails = append(cand.Jails[:j], cand.Jails[j+1:]...)
		m.try(cand, m.sched, fmt.Sprintf("removed setup jail %d", jail))
	}
}

// removeOps drops single operations, last first in each thread. Each is
// tried with the current schedule, and then with the decisions taken
// inside the removed operation left out.
func (m *minimizer) removeOps() {
	for th := len(m.scn.Threads) - 1; th >= 0; th-- {
		for j := len(m.scn.Threads[th]) - 1; j >= 0; j-- {
			if th >= len(m.scn.Threads) || j >= len(m.scn.Threads[th]) {
				continue
			}
			if m.scn.Ops() == 1 {
				return
			}
			cand := cloneScenario(m.scn)
			op := cand.Threads[th][j]
			cand.Threads[th] = append(cand.Threads[th][:j], cand.Threads[th][j+1:]...)
			if len(cand.Threads[th]) == 0 && len(cand.Threads) > 1 {
				continue // removeThreads handles empty threads
			}
			what := fmt.Sprintf("removed t%d op %d (%s)", th, j, op)
			if m.try(cand, m.sched, what) {
				continue
			}
			if sched, ok := m.withoutOpDecisions(th, j); ok {
				m.try(cand, sched, what)
			}
		}
	}
}

// withoutOpDecisions is the current schedule less the decisions reached
// by thread th while it ran its j-th operation.
func (m *minimizer) withoutOpDecisions(th, j int) (kern.Schedule, bool) {
	tid := m.tidOf(th)
	if tid < 0 || len(m.decs) != len(m.sched) {
		return nil, false
	}
	n := 0
	var call, ret int64 = -1, -1
	h := append(Events(nil), m.ex.Events...)
	sort.Slice(h, func(a, b int) bool { return h[a].Call < h[b].Call })
	for _, op := range h {
		if op.Thread != th {
			continue
		}
		if n == j {
			call, ret = op.Call>>kern.ClockShift, op.Return>>kern.ClockShift
			break
		}
		n++
	}
	if call < 0 {
		return nil, false
	}
	var out kern.Schedule
	dropped := 0
	for i, d := range m.decs {
		if d.prev == tid && d.step >= call && d.step <= ret {
			dropped++
			continue
		}
		out = append(out, m.sched[i])
	}
	return out, dropped > 0
}

// truncate keeps a prefix of the schedule and lets the replay's fallback
// (the lowest runnable thread) choose the rest; the shortest prefix tried
// first.
func (m *minimizer) truncate() {
	n := len(m.sched)
	tried := map[int]bool{}
	for _, frac := range []int{0, 1, 2, 4, 8, 12, 14, 15} { // sixteenths
		l := n * frac / 16
		if tried[l] || l >= n {
			continue
		}
		tried[l] = true
		if m.try(m.scn, append(kern.Schedule(nil), m.sched[:l]...), fmt.Sprintf("truncated the schedule to %d of %d choices", l, n)) {
			return
		}
	}
}

// reduceSwitches tries to make each run of one thread in the schedule
// (a block) the previous or the next thread's instead, last block first.
func (m *minimizer) reduceSwitches() {
	for b := len(blocks(m.sched)) - 1; b >= 1; b-- {
		bl := blocks(m.sched)
		if b >= len(bl) {
			continue
		}
		for _, with := range []int{b - 1, b + 1} {
			if with >= len(bl) || bl[with].tid == bl[b].tid {
				continue
			}
			cand := append(kern.Schedule(nil), m.sched...)
			for i := bl[b].start; i < bl[b].end; i++ {
				cand[i] = bl[with].tid
			}
			if m.try(m.scn, cand, fmt.Sprintf("gave choices %d..%d to tid %d instead of %d", bl[b].start, bl[b].end-1, bl[with].tid, bl[b].tid)) {
				break
			}
		}
	}
}

type block struct {
	tid        int32
	start, end int
}

func blocks(s kern.Schedule) []block {
	var out []block
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] == s[i] {
			j++
		}
		out = append(out, block{tid: s[i], start: i, end: j})
		i = j
	}
	return out
}
