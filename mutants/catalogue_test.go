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
}
