// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"kcheck/kern"
	"kcheck/linearize"
	"kcheck/model"
)

// A Symptom is what defines a finding, read from its bundle: the verdict
// kind and, for a panic, the message with thread names and addresses
// taken out (and, for a fault, the ported function that faulted); for a
// history that is not linearizable, the operation kinds of its scenario
// and the spec mode.
type Symptom struct {
	Finding string // "F6"
	Bundle  string
	Named   string // the named scenario the bundle comes from
	Kind    Kind
	Mode    model.Mode
	Panic   string   // normalised message (Panic)
	Where   string   // the ported function a fault happened in
	OpKinds []string // NotLinearizable: the scenario's operation kinds, sorted
	// Families are the cloner families the scenario's names belong to
	// (NotLinearizable), sorted.
	Families []string
	// Leaked are the cloning framework's malloc types the bundle leaks
	// (Leak: "clone", "Unitno"), sorted.
	Leaked []string
	// Spinning are two frames of a livelock's stack (Livelock): the
	// outermost driver function and the ported function it called, where
	// the emulated kernel loops.
	Spinning []string
	// FoldedInto is the finding this one's catalogue entry is folded into
	// (F7: F3), set from HuntConfig.Folded.
	FoldedInto string
}

func (s *Symptom) String() string {
	if s.FoldedInto != "" {
		c := *s
		c.FoldedInto = ""
		return c.String() + " (folded into " + s.FoldedInto + ": an " + s.FoldedInto + " form)"
	}
	switch s.Kind {
	case Panic:
		if s.Where != "" {
			return fmt.Sprintf("Panic %q in %s", s.Panic, s.Where)
		}
		return fmt.Sprintf("Panic %q", s.Panic)
	case NotLinearizable:
		switch s.Finding {
		case "F1":
			return "NotLinearizable under strict only (relaxed passes)"
		case "F2":
			return "NotLinearizable: a create answers with 0xde poison"
		}
		return fmt.Sprintf("NotLinearizable (%s) over %s on %s", s.Mode, strings.Join(s.OpKinds, ","), strings.Join(s.Families, ","))
	case Leak:
		return "Leak of " + strings.Join(s.Leaked, ", ") + " after teardown"
	case Livelock:
		return "Livelock in " + strings.Join(s.Spinning, " under ")
	}
	return string(s.Kind)
}

var (
	reThread  = regexp.MustCompile(`^(workload|teardown|setup|boot): (\w+) in [^:]+: `)
	reAddress = regexp.MustCompile(`0x[0-9a-f]+`)
	reFrame   = regexp.MustCompile(`(?m)^kcheck/((?:ifclone|vnet|unrhdr)[\w/]*)\.([\w.]+)\(`)
)

// normPanic is a panic summary without phase, thread and addresses.
func normPanic(summary string) string {
	s := reThread.ReplaceAllString(summary, "$2: ")
	return reAddress.ReplaceAllString(s, "0x?")
}

// spinning is where a livelock's stack loops: its outermost frame in a
// driver package and the ported frame that driver frame called (for F29,
// vlan.vnetVlanUninit and ifclone.IfCloneDetach); nil without a driver
// frame. The frames inside those vary with the point the budget ran out
// at; the ones outside with the path that reached the loop (a jail's
// removal, the last vnet's, a kldunload).
func spinning(details string) []string {
	ms := reFrame.FindAllStringSubmatch(details, -1)
	for i := len(ms) - 1; i > 0; i-- {
		if strings.Contains(ms[i][1], "/drivers/") {
			return []string{ms[i-1][1] + "." + ms[i-1][2], ms[i][1] + "." + ms[i][2]}
		}
	}
	return nil
}

// faultWhere is the innermost ported function of a panic's stack.
func faultWhere(details string) string {
	if m := reFrame.FindStringSubmatch(details); m != nil {
		return m[1] + "." + m[2]
	}
	return ""
}

