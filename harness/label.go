// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"context"
	"fmt"
	"io"
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

// Labels of failures that are not a list of finding IDs.
const (
	// LabelNew: the full labeller ran and no known finding explains it.
	LabelNew = "NEW"
	// LabelUnlabelled: the failure was not labelled (budget spent, a kind
	// that cannot be replayed in process, the labeller failed, or the
	// labelled members of its key disagreed); Why says which.
	LabelUnlabelled = "UNLABELLED"
)

// LabelRequest is one failing execution to label: what a bundle holds.
type LabelRequest struct {
	Scenario *Scenario
	Schedule kern.Schedule
	Mode     model.Mode
	MaxSteps int64
	// Parallel bounds the Labeler's own parallelism for this failure (fix
	// runner requests at once; 0: its default). The campaign asks for 1
	// while its executions run, so that labelling then takes about one
	// core.
	Parallel int
}

// Labeler names the known findings a failure is (package triage's
// Labeler, set by the command line: harness cannot import triage). It
// returns finding IDs, or [LabelNew].
type Labeler interface {
	LabelFailure(ctx context.Context, f LabelRequest) ([]string, error)
}

// QuickLabeler is a Labeler with a cheap first step (package triage's:
// replay in process and the signature findings): decided is false when it
// cannot name the failure alone, and LabelFailure must then run. When it
// is true, ids is what LabelFailure would return. A campaign asks it for
// every key's samples before it runs LabelFailure on any.
type QuickLabeler interface {
	QuickLabel(ctx context.Context, f LabelRequest) (ids []string, decided bool, err error)
}

// signatureMatcher names the findings whose signature an execution shows
// (SetSignatureMatcher); nil: none installed.
var signatureMatcher func(ex *Execution) []string

// SetSignatureMatcher installs the function that names the known findings
// whose signature an execution shows, from the execution alone (package
// triage installs its catalogue's when it is linked in: harness cannot
// import it). A labelled campaign applies it, in the process that ran the
// execution, to the failures of a kind that does not replay in process (a
// Hang): their label is what it returns, and a failure it names nothing
// for stays UNLABELLED. Call it before any campaign runs (an init).
func SetSignatureMatcher(match func(ex *Execution) []string) { signatureMatcher = match }

// Labellable reports whether failures of kind k are labelled: those whose
// schedule replays in process deterministically and cheaply. A Crash would
// kill the labelling process, a Hang hangs it, Unknown costs a porcupine
// timeout per replay, and InternalError, Race and GoroutineLeak are the
// harness's or Go's, not the kernel's.
func Labellable(k Kind) bool {
	switch k {
	case Panic, WitnessReversal, WitnessSleep, Deadlock, Livelock, NotLinearizable, Leak, Invariant:
		return true
	}
	return false
}

var (
	keyThread = regexp.MustCompile(`\bt\d+\b`)
	keyHex    = regexp.MustCompile(`0x[0-9a-fA-F]+`)
	keyNum    = regexp.MustCompile(`\d+`)
)

// normalise strips what varies between runs of one bug from a line of a
// verdict: thread names, addresses, numbers.
func normalise(s string) string {
	s = keyThread.ReplaceAllString(s, "tN")
	s = keyHex.ReplaceAllString(s, "0xADDR")
	s = keyNum.ReplaceAllString(s, "N")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	if len(s) > 240 {
		s = s[:240]
	}
	return s
}

// FailureKey is a cheap identity of a failure, computed where it ran: a
// campaign labels the first few failures of each key with the full
// Labeler and gives the rest the key's label. Two failures of one bug
// should share a key, failures of two bugs should not (when they do, the
// labelled members disagree and the campaign says so):
//
//   - Panic: (*kern.Panic).Identity (message without run-dependent
//     numbers, and the panicking function and file:line);
//   - NotLinearizable: the set of operation kinds and outcomes of the
//     smallest partition of the history that is not linearizable by
//     itself (under the strict spec, also whether the relaxed spec
//     accepts the history: finding F1's identity);
//   - other kinds: the summary and the first line of the details,
//     normalised.
func FailureKey(ex *Execution, mode model.Mode) string {
	k := string(ex.Kind)
	switch ex.Kind {
	case Pass:
		return k
	case Panic:
		if id := panicIdentity(ex.Details); id != "" {
			return k + " " + id
		}
	case NotLinearizable:
		return k + " " + illegalShape(ex.History, mode)
	}
	first, _, _ := strings.Cut(ex.Details, "\n")
	return k + " " + normalise(ex.Summary) + " | " + normalise(first)
}

// panicIdentity rebuilds the panic from an execution's Details (which
// judgePanic writes as p.Error(), a blank line, p.Stack) and returns its
// Identity, or "" when Details has another shape.
func panicIdentity(details string) string {
	head, stack, ok := strings.Cut(details, "\n\ngoroutine ")
	if !ok {
		return ""
	}
	kindS, rest, ok := strings.Cut(head, ": ")
	if !ok {
		return ""
	}
	msg := rest
	if i := strings.LastIndex(rest, " (thread "); i >= 0 {
		msg = rest[:i]
	}
	var pk kern.PanicKind
	switch kindS {
	case kern.PanicKernel.String():
		pk = kern.PanicKernel
	case kern.PanicWitness.String():
		pk = kern.PanicWitness
	case kern.PanicFault.String():
		pk = kern.PanicFault
	default:
		return ""
	}
	p := &kern.Panic{Kind: pk, Msg: msg, Stack: "goroutine " + stack}
	return p.Identity()
}

