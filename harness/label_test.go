// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kcheck/kern"
	"kcheck/model"
)

// byScenario labels a failure by its scenario's name; flip makes every
// second answer for one failure key differ (labelled members of a key
// that disagree, whatever order the campaign labels them in).
type byScenario struct {
	calls atomic.Int64
	flip  bool
	fail  bool
	mu    sync.Mutex
	seen  map[string]int
}

func (b *byScenario) LabelFailure(ctx context.Context, f LabelRequest) ([]string, error) {
	b.calls.Add(1)
	if b.fail {
		return nil, errors.New("labeller broke")
	}
	if b.flip {
		ex := Execute(f.Scenario, Config{Chooser: kern.NewReplay(f.Schedule), Mode: f.Mode, MaxSteps: f.MaxSteps})
		key := f.Scenario.Name + ": " + ClassKey(FailureKey(ex, f.Mode))
		b.mu.Lock()
		if b.seen == nil {
			b.seen = map[string]int{}
		}
		b.seen[key]++
		n := b.seen[key]
		b.mu.Unlock()
		if n%2 == 0 {
			return []string{LabelNew}, nil
		}
	}
	return []string{"F-" + f.Scenario.Name}, nil
}

func labelledRun(t *testing.T, l Labeler, out string) *CampaignResult {
	t.Helper()
	var scns []*Scenario
	for _, n := range []string{"EpairAtomicPair", "RenameCollision", "SameExplicitName"} {
		s, err := NamedScenario(n)
		if err != nil {
			t.Fatal(err)
		}
		scns = append(scns, s)
	}
	c, err := NewCampaign(CampaignConfig{Scenarios: scns, Strategy: PCT, Executions: 600, Seed: 1, Workers: 2,
		Mode: model.Relaxed, Labeler: l, OutDir: out, BundlesPerKind: 1, KnownBundles: 1, TraceEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c.Run(context.Background())
}

// TestCampaignLabels: every failure is in exactly one label group, each
// key is labelled by its first samples only, and bundles are per label.
func TestCampaignLabels(t *testing.T) {
	out := t.TempDir()
	l := &byScenario{}
	res := labelledRun(t, l, out)
	rep := res.Labels
	if rep == nil || res.Failures() == 0 {
		t.Fatalf("labels %v, failures %d: nothing to check", rep, res.Failures())
	}
	var n int64
	for _, g := range rep.Groups {
		n += g.Count
		if !strings.HasPrefix(g.Label, "F-") {
			t.Errorf("group %s: want only scenario labels (%v)", g.Label, g.Why)
		}
		if !strings.HasSuffix(g.Label, g.Example.Scenario) {
			t.Errorf("group %s has an example from %s", g.Label, g.Example.Scenario)
		}
		if len(g.Bundles) != 1 {
			t.Errorf("group %s: %d bundles, want 1", g.Label, len(g.Bundles))
		}
		for _, b := range g.Bundles {
			lb, err := os.ReadFile(filepath.Join(b, "label"))
			if err != nil || strings.TrimSpace(string(lb)) != g.Label {
				t.Errorf("bundle %s: label file %q, %v", b, lb, err)
			}
		}
	}
	if n != res.Failures() {
		t.Errorf("groups count %d failures, the campaign %d", n, res.Failures())
	}
	if got, max := int(l.calls.Load()), 2*rep.Keys; got > max || got != rep.Runs {
		t.Errorf("%d labeller calls (report: %d) for %d keys: want at most 2 per key", got, rep.Runs, rep.Keys)
	}
	if len(res.Bundles) != len(rep.Groups) {
		t.Errorf("%d bundles for %d labels", len(res.Bundles), len(rep.Groups))
	}
}

// TestCampaignLabelsNeverHide: a labeller that fails, or whose answers
// for one key disagree, leaves the failures UNLABELLED, never known.
func TestCampaignLabelsNeverHide(t *testing.T) {
	res := labelledRun(t, &byScenario{fail: true}, "")
	if g := res.Labels.Groups; len(g) != 1 || g[0].Label != LabelUnlabelled || g[0].Count != res.Failures() {
		t.Errorf("a broken labeller: groups %+v, want all %d UNLABELLED", g, res.Failures())
	}
	res = labelledRun(t, &byScenario{flip: true}, "")
	var unl, known int64
	for _, g := range res.Labels.Groups {
		switch {
		case g.Label == LabelUnlabelled:
			unl += g.Count
			if len(g.Why) == 0 {
				t.Error("UNLABELLED without a reason")
			}
		case g.Known():
			known += g.Count
		}
	}
	if unl == 0 {
		t.Errorf("keys whose labels disagree: no UNLABELLED failure (groups %+v)", res.Labels.Groups)
	}
	if known > int64(res.Labels.Runs) {
		t.Errorf("%d failures labelled known from %d labeller runs whose keys disagree", known, res.Labels.Runs)
	}
}

// TestFailureKeyStable: the failures of one named scenario with one bug
// share few keys, and a panic's key is its identity.
func TestFailureKeyStable(t *testing.T) {
	scn, err := NamedScenario("EpairAtomicPair")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]int{}
	for seed := uint64(1); seed <= 400; seed++ {
		e := &Explorer{Kind: PCT, Seed: seed, Depth: 3, Steps: 500}
		ch, _, _, _ := e.Next()
		ex := Execute(scn, Config{Chooser: ch, Mode: model.Relaxed})
		if ex.Kind == Panic || ex.Kind == NotLinearizable {
			k := FailureKey(ex, model.Relaxed)
			keys[k]++
			if ex.Kind == Panic && !strings.Contains(k, "@ ") {
				t.Errorf("panic key %q is not a panic identity", k)
			}
			if strings.ContainsAny(k, "0123456789") && ex.Kind == NotLinearizable {
				t.Errorf("NotLinearizable key %q holds numbers", k)
			}
		}
	}
	if len(keys) == 0 {
		t.Fatal("no failure in 400 PCT runs of EpairAtomicPair")
	}
	t.Logf("%d keys: %v", len(keys), keys)
	if len(keys) > 6 {
		t.Errorf("%d keys for one scenario: the key is too fine", len(keys))
	}
}

// TestClassKey: variants of one failure class share a class key; the
// state changes of an illegal history and the leaked types still tell
// classes apart.
func TestClassKey(t *testing.T) {
	same := [][2]string{
		{"NotLinearizable {create:EINVAL create:ok destroy:ENXIO destroy:ok} relaxed-ok=false",
			"NotLinearizable {create:ok destroy:EBUSY destroy:ok list_cloners:ok} relaxed-ok=false"},
		{"Leak memory left after teardown: clone: N live, Unitno: N live | clone: N live",
			"Leak memory left after teardown: Unitno: N live, clone: N live | Unitno: N live"},
	}
	for _, p := range same {
		if a, b := ClassKey(p[0]), ClassKey(p[1]); a != b {
			t.Errorf("%q and %q: class keys %q and %q differ", p[0], p[1], a, b)
		}
	}
	differ := [][2]string{
		{"NotLinearizable {create:ok destroy:ok}", "NotLinearizable {create:ok rename:ok}"},
		{"NotLinearizable {create:ok} relaxed-ok=true", "NotLinearizable {create:ok} relaxed-ok=false"},
		{"Leak memory left after teardown: clone: N live | x", "Leak memory left after teardown: clone: N live, tun: N live | x"},
		{"Panic panic: a @ f (x.go:1)", "Panic panic: b @ f (x.go:1)"},
	}
	for _, p := range differ {
		if a, b := ClassKey(p[0]), ClassKey(p[1]); a == b {
			t.Errorf("%q and %q share the class key %q", p[0], p[1], a)
		}
	}
}

// remembering is byScenario with a ClassMemory.
type remembering struct {
	byScenario
	mu  sync.Mutex
	mem map[string][]string
}

func (r *remembering) RecallClass(class string, mode model.Mode) ([]string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids, ok := r.mem[mode.String()+"|"+class]
	return ids, ok
}

func (r *remembering) RememberClass(class string, mode model.Mode, ids []string, samples int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if samples < DefaultLabelSamples {
		panic("remembered from fewer samples than a campaign labels")
	}
	r.mem[mode.String()+"|"+class] = ids
}

// TestCampaignClassMemory: a campaign remembers the classes whose samples
// agree and a second campaign takes their labels without labelling them
// again (counted as Remembered, not Labelled); classes whose samples
// disagree are not remembered.
func TestCampaignClassMemory(t *testing.T) {
	l := &remembering{mem: map[string][]string{}}
	first := labelledRun(t, l, "")
	if len(l.mem) == 0 {
		t.Fatalf("nothing remembered from %d keys", first.Labels.Keys)
	}
	calls := l.calls.Load()
	second := labelledRun(t, l, t.TempDir())
	rep := second.Labels
	var remembered int64
	for _, g := range rep.Groups {
		remembered += g.Remembered
		if g.Remembered > 0 && !strings.HasSuffix(g.Label, g.Example.Scenario) {
			t.Errorf("group %s remembered for an example of %s", g.Label, g.Example.Scenario)
		}
		if g.Remembered > 0 && len(g.Bundles) != 1 {
			t.Errorf("group %s: %d bundles, want 1", g.Label, len(g.Bundles))
		}
	}
	if rep.Remembered == 0 || remembered == 0 {
		t.Fatalf("second campaign: %d keys recalled, %d failures remembered", rep.Remembered, remembered)
	}
	if got := l.calls.Load() - calls; got != int64(rep.Runs) || rep.Runs > 2*(rep.Keys-rep.Remembered) {
		t.Errorf("second campaign: %d labeller calls (report %d) for %d keys of which %d recalled", got, rep.Runs, rep.Keys, rep.Remembered)
	}

	// A labeller whose answers disagree within a key leaves nothing to
	// remember for that key.
	flip := &remembering{byScenario: byScenario{flip: true}, mem: map[string][]string{}}
	res := labelledRun(t, flip, "")
	for _, g := range res.Labels.Groups {
		for _, k := range g.Keys {
			if ids, ok := flip.mem[model.Relaxed.String()+"|"+k]; ok && g.Label == LabelUnlabelled {
				t.Errorf("key %s: UNLABELLED (disagreeing) but remembered as %v", k, ids)
			}
		}
	}
}

// slowQuick labels by scenario like byScenario, after sleeping d per full
// attribution; its quick step decides the scenarios in quick and counts
// when it ran relative to the full attributions.
type slowQuick struct {
	byScenario
	d                time.Duration
	block            bool // LabelFailure returns only when its context ends
	quick            map[string]bool
	mu               sync.Mutex
	quickAfterFull   int
	fulls, quickRuns int
	fullNames        map[string]int
	parallel         map[int]int // LabelRequest.Parallel -> calls
}

func (q *slowQuick) LabelFailure(ctx context.Context, f LabelRequest) ([]string, error) {
	q.mu.Lock()
	q.fulls++
	if q.fullNames == nil {
		q.fullNames, q.parallel = map[string]int{}, map[int]int{}
	}
	q.fullNames[f.Scenario.Name]++
	q.parallel[f.Parallel]++
	q.mu.Unlock()
	if q.block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	select {
	case <-time.After(q.d):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return q.byScenario.LabelFailure(ctx, f)
}

func (q *slowQuick) QuickLabel(ctx context.Context, f LabelRequest) ([]string, bool, error) {
	q.mu.Lock()
	q.quickRuns++
	if q.fulls > 0 {
		q.quickAfterFull++
	}
	q.mu.Unlock()
	if q.quick[f.Scenario.Name] {
		return []string{"F-" + f.Scenario.Name}, true, nil
	}
	return nil, false, nil
}

// TestCampaignQuickLabelsFirst: the quick step runs on every key's samples
// before any full attribution, and a failure it decides never reaches the
// full Labeler.
func TestCampaignQuickLabelsFirst(t *testing.T) {
	q := &slowQuick{quick: map[string]bool{"EpairAtomicPair": true, "RenameCollision": true}}
	res := labelledRun(t, q, t.TempDir())
	rep := res.Labels
	if rep.Quick == 0 || q.quickRuns == 0 {
		t.Fatalf("quick step: %d runs (report %d)", q.quickRuns, rep.Quick)
	}
	if n := q.fullNames["EpairAtomicPair"] + q.fullNames["RenameCollision"]; n > 0 {
		t.Errorf("%d failures the quick step decides went to the full Labeler", n)
	}
	if q.quickAfterFull > 0 {
		t.Errorf("%d quick steps ran after a full attribution had started", q.quickAfterFull)
	}
	for _, g := range rep.Groups {
		if !strings.HasSuffix(g.Label, g.Example.Scenario) {
			t.Errorf("group %s has an example from %s", g.Label, g.Example.Scenario)
		}
	}
}

// TestCampaignLabelBudget: labelling that does not fit its budget (a
// labeller that never answers before its context ends) leaves the failures
// UNLABELLED (pending), counted, never labelled otherwise, and the
// campaign ends (the budget cuts the attributions in flight). Labelling
// runs after the executions only (LabelShare negative), so that every key
// exists when it starts and the quick step reaches all of them first.
func TestCampaignLabelBudget(t *testing.T) {
	var scns []*Scenario
	for _, n := range []string{"EpairAtomicPair", "RenameCollision", "DoubleDestroy"} {
		s, err := NamedScenario(n)
		if err != nil {
			t.Fatal(err)
		}
		scns = append(scns, s)
	}
	q := &slowQuick{block: true, quick: map[string]bool{"EpairAtomicPair": true}}
	c, err := NewCampaign(CampaignConfig{Scenarios: scns, Strategy: PCT, Executions: 300, Seed: 1, Workers: 2,
		Mode: model.Relaxed, Labeler: q, LabelTime: 300 * time.Millisecond, LabelShare: -1, TraceEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	res := c.Run(context.Background())
	rep := res.Labels
	var unl, n, epair int64
	for _, g := range rep.Groups {
		n += g.Count
		switch {
		case g.Label == LabelUnlabelled:
			unl += g.Count
			if !strings.Contains(strings.Join(g.Why, "\n"), "pending") {
				t.Errorf("UNLABELLED without the pending reason: %q", g.Why)
			}
		case g.Label == "F-EpairAtomicPair":
			epair += g.Count // the quick step named it
		default:
			t.Errorf("group %s: only the quick step's label or UNLABELLED expected", g.Label)
		}
	}
	if rep.Pending == 0 || rep.Pending != unl {
		t.Errorf("pending %d, UNLABELLED %d: want all UNLABELLED failures pending, some", rep.Pending, unl)
	}
	if epair == 0 {
		t.Error("the quick step's failures were not labelled")
	}
	if n != res.Failures() {
		t.Errorf("groups count %d failures, the campaign %d", n, res.Failures())
	}
}

// TestCampaignLabelsDuringExecutions: a campaign labels while its
// executions run, asking the Labeler for one fix runner request at a time
// then, and with its default parallelism after them.
func TestCampaignLabelsDuringExecutions(t *testing.T) {
	s, err := NamedScenario("RenameCollision")
	if err != nil {
		t.Fatal(err)
	}
	q := &slowQuick{d: time.Millisecond}
	c, err := NewCampaign(CampaignConfig{Scenarios: []*Scenario{s}, Strategy: PCT, Duration: 1500 * time.Millisecond, Seed: 1, Workers: 1,
		Mode: model.Relaxed, Labeler: q, LabelShare: 0.5, TraceEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	res := c.Run(context.Background())
	rep := res.Labels
	if res.Failures() == 0 || rep.During == 0 {
		t.Fatalf("%d failures, %v labelling during the executions: want both", res.Failures(), rep.During)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.parallel[1] == 0 {
		t.Errorf("no attribution asked for one request at a time (during the executions): %v", q.parallel)
	}
	for p := range q.parallel {
		if p != 0 && p != 1 {
			t.Errorf("an attribution asked for parallelism %d", p)
		}
	}
}