// ReadSymptom reads the symptom of the finding whose bundle is dir (a
// directory named "F<n>-...").
func ReadSymptom(dir string) (*Symptom, error) {
	lb, err := ReadBundle(dir)
	if err != nil {
		return nil, err
	}
	mode, err := model.ParseMode(lb.Meta.Mode)
	if err != nil {
		return nil, err
	}
	id, _, _ := strings.Cut(filepath.Base(dir), "-")
	s := &Symptom{Finding: id, Bundle: dir, Named: lb.Scenario.Name, Kind: lb.Meta.Kind, Mode: mode}
	switch s.Kind {
	case Panic:
		ex, _, err := Replay(lb)
		if err != nil {
			return nil, err
		}
		if ex.Kind != Panic {
			return nil, fmt.Errorf("%s: replay gives %s, not the bundle's Panic", dir, ex.Kind)
		}
		s.Panic = normPanic(ex.Summary)
		if strings.Contains(s.Panic, "runtime error") {
			s.Where = faultWhere(ex.Details)
		}
	case NotLinearizable:
		set, fams := map[string]bool{}, map[string]bool{}
		for _, th := range lb.Scenario.Threads {
			for _, op := range th {
				set[op.Kind] = true
				in, _ := op.Input()
				for _, f := range opFamilies(in) {
					fams[f] = true
				}
			}
		}
		for k := range set {
			s.OpKinds = append(s.OpKinds, k)
		}
		sort.Strings(s.OpKinds)
		for f := range fams {
			s.Families = append(s.Families, f)
		}
		sort.Strings(s.Families)
	case Leak:
		s.Leaked = frameworkLeaks(lb.Meta.Summary)
		if len(s.Leaked) == 0 {
			return nil, fmt.Errorf("%s: the leak names none of the framework's types (clone, Unitno)", dir)
		}
	case Livelock:
		ex, _, err := Replay(lb)
		if err != nil {
			return nil, err
		}
		if s.Spinning = spinning(ex.Details); s.Spinning == nil {
			return nil, fmt.Errorf("%s: the livelock's stack has no driver frame", dir)
		}
	default:
		return nil, fmt.Errorf("%s: verdict %s has no symptom rule", dir, s.Kind)
	}
	return s, nil
}

// Matches reports whether ex shows the symptom. A panic matches by its
// normalised message (and faulting function). A history that is not
// linearizable matches when every operation kind of the finding occurs in
// it and the history cut down to those kinds (with the jail operations
// that make the vnets) is still not linearizable; F2's symptom, a create
// answering with freed memory's 0xde poison, and F1's, failing the strict
// spec while the relaxed one passes, are checked as such.
func (s *Symptom) Matches(ex *Execution) bool {
	if ex.Kind != s.Kind {
		return false
	}
	switch s.Kind {
	case Leak:
		got := map[string]bool{}
		for _, t := range frameworkLeaks(ex.Summary) {
			got[t] = true
		}
		for _, t := range s.Leaked {
			if !got[t] {
				return false
			}
		}
		return true
	case Livelock:
		return slices.Equal(spinning(ex.Details), s.Spinning)
	case Panic:
		if normPanic(ex.Summary) != s.Panic {
			return false
		}
		return s.Where == "" || faultWhere(ex.Details) == s.Where
	case NotLinearizable:
		if s.Finding == "F2" {
			for _, op := range ex.History {
				if PoisonedName(op.Output.Name) {
					return true
				}
			}
			return false
		}
		keep := map[string]bool{"vnet_create": true, "vnet_destroy": true}
		fams := map[string]bool{}
		for _, f := range s.Families {
			fams[f] = true
		}
		inFams := func(in model.Input) bool {
			for _, f := range opFamilies(in) {
				if !fams[f] {
					return false
				}
			}
			return true
		}
		have := map[string]bool{}
		for _, op := range ex.History {
			if inFams(op.Input) {
				have[op.Input.Kind()] = true
			}
		}
		for _, k := range s.OpKinds {
			if !have[k] {
				return false
			}
			keep[k] = true
		}
		var cut linearize.History
		for _, op := range ex.History {
			if k := op.Input.Kind(); k == "vnet_create" || k == "vnet_destroy" || keep[k] && inFams(op.Input) {
				cut = append(cut, op)
			}
		}
		if r := linearize.Check(Spec(s.Mode), cut, linearize.Options{Timeout: 5 * time.Second}); r.Verdict != linearize.Illegal {
			return false
		}
		if s.Finding == "F1" {
			r := linearize.Check(Spec(model.Relaxed), ex.History, linearize.Options{Timeout: 5 * time.Second})
			return r.Verdict == linearize.Ok
		}
		return true
	}
	return false
}

