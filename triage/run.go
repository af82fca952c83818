// SPDX-License-Identifier: BSD-2-Clause

package triage

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"kcheck/harness"
	"kcheck/kern"
	"kcheck/linearize"
	"kcheck/model"
)

// Request is what the fix runner (triage/internal/fixrun, built once per
// fix) is asked to do, as JSON on its standard input.
type Request struct {
	// Op is "label" (replay Scenario with Schedule; when the schedule no
	// longer applies and the diverged replay does not fail as Want, bounded
	// DFS on the scenario) or "survey" (explore each of Named with
	// Strategy and count the failure signatures).
	Op       string            `json:"op"`
	Scenario *harness.Scenario `json:"scenario,omitempty"`
	Schedule string            `json:"schedule,omitempty"`
	Mode     string            `json:"mode"`
	MaxSteps int64             `json:"max_steps,omitempty"`
	Want     string            `json:"want,omitempty"` // the failure's signature
	DFSBound int               `json:"dfs_bound"`
	// NoDFS (op "label"): when the schedule no longer applies and the
	// diverged replay does not fail as Want, answer NeedDFS instead of
	// exploring (the Labeler caches DFS answers per scenario and fix).
	NoDFS    bool                 `json:"no_dfs,omitempty"`
	DFSCap   int                  `json:"dfs_cap"`
	Named    []string             `json:"named,omitempty"`
	Strategy harness.StrategyKind `json:"strategy,omitempty"` // survey: dfs or pct
	Seeds    int                  `json:"seeds,omitempty"`    // survey: PCT runs per scenario
	// Find (op "find"): the scenarios to search, by DFS, for a failure
	// whose kind is not among the scenario's Expect kinds.
	Find []*harness.Scenario `json:"find,omitempty"`
}

// Response is the runner's answer.
type Response struct {
	ReplaySignature string `json:"replay_signature,omitempty"`
	Diverged        string `json:"diverged,omitempty"`
	Removed         bool   `json:"removed"`
	// Probable: the schedule did not apply and a capped DFS did not meet
	// the failure; the fix probably removes it, unproven.
	Probable     bool   `json:"probable,omitempty"`
	How          string `json:"how,omitempty"`
	DFSExplored  int    `json:"dfs_explored,omitempty"`
	DFSExhausted bool   `json:"dfs_exhausted,omitempty"`
	NeedDFS      bool   `json:"need_dfs,omitempty"`
	// Survey results, per scenario.
	Signatures map[string]map[string]int `json:"signatures,omitempty"`
	Explored   map[string]int            `json:"explored,omitempty"`
	Exhausted  map[string]bool           `json:"exhausted,omitempty"`
	Error      string                    `json:"error,omitempty"`
	// Replay (op "replay") and find results.
	Kind       harness.Kind      `json:"kind,omitempty"`
	Matched    []string          `json:"matched,omitempty"` // signature findings that match
	Text       string            `json:"text,omitempty"`    // summary and details
	Found      *harness.Scenario `json:"found,omitempty"`
	FoundSched string            `json:"found_schedule,omitempty"`
}

var (
	reThread = regexp.MustCompile(`\bt\d+\b`)
	reHex    = regexp.MustCompile(`0x[0-9a-fA-F]+`)
	reNum    = regexp.MustCompile(`\d+`)
)

// Signature is the part of a verdict that names the failure rather than
// the run: the kind, and for a panic or WITNESS report its message with
// thread names, addresses, numbers and line numbers (which a fix's overlay
// shifts) replaced. A history that is not linearizable has no finer
// signature than its kind.
func Signature(ex *harness.Execution, mode model.Mode) string {
	switch ex.Kind {
	case harness.NotLinearizable, harness.Panic:
		// The kind alone would let a fix's DFS meet another bug's
		// illegal history and call that "the same failure": the shape of
		// the smallest illegal piece (operation kinds and outcomes, as
		// the campaign's failure key has it) tells them apart; a panic is
		// named by its identity (message and location, the file:line
		// kept: F5's and F17's MPASS differ only there).
		return printable(harness.FailureKey(ex, mode))
	case harness.Pass, harness.Unknown, harness.GoroutineLeak:
		return string(ex.Kind)
	}
	s := reThread.ReplaceAllString(ex.Summary, "tN")
	s = reHex.ReplaceAllString(s, "X")
	s = reNum.ReplaceAllString(s, "N")
	return string(ex.Kind) + ": " + printable(s)
}

