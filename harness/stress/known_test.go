// SPDX-License-Identifier: BSD-2-Clause

package stress

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"kcheck/harness"
	"kcheck/linearize"
	"kcheck/model"
)

// poison is how the harness records a create that copied its name out of
// a freed ifnet (fifteen 0xde bytes, quoted: see harness.PoisonedName).
const poison = `"\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde\xde"`

func op(id, thread int, call, ret int64, in model.Input, out model.Output) linearize.Operation {
	return linearize.Operation{ID: id, Thread: thread, Call: call, Return: ret, Input: in, Output: out}
}

// f2History is do_stress's shape with F2 in it: the second create of lo1
// succeeds while a destroy of lo1, overlapping it, succeeds too, and the
// create answers with poison.
func f2History() linearize.History {
	cr := model.Create{Vnet: model.VNET0, Name: "lo1"}
	de := model.Destroy{Vnet: model.VNET0, Name: "lo1"}
	return linearize.History{
		op(0, 0, 0, 10, cr, model.Output{Name: "lo1"}),
		op(1, 1, 20, 30, de, model.Output{}),
		op(2, 0, 40, 60, cr, model.Output{Name: poison}),
		op(3, 1, 50, 70, de, model.Output{}),
	}
}

func TestExplainF2(t *testing.T) {
	sp := harness.Spec(model.Relaxed)
	h := f2History()
	assert.Equal(t, linearize.Illegal, linearize.Check(sp, h, linearize.Options{}).Verdict, "the poisoned name alone makes it illegal")
	n, ok := explainF2(sp, h)
	assert.True(t, ok)
	assert.Equal(t, 1, n)

	// Unknown when no unpoisoned create of the input tells the name.
	n, ok = explainF2(sp, h[2:])
	assert.True(t, ok)
	assert.Equal(t, 1, n)

	// A wildcard create that answered two names tells none: the poisoned
	// one is taken as unknown, which still explains this history.
	wc := model.Create{Vnet: model.VNET0, Name: "lo"}
	wild := linearize.History{
		op(0, 0, 0, 10, wc, model.Output{Name: "lo1"}),
		op(1, 0, 20, 30, wc, model.Output{Name: "lo2"}),
		op(2, 1, 40, 50, model.Destroy{Vnet: model.VNET0, Name: "lo1"}, model.Output{}),
		op(3, 0, 60, 80, wc, model.Output{Name: poison}),
		op(4, 1, 70, 90, model.Destroy{Vnet: model.VNET0, Name: "lo1"}, model.Output{}),
	}
	assert.Equal(t, linearize.Illegal, linearize.Check(sp, wild, linearize.Options{}).Verdict)
	n, ok = explainF2(sp, wild)
	assert.True(t, ok, "the poisoned wildcard create as unknown (it made lo1), not as lo2, the last name another create answered (lo2 exists)")
	assert.Equal(t, 1, n)

	// Another error beside F2's is not explained: a third create of lo1
	// succeeds with no destroy since the second.
	cr := model.Create{Vnet: model.VNET0, Name: "lo1"}
	worse := append(f2History(),
		op(4, 0, 80, 90, cr, model.Output{Name: "lo1"}),
		op(5, 1, 100, 110, cr, model.Output{Name: "lo1"}))
	n, ok = explainF2(sp, worse)
	assert.False(t, ok)
	assert.Equal(t, 1, n)

	// Without poison there is nothing for F2 to explain.
	n, ok = explainF2(sp, worse[4:])
	assert.False(t, ok)
	assert.Zero(t, n)
}

func TestJudgeKnown(t *testing.T) {
	sp := harness.Spec(model.Relaxed)
	nl := harness.Verdict{Kind: harness.NotLinearizable}
	r := &StressResult{Kind: harness.NotLinearizable, Verdicts: []harness.Verdict{nl}}
	r.judgeKnown(sp, f2History())
	assert.Equal(t, "F2", r.Finding)
	assert.Contains(t, r.FindingWhy, "1 create(s)")
	assert.True(t, r.KnownOnly())
	assert.False(t, r.OK())

	// A second verdict of another kind: not a known finding alone.
	r = &StressResult{Kind: harness.NotLinearizable, Verdicts: []harness.Verdict{nl, {Kind: harness.Leak}}}
	r.judgeKnown(sp, f2History())
	assert.Empty(t, r.Finding)
	assert.False(t, r.KnownOnly())

	// A pass is left alone.
	r = &StressResult{Kind: harness.Pass}
	r.judgeKnown(sp, f2History())
	assert.Empty(t, r.Finding)
	assert.False(t, r.KnownOnly())
}