// illegalShape is the NotLinearizable part of FailureKey.
func illegalShape(h linearize.History, mode model.Mode) string {
	sp := Spec(mode)
	parts, _ := linearize.Partition(sp, h)
	var best []int
	for _, p := range parts {
		if best != nil && len(p) >= len(best) {
			continue
		}
		sub := make(linearize.History, len(p))
		for i, j := range p {
			sub[i] = h[j]
		}
		if linearize.Check(sp, sub, linearize.Options{Timeout: 2 * time.Second}).Verdict == linearize.Illegal {
			best = p
		}
	}
	if best == nil { // no piece is illegal alone (or none was decided)
		best = make([]int, len(h))
		for i := range best {
			best[i] = i
		}
	}
	set := map[string]bool{}
	for _, j := range best {
		op := h[j]
		out := "ok"
		switch {
		case op.Output.Unknown:
			out = "?"
		case op.Output.Err != 0:
			out = fmt.Sprint(op.Output.Err)
		}
		set[op.Input.Kind()+":"+out] = true
	}
	shape := make([]string, 0, len(set))
	for s := range set {
		shape = append(shape, s)
	}
	sort.Strings(shape)
	s := "{" + strings.Join(shape, " ") + "}"
	if mode == model.Strict && len(h) > 0 {
		relaxed := linearize.Check(Spec(model.Relaxed), h, linearize.Options{Timeout: 2 * time.Second}).Verdict == linearize.Ok
		s += fmt.Sprintf(" relaxed-ok=%v", relaxed)
	}
	return s
}

// ClassKey coarsens a FailureKey to about one key per failure class, so
// that a campaign labels a class once or twice instead of every variant
// of it (a random campaign's failures otherwise had almost one key each):
//
//   - NotLinearizable: of the illegal piece's operation kinds and
//     outcomes only those that changed state (ok, list_cloners, a read,
//     left out) or whose outcome is unknown are kept; the errors around them (malformed names, ENXIO
//     lookups, EBUSY callers in a gone jail) vary from scenario to
//     scenario and name no bug;
//   - Leak: the leaked malloc types, sorted (the report lists them in map
//     order), without the details' first line;
//   - other kinds: the key as it is.
//
// A class that holds two findings shows as disagreeing labelled samples;
// its unlabelled members then get a one-of label ("F3|F4"), never one
// finding.
func ClassKey(failKey string) string {
	kind, rest, _ := strings.Cut(failKey, " ")
	switch Kind(kind) {
	case NotLinearizable:
		open, close := strings.Index(rest, "{"), strings.Index(rest, "}")
		if open < 0 || close < open {
			return failKey
		}
		var keep []string
		for _, e := range strings.Fields(rest[open+1 : close]) {
			if (strings.HasSuffix(e, ":ok") && !strings.HasPrefix(e, "list_cloners:")) || strings.HasSuffix(e, ":?") {
				keep = append(keep, e)
			}
		}
		return kind + " {" + strings.Join(keep, " ") + "}" + rest[close+1:]
	case Leak:
		sum, _, _ := strings.Cut(rest, " | ")
		head, list, ok := strings.Cut(sum, ": ")
		if !ok {
			return failKey
		}
		items := strings.Split(list, ", ")
		sort.Strings(items)
		return kind + " " + head + ": " + strings.Join(items, ", ")
	}
	return failKey
}

// ClassMemory is a Labeler that remembers the label of a failure class
// across campaigns (package triage's, per source state): a class whose
// labelled samples agreed is not labelled again by a later campaign on
// the same sources; its failures take the remembered label, counted as
// Remembered, never as Labelled.
type ClassMemory interface {
	// RecallClass returns the label remembered for class (a campaign's
	// failure key: scenario and class key) under mode.
	RecallClass(class string, mode model.Mode) (ids []string, ok bool)
	// RememberClass records the label of class under mode: samples
	// failures labelled, all with ids.
	RememberClass(class string, mode model.Mode, ids []string, samples int)
}

// LabelExample is one failure of a label group, to look at first.
type LabelExample struct {
	Scenario string `json:"scenario"`
	Kind     Kind   `json:"kind"`
	Summary  string `json:"summary"`
	Strategy string `json:"strategy"`
	Seed     uint64 `json:"seed"`
	Index    int64  `json:"index"`
}

// LabelGroup is every failure of a campaign with one label.
type LabelGroup struct {
	// Label is the finding IDs joined by "+", or LabelNew, or
	// LabelUnlabelled.
	Label string         `json:"label"`
	IDs   []string       `json:"ids,omitempty"`
	Count int64          `json:"count"`
	Kinds map[Kind]int64 `json:"kinds"`
	// Labelled is how many of Count the full Labeler labelled; the others
	// share a failure key with labelled ones that agree.
	Labelled int `json:"labelled"`
	// Remembered is how many of Count took the label an earlier campaign
	// on the same sources gave their failure class (ClassMemory).
	Remembered int64 `json:"remembered,omitempty"`
	// Signed is how many of Count were labelled by the findings'
	// signatures alone, where they ran (a Hang does not replay in
	// process: SetSignatureMatcher).
	Signed int64 `json:"signed,omitempty"`
	// Reproduced is how many of Labelled were native failures labelled
	// through a controlled execution that reproduced their failure key
	// (Campaign.reproduce).
	Reproduced int          `json:"reproduced,omitempty"`
	Keys       []string     `json:"keys"`
	Example    LabelExample `json:"example"`
	Bundles    []string     `json:"bundles,omitempty"`
	// Why (UNLABELLED only): the reasons, with counts.
	Why []string `json:"why,omitempty"`
}