// printable maps what is not printable ASCII to '?'. Poisoned memory read
// as a string (a freed mutex's name, "\xde\xad\xc0\xde") is not text, and
// a signature crosses JSON to the fix runners, which would turn its
// invalid UTF-8 into U+FFFD: the replay's signature would then never
// equal the one asked for, and every fix would seem to remove the panic.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
}

// execute runs one execution, turning a panic that escaped the harness
// into a Panic verdict (as the mutants cell runner does).
func execute(scn *harness.Scenario, cfg harness.Config) (ex *harness.Execution) {
	defer func() {
		if r := recover(); r != nil {
			ex = &harness.Execution{Scenario: scn, Kind: harness.Panic, Summary: fmt.Sprintf("escaped panic: %v", r)}
		}
	}()
	return harness.Execute(scn, cfg)
}

// Serve answers one request in this process (the fix runner calls it; so
// do the tests, for the faithful port).
func Serve(req *Request) *Response {
	mode, err := model.ParseMode(req.Mode)
	if err != nil {
		return &Response{Error: err.Error()}
	}
	switch req.Op {
	case "label":
		return serveLabel(req, mode)
	case "survey":
		return serveSurvey(req, mode)
	case "replay":
		return serveReplay(req, mode)
	case "find":
		return serveFind(req, mode)
	}
	return &Response{Error: fmt.Sprintf("unknown op %q", req.Op)}
}

func serveLabel(req *Request, mode model.Mode) *Response {
	if req.Scenario == nil {
		return &Response{Error: "label: no scenario"}
	}
	sched, err := kern.ParseSchedule(req.Schedule)
	if err != nil {
		return &Response{Error: err.Error()}
	}
	rp := kern.NewReplay(sched)
	ex := execute(req.Scenario, harness.Config{Chooser: rp, Mode: mode, MaxSteps: req.MaxSteps})
	r := &Response{ReplaySignature: Signature(ex, mode), Diverged: rp.Diverged()}
	if r.ReplaySignature == req.Want {
		r.How = "the replay fails the same way"
		return r
	}
	if r.Diverged == "" {
		r.Removed = true
		r.How = "the recorded schedule replays exactly and gives " + r.ReplaySignature
		return r
	}
	if req.NoDFS {
		r.NeedDFS = true
		return r
	}
	e := &harness.Explorer{Kind: harness.DFS, Bound: req.DFSBound, MaxSchedules: req.DFSCap}
	for {
		ch, _, _, ok := e.Next()
		if !ok {
			break
		}
		ex := execute(req.Scenario, harness.Config{Chooser: ch, Mode: mode, MaxSteps: req.MaxSteps})
		if err := e.Err(); err != nil {
			r.Error = err.Error()
			return r
		}
		r.DFSExplored++
		if Signature(ex, mode) == req.Want {
			r.How = fmt.Sprintf("the schedule no longer applies (%s); DFS bound %d meets the same failure at schedule %d", r.Diverged, req.DFSBound, r.DFSExplored)
			return r
		}
	}
	r.DFSExhausted = e.Exhausted()
	if !r.DFSExhausted {
		// A capped search that did not meet the failure proves nothing:
		// the answer is "probably removed", weaker than a conclusive one.
		r.Probable = true
		r.How = fmt.Sprintf("the schedule no longer applies (%s); DFS bound %d, capped at %d schedules, did not meet that failure (inconclusive)", r.Diverged, req.DFSBound, r.DFSExplored)
		return r
	}
	r.Removed = true
	r.How = fmt.Sprintf("the schedule no longer applies (%s); DFS bound %d (exhausted, %d schedules) never fails that way", r.Diverged, req.DFSBound, r.DFSExplored)
	return r
}

