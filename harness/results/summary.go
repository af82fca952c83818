// SPDX-License-Identifier: BSD-2-Clause

package results

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"kcheck/harness"
)

// StrategyDesc describes the strategy and its parameters.
func StrategyDesc(cfg harness.CampaignConfig) string {
	switch cfg.Strategy {
	case harness.PCT:
		return fmt.Sprintf("pct depth=%d steps=%d", cfg.Depth, cfg.Steps)
	case harness.DFS:
		s := fmt.Sprintf("dfs bound=%d", cfg.Bound)
		if cfg.MaxSchedules > 0 {
			s += fmt.Sprintf(" max-schedules=%d", cfg.MaxSchedules)
		}
		return s
	}
	return string(cfg.Strategy)
}

// Fingerprint identifies a campaign: everything but the shard index and
// the way results are reported.
func Fingerprint(cfg harness.CampaignConfig, source string) string {
	var names []string
	for _, s := range cfg.Scenarios {
		b, _ := json.Marshal(s)
		names = append(names, string(b))
	}
	g, _ := json.Marshal(cfg.Gen)
	desc := fmt.Sprintf("v%d|%s|%s|%s|%s|seed=%d|shards=%d|exec=%d|time=%v|maxsteps=%d|spec=%s",
		Version, source, strings.Join(names, ";"), g, StrategyDesc(cfg), cfg.Seed, cfg.Shards,
		cfg.Executions, cfg.Duration, cfg.MaxSteps, cfg.Mode)
	sum := sha256.Sum256([]byte(desc))
	return fmt.Sprintf("%x", sum[:6])
}

// FromCampaign is the summary of a campaign that ran with cfg (as
// Campaign.Config returns it) and ended with res; spec and source
// describe the specification and the scenarios as the start record does.
func FromCampaign(head Head, cfg harness.CampaignConfig, spec, source string, res *harness.CampaignResult) Summary {
	s := Summary{Head: head, Seed: cfg.Seed, Strategy: StrategyDesc(cfg), Spec: spec, Source: source,
		Executions: res.Executions, Operations: res.Operations, Steps: res.Steps,
		ElapsedSec: res.Elapsed.Seconds(), Verdicts: res.Verdicts.Clone(), Also: res.Also, ByScenario: res.ByScenario.Clone(),
		Bundles: res.Bundles, Interrupted: res.Interrupted, Exhausted: res.Exhausted, Errors: res.Errors,
		Abandoned: res.Abandoned, AbandonedRuns: res.AbandonedRuns, Isolated: cfg.Isolate}
	s.Type = "summary"
	if s.ElapsedSec > 0 {
		s.ExecPerSec = float64(s.Executions) / s.ElapsedSec
	}
	if s.Verdicts == nil {
		s.Verdicts = harness.Tally{}
	}
	s.Violations = s.Verdicts.Violations()
	if rep := res.Labels; rep != nil {
		s.Labelled = true
		s.Labels = rep.Groups
		s.LabelSec, s.LabelRuns, s.LabelKeys, s.LabelErrors = rep.Elapsed.Seconds(), rep.Runs, rep.Keys, rep.Errors
		s.LabelDuringSec, s.LabelBudgetSec, s.LabelPending = rep.During.Seconds(), rep.Budget.Seconds(), rep.Pending
		if rep.Work != "" {
			s.LabelWork = []string{rep.Work}
		}
		s.TallyLabels()
	}
	s.Expected = harness.ExpectationsOf(cfg.Scenarios)
	s.Unexpected = s.ByScenario.Unexpected(s.Expected)
	if s.Bundles == nil {
		s.Bundles = []harness.BundleRef{}
	}
	s.Coverage = Coverage{DistinctSchedules: int64(res.Schedules), SchedulesExact: true,
		LockOrderEdges: len(res.LockEdges), LockEdges: res.LockEdges,
		FunctionsReached: len(res.Functions), FunctionsTotal: len(harness.SeedFunctions), Functions: res.Functions,
		TracedExecutions: res.Traced, Seed: res.Coverage}
	if cfg.Strategy == harness.Native {
		s.Coverage.SchedulesExact = false // native runs record no schedule
	}
	return s
}

