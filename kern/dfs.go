// SPDX-License-Identifier: BSD-2-Clause

package kern

import "fmt"

// DFS is stateless bounded exhaustive search: every run replays a prefix of
// decisions and then extends it, until all schedules with at most Bound
// preemptions (switches away from a thread that could have continued) have
// been run. A negative bound means no bound. The program under test must be
// deterministic given the schedule.
//
//	dfs := kern.NewDFS(2)
//	for dfs.Next() {
//		k := kern.NewKernel(kern.Config{Chooser: dfs})
//		... k.Go(...) ...; k.Run()
//	}
type DFS struct {
	Bound int
	// MaxSchedules stops the search early (0: no limit); Exhausted then
	// reports false.
	MaxSchedules int

	stack    []dfsFrame
	depth    int
	runs     int
	started  bool
	finished bool
	err      error
}

type dfsFrame struct {
	alts []int // tids in exploration order: current first, then ascending
	idx  int
	cur  int // tid that could continue, or -1
	pre  int // preemptions spent before this decision
}

// NewDFS explores schedules with at most bound preemptions.
func NewDFS(bound int) *DFS { return &DFS{Bound: bound} }

// Next prepares the next schedule; it returns false when the space (or
// MaxSchedules) is exhausted.
func (d *DFS) Next() bool {
	if d.finished || d.err != nil {
		return false
	}
	if !d.started {
		d.started = true
		d.depth = 0
		d.runs++
		return true
	}
	if d.MaxSchedules > 0 && d.runs >= d.MaxSchedules {
		d.finished = false
		return false
	}
	d.stack = d.stack[:d.depth]
	for len(d.stack) > 0 {
		top := &d.stack[len(d.stack)-1]
		for j := top.idx + 1; j < len(top.alts); j++ {
			if top.pre+d.cost(top, j) <= d.bound() {
				top.idx = j
				d.depth = 0
				d.runs++
				return true
			}
		}
		d.stack = d.stack[:len(d.stack)-1]
	}
	d.finished = true
	return false
}

func (d *DFS) bound() int {
	if d.Bound < 0 {
		return int(^uint(0) >> 1)
	}
	return d.Bound
}

func (d *DFS) cost(f *dfsFrame, j int) int {
	if f.cur >= 0 && f.alts[j] != f.cur {
		return 1
	}
	return 0
}

// Choose implements Chooser.
func (d *DFS) Choose(dec *Decision) int {
	var f *dfsFrame
	if d.depth < len(d.stack) {
		f = &d.stack[d.depth]
		if len(f.alts) != len(dec.Runnable) || f.cur != dec.Current {
			d.err = fmt.Errorf("dfs: nondeterministic program: decision %d had %v (current %d), now %v (current %d)",
				d.depth, f.alts, f.cur, dec.Runnable, dec.Current)
		}
	} else {
		pre := 0
		if d.depth > 0 {
			p := &d.stack[d.depth-1]
			pre = p.pre + d.cost(p, p.idx)
		}
		alts := make([]int, 0, len(dec.Runnable))
		if dec.Current >= 0 {
			alts = append(alts, dec.Current)
		}
		for _, t := range dec.Runnable {
			if t != dec.Current {
				alts = append(alts, t)
			}
		}
		d.stack = append(d.stack, dfsFrame{alts: alts, cur: dec.Current, pre: pre})
		f = &d.stack[d.depth]
	}
	d.depth++
	want := f.alts[f.idx]
	for i, t := range dec.Runnable {
		if t == want {
			return i
		}
	}
	d.err = fmt.Errorf("dfs: tid %d not runnable at decision %d", want, d.depth-1)
	return 0
}

// Explored is the number of schedules run so far.
func (d *DFS) Explored() int { return d.runs }

// Exhausted reports that every schedule within the bound was explored.
func (d *DFS) Exhausted() bool { return d.finished }

// Err reports nondeterminism detected while replaying prefixes.
func (d *DFS) Err() error { return d.err }