// Known reports a group whose failures are all known findings.
func (g *LabelGroup) Known() bool { return g.Label != LabelNew && g.Label != LabelUnlabelled }

// LabelReport is the labelling of a campaign's failures.
type LabelReport struct {
	Groups []LabelGroup `json:"groups"`
	// Keys is the number of distinct failure keys; Runs the full-Labeler
	// runs; Elapsed their wall time (after the executions).
	Keys int `json:"keys"`
	Runs int `json:"labeller_runs"`
	// Quick is how many of Runs a QuickLabeler's quick step decided.
	Quick int `json:"labeller_quick,omitempty"`
	// Remembered is the number of keys whose label was recalled from an
	// earlier campaign (ClassMemory) instead of computed.
	Remembered int `json:"remembered_keys,omitempty"`
	// Elapsed is the labelling's wall time after the executions; During
	// its busy wall time while they ran (at most Share of their elapsed
	// time); Budget the limit on the two together (LabelTime, 0: none).
	Elapsed time.Duration `json:"elapsed_ns"`
	During  time.Duration `json:"during_ns,omitempty"`
	Budget  time.Duration `json:"budget_ns,omitempty"`
	Share   float64       `json:"share,omitempty"`
	// Pending is the number of failures left UNLABELLED because the
	// budget ran out before their key was labelled.
	Pending int64 `json:"pending,omitempty"`
	// Work is the Labeler's account of its work (a LabelWorker's), e.g.
	// fix runner requests and DFS fallbacks.
	Work   string   `json:"work,omitempty"`
	Errors []string `json:"errors,omitempty"`
}

// LabelWorker is a Labeler that accounts for its work (package triage's
// does): the campaign prints it with the labelling's time.
type LabelWorker interface {
	LabelWork() string
}

// sample is a failure kept for the full Labeler.
type sample struct {
	scn      *Scenario
	sched    kern.Schedule
	ex       LabelExample
	ids      []string
	err      string
	started  bool // handed to the Labeler's full attribution (c.mu)
	quick    bool // handed to QuickLabel (c.mu)
	inFlight bool // being labelled (c.mu)
	done     bool
	schedErr string
	recalled []string // the key's recalled label (ClassMemory)
	// native: a native run's failure, which has no schedule until
	// Campaign.reproduce finds a controlled execution of its scenario
	// that fails with its key (failKey); repro says which.
	native  bool
	failKey string
	repro   string
}

// keyState is a campaign's record of one failure key.
type keyState struct {
	key     string
	kind    Kind
	count   int64
	first   LabelExample
	samples []*sample
	why     string // set when the key's failures cannot be labelled at all
	// recalled: the label an earlier campaign gave this class
	// (ClassMemory); its samples are then not labelled. recallTried:
	// the memory was asked.
	recalled    []string
	recallTried bool
	// signed: the findings whose signature the key's failures showed in
	// the process that ran them (a kind that does not replay in process:
	// jobResult.Signed); they are labelled so, without samples.
	signed []string
	// bundles: the bundles of a signed key's failures, written where
	// they ran.
	bundles []string
	// rest is the label of the key's samples that were not labelled
	// themselves (groupLabels).
	rest string
	// keyBundle: the bundle a worker wrote of the key's first native
	// failure (jobResult.KeyBundle), kept only if the key ends
	// UNLABELLED (settleKeyBundles).
	keyBundle string
}

// maxSamples is how many failures of a key a campaign keeps: the first
// LabelSamples are labelled; the rest only when those disagree.
func (c *Campaign) maxSamples() int { return c.cfg.LabelSamples + 6 }

