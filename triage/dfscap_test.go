// SPDX-License-Identifier: BSD-2-Clause

package triage

import (
	"context"
	"testing"
	"time"
)

// TestRandomDFSCapAgrees: the DFS fallback's cap for generated scenarios
// (RandomDFSCap, kept small for the campaign's labelling cost) labels one
// failure of each of the default campaign's first failure classes as a
// ten times larger cap does.
func TestRandomDFSCapAgrees(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: labels every class twice")
	}
	samples := collectClasses(t, 40)
	label := func(cap int) ([][]string, LabelStats, time.Duration) {
		l := newLabeler(t)
		l.NoDiskCache = true
		l.RandomDFSCap = cap
		defer l.Close()
		start := time.Now()
		var out [][]string
		for _, s := range samples {
			a, err := l.Attribute(context.Background(), s.f)
			if err != nil {
				t.Fatalf("cap %d, %s: %v", cap, s.class, err)
			}
			out = append(out, a.IDs)
		}
		return out, l.Stats(), time.Since(start)
	}
	small := newLabeler(t).RandomDFSCap
	got, st, d := label(small)
	want, wst, wd := label(10 * small)
	t.Logf("cap %d: %v, %d DFS fallbacks; cap %d: %v, %d DFS fallbacks", small, d.Round(time.Millisecond), st.DFS, 10*small, wd.Round(time.Millisecond), wst.DFS)
	if st.DFS == 0 {
		t.Error("no DFS fallback: the test compares nothing")
	}
	for i, s := range samples {
		if labelOf(got[i]) != labelOf(want[i]) {
			t.Errorf("%s (%s): cap %d labels %v, cap %d %v", s.class, s.f.Scenario.Name, small, got[i], 10*small, want[i])
		}
	}
}

func labelOf(ids []string) string {
	s := ""
	for i, id := range ids {
		if i > 0 {
			s += "+"
		}
		s += id
	}
	return s
}
