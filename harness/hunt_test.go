package harness

import (
	"path/filepath"
	"testing"
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