// noteFailure records a failure for labelling (c.mu held).
func (c *Campaign) noteFailure(r jobResult) {
	// The scenario (its name, or "random") is part of the key: one shape
	// of an illegal history is F2 in one named scenario and F3 in another.
	key := r.Key + ": " + ClassKey(r.FailKey)
	why := ""
	switch {
	case !Labellable(r.Kind) && len(r.Signed) > 0:
		// Labelled where it ran, by the findings' signatures alone.
		key = string(r.Kind) + " by signature: " + labelOf(r.Signed)
	case !Labellable(r.Kind) && r.SignChecked:
		why = fmt.Sprintf("%s does not replay in process, so only a finding's signature could label it, and none matched", r.Kind)
		key = string(r.Kind)
	case !Labellable(r.Kind):
		why = fmt.Sprintf("%s is not labelled (it does not replay in process, and no signature matcher is installed)", r.Kind)
		key = string(r.Kind)
	case r.Native && len(r.Signed) > 0:
		// A native failure a finding's signature names where it ran,
		// as the labeller's quick step names a replayed one.
		key = string(r.Kind) + " native, by signature: " + labelOf(r.Signed)
	case r.Native && (r.FailKey == "" || r.scn == nil):
		why = "a native run recorded no failure key or scenario"
		key = string(r.Kind) + " native"
	case r.Native:
		// Its own key: a native failure is labelled through a
		// controlled reproduction, which may not be found.
		key += " (native)"
	case key == "" || r.scn == nil:
		why = "no failure key or scenario recorded"
		key = string(r.Kind)
	}
	ks := c.keys[key]
	if ks == nil {
		ks = &keyState{key: key, kind: r.Kind, why: why, signed: r.Signed,
			first: LabelExample{Scenario: r.Scenario, Kind: r.Kind, Summary: r.Summary, Strategy: r.Desc, Seed: r.Seed, Index: r.Index}}
		c.keys[key] = ks
		c.keyOrder = append(c.keyOrder, key)
	}
	ks.count++
	if r.KeyBundle {
		if ks.keyBundle == "" {
			ks.keyBundle = r.Bundle
		} else {
			os.RemoveAll(r.Bundle) // another worker's first of the key
		}
	} else if ks.signed != nil && r.Bundle != "" {
		ks.bundles = append(ks.bundles, r.Bundle)
	}
	if ks.why == "" && ks.signed == nil && len(ks.samples) < c.maxSamples() {
		s := &sample{scn: r.scn, recalled: ks.recalled, ex: LabelExample{Scenario: r.Scenario, Kind: r.Kind, Summary: r.Summary, Strategy: r.Desc, Seed: r.Seed, Index: r.Index}}
		if r.Native {
			s.native, s.failKey = true, r.FailKey
		} else {
			sched, err := kern.ParseSchedule(r.Schedule)
			if err != nil {
				s.schedErr = err.Error()
			}
			s.sched = sched
		}
		ks.samples = append(ks.samples, s)
		if len(ks.samples) == 1 && c.lab != nil {
			c.lab.kick()
		}
	}
}

// labelling is a campaign's labeller: it labels samples while the
// executions run, busy at most LabelShare of the wall time since the
// campaign started, and finishes after them (finishLabelling) within what
// is left of LabelTime.
type labelling struct {
	rep  *LabelReport
	mem  ClassMemory
	wake chan struct{} // a key got its first sample
	stop chan struct{} // the executions are over
	done chan struct{} // the concurrent labeller returned
	busy time.Duration // (c.mu) labelling's wall time during the executions
}

