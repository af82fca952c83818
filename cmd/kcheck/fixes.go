// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"kcheck/triage"
)

// newFixesCmd is `kcheck fixes`: build the port with each finding's fix
// (package triage), check that the fix removes its finding at DFS bound 2
// and adds no failure kind under PCT, and write docs/FIXES.md.
func newFixesCmd() *cobra.Command {
	var out, cache string
	var dfsCap, seeds int
	var only []string
	c := &cobra.Command{
		Use:   "fixes",
		Short: "Verify each finding's fix and write docs/FIXES.md",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := triage.NewLabeler(".", cache)
			if err != nil {
				return err
			}
			opts := triage.VerifyOptions{DFSBound: 2, DFSCap: dfsCap, PCTSeeds: seeds, Only: only}
			checks, err := l.VerifyFixes(context.Background(), opts)
			if err != nil {
				return err
			}
			command := fmt.Sprintf("kcheck fixes --dfs-cap %d --pct-seeds %d", dfsCap, seeds)
			md := triage.Markdown(checks, opts, command)
			bad := 0
			for _, c := range checks {
				status := "holds"
				if !c.Holds() {
					status, bad = "DOES NOT HOLD", bad+1
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %s (%v)\n", c.Finding.ID, status, c.Explored)
			}
			if out != "" {
				if err := os.WriteFile(out, []byte(md), 0o644); err != nil {
					return err
				}
			}
			if bad > 0 {
				return fmt.Errorf("%d fix(es) do not hold (reported in %s)", bad, out)
			}
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "docs/FIXES.md", "where to write the report (empty: nowhere)")
	c.Flags().StringVar(&cache, "cache", "", "directory for the built fix runners (default: the user cache)")
	c.Flags().IntVar(&dfsCap, "dfs-cap", 0, "schedules per scenario at DFS bound 2 (0: exhaustive)")
	c.Flags().IntVar(&seeds, "pct-seeds", 40, "PCT runs per named scenario for the no-new-kind check")
	c.Flags().StringSliceVar(&only, "only", nil, "verify only these findings")
	return c
}
