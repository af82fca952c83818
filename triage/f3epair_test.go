// SPDX-License-Identifier: BSD-2-Clause

package triage

import (
	"testing"

	"kcheck/harness"
	"kcheck/linearize"
	"kcheck/model"
)

// TestF3SignatureEpairForm: F3's unit-reserved form through epair's
// naming. An explicit create("epair0") answers EEXIST because a wildcard
// create in flight has reserved unit 0 (its interfaces are epair0a and
// epair0b, neither yet on the cloner's list), and a destroy of epair0a in
// that window answers ENXIO: no order explains both answers. The
// signature must see that "epair0" names the pair the wildcard create
// returns as epair0a.
func TestF3SignatureEpairForm(t *testing.T) {
	scn, err := harness.DecodeScenario([]byte(`{"name": "F3-epair", "threads": [
		[{"op": "create", "vnet": 0, "name": "epair"}],
		[{"op": "create", "vnet": 0, "name": "epair0"}, {"op": "destroy", "vnet": 0, "name": "epair0a"}]]}`))
	if err != nil {
		t.Fatal(err)
	}
	ex, _, desc, err := harness.FindMinimal(scn, model.Relaxed, 2, 5000, func(ex *harness.Execution) bool {
		if ex.Kind != harness.NotLinearizable {
			return false
		}
		exists, absent := false, false
		for _, op := range ex.History {
			if op.Return == linearize.Infinity {
				continue
			}
			if c, ok := op.Input.(model.Create); ok && c.Name == "epair0" && op.Output.Err == model.EEXIST {
				exists = true
			}
			if d, ok := op.Input.(model.Destroy); ok && d.Name == "epair0a" && op.Output.Err == model.ENXIO {
				absent = true
			}
		}
		return exists && absent
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("found under %s: %s", desc, ex.Summary)
	var f3 *Finding
	for _, f := range Catalogue {
		if f.ID == "F3" {
			f3 = f
		}
	}
	if !f3.Signature(ex) {
		t.Errorf("F3's signature does not name the epair form: %v", ex.History)
	}
	for _, f := range Catalogue {
		if f.ID != "F3" && f.Signature != nil && f.Signature(ex) {
			t.Errorf("%s's signature also names it", f.ID)
		}
	}
}