func (l *labelling) kick() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// startLabelling starts the concurrent labeller (Run calls it before the
// workers start).
func (c *Campaign) startLabelling(ctx context.Context) {
	lab := &labelling{rep: &LabelReport{Share: c.cfg.LabelShare, Budget: c.cfg.LabelTime},
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	lab.mem, _ = c.cfg.Labeler.(ClassMemory)
	c.mu.Lock()
	c.lab = lab
	c.mu.Unlock()
	if c.cfg.LabelShare <= 0 {
		close(lab.done)
		return
	}
	go func() {
		defer close(lab.done)
		for {
			c.mu.Lock()
			allowed := time.Duration(c.cfg.LabelShare * float64(time.Since(c.start)))
			if c.cfg.LabelTime > 0 && allowed > c.cfg.LabelTime {
				allowed = c.cfg.LabelTime
			}
			var wait time.Duration
			var s *sample
			var quick bool
			if lab.busy < allowed {
				s, quick = c.nextSample()
			} else {
				// Idle until busy is back under the share again.
				wait = time.Duration(float64(lab.busy-allowed)/c.cfg.LabelShare) + time.Millisecond
			}
			c.mu.Unlock()
			if s != nil {
				// The budget is a hard limit: an attribution that would
				// overrun it is cut off (its sample stays pending).
				actx, cancel := ctx, context.CancelFunc(func() {})
				if c.cfg.LabelTime > 0 {
					c.mu.Lock()
					left := c.cfg.LabelTime - lab.busy
					c.mu.Unlock()
					actx, cancel = context.WithTimeout(ctx, left)
				}
				t0 := time.Now()
				c.labelOne(actx, s, quick, 1)
				cancel()
				c.mu.Lock()
				lab.busy += time.Since(t0)
				c.mu.Unlock()
				continue
			}
			if wait == 0 {
				wait = time.Second // nothing to label: wait for a new key
			}
			t := time.NewTimer(wait)
			select {
			case <-lab.stop:
				t.Stop()
				return
			case <-ctx.Done():
				t.Stop()
				return
			case <-lab.wake:
			case <-t.C:
			}
			t.Stop()
		}
	}()
}

// recall asks the class memory for ks's label once (c.mu held).
func (c *Campaign) recall(ks *keyState) {
	if ks.recallTried || ks.why != "" || ks.signed != nil {
		return
	}
	ks.recallTried = true
	if c.lab.mem == nil {
		return
	}
	if ids, ok := c.lab.mem.RecallClass(ks.key, c.cfg.Mode); ok {
		ks.recalled = ids
		for _, s := range ks.samples {
			s.recalled = ids
		}
		c.lab.rep.Remembered++
	}
}

// nextSample hands out the next sample to label (c.mu held), and whether
// only QuickLabel is to run on it: first every sample's quick step (when
// the Labeler has one), then the full attributions of the samples it did
// not decide; each pass round by round, every key's first sample (in the
// order the keys appeared) before any key's second. nil when every sample
// of the first LabelSamples rounds is handed out.
func (c *Campaign) nextSample() (*sample, bool) {
	_, hasQuick := c.cfg.Labeler.(QuickLabeler)
	for pass := 0; pass < 2; pass++ {
		quick := pass == 0
		if quick && !hasQuick {
			continue
		}
		for round := 0; round < c.cfg.LabelSamples; round++ {
			for _, k := range c.keyOrder {
				ks := c.keys[k]
				c.recall(ks)
				if ks.why != "" || ks.recalled != nil || round >= len(ks.samples) {
					continue
				}
				s := ks.samples[round]
				if s.done || s.started || s.inFlight {
					continue
				}
				if quick && !s.quick {
					s.quick, s.inFlight = true, true
					return s, true
				}
				if !quick && (s.quick || !hasQuick) {
					s.started, s.inFlight = true, true
					return s, false
				}
			}
		}
	}
	return nil, false
}

// labelOne labels s with the Labeler under lctx (the budget's context),
// with its quick step only when quick, asking for at most parallel fix
// runner requests at once (0: the Labeler's default).
func (c *Campaign) labelOne(lctx context.Context, s *sample, quick bool, parallel int) {
	defer func() {
		c.mu.Lock()
		s.inFlight = false
		c.mu.Unlock()
	}()
	if s.schedErr != "" {
		c.mu.Lock()
		s.err, s.done = "schedule: "+s.schedErr, true
		c.mu.Unlock()
		return
	}
	if lctx.Err() != nil {
		c.mu.Lock()
		s.started, s.quick = false, false
		c.mu.Unlock()
		return
	}
	if s.native && s.sched == nil && !c.reproduce(lctx, s) {
		return
	}
	req := LabelRequest{Scenario: s.scn, Schedule: s.sched, Mode: c.cfg.Mode, MaxSteps: c.cfg.MaxSteps, Parallel: parallel}
	var ids []string
	var err error
	if quick {
		var decided bool
		ids, decided, err = c.cfg.Labeler.(QuickLabeler).QuickLabel(lctx, req)
		if err == nil && !decided {
			return // the full attribution decides
		}
	} else {
		ids, err = c.cfg.Labeler.LabelFailure(lctx, req)
	}
	rep := c.lab.rep
	c.mu.Lock()
	defer c.mu.Unlock()
	rep.Runs++
	if quick {
		rep.Quick++
	}
	if err != nil {
		if lctx.Err() == nil {
			s.err = err.Error()
			if len(rep.Errors) < 20 {
				rep.Errors = append(rep.Errors, fmt.Sprintf("%s (%s): %v", s.ex.Scenario, s.ex.Kind, err))
			}
		}
	} else {
		s.ids = ids
	}
	s.done = lctx.Err() == nil || err == nil
	if !s.done {
		s.started, s.quick = false, false // cut off by the budget: pending
	}
}

// finishLabelling stops the concurrent labeller once its attribution in
// flight is done, labels what is left (the first LabelSamples of each key
// not labelled yet, with Workers attributions at a time; then, for keys
// whose labels disagree, the rest) within what is left of LabelTime, then
// groups the failures by label. Failures it does not reach are UNLABELLED
// (pending), counted in Pending.
func (c *Campaign) finishLabelling(ctx context.Context) *LabelReport {
	lab := c.lab
	close(lab.stop)
	<-lab.done
	start := time.Now()
	rep := lab.rep
	if cl, ok := c.cfg.Labeler.(io.Closer); ok {
		// Its fix runners run as servers while the campaign labels.
		defer cl.Close()
	}
	c.mu.Lock()
	rep.During = lab.busy
	order := append([]string(nil), c.keyOrder...)
	keys := make([]*keyState, len(order))
	for i, k := range order {
		keys[i] = c.keys[k]
		c.recall(keys[i])
	}
	c.mu.Unlock()
	rep.Keys = len(keys)
	lctx := ctx
	if c.cfg.LabelTime > 0 {
		var cancel context.CancelFunc
		lctx, cancel = context.WithTimeout(ctx, max(0, c.cfg.LabelTime-lab.busy))
		defer cancel()
	}
	run := func(next func() (*sample, bool)) {
		var wg sync.WaitGroup
		for w := 0; w < max(1, c.cfg.Workers); w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for lctx.Err() == nil {
					c.mu.Lock()
					s, quick := next()
					c.mu.Unlock()
					if s == nil {
						return
					}
					c.labelOne(lctx, s, quick, 0)
				}
			}()
		}
		wg.Wait()
	}
	run(c.nextSample)
	var extra []*sample
	c.mu.Lock()
	for _, ks := range keys {
		if ks.why == "" && ks.recalled == nil && disagree(ks.samples) {
			for _, s := range ks.samples {
				if !s.done && !s.started {
					extra = append(extra, s)
				}
			}
		}
	}
	c.mu.Unlock()
	run(func() (*sample, bool) {
		if len(extra) == 0 {
			return nil, false
		}
		s := extra[0]
		extra = extra[1:]
		s.started, s.inFlight = true, true
		return s, false
	})
	rep.Elapsed = time.Since(start)
	pendingWhy := "pending: not reached within the labelling budget"
	if c.cfg.LabelTime > 0 {
		pendingWhy = fmt.Sprintf("pending: not reached within the labelling budget (%v)", c.cfg.LabelTime.Round(time.Millisecond))
	}
	c.mu.Lock()
	rep.Groups, rep.Pending = groupLabels(keys, c.cfg.LabelSamples, pendingWhy)
	c.mu.Unlock()
	if lab.mem != nil {
		// A key cut off by the budget has samples not done: agreed
		// leaves it out.
		for _, ks := range keys {
			if ids, n := agreed(ks, c.cfg.LabelSamples); n > 0 {
				lab.mem.RememberClass(ks.key, c.cfg.Mode, ids, n)
			}
		}
	}
	if w, ok := c.cfg.Labeler.(LabelWorker); ok {
		rep.Work = w.LabelWork()
	}
	if rep.Pending > 0 && ctx.Err() == nil {
		rep.Errors = append(rep.Errors, fmt.Sprintf("labelling stopped at its time budget (%v): the %d failures it did not reach are UNLABELLED (pending)", c.cfg.LabelTime.Round(time.Millisecond), rep.Pending))
	}
	return rep
}