// opFamilies are the cloner families of an operation's names ("epair",
// "vlan" and its parent's for "epair0a.7" ...), by the footprint rules of
// the spec.
func opFamilies(in model.Input) []string {
	var keys []string
	for _, k := range Spec(model.Relaxed).Footprint(in).Keys {
		if !strings.HasPrefix(k, "name:") {
			keys = append(keys, k)
		}
	}
	return keys
}

// HuntConfig says how to run the rediscovery benchmark.
type HuntConfig struct {
	Dir      string        // bundles (testdata/findings)
	Only     []string      // finding ids to hunt (empty: all)
	Seeds    []uint64      // one campaign per seed
	Budget   time.Duration // per campaign
	Gen      GenConfig     // the default random scenarios
	Depth    int           // PCT depth (0: 3)
	Steps    int64         // PCT steps (0: fitted to each scenario, pctSteps)
	Parallel int           // campaigns at once (0: 1)
	Progress func(string)  // optional progress lines
	// Confirm, if set, asks the triage labeller about an execution that
	// shows the finding's symptom (see Confirmation): where labelling
	// cannot decide (the finding has no fix identity, or the labeller
	// failed) the symptom rule stands. The command line sets it from
	// package triage.
	Confirm func(finding string, req LabelRequest) (Confirmation, error)
	// Folded maps a finding to the one it is folded into (F7 -> F3).
	Folded map[string]string
}

// Confirmation is the labeller's answer about a symptom hit.
type Confirmation int

const (
	// Undecided: labelling cannot decide; the symptom rule stands.
	Undecided Confirmation = iota
	// Labelled: the label is the finding (or the one it is folded into).
	Labelled
	// Probably: the label names the finding as probable ("F2?"), beside
	// other probable findings: each one's fix removed the failure under a
	// capped search only. With the symptom it counts as a hit, shown apart.
	Probably
	// Otherwise: the label is something else; the campaign goes on.
	Otherwise
)

// HuntRun is one campaign's outcome for one finding.
type HuntRun struct {
	Seed       uint64
	Feedback   bool
	Found      bool
	Executions int64
	Elapsed    time.Duration // campaign time, labelling excluded
	// Identity says what decided the hit: "label" (the labeller named
	// the finding), "label?" (the labeller named it as probable, beside
	// others; the symptom agrees) or "symptom" (the symptom rule, where
	// labelling could not decide); empty when not found.
	Identity string
	// Rejected counts executions that showed the symptom but that the
	// labeller attributed to something else (the campaign went on).
	Rejected int
	// Labelling is the time spent asking the labeller.
	Labelling time.Duration
	// Undecided notes why labelling could not decide, if it could not.
	Undecided string
}

// HuntResult is a finding's runs.
type HuntResult struct {
	Symptom *Symptom
	Runs    []HuntRun
}

