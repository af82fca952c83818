// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTallyCounts: failures exclude Pass only, violations exclude Pass
// and InternalError, and Sub undoes AddTally.
func TestTallyCounts(t *testing.T) {
	var a Tally
	a.Add(Pass, 10)
	a.Add(Panic, 2)
	a.Add(InternalError, 1)
	a.Add(Leak, 0) // nothing counted, no entry
	assert.EqualValues(t, 13, a.Total())
	assert.EqualValues(t, 3, a.Failures())
	assert.EqualValues(t, 2, a.Violations())
	assert.NotContains(t, a, Leak)

	base := a.Clone()
	a.AddTally(Tally{Pass: 5, NotLinearizable: 1})
	d := a.Sub(base)
	assert.Equal(t, Tally{Pass: 5, NotLinearizable: 1}, d, "only what changed")
	base.AddTally(d)
	assert.Equal(t, a, base)
	assert.Equal(t, Tally{Panic: -2}, Tally{}.Sub(Tally{Panic: 2}), "a kind gone from t")

	b, err := json.Marshal(Tally{Pass: 1, Panic: 2})
	require.NoError(t, err)
	assert.JSONEq(t, `{"Pass":1,"Panic":2}`, string(b), "the results files' form")
}

// TestTallyOrder: summaries list Pass first, then judging order, unknown
// kinds last; String follows the judging order of Kinds.
func TestTallyOrder(t *testing.T) {
	tl := Tally{"Zzz": 1, Pass: 3, Leak: 1, Panic: 2}
	assert.Equal(t, []Kind{Pass, Panic, Leak, "Zzz"}, tl.Kinds())
	assert.Equal(t, "Panic 2, Leak 1, Pass 3, Zzz 1", tl.String())
}

// TestByScenarioUnexpected: a failure is known when its scenario lists
// its kind, unexpected otherwise; Known + Unexpected = Failures.
func TestByScenarioUnexpected(t *testing.T) {
	var b ByScenario
	b.Add("RenameCollision", NotLinearizable, 4)
	b.Add("RenameCollision", Pass, 6)
	b.Add("RenameCollision", Panic, 1)
	b.Add("random", Deadlock, 2)
	e := ExpectationsOf([]*Scenario{{Name: "RenameCollision", Expect: []Kind{NotLinearizable}}, {Name: "Other"}})
	assert.Equal(t, Expectations{"RenameCollision": {NotLinearizable}}, e)
	assert.EqualValues(t, 3, b.Unexpected(e))
	assert.EqualValues(t, 4, b.Known(e))
	assert.Equal(t, b.Total().Failures(), b.Known(e)+b.Unexpected(e))
	assert.EqualValues(t, 7, b.Unexpected(nil), "no expectations: every failure is unexpected")

	old := b.Clone()
	b.Add("random", Pass, 3)
	assert.Equal(t, ByScenario{"random": {Pass: 3}}, b.Sub(old))
	old.AddAll(b.Sub(old))
	assert.Equal(t, b, old)
	assert.Equal(t, Tally{Pass: 9, NotLinearizable: 4, Panic: 1, Deadlock: 2}, b.Total())
}