func labelOf(ids []string) string { return strings.Join(ids, "+") }

// agreed returns the label of a key whose first want samples (or all of
// them, when it has fewer) were labelled without error and agree, with
// the number labelled; 0 otherwise (and for a recalled key).
func agreed(ks *keyState, want int) ([]string, int) {
	if ks.why != "" || ks.recalled != nil || len(ks.samples) == 0 {
		return nil, 0
	}
	var ids []string
	n := 0
	for i, s := range ks.samples {
		if i >= want && !s.done {
			break
		}
		if !s.done || s.err != "" || (n > 0 && labelOf(s.ids) != labelOf(ids)) {
			return nil, 0
		}
		ids = s.ids
		n++
	}
	if n < want {
		return nil, 0 // fewer samples than a campaign labels: not remembered
	}
	return ids, n
}

// disagree reports labelled samples with different labels.
func disagree(ss []*sample) bool {
	seen := ""
	for _, s := range ss {
		if s.done && s.err == "" {
			l := labelOf(s.ids)
			if seen != "" && l != seen {
				return true
			}
			seen = l
		}
	}
	return false
}

// groupLabels turns keys into label groups: a labelled sample counts for
// its label; the unlabelled members of a key whose labelled samples agree
// take that label; every other failure is UNLABELLED, with the reason
// (pendingWhy for those the budget did not reach, counted in pending).
func groupLabels(keys []*keyState, want int, pendingWhy string) (out []LabelGroup, pending int64) {
	groups := map[string]*LabelGroup{}
	var order []string
	why := map[string]int64{}
	add := func(label string, ids []string, n int64, kind Kind, key string, ex LabelExample, labelled int) {
		if n == 0 {
			return
		}
		g := groups[label]
		if g == nil {
			g = &LabelGroup{Label: label, IDs: ids, Kinds: map[Kind]int64{}, Example: ex}
			groups[label] = g
			order = append(order, label)
		}
		g.Count += n
		g.Kinds[kind] += n
		g.Labelled += labelled
		if len(g.Keys) == 0 || g.Keys[len(g.Keys)-1] != key {
			g.Keys = append(g.Keys, key)
		}
	}
	for _, ks := range keys {
		if ks.why != "" {
			add(LabelUnlabelled, nil, ks.count, ks.kind, ks.key, ks.first, 0)
			why[ks.why] += ks.count
			continue
		}
		if ks.signed != nil {
			l := labelOf(ks.signed)
			add(l, ks.signed, ks.count, ks.kind, ks.key, ks.first, 0)
			groups[l].Signed += ks.count
			groups[l].Bundles = append(groups[l].Bundles, ks.bundles...)
			continue
		}
		if ks.recalled != nil {
			l := labelOf(ks.recalled)
			add(l, ks.recalled, ks.count, ks.kind, ks.key, ks.first, 0)
			groups[l].Remembered += ks.count
			continue
		}
		var labelled, failed, open int64
		failWhy := ""
		agreed, mixed, sawNew := "", false, false
		var agreedIDs []string
		union := map[string]bool{}
		for i, s := range ks.samples {
			switch {
			case s.done && s.err == "":
				l := labelOf(s.ids)
				add(l, s.ids, 1, ks.kind, ks.key, s.ex, 1)
				if s.repro != "" {
					groups[l].Reproduced++
				}
				labelled++
				if agreed != "" && agreed != l {
					mixed = true
				}
				agreed, agreedIDs = l, s.ids
				for _, id := range s.ids {
					union[id] = true
					sawNew = sawNew || id == LabelNew
				}
			case s.err != "":
				failed++
				add(LabelUnlabelled, nil, 1, ks.kind, ks.key, s.ex, 0)
				w := "the labeller failed: " + firstLine(s.err)
				if s.native && s.sched == nil {
					w = firstLine(s.err) // the reproduction's own account
				}
				why[w]++
				if failWhy == "" {
					failWhy = w
				}
			case i < want:
				open++ // one of the samples the campaign labels, not reached
			}
		}
		rest := ks.count - labelled - failed
		ks.rest = LabelUnlabelled
		switch {
		case rest == 0:
		case labelled > 0 && !mixed:
			ks.rest = agreed
			add(agreed, agreedIDs, rest, ks.kind, ks.key, ks.first, 0)
		case mixed && !sawNew:
			// Every labelled member is a known finding, but not the same
			// one: the key is coarser than the bugs. The rest are "one
			// of" those findings (a label of the form F2|F3), shown as
			// such, never as a single finding.
			ids := make([]string, 0, len(union))
			for id := range union {
				ids = append(ids, id)
			}
			sort.Strings(ids)
			ks.rest = strings.Join(ids, "|")
			add(ks.rest, ids, rest, ks.kind, ks.key, ks.first, 0)
		case mixed:
			add(LabelUnlabelled, nil, rest, ks.kind, ks.key, ks.first, 0)
			why["the labelled failures of their key disagree: "+ks.key] += rest
		case labelled == 0 && failed > 0 && open == 0:
			// Every sample the campaign labels (the first want) was
			// tried and none could be labelled: the rest of the key
			// share their reason; nothing is pending.
			add(LabelUnlabelled, nil, rest, ks.kind, ks.key, ks.first, 0)
			why[failWhy] += rest
		default:
			add(LabelUnlabelled, nil, rest, ks.kind, ks.key, ks.first, 0)
			why[pendingWhy] += rest
			pending += rest
		}
	}
	out = make([]LabelGroup, 0, len(order))
	for _, l := range order {
		g := groups[l]
		if l == LabelUnlabelled {
			var ws []string
			for w, n := range why {
				ws = append(ws, fmt.Sprintf("%d: %s", n, w))
			}
			sort.Strings(ws)
			g.Why = ws
		}
		out = append(out, *g)
	}
	sort.SliceStable(out, func(i, j int) bool { return labelRank(out[i].Label) < labelRank(out[j].Label) })
	return out, pending
}