// Hunt runs, for every finding with a bundle, default random campaigns
// (PCT; random scenarios never are the named ones the bundles come from)
// until an execution shows the finding's symptom or the budget is spent,
// once per seed with coverage feedback and once without.
func Hunt(hc HuntConfig) ([]*HuntResult, error) {
	ents, err := os.ReadDir(hc.Dir)
	if err != nil {
		return nil, err
	}
	only := map[string]bool{}
	for _, o := range hc.Only {
		only[o] = true
	}
	var results []*HuntResult
	seen := map[string]bool{}
	for _, e := range ents {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "F") {
			continue
		}
		s, err := ReadSymptom(filepath.Join(hc.Dir, e.Name()))
		if err != nil {
			return nil, err
		}
		if len(only) > 0 && !only[s.Finding] || seen[s.Finding] {
			// One row per finding: its first bundle (by directory
			// name) gives the symptom; the labeller confirms every form.
			continue
		}
		seen[s.Finding] = true
		s.FoldedInto = hc.Folded[s.Finding]
		results = append(results, &HuntResult{Symptom: s})
	}
	sort.Slice(results, func(i, j int) bool {
		return findingNum(results[i].Symptom.Finding) < findingNum(results[j].Symptom.Finding)
	})
	type job struct {
		r  *HuntResult
		hr HuntRun
	}
	var jobs []*job
	for _, r := range results {
		for _, fb := range []bool{true, false} {
			for _, seed := range hc.Seeds {
				jobs = append(jobs, &job{r: r, hr: HuntRun{Seed: seed, Feedback: fb}})
			}
		}
	}
	par := max(1, hc.Parallel)
	var wg sync.WaitGroup
	ch := make(chan *job)
	var mu sync.Mutex
	for w := 0; w < par; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				huntOne(hc, j.r.Symptom, &j.hr)
				mu.Lock()
				j.r.Runs = append(j.r.Runs, j.hr)
				mu.Unlock()
				if hc.Progress != nil {
					hc.Progress(fmt.Sprintf("%s seed %d feedback=%v: found=%v after %d executions, %.1fs",
						j.r.Symptom.Finding, j.hr.Seed, j.hr.Feedback, j.hr.Found, j.hr.Executions, j.hr.Elapsed.Seconds()))
				}
			}
		}()
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	return results, nil
}

func findingNum(id string) int {
	n := 0
	fmt.Sscanf(strings.TrimPrefix(id, "F"), "%d", &n)
	return n
}

// huntOne is one campaign on one worker: draw, run, judge, until the
// symptom shows or the budget is spent.
func huntOne(hc HuntConfig, s *Symptom, hr *HuntRun) {
	start := time.Now()
	depth, steps := hc.Depth, hc.Steps
	if depth == 0 {
		depth = 3
	}
	var fb *feedback
	var cov coverageSet
	if hr.Feedback {
		fb = newFeedback(hc.Gen, hr.Seed)
	}
	rng := rand.New(rand.NewPCG(hr.Seed, 0x4a7e))
	for i := int64(0); time.Since(start) < hc.Budget; i++ {
		seed := rng.Uint64()
		var scn *Scenario
		if fb != nil {
			scn = fb.scenario(seed)
		} else {
			scn = RandomScenarioFor(seed, hc.Gen)
		}
		c := getCoverage()
		st := steps
		if st == 0 {
			st = pctSteps(scn)
		}
		ex := Execute(scn, Config{Chooser: kern.NewPCT(seed, depth, st), Mode: s.Mode, Coverage: c})
		hr.Executions = i + 1
		if s.Matches(ex) {
			if hc.Confirm == nil {
				hr.Found, hr.Identity = true, "symptom"
				break
			}
			t0 := time.Now()
			c, err := hc.Confirm(s.Finding, LabelRequest{Scenario: scn, Schedule: ex.Schedule, Mode: s.Mode})
			hr.Labelling += time.Since(t0)
			start = start.Add(time.Since(t0)) // the budget is the campaign's, not the labeller's
			if err != nil {
				hr.Undecided = err.Error()
			}
			switch c {
			case Undecided:
				hr.Found, hr.Identity = true, "symptom"
			case Labelled:
				hr.Found, hr.Identity = true, "label"
			case Probably:
				hr.Found, hr.Identity = true, "label?"
			}
			if hr.Found {
				break
			}
			hr.Rejected++
		}
		if fb != nil {
			fb.reward(scn, cov.addKernel(c, nil))
		}
		putCoverage(c, ex.Kind)
	}
	hr.Elapsed = time.Since(start)
}

