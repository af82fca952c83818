// SPDX-License-Identifier: BSD-2-Clause

package triage

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kcheck/harness"
	"kcheck/mutants"
)

func newLabeler(t testing.TB) *Labeler {
	t.Helper()
	l, err := NewLabeler(".", os.Getenv("KCHECK_TRIAGE_CACHE"))
	if err != nil {
		t.Fatal(err)
	}
	// The tests check the labeller: a class label an earlier run of them
	// remembered would stand in for the attribution under test.
	l.NoClassMemory = true
	t.Cleanup(func() { l.Close() })
	return l
}

// TestFixRulesApply: every fix's old text occurs exactly once in the
// current port, so the catalogue cannot rot silently.
func TestFixRulesApply(t *testing.T) {
	root, err := mutants.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range Catalogue {
		if m := f.Mutant(); m != nil {
			if _, err := mutants.Mutate(root, m); err != nil {
				t.Errorf("%s: %v", f.ID, err)
			}
		}
	}
}

// TestCatalogueShape: IDs in order, and every finding has an identity, a
// fold target, or says why it has none.
func TestCatalogueShape(t *testing.T) {
	for i, f := range Catalogue {
		if want := "F" + itoa(i+1); f.ID != want {
			t.Errorf("finding %d is %s, want %s", i, f.ID, want)
		}
		if f.Fix == nil && f.Signature == nil && f.FoldedInto == "" && f.SignatureWhy == "" && f.Reach.Verdict != "unreachable" {
			t.Errorf("%s has no identity and does not say why", f.ID)
		}
		if f.Fix != nil && len(f.Scenarios) == 0 {
			t.Errorf("%s has a fix but no scenario to verify it on", f.ID)
		}
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// TestEveryFindingBundleLabelled: each saved bundle is labelled with
// exactly its own finding, and every bundle directory belongs to one.
func TestEveryFindingBundleLabelled(t *testing.T) {
	l := newLabeler(t)
	root := l.Root
	owner := map[string]string{}
	for _, f := range Catalogue {
		for _, b := range f.Bundles {
			owner[b] = f.ID
		}
	}
	var dirs []string
	for _, pat := range []string{"testdata/findings/*", "harness/testdata/bundles/*"} {
		m, _ := filepath.Glob(filepath.Join(root, pat))
		dirs = append(dirs, m...)
	}
	if len(dirs) == 0 {
		t.Fatal("no bundles found")
	}
	for _, d := range dirs {
		rel, _ := filepath.Rel(root, d)
		want, ok := owner[rel]
		if !ok {
			t.Errorf("%s belongs to no finding of the catalogue", rel)
			continue
		}
		start := time.Now()
		a, err := l.AttributeBundle(context.Background(), d)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		t.Logf("%s -> %v in %v (%s)", rel, a.IDs, time.Since(start).Round(time.Millisecond), a.Signature)
		if len(a.IDs) != 1 || a.IDs[0] != want {
			t.Errorf("%s labelled %v, want [%s]; evidence: %v", rel, a.IDs, want, a.Evidence)
		}
	}
}

// verifyOptions: exhaustive DFS at bound 2 normally; under -short a cap.
func verifyOptions(t *testing.T) VerifyOptions {
	if testing.Short() {
		t.Log("-short: DFS bound 2 capped at 300 schedules per scenario, PCT 5 seeds per named scenario (not exhaustive)")
		return VerifyOptions{DFSBound: 2, DFSCap: 300, PCTSeeds: 5}
	}
	return VerifyOptions{DFSBound: 2, PCTSeeds: 40}
}

// TestFixesHold: with each fix its finding's scenarios no longer show the
// finding at DFS bound 2, and PCT over every named scenario shows no
// failure kind the faithful port does not.
func TestFixesHold(t *testing.T) {
	l := newLabeler(t)
	opts := verifyOptions(t)
	checks, err := l.VerifyFixes(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		t.Logf("%s: explored %v exhausted %v seen %v", c.Finding.ID, c.Explored, c.Exhausted, c.Seen)
		switch {
		case c.Err != nil:
			t.Errorf("%s: %v", c.Finding.ID, c.Err)
		case c.Finding.FixFails == "" && !c.Holds():
			t.Errorf("%s: fix does not hold: remaining=%v new kinds=%v", c.Finding.ID, c.Remaining, c.NewKinds)
		case c.Finding.FixFails != "" && c.Holds() && testing.Short():
			// A capped search that meets no failure proves nothing
			// about a fix recorded as failing.
			t.Logf("%s: the catalogue says the fix does not hold; the capped -short search did not meet the failure", c.Finding.ID)
		case c.Finding.FixFails != "" && c.Holds():
			t.Errorf("%s: the catalogue says the fix does not hold (%s), but it held: update the catalogue", c.Finding.ID, c.Finding.FixFails)
		case c.Finding.FixFails != "":
			t.Logf("%s: fix known not to hold, as recorded: remaining=%v new kinds=%v", c.Finding.ID, c.Remaining, c.NewKinds)
		}
	}
}

// recreates lists mutants whose failures are a known finding on purpose,
// with the reason; any other mutant failure must be labelled NEW.
var recreates = map[string]string{}

// TestMutantFailuresAreNew: a failure a mutant of the catalogue causes is
// labelled NEW (or the finding the mutant really re-creates, listed in
// recreates), never silently as a known finding.
func TestMutantFailuresAreNew(t *testing.T) {
	ms := mutants.Catalogue()
	budget := len(ms)
	if only := os.Getenv("KCHECK_MUTANTS"); only != "" {
		// KCHECK_MUTANTS=M06,M18 checks those mutants only (in -short too).
		var sel []*mutants.Mutant
		for _, m := range ms {
			if slices.Contains(strings.Split(only, ","), m.ID) {
				sel = append(sel, m)
			}
		}
		if len(sel) == 0 {
			t.Fatalf("KCHECK_MUTANTS=%s names no mutant of the catalogue", only)
		}
		ms, budget = sel, len(sel)
	} else if testing.Short() {
		budget = 3
		t.Logf("-short: the first %d mutants only", budget)
	}
	// The mutants' kill set without random scenarios: the named
	// scenarios and the x- scenarios aimed at single code paths (some
	// mutants are reached by those only).
	find := mutants.KillSet(0)
	checked := 0
	for _, m := range ms[:budget] {
		start := time.Now()
		l := newLabeler(t)
		l.Base = m
		l.DFSCap = 500
		resp, err := l.Run(context.Background(), nil, &Request{Op: "find", Find: find, Mode: "relaxed", DFSBound: 1, DFSCap: 150})
		if err != nil {
			t.Errorf("%s: %v", m.ID, err)
			l.Close()
			continue
		}
		if resp.Found == nil {
			t.Logf("%s: no failure outside the scenarios' expected kinds within the budget (%d schedules)", m.ID, resp.DFSExplored)
			l.Close()
			continue
		}
		sched, err := parseSchedule(resp.FoundSched)
		if err != nil {
			t.Fatal(err)
		}
		a, err := l.Attribute(context.Background(), Failure{Scenario: resp.Found, Schedule: sched, Mode: relaxedMode()})
		l.Close()
		if err != nil {
			t.Errorf("%s: %v", m.ID, err)
			continue
		}
		checked++
		t.Logf("%s: %s on %s (found after %d schedules) -> %v in %v (attribution %v)", m.ID, a.Signature, resp.Found.Name, resp.DFSExplored, a.IDs,
			time.Since(start).Round(time.Millisecond), a.Elapsed.Round(time.Millisecond))
		want := New
		if id, ok := recreates[m.ID]; ok {
			want = strings.Fields(id)[0]
		}
		if len(a.IDs) != 1 || a.IDs[0] != want {
			t.Errorf("%s: failure %q labelled %v, want [%s]; evidence %v", m.ID, a.Signature, a.IDs, want, a.Evidence)
		}
	}
	if checked == 0 {
		t.Error("no mutant produced a failure to label")
	}
}

// TestKindOf: the kind of every signature form, failure keys included
// (a key's first colon comes after its kind and a space).
func TestKindOf(t *testing.T) {
	for sig, want := range map[string]harness.Kind{
		"Panic panic: epair_clone_destroy: failed @ epair.epairCloneDestroy": harness.Panic,
		"NotLinearizable {create:ok destroy:ENXIO}":                          harness.NotLinearizable,
		"Leak: memory left after teardown: clone: N live":                    harness.Leak,
		"Livelock": harness.Livelock,
	} {
		if got := kindOf(sig); got != want {
			t.Errorf("kindOf(%q) = %q, want %q", sig, got, want)
		}
	}
}