// labelRank orders groups: NEW, then UNLABELLED, then findings by number.
func labelRank(l string) int {
	switch l {
	case LabelNew:
		return -2
	case LabelUnlabelled:
		return -1
	}
	n := 0
	fmt.Sscanf(strings.TrimPrefix(l, "F"), "%d", &n)
	return n
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	if len(l) > 200 {
		l = l[:200]
	}
	return l
}

// reproExecutions is how many controlled executions (PCT and random seeds
// alternately) Campaign.reproduce runs of a native failure's scenario.
const reproExecutions = 200

// reproWatchdog bounds each phase of a reproduction's executions, which
// run in this process: a scenario that hangs under control is abandoned
// after it (and the reproduction stops there).
const reproWatchdog = 2 * time.Second

// invariantKey picks the phase and the invariant's name out of an
// Invariant failure key.
var invariantKey = regexp.MustCompile(`^Invariant (\w+: )?invariant ([\w-]+) broken`)

// reproClass is what a controlled reproduction of a native failure must
// share with it: its ClassKey, except for an invariant, where the phase
// and the invariant's name are enough. A native run checks invariants
// only once every thread has exited (quiescent), a controlled one at
// every lock release too, so the same broken state is reported at
// another point, with another text.
func reproClass(failKey string) string {
	if m := invariantKey.FindStringSubmatch(failKey); m != nil {
		return "Invariant " + m[1] + m[2]
	}
	return ClassKey(failKey)
}

// reproduce looks for a controlled execution of a native failure's
// scenario that fails with the same failure class (same kind, same
// reproClass): PCT (the campaign's depth and step estimate) and random
// scheduling, seeds 1, 2, ... alternately, reproExecutions in all. When
// one does, its schedule becomes the sample's and the sample is labelled
// as any other (the label then rests on that execution, which replays).
// When none does, the sample is done with an error saying so, and its
// failures are UNLABELLED; a controlled execution that hangs (it cannot
// be replayed in process) ends the search the same way. Cut off by lctx,
// the sample stays pending. It reports whether s now has a schedule.
func (c *Campaign) reproduce(lctx context.Context, s *sample) bool {
	want := reproClass(s.failKey)
	wd := c.cfg.Watchdog
	if wd <= 0 || wd > reproWatchdog {
		wd = reproWatchdog
	}
	e := [2]*Explorer{{Kind: PCT, Seed: 1, Depth: c.cfg.Depth, Steps: c.cfg.Steps}, {Kind: Random, Seed: 1}}
	fail := func(msg string) bool {
		c.mu.Lock()
		s.err, s.done = msg, true
		c.mu.Unlock()
		return false
	}
	for i := 0; i < reproExecutions; i++ {
		if lctx.Err() != nil {
			c.mu.Lock()
			s.started, s.quick = false, false // pending
			c.mu.Unlock()
			return false
		}
		ch, _, desc, _ := e[i%2].Next()
		ex := safeExecute(s.scn, Config{Chooser: ch, Mode: c.cfg.Mode, MaxSteps: c.cfg.MaxSteps, CheckTimeout: c.cfg.CheckTimeout,
			Watchdog: wd, LoadDrivers: c.cfg.LoadDrivers})
		if ex.Kind == Hang {
			return fail(fmt.Sprintf("a native failure whose scenario hung under control (%s) before a controlled run reproduced it", desc))
		}
		if ex.Kind == s.ex.Kind && reproClass(FailureKey(ex, c.cfg.Mode)) == want {
			c.mu.Lock()
			s.sched, s.repro = ex.Schedule, desc
			c.mu.Unlock()
			return true
		}
	}
	return fail(fmt.Sprintf("a native failure not reproduced under control (%d PCT and random executions of its scenario)", reproExecutions))
}

