// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"kcheck/harness"
	"kcheck/mutants"
)

type mutantsOptions struct {
	budget     time.Duration
	strategies []string
	ids        []string
	nRandom    int
	spec       string
	seed       uint64
	factor     float64
	out        string
	json       bool
	workdir    string
	jobs       int
	only       []string
	list       bool
}

func newMutantsCmd() *cobra.Command {
	o := &mutantsOptions{}
	cmd := &cobra.Command{
		Use:   "mutants",
		Short: "Build the bug catalogue's mutants and measure which strategy kills each (the kill matrix)",
		Long: `mutants applies each mutant of the catalogue (package mutants) to the port with
go build -overlay, builds a driver per mutant, and runs every strategy on the
kill set until the first kill or the per-cell budget. The faithful port is
surveyed first with every strategy; only verdicts it never produced count as
kills. The matrix is written to docs/MUTANTS.md (--out) and, with --json, to
standard output as JSON.

Needs the go command and the module's sources (run it inside the repository).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	f.DurationVar(&o.budget, "budget", 10*time.Second, "time budget per cell (mutant x strategy)")
	f.StringSliceVar(&o.strategies, "strategies", []string{"native", "random", "pct", "dfs"}, "strategies (columns of the matrix)")
	f.StringSliceVar(&o.ids, "mutants", nil, "mutant ids or names (default: all)")
	f.IntVar(&o.nRandom, "random", 12, "random scenarios in the kill set")
	f.StringVar(&o.spec, "spec", harness.DefaultSpec, "spec mode: relaxed or strict")
	f.Uint64Var(&o.seed, "seed", 1, "first seed of random and PCT")
	f.Float64Var(&o.factor, "baseline-factor", 3, "survey the faithful port for this many cell budgets per strategy")
	f.StringVar(&o.out, "out", "docs/MUTANTS.md", "markdown report to write, relative to the module root (\"\": none)")
	f.BoolVar(&o.json, "json", false, "print the matrix as JSON on standard output")
	f.StringVar(&o.workdir, "workdir", "", "directory for overlays and binaries (default: a temporary one, removed)")
	f.IntVar(&o.jobs, "jobs", 0, "parallel builds (default GOMAXPROCS)")
	f.StringSliceVar(&o.only, "scenarios", nil, "restrict the kill set to these scenario names")
	f.BoolVar(&o.list, "list", false, "print the catalogue and exit")
	return cmd
}

func (o *mutantsOptions) run(cmd *cobra.Command) error {
	w := cmd.OutOrStdout()
	if o.list {
		for _, m := range mutants.Catalogue() {
			fmt.Fprintf(w, "%s  %-32s %-36s %s\n", m.ID, m.Name, m.File(), m.Description)
		}
		if rm := mutants.RemovedMutants(); len(rm) > 0 {
			fmt.Fprintf(w, "\nRemoved as equivalent in this emulation (see docs/MUTANTS.md):\n")
			for _, r := range rm {
				fmt.Fprintf(w, "%s  %-32s replaced by %s\n", r.ID, r.Name, r.ReplacedBy)
			}
		}
		return nil
	}
	mode, err := harness.ParseSpec(o.spec)
	if err != nil {
		return usageErrorf("%v", err)
	}
	if o.budget <= 0 {
		return usageErrorf("--budget %v: want a positive duration", o.budget)
	}
	if o.nRandom < 0 {
		return usageErrorf("--random %d: want 0 or more", o.nRandom)
	}
	if !(o.factor > 0) || math.IsInf(o.factor, 0) {
		return usageErrorf("--baseline-factor %v: want a positive number", o.factor)
	}
	if o.jobs < 0 {
		return usageErrorf("--jobs %d: want 0 (GOMAXPROCS) or more", o.jobs)
	}
	var strats []harness.StrategyKind
	for _, s := range o.strategies {
		k, err := harness.ParseStrategy(strings.TrimSpace(s))
		if err != nil {
			return usageErrorf("--strategies: %v", err)
		}
		strats = append(strats, k)
	}
	for _, id := range o.ids {
		if _, err := mutants.ByID(id); err != nil {
			return usageErrorf("--mutants: %v", err)
		}
	}
	root, err := mutants.ModuleRoot(".")
	if err != nil {
		return exitWith(exitUsage, err)
	}
	log := cmd.ErrOrStderr()
	mx, err := mutants.Run(cmd.Context(), mutants.Options{Root: root, WorkDir: o.workdir, Budget: o.budget,
		Strategies: strats, Mutants: o.ids, NRandom: o.nRandom, Mode: mode, Seed: o.seed,
		BaselineFactor: o.factor, Only: o.only, Jobs: o.jobs, Log: log})
	if err != nil && mx == nil {
		return exitWith(exitUsage, err)
	}
	mx.Command = commandLine(cmd)
	if o.out != "" {
		p := o.out
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		if werr := os.WriteFile(p, []byte(mx.Markdown()), 0o644); werr != nil {
			return exitWith(exitUsage, werr)
		}
		fmt.Fprintf(log, "wrote %s\n", p)
	}
	if o.json {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(mx); err != nil {
			return exitWith(exitUsage, err)
		}
	} else {
		killed, per := mx.Summary()
		fmt.Fprintf(w, "%d of %d mutants killed;", killed, len(mx.Rows))
		for _, s := range mx.Strategies {
			fmt.Fprintf(w, " %s %d", s, per[s])
		}
		fmt.Fprintln(w)
	}
	if err != nil {
		return exitWith(exitUsage, err) // interrupted: what was measured is written
	}
	return nil
}

// commandLine reconstructs the command with the flags that were set.
func commandLine(cmd *cobra.Command) string {
	parts := []string{cmd.CommandPath()}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		v := f.Value.String()
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			v = strings.Join(sv.GetSlice(), ",")
		}
		if f.Value.Type() == "bool" {
			parts = append(parts, "--"+f.Name)
		} else {
			parts = append(parts, "--"+f.Name+"="+v)
		}
	})
	return strings.Join(parts, " ")
}