// Print writes the summary as the table at the end of a run (and of a
// merge). st, when not nil, adds each failing kind's first summary.
func (s *Summary) Print(w io.Writer, st *harness.Stats) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw)
	if s.Interrupted {
		fmt.Fprintln(tw, "interrupted\tstopped early: the totals cover the executions that finished")
	}
	if s.Exhausted {
		fmt.Fprintln(tw, "exhausted\tdfs explored every schedule within the bound")
	}
	if s.Abandoned > 0 {
		fmt.Fprintf(tw, "abandoned\t%d executions still running when the campaign stopped (not in the totals)\n", s.Abandoned)
		for _, a := range s.AbandonedRuns {
			fmt.Fprintf(tw, "\t  %s\n", a)
		}
	}
	fmt.Fprintf(tw, "executions\t%d\n", s.Executions)
	fmt.Fprintf(tw, "operations\t%d\n", s.Operations)
	fmt.Fprintf(tw, "scheduling points\t%d\n", s.Steps)
	fmt.Fprintf(tw, "elapsed\t%s\n", (time.Duration(s.ElapsedSec * float64(time.Second))).Round(time.Millisecond))
	fmt.Fprintf(tw, "executions/s\t%.1f\n", s.ExecPerSec)
	fmt.Fprintln(tw, "verdicts\t")
	kinds := s.Verdicts.Kinds()
	for _, k := range kinds {
		line := fmt.Sprintf("  %s\t%d", k, s.Verdicts[k])
		if st != nil && k != harness.Pass {
			for sc := range s.ByScenario {
				if f := st.FirstFailure(sc, k); f != "" {
					line += "\te.g. " + sc + ": " + f
					break
				}
			}
		}
		fmt.Fprintln(tw, line)
	}
	if len(s.Also) > 0 {
		fmt.Fprintln(tw, "also reached\t(verdicts behind each execution's first one)")
		var also []string
		for k := range s.Also {
			also = append(also, k)
		}
		sort.Strings(also)
		for _, k := range also {
			fmt.Fprintf(tw, "  %s\t%d\n", k, s.Also[k])
		}
	}
	fmt.Fprintln(tw, "coverage\t")
	switch {
	case s.Strategy == string(harness.Native):
		fmt.Fprintln(tw, "  distinct schedules\tn/a (native runs record no schedule)")
	case !s.Coverage.SchedulesExact:
		fmt.Fprintf(tw, "  distinct schedules\t~%d (estimated)\n", s.Coverage.DistinctSchedules)
	default:
		fmt.Fprintf(tw, "  distinct schedules\t%d\n", s.Coverage.DistinctSchedules)
	}
	fmt.Fprintf(tw, "  lock-order edges\t%d\n", s.Coverage.LockOrderEdges)
	fmt.Fprintf(tw, "  if_clone.c functions reached\t%d of %d\t(%d traced executions)\n",
		s.Coverage.FunctionsReached, s.Coverage.FunctionsTotal, s.Coverage.TracedExecutions)
	if c := s.Coverage.Seed; c != nil {
		fmt.Fprintf(tw, "  if_clone.c lines at scheduling points\t%d of %d\t(%d preempted there; %d executions with coverage)\n",
			len(c.LinesReached), c.LinesTotal, len(c.LinesPreempted), c.Executions)
		for _, u := range c.Unreached {
			fmt.Fprintf(tw, "    unreached\t%s\n", u)
		}
	}
	tw.Flush()

	if len(s.ByScenario) > 1 {
		var scs []string
		for sc := range s.ByScenario {
			scs = append(scs, sc)
		}
		sort.Strings(scs)
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprint(tw, "scenario\texecutions")
		for _, k := range kinds {
			fmt.Fprintf(tw, "\t%s", k)
		}
		fmt.Fprintln(tw, "\tknown to fail with")
		for _, sc := range scs {
			fmt.Fprintf(tw, "%s\t%d", sc, s.ByScenario[sc].Total())
			for _, k := range kinds {
				fmt.Fprintf(tw, "\t%d", s.ByScenario[sc][k])
			}
			var known []string
			for _, k := range s.Expected[sc] {
				known = append(known, string(k))
			}
			fmt.Fprintf(tw, "\t%s\n", orDash(strings.Join(known, ",")))
		}
		tw.Flush()
	}

	fmt.Fprintf(w, "\nbundles written: %d\n", len(s.Bundles))
	for _, b := range s.Bundles {
		fmt.Fprintf(w, "  %s  (%s)\n", b.Path, b.Kind)
	}
	for _, n := range s.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	for _, e := range s.Errors {
		fmt.Fprintf(w, "error: %s\n", e)
	}
	if s.Labelled {
		if len(s.Labels) > 0 {
			printLabels(w, s)
		}
		fmt.Fprintf(w, "\n%s\n", s.FinalLine())
		return
	}
	if s.Violations > 0 {
		fmt.Fprintf(w, "\n%d of %d executions failed", s.Violations, s.Executions)
		if len(s.Expected) > 0 {
			fmt.Fprintf(w, " (%d with a verdict kind their scenario is not known to produce)", s.Unexpected)
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintf(w, "\nno violation in %d executions\n", s.Executions)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
