// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"fmt"
	"sort"
	"strings"
)

// Tally counts executions by verdict kind. It is the one type every count
// of verdicts goes through: a campaign's totals (Stats), a JSON-lines
// batch and a merge of shards (package harness/results), the figures of
// kcheck bench and stress. What counts as a failure, a violation, and a
// failure its scenario is (or is not) known to produce is decided here
// only (Failures, Violations, ByScenario.Unexpected and Known).
//
// Its JSON form is an object from kind name to count.
type Tally map[Kind]int64

// Add counts n more executions of kind k.
func (t *Tally) Add(k Kind, n int64) {
	if n == 0 {
		return
	}
	if *t == nil {
		*t = Tally{}
	}
	(*t)[k] += n
}

// AddTally adds every count of o.
func (t *Tally) AddTally(o Tally) {
	for k, n := range o {
		t.Add(k, n)
	}
}

// Clone copies t (nil stays nil).
func (t Tally) Clone() Tally {
	if t == nil {
		return nil
	}
	out := make(Tally, len(t))
	for k, n := range t {
		out[k] = n
	}
	return out
}

// Sub is t - base, the counts that changed since base was taken (a
// JSON-lines batch); kinds whose count did not change are left out.
func (t Tally) Sub(base Tally) Tally {
	out := Tally{}
	for k, n := range t {
		if d := n - base[k]; d != 0 {
			out[k] = d
		}
	}
	for k, n := range base {
		if _, ok := t[k]; !ok && n != 0 {
			out[k] = -n
		}
	}
	return out
}

// Total is the number of executions counted.
func (t Tally) Total() int64 {
	var n int64
	for _, c := range t {
		n += c
	}
	return n
}

// Failures is the number of executions whose verdict is not Pass
// (InternalError included: kcheck failed them).
func (t Tally) Failures() int64 {
	var n int64
	for k, c := range t {
		if k != Pass {
			n += c
		}
	}
	return n
}

// Violations is the number of executions whose verdict is a finding
// about the port (Kind.Violation: neither Pass nor InternalError).
func (t Tally) Violations() int64 {
	var n int64
	for k, c := range t {
		if k.Violation() {
			n += c
		}
	}
	return n
}

// kindRank is a kind's position in summaries: Pass first, then the
// judging order of Kinds, then kinds this kcheck does not know (from a
// newer results file) by name.
func kindRank(k Kind) int {
	if k == Pass {
		return -1
	}
	for i, kk := range Kinds {
		if kk == k {
			return i
		}
	}
	return len(Kinds)
}

// SortKinds orders kinds as summaries list them: Pass first, then in
// judging order, unknown kinds last by name.
func SortKinds(kinds []Kind) {
	sort.Slice(kinds, func(i, j int) bool {
		ri, rj := kindRank(kinds[i]), kindRank(kinds[j])
		if ri != rj {
			return ri < rj
		}
		return kinds[i] < kinds[j]
	})
}

// Kinds lists the kinds t holds (a count of 0 included), in SortKinds'
// order.
func (t Tally) Kinds() []Kind {
	out := make([]Kind, 0, len(t))
	for k := range t {
		out = append(out, k)
	}
	SortKinds(out)
	return out
}

// String lists the non-zero counts in judging order (that of Kinds, Pass
// last), as "Pass 12, Panic 1".
func (t Tally) String() string {
	var parts []string
	for _, k := range Kinds {
		if n := t[k]; n != 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, n))
		}
	}
	var rest []Kind
	for k, n := range t {
		if kindRank(k) == len(Kinds) && n != 0 {
			rest = append(rest, k)
		}
	}
	SortKinds(rest)
	for _, k := range rest {
		parts = append(parts, fmt.Sprintf("%s %d", k, t[k]))
	}
	return strings.Join(parts, ", ")
}

// ByScenario is a tally per scenario (a named scenario's name, or
// "random" for the random scenarios of a campaign).
type ByScenario map[string]Tally

// Add counts n more executions of scenario sc with kind k.
func (b *ByScenario) Add(sc string, k Kind, n int64) {
	if *b == nil {
		*b = ByScenario{}
	}
	t := (*b)[sc]
	t.Add(k, n)
	if t != nil {
		(*b)[sc] = t
	}
}

// AddAll adds every count of o.
func (b *ByScenario) AddAll(o ByScenario) {
	for sc, t := range o {
		for k, n := range t {
			b.Add(sc, k, n)
		}
	}
}

// Clone copies b deeply.
func (b ByScenario) Clone() ByScenario {
	if b == nil {
		return nil
	}
	out := make(ByScenario, len(b))
	for sc, t := range b {
		out[sc] = t.Clone()
	}
	return out
}

// Sub is b - base per scenario; scenarios with no change are left out.
func (b ByScenario) Sub(base ByScenario) ByScenario {
	out := ByScenario{}
	for sc, t := range b {
		if d := t.Sub(base[sc]); len(d) > 0 {
			out[sc] = d
		}
	}
	for sc, t := range base {
		if _, ok := b[sc]; !ok {
			if d := Tally(nil).Sub(t); len(d) > 0 {
				out[sc] = d
			}
		}
	}
	return out
}

// Total sums every scenario's tally.
func (b ByScenario) Total() Tally {
	out := Tally{}
	for _, t := range b {
		out.AddTally(t)
	}
	return out
}

// Expectations lists, per named scenario, the failing verdict kinds the
// faithful port is known to produce (Scenario.Expect).
type Expectations map[string][]Kind

// ExpectationsOf collects the Expect lists of scenarios (nil if none has
// one).
func ExpectationsOf(scenarios []*Scenario) Expectations {
	var m Expectations
	for _, sc := range scenarios {
		if len(sc.Expect) == 0 {
			continue
		}
		if m == nil {
			m = Expectations{}
		}
		m[sc.Name] = append(m[sc.Name], sc.Expect...)
	}
	return m
}

// Expected reports whether kind k is one scenario sc is known to produce.
func (e Expectations) Expected(sc string, k Kind) bool {
	for _, x := range e[sc] {
		if x == k {
			return true
		}
	}
	return false
}

// Unexpected counts the failing executions (verdict not Pass) whose kind
// their scenario is not known to produce.
func (b ByScenario) Unexpected(e Expectations) int64 {
	var n int64
	for sc, t := range b {
		for k, c := range t {
			if k != Pass && !e.Expected(sc, k) {
				n += c
			}
		}
	}
	return n
}

// Known counts the failing executions whose kind their scenario is known
// to produce: Known + Unexpected is the tally's Failures.
func (b ByScenario) Known(e Expectations) int64 {
	var n int64
	for sc, t := range b {
		for k, c := range t {
			if k != Pass && e.Expected(sc, k) {
				n += c
			}
		}
	}
	return n
}
