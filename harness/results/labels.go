// SPDX-License-Identifier: BSD-2-Clause

package results

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"kcheck/harness"
)

// TallyLabels sets New, Unlabelled and Known from Labels.
func (s *Summary) TallyLabels() {
	s.New, s.Unlabelled, s.Known = 0, 0, nil
	seen := map[string]bool{}
	for _, g := range s.Labels {
		switch g.Label {
		case harness.LabelNew:
			s.New += g.Count
		case harness.LabelUnlabelled:
			s.Unlabelled += g.Count
		default:
			for _, id := range g.IDs {
				if !seen[id] {
					seen[id] = true
					s.Known = append(s.Known, id)
				}
			}
		}
	}
	sort.Slice(s.Known, func(i, j int) bool { return findingLess(s.Known[i], s.Known[j]) })
}

// findingLess orders finding IDs by number (F2 before F10).
func findingLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// printLabels is the summary's table of failures by label.
func printLabels(w io.Writer, s *Summary) {
	budget := "no budget"
	if s.LabelBudgetSec > 0 {
		budget = fmt.Sprintf("budget %.1fs", s.LabelBudgetSec)
	}
	fmt.Fprintf(w, "\nfailures by label (%d failure keys; %d failures replayed with the fixes: %.1fs while the executions ran, %.1fs after them; %s",
		s.LabelKeys, s.LabelRuns, s.LabelDuringSec, s.LabelSec, budget)
	if s.LabelPending > 0 {
		fmt.Fprintf(w, "; %d failures pending (UNLABELLED)", s.LabelPending)
	}
	fmt.Fprintln(w, ")")
	for _, l := range s.LabelWork {
		fmt.Fprintf(w, "  labeller: %s\n", l)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, g := range s.Labels {
		var kinds []string
		for _, k := range harness.Tally(g.Kinds).Kinds() {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, g.Kinds[k]))
		}
		how := fmt.Sprintf("(%d labelled", g.Labelled)
		if g.Remembered > 0 {
			how += fmt.Sprintf(", %d by class label of an earlier campaign", g.Remembered)
		}
		if g.Signed > 0 {
			how += fmt.Sprintf(", %d by signature where they ran", g.Signed)
		}
		if g.Reproduced > 0 {
			how += fmt.Sprintf(", %d of them native failures reproduced under control", g.Reproduced)
		}
		how += ")"
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\te.g. %s seed %d: %s\n", g.Label, g.Count, how,
			strings.Join(kinds, ", "), g.Example.Scenario, g.Example.Seed, g.Example.Summary)
	}
	tw.Flush()
	for _, g := range s.Labels {
		for _, why := range g.Why {
			fmt.Fprintf(w, "  %s: %s\n", g.Label, why)
		}
	}
	for _, e := range s.LabelErrors {
		fmt.Fprintf(w, "label error: %s\n", e)
	}
}

// labelBundles lists the bundles of the NEW and UNLABELLED groups.
func labelBundles(s *Summary, label string) []string {
	for _, g := range s.Labels {
		if g.Label == label {
			return g.Bundles
		}
	}
	return nil
}

// FinalLine is the last line of a labelled summary: what a person acts on.
func (s *Summary) FinalLine() string {
	known := "none"
	if len(s.Known) > 0 {
		known = strings.Join(s.Known, " ")
	}
	var parts []string
	if s.New > 0 {
		p := fmt.Sprintf("NEW failures: %d", s.New)
		if b := labelBundles(s, harness.LabelNew); len(b) > 0 {
			p += " (bundles: " + strings.Join(b, " ") + ")"
		}
		parts = append(parts, p)
	}
	if s.Unlabelled > 0 {
		var in []string
		if s.LabelPending > 0 {
			in = append(in, fmt.Sprintf("%d pending: labelling budget spent", s.LabelPending))
		}
		if b := labelBundles(s, harness.LabelUnlabelled); len(b) > 0 {
			in = append(in, "bundles: "+strings.Join(b, " "))
		} else {
			in = append(in, "see above why")
		}
		p := fmt.Sprintf("UNLABELLED failures: %d (%s)", s.Unlabelled, strings.Join(in, "; "))
		parts = append(parts, p)
	}
	if s.Violations == 0 {
		return fmt.Sprintf("no violation in %d executions", s.Executions)
	}
	if len(parts) == 0 {
		return fmt.Sprintf("no new failures in %d executions; known findings seen: %s", s.Executions, known)
	}
	return strings.Join(parts, "; ") + "; known findings seen: " + known
}

// mergeLabels adds a shard's label groups to out's.
func mergeLabels(out *Summary, in *Summary) {
	if !in.Labelled {
		return
	}
	out.Labelled = true
	out.LabelSec += in.LabelSec
	out.LabelDuringSec += in.LabelDuringSec
	out.LabelBudgetSec += in.LabelBudgetSec
	out.LabelPending += in.LabelPending
	out.LabelRuns += in.LabelRuns
	out.LabelKeys += in.LabelKeys
	out.LabelWork = append(out.LabelWork, in.LabelWork...)
	out.LabelErrors = append(out.LabelErrors, in.LabelErrors...)
	for _, g := range in.Labels {
		i := -1
		for j := range out.Labels {
			if out.Labels[j].Label == g.Label {
				i = j
			}
		}
		if i < 0 {
			g.Kinds = harness.Tally(g.Kinds).Clone()
			g.Keys = append([]string(nil), g.Keys...)
			g.Bundles = append([]string(nil), g.Bundles...)
			g.Why = append([]string(nil), g.Why...)
			out.Labels = append(out.Labels, g)
			continue
		}
		o := &out.Labels[i]
		o.Count += g.Count
		o.Labelled += g.Labelled
		o.Remembered += g.Remembered
		o.Signed += g.Signed
		o.Reproduced += g.Reproduced
		kinds := harness.Tally(o.Kinds)
		kinds.AddTally(g.Kinds)
		o.Kinds = kinds
		for _, k := range g.Keys {
			if !contains(o.Keys, k) {
				o.Keys = append(o.Keys, k)
			}
		}
		o.Bundles = append(o.Bundles, g.Bundles...)
		o.Why = append(o.Why, g.Why...)
	}
	out.TallyLabels()
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
