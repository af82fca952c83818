// SPDX-License-Identifier: BSD-2-Clause

package mutants

import (
	"testing"
)

// TestMutantRulesApplyExactlyOnce checks every rule of the catalogue
// against the current sources: each old text occurs exactly once.
func TestMutantRulesApplyExactlyOnce(t *testing.T) {
	root, err := ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	cat := Catalogue()
	if len(cat) < 15 {
		t.Fatalf("catalogue has %d mutants, want at least 15", len(cat))
	}
	ids := map[string]bool{}
	for _, m := range cat {
		if ids[m.ID] || ids[m.Name] {
			t.Errorf("%s: duplicate id or name", m)
		}
		ids[m.ID], ids[m.Name] = true, true
		if m.Description == "" || len(m.Rules) == 0 {
			t.Errorf("%s: no description or no rules", m)
		}
		for _, r := range m.Rules {
			if r.Old == r.New {
				t.Errorf("%s: a rule that changes nothing", m)
			}
		}
		if _, err := Mutate(root, m); err != nil {
			t.Error(err)
		}
	}
	// The equivalent mutants taken out keep their rules, so that the
	// reason given for each still points at code that exists; each names
	// the catalogue mutant that took its ID.
	for _, r := range RemovedMutants() {
		m := &r.Mutant
		if r.Reason == "" || r.ReplacedBy == "" || len(m.Rules) == 0 {
			t.Errorf("removed %s: no reason, replacement or rules", m)
		}
		if c, err := ByID(r.ReplacedBy); err != nil || c.ID != m.ID {
			t.Errorf("removed %s: replacement %q is not the catalogue's %s (%v)", m, r.ReplacedBy, m.ID, err)
		}
		if ids[m.Name] {
			t.Errorf("removed %s: its name is still in the catalogue", m)
		}
		if _, err := Mutate(root, m); err != nil {
			t.Error(err)
		}
	}
}