// pctSteps is the PCT step estimate for scn: PCT places its priority
// change points uniformly over the steps it is told, so an estimate far
// above the run's length wastes them past its end. An operation of this
// target takes about 45 scheduling points (BenchmarkCoverageCost's
// workload: 546 for 12 operations); setup and teardown are not counted.
func pctSteps(scn *Scenario) int64 {
	return min(500, max(60, 45*int64(scn.Ops())))
}

// HuntTable renders results as a markdown table: per finding and with or
// without feedback, how many of the seeds found it, and the median and
// worst executions and seconds to the first failure (a seed that did not
// find it within the budget counts as the budget, marked ">").
func HuntTable(results []*HuntResult, budget time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| finding | symptom | feedback | found | hit confirmed by | executions median / worst | seconds median / worst |\n")
	fmt.Fprintf(&b, "|---|---|---|---|---|---|---|\n")
	for _, r := range results {
		for _, fb := range []bool{true, false} {
			var runs []HuntRun
			found, rejected := 0, 0
			ids := map[string]int{}
			for _, run := range r.Runs {
				if run.Feedback == fb {
					runs = append(runs, run)
					rejected += run.Rejected
					if run.Found {
						found++
						ids[run.Identity]++
					}
				}
			}
			var idents []string
			for _, k := range []string{"label", "label?", "symptom"} {
				if ids[k] > 0 {
					idents = append(idents, fmt.Sprintf("%s %d", k, ids[k]))
				}
			}
			if rejected > 0 {
				idents = append(idents, fmt.Sprintf("%d symptom hits labelled otherwise", rejected))
			}
			ident := strings.Join(idents, ", ")
			if ident == "" {
				ident = "-"
			}
			n := len(runs)
			if n == 0 {
				continue
			}
			// Each figure's median and worst over the seeds, misses last:
			// they stand for "more than the budget".
			type fig struct {
				v     float64
				found bool
			}
			pick := func(get func(HuntRun) float64) (fig, fig) {
				var fs []fig
				for _, run := range runs {
					fs = append(fs, fig{get(run), run.Found})
				}
				sort.Slice(fs, func(i, j int) bool {
					if fs[i].found != fs[j].found {
						return fs[i].found
					}
					return fs[i].v < fs[j].v
				})
				return fs[(n-1)/2], fs[n-1]
			}
			mark := func(f fig) string {
				if f.found {
					return ""
				}
				return ">"
			}
			em, ew := pick(func(r HuntRun) float64 { return float64(r.Executions) })
			sm, sw := pick(func(r HuntRun) float64 { return r.Elapsed.Seconds() })
			onoff := "on"
			if !fb {
				onoff = "off"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %d/%d | %s | %s%.0f / %s%.0f | %s%.1f / %s%.1f |\n",
				r.Symptom.Finding, strings.ReplaceAll(r.Symptom.String(), "|", "\\|"), onoff, found, n, ident,
				mark(em), em.v, mark(ew), ew.v, mark(sm), sm.v, mark(sw), sw.v)
		}
	}
	fmt.Fprintf(&b, "\nBudget %s per campaign (labelling time excluded); \">\" marks a figure bounded by the budget (the finding did not show in every run). \"hit confirmed by\": label = the triage labeller attributed the failure to the finding; label? = it named the finding as probable, beside others (each one's fix removed the failure under a capped search only), and the symptom agrees; symptom = the symptom rule, where labelling cannot decide.\n", budget)
	return b.String()
}

// frameworkLeaks lists the cloning framework's malloc types (if_clone.c's
// M_CLONE "clone", subr_unit.c's M_UNIT "Unitno") a leak summary names.
func frameworkLeaks(summary string) []string {
	var out []string
	for _, t := range []string{"Unitno", "clone"} {
		if strings.Contains(summary, " "+t+": ") {
			out = append(out, t)
		}
	}
	return out
}
