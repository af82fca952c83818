// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"fmt"

	"kcheck/kern"
)

// StrategyKind names a way of choosing schedules.
type StrategyKind string

const (
	Random StrategyKind = "random"
	PCT    StrategyKind = "pct"
	DFS    StrategyKind = "dfs"
	Native StrategyKind = "native"
)

// Strategies lists the strategy kinds a campaign can use.
var Strategies = []StrategyKind{Random, PCT, DFS, Native}

// ParseStrategy checks a strategy name.
func ParseStrategy(s string) (StrategyKind, error) {
	for _, k := range Strategies {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown strategy %q (want random, pct, dfs or native)", s)
}

// Explorer hands out the configuration of successive executions of one
// scenario under a strategy: one seed after another for random and PCT,
// one schedule after another for DFS, free goroutines for native.
type Explorer struct {
	Kind  StrategyKind
	Seed  uint64 // first seed (random, pct)
	Depth int    // PCT bug depth
	Steps int64  // PCT step estimate k
	Bound int    // DFS preemption bound (-1: none)
	// MaxSchedules stops DFS after this many schedules (0: no limit).
	MaxSchedules int

	n   uint64
	dfs *kern.DFS
}

// Next returns the chooser for the next execution and a description for
// bundles, or ok=false when DFS has exhausted its space.
func (e *Explorer) Next() (ch kern.Chooser, native bool, desc string, ok bool) {
	switch e.Kind {
	case Random:
		s := e.Seed + e.n
		e.n++
		return kern.NewRandom(s), false, fmt.Sprintf("random seed=%d", s), true
	case PCT:
		s := e.Seed + e.n
		e.n++
		d, k := e.Depth, e.Steps
		if d == 0 {
			d = 3
		}
		if k == 0 {
			k = 500
		}
		return kern.NewPCT(s, d, k), false, fmt.Sprintf("pct seed=%d depth=%d steps=%d", s, d, k), true
	case DFS:
		if e.dfs == nil {
			e.dfs = kern.NewDFS(e.Bound)
			e.dfs.MaxSchedules = e.MaxSchedules
		}
		if !e.dfs.Next() {
			return nil, false, "", false
		}
		e.n++
		return e.dfs, false, fmt.Sprintf("dfs bound=%d schedule#%d", e.Bound, e.dfs.Explored()), true
	case Native:
		e.n++
		return nil, true, fmt.Sprintf("native run#%d", e.n), true
	}
	return nil, false, "", false
}

// Executions is the number handed out so far.
func (e *Explorer) Executions() uint64 { return e.n }

// Exhausted reports a DFS that explored its whole bounded space.
func (e *Explorer) Exhausted() bool { return e.dfs != nil && e.dfs.Exhausted() }

// Err reports DFS nondeterminism.
func (e *Explorer) Err() error {
	if e.dfs != nil {
		return e.dfs.Err()
	}
	return nil
}