// writeLabelBundles writes, for each label group, the bundles of its
// first labelled samples (KnownBundles per known label, BundlesPerKind
// per NEW or UNLABELLED label) by replaying them in this process.
func (c *Campaign) writeLabelBundles(rep *LabelReport) {
	if c.cfg.OutDir == "" {
		return
	}
	c.mu.Lock()
	keys := make([]*keyState, 0, len(c.keyOrder))
	for _, k := range c.keyOrder {
		keys = append(keys, c.keys[k])
	}
	c.mu.Unlock()
	for gi := range rep.Groups {
		g := &rep.Groups[gi]
		limit := c.cfg.BundlesPerKind
		if g.Known() && c.cfg.KnownBundles >= 0 {
			limit = c.cfg.KnownBundles
		}
		written := 0
		for _, ks := range keys {
			for _, s := range ks.samples {
				if limit >= 0 && written >= limit {
					break
				}
				if s.schedErr != "" || s.native && s.sched == nil || !s.belongs(ks, g.Label) {
					continue
				}
				p, err := c.replayBundle(s)
				if err != nil {
					rep.Errors = append(rep.Errors, fmt.Sprintf("bundle for %s (%s): %v", s.ex.Scenario, g.Label, err))
					continue
				}
				if err := os.WriteFile(filepath.Join(p, "label"), []byte(g.Label+"\n"), 0o644); err != nil {
					rep.Errors = append(rep.Errors, fmt.Sprintf("bundle %s: %v", p, err))
				}
				written++
				g.Bundles = append(g.Bundles, p)
				c.mu.Lock()
				c.stats.Bundles = append(c.stats.Bundles, BundleRef{Path: p, Scenario: s.ex.Scenario, Kind: s.ex.Kind, Label: g.Label})
				c.mu.Unlock()
			}
		}
	}
}

// settleKeyBundles keeps the key bundle of each native key whose
// failures all ended UNLABELLED (no controlled run reproduced them, and
// no signature named them): the only record of what no replay shows. It
// is listed with the UNLABELLED group and the campaign's bundles. Key
// bundles of the other keys are removed: their labels have bundles of
// their own.
func (c *Campaign) settleKeyBundles(rep *LabelReport) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var unl *LabelGroup
	for i := range rep.Groups {
		if rep.Groups[i].Label == LabelUnlabelled {
			unl = &rep.Groups[i]
		}
	}
	for _, k := range c.keyOrder {
		ks := c.keys[k]
		if ks.keyBundle == "" {
			continue
		}
		unlabelled := ks.why != "" || ks.signed == nil && ks.recalled == nil && ks.rest == LabelUnlabelled &&
			!slices.ContainsFunc(ks.samples, func(s *sample) bool { return s.done && s.err == "" })
		if unl == nil || !unlabelled {
			os.RemoveAll(ks.keyBundle)
			continue
		}
		unl.Bundles = append(unl.Bundles, ks.keyBundle)
		c.stats.Bundles = append(c.stats.Bundles, BundleRef{Path: ks.keyBundle, Scenario: ks.first.Scenario, Kind: ks.kind, Label: LabelUnlabelled})
		if err := os.WriteFile(filepath.Join(ks.keyBundle, "label"), []byte(LabelUnlabelled+"\n"), 0o644); err != nil {
			rep.Errors = append(rep.Errors, fmt.Sprintf("bundle %s: %v", ks.keyBundle, err))
		}
	}
}

// belongs reports whether a sample of ks was counted under label: a
// labelled sample under its own label, one the labeller failed on under
// UNLABELLED, any other under its key's (ks.rest, set by groupLabels).
func (s *sample) belongs(ks *keyState, label string) bool {
	if s.recalled != nil {
		return labelOf(s.recalled) == label
	}
	if s.done && s.err == "" {
		return labelOf(s.ids) == label
	}
	if s.err != "" {
		return label == LabelUnlabelled
	}
	return label == ks.rest
}

// replayBundle replays a sample on this build and writes its bundle.
func (c *Campaign) replayBundle(s *sample) (string, error) {
	rp := kern.NewReplay(s.sched)
	cfg := Config{Chooser: rp, Mode: c.cfg.Mode, MaxSteps: c.cfg.MaxSteps, CheckTimeout: c.cfg.CheckTimeout,
		Watchdog: c.cfg.Watchdog, LoadDrivers: c.cfg.LoadDrivers}
	ex := safeExecute(s.scn, cfg)
	if d := rp.Diverged(); d != "" {
		return "", fmt.Errorf("the schedule does not replay: %s", d)
	}
	if ex.Kind != s.ex.Kind {
		return "", fmt.Errorf("the replay gave %s, the campaign %s", ex.Kind, s.ex.Kind)
	}
	cfg.Chooser = nil
	desc := s.ex.Strategy
	if s.repro != "" {
		desc += ", reproduced under control by " + s.repro
	}
	return WriteBundle(c.cfg.OutDir, ex, cfg, desc)
}