func serveSurvey(req *Request, mode model.Mode) *Response {
	r := &Response{Signatures: map[string]map[string]int{}, Explored: map[string]int{}, Exhausted: map[string]bool{}}
	for _, name := range req.Named {
		scn, err := harness.NamedScenario(name)
		if err != nil {
			r.Error = err.Error()
			return r
		}
		sigs := map[string]int{}
		r.Signatures[name] = sigs
		switch req.Strategy {
		case harness.DFS:
			e := &harness.Explorer{Kind: harness.DFS, Bound: req.DFSBound, MaxSchedules: req.DFSCap}
			for {
				ch, _, _, ok := e.Next()
				if !ok {
					break
				}
				ex := execute(scn, harness.Config{Chooser: ch, Mode: mode, MaxSteps: req.MaxSteps})
				if err := e.Err(); err != nil {
					r.Error = name + ": " + err.Error()
					return r
				}
				r.Explored[name]++
				sigs[Signature(ex, mode)]++
			}
			r.Exhausted[name] = e.Exhausted()
		case harness.PCT:
			var steps int64
			for i := 0; i < req.Seeds; i++ {
				e := &harness.Explorer{Kind: harness.PCT, Seed: uint64(i + 1), Depth: 3, Steps: steps}
				ch, _, _, _ := e.Next()
				ex := execute(scn, harness.Config{Chooser: ch, Mode: mode, MaxSteps: req.MaxSteps})
				if ex.Kind != harness.Livelock && ex.Steps > steps {
					steps = ex.Steps
				}
				r.Explored[name]++
				sigs[Signature(ex, mode)]++
			}
		default:
			r.Error = fmt.Sprintf("survey: strategy %q (want dfs or pct)", req.Strategy)
			return r
		}
	}
	return r
}

// relaxedAccepts reports whether the relaxed spec accepts ex's history.
func relaxedAccepts(ex *harness.Execution) bool {
	if len(ex.History) == 0 {
		return false
	}
	res := linearize.Check(harness.Spec(model.Relaxed), ex.History, linearize.Options{})
	return res.Verdict == linearize.Ok
}

// Failing lists the failure signatures of a survey (Pass left out), sorted.
func Failing(sigs map[string]int) []string {
	var out []string
	for s := range sigs {
		if s != string(harness.Pass) {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func kindOf(sig string) harness.Kind {
	// A failure key starts "Panic panic: ..." or "NotLinearizable
	// {create:ok ...}", a summary signature "Leak: ...": the kind is the
	// first word.
	if i := strings.IndexAny(sig, " :"); i >= 0 {
		return harness.Kind(sig[:i])
	}
	return harness.Kind(sig)
}

// serveReplay replays the failure in this build and reports its verdict
// and the signature findings it matches.
func serveReplay(req *Request, mode model.Mode) *Response {
	sched, err := kern.ParseSchedule(req.Schedule)
	if err != nil {
		return &Response{Error: err.Error()}
	}
	rp := kern.NewReplay(sched)
	ex := execute(req.Scenario, harness.Config{Chooser: rp, Mode: mode, MaxSteps: req.MaxSteps})
	return &Response{Kind: ex.Kind, ReplaySignature: Signature(ex, mode), Diverged: rp.Diverged(),
		Matched: matchSignatures(ex), Text: ex.Summary + "\n" + ex.Details}
}

// serveFind searches req.Find by DFS for a failure of a kind the
// scenario's Expect does not list (for mutant ports: a kill). The
// scenarios are explored round-robin, one schedule of each in turn, so
// that a failure any of them shows early is found early.
func serveFind(req *Request, mode model.Mode) *Response {
	r := &Response{}
	type search struct {
		scn    *harness.Scenario
		e      *harness.Explorer
		expect map[harness.Kind]bool
	}
	var live []*search
	for _, scn := range req.Find {
		expect := map[harness.Kind]bool{harness.Pass: true, harness.Unknown: true, harness.GoroutineLeak: true}
		for _, k := range scn.Expect {
			expect[k] = true
		}
		live = append(live, &search{scn: scn, e: &harness.Explorer{Kind: harness.DFS, Bound: req.DFSBound, MaxSchedules: req.DFSCap}, expect: expect})
	}
	for len(live) > 0 {
		next := live[:0]
		for _, s := range live {
			ch, _, _, ok := s.e.Next()
			if !ok {
				continue
			}
			ex := execute(s.scn, harness.Config{Chooser: ch, Mode: mode, MaxSteps: req.MaxSteps})
			if s.e.Err() != nil {
				continue
			}
			r.DFSExplored++
			if !s.expect[ex.Kind] {
				r.Found, r.FoundSched, r.Kind, r.ReplaySignature = s.scn, ex.Schedule.String(), ex.Kind, Signature(ex, mode)
				return r
			}
			next = append(next, s)
		}
		live = next
	}
	return r
}

// matchSignatures lists the signature findings ex matches.
// A campaign's failures of a kind that does not replay in process (a
// Hang) are labelled by the signatures alone, in the process that ran
// them: any binary that links the catalogue installs it.
func init() { harness.SetSignatureMatcher(matchSignatures) }

func matchSignatures(ex *harness.Execution) []string {
	var out []string
	for _, f := range Catalogue {
		if f.Signature != nil && f.Signature(ex) {
			out = append(out, f.ID)
		}
	}
	return out
}
