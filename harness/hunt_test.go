package harness

import (
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestSymptomsMatchTheirBundles: the symptom read from each finding's
// bundle is matched by the bundle's own replayed execution, and by no
// other finding's bundle of a different verdict or message (so that the
// hunt counts the right failure).
func TestSymptomsMatchTheirBundles(t *testing.T) {
	dirs, _ := filepath.Glob("../testdata/findings/F*")
	if len(dirs) == 0 {
		t.Fatal("no finding bundles")
	}
	var syms []*Symptom
	var exs []*Execution
	for _, d := range dirs {
		s, err := ReadSymptom(d)
		if err != nil {
			t.Fatal(err)
		}
		lb, err := ReadBundle(d)
		if err != nil {
			t.Fatal(err)
		}
		ex, _, err := Replay(lb)
		if err != nil {
			t.Fatal(err)
		}
		if !s.Matches(ex) {
			t.Errorf("%s: its own replay (%s: %s) does not show %s", s.Finding, ex.Kind, ex.Summary, s)
		}
		syms, exs = append(syms, s), append(exs, ex)
	}
	for i, s := range syms {
		for j, ex := range exs {
			if i != j && s.Kind == Panic && s.Matches(ex) {
				t.Errorf("%s's symptom %s also matches %s's bundle", s.Finding, s, syms[j].Finding)
			}
		}
	}
}

// TestHuntConfirm: a symptom hit counts only as the labeller decides
// where it decides (a rejected hit lets the campaign go on), and by the
// symptom where it cannot; F7 is shown as folded into F3.
func TestHuntConfirm(t *testing.T) {
	run := func(only string, confirm func(string, LabelRequest) (Confirmation, error)) *HuntResult {
		res, err := Hunt(HuntConfig{Dir: "../testdata/findings", Only: []string{only}, Seeds: []uint64{1},
			Budget: 3 * time.Second, Gen: GenConfig{Threads: 3, Ops: 4, VaryThreads: true}, Parallel: 2,
			Confirm: confirm, Folded: map[string]string{"F7": "F3"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 1 || len(res[0].Runs) != 2 {
			t.Fatalf("want one finding with two runs, got %+v", res)
		}
		return res[0]
	}
	var calls atomic.Int32 // the two runs confirm from two goroutines
	r := run("F18", func(id string, req LabelRequest) (Confirmation, error) {
		if id != "F18" || req.Scenario == nil || len(req.Schedule) == 0 {
			t.Errorf("confirm asked about %s with scenario %v, %d decisions", id, req.Scenario, len(req.Schedule))
		}
		calls.Add(1)
		return Labelled, nil
	})
	for _, hr := range r.Runs {
		if !hr.Found || hr.Identity != "label" || hr.Rejected != 0 {
			t.Errorf("labeller says yes: %+v", hr)
		}
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d confirmations for two hits", n)
	}
	r = run("F18", func(string, LabelRequest) (Confirmation, error) { return Otherwise, nil })
	for _, hr := range r.Runs {
		if hr.Found || hr.Rejected == 0 {
			t.Errorf("labeller says no: %+v", hr)
		}
	}
	if tab := HuntTable([]*HuntResult{r}, 3*time.Second); !strings.Contains(tab, "symptom hits labelled otherwise") {
		t.Errorf("table does not show the rejected hits:\n%s", tab)
	}
	r = run("F18", func(string, LabelRequest) (Confirmation, error) { return Undecided, nil })
	for _, hr := range r.Runs {
		if !hr.Found || hr.Identity != "symptom" {
			t.Errorf("labeller cannot decide: %+v", hr)
		}
	}
	r = run("F18", func(string, LabelRequest) (Confirmation, error) { return Probably, nil })
	for _, hr := range r.Runs {
		if !hr.Found || hr.Identity != "label?" || hr.Rejected != 0 {
			t.Errorf("labeller names it as probable: %+v", hr)
		}
	}
	if tab := HuntTable([]*HuntResult{r}, 3*time.Second); !strings.Contains(tab, "label? 1") {
		t.Errorf("table does not show the probable labels apart:\n%s", tab)
	}
	if s := (&Symptom{Finding: "F7", Kind: NotLinearizable, FoldedInto: "F3"}).String(); !strings.Contains(s, "folded into F3") {
		t.Errorf("F7's symptom %q does not say it is folded into F3", s)
	}
}
