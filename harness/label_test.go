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

	"kcheck/model"
)

// byScenario labels a failure by its scenario's name; flip makes every
// other answer differ (labelled members of a key that disagree).
type byScenario struct {
	calls atomic.Int64
	flip  bool
	fail  bool
}

func (b *byScenario) LabelFailure(ctx context.Context, f LabelRequest) ([]string, error) {
	n := b.calls.Add(1)
	if b.fail {
		return nil, errors.New("labeller broke")
	}
	if b.flip && n%2 == 0 {
		return []string{LabelNew}, nil
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
	quick            map[string]bool
	mu               sync.Mutex
	quickAfterFull   int
	fulls, quickRuns int
	fullNames        map[string]int
}

func (q *slowQuick) LabelFailure(ctx context.Context, f LabelRequest) ([]string, error) {
	q.mu.Lock()
	q.fulls++
	if q.fullNames == nil {
		q.fullNames = map[string]int{}
	}
	q.fullNames[f.Scenario.Name]++
	q.mu.Unlock()
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

// TestCampaignLabelBudget: labelling that does not fit its budget leaves
// the failures it did not reach UNLABELLED (pending), counted, never
// labelled otherwise, and spends about its budget (one attribution over at
// most, plus its cancellation).
func TestCampaignLabelBudget(t *testing.T) {
	var scns []*Scenario
	for _, n := range []string{"EpairAtomicPair", "RenameCollision", "DoubleDestroy", "WildcardBurst", "CreateVisibleBeforeLinked"} {
		s, err := NamedScenario(n)
		if err != nil {
			t.Fatal(err)
		}
		scns = append(scns, s)
	}
	q := &slowQuick{d: 150 * time.Millisecond}
	budget := 400 * time.Millisecond
	c, err := NewCampaign(CampaignConfig{Scenarios: scns, Strategy: PCT, Executions: 400, Seed: 1, Workers: 2,
		Mode: model.Relaxed, Labeler: q, LabelTime: budget, LabelShare: -1, TraceEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	res := c.Run(context.Background())
	rep := res.Labels
	if rep.Keys < 5 {
		t.Fatalf("%d keys: too few to overrun the budget", rep.Keys)
	}
	var unl, n int64
	for _, g := range rep.Groups {
		n += g.Count
		if g.Label == LabelUnlabelled {
			unl += g.Count
			if !strings.Contains(strings.Join(g.Why, "\n"), "pending") {
				t.Errorf("UNLABELLED without the pending reason: %q", g.Why)
			}
		} else if !strings.HasSuffix(g.Label, g.Example.Scenario) {
			t.Errorf("group %s has an example from %s", g.Label, g.Example.Scenario)
		}
	}
	if rep.Pending == 0 || rep.Pending > unl {
		t.Errorf("pending %d, UNLABELLED %d: want some pending, all of them UNLABELLED", rep.Pending, unl)
	}
	if n != res.Failures() {
		t.Errorf("groups count %d failures, the campaign %d", n, res.Failures())
	}
	if rep.During != 0 {
		t.Errorf("label share negative: labelled %v during the executions, want none", rep.During)
	}
	if max := budget + 2*q.d + 200*time.Millisecond; rep.Elapsed > max {
		t.Errorf("labelling took %v after the executions, budget %v", rep.Elapsed, budget)
	}
}

// TestCampaignLabelsDuringExecutions: a campaign with a time budget labels
// while its executions run, busy at most its share of their wall time
// (plus one attribution).
func TestCampaignLabelsDuringExecutions(t *testing.T) {
	s, err := NamedScenario("RenameCollision")
	if err != nil {
		t.Fatal(err)
	}
	q := &slowQuick{d: 20 * time.Millisecond}
	c, err := NewCampaign(CampaignConfig{Scenarios: []*Scenario{s}, Strategy: PCT, Duration: 1500 * time.Millisecond, Seed: 1, Workers: 1,
		Mode: model.Relaxed, Labeler: q, LabelShare: 0.2, TraceEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	res := c.Run(context.Background())
	rep := res.Labels
	if res.Failures() == 0 || rep.During == 0 {
		t.Fatalf("%d failures, %v labelling during the executions: want both", res.Failures(), rep.During)
	}
	if max := time.Duration(0.2*float64(res.Elapsed)) + q.d + 50*time.Millisecond; rep.During > max {
		t.Errorf("busy %v during %v of executions: more than the 20%% share", rep.During, res.Elapsed)
	}
}
