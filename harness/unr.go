// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"fmt"
	"sort"
	"time"

	"kcheck/kern"
	"kcheck/unrhdr"

	"github.com/anishathalye/porcupine"
)

// The unrhdr target shows the harness serving another kernel port: threads
// allocate and free unit numbers on one header under the controlled
// scheduler, and the history is checked against a set model in which
// alloc_unr returns the lowest free unit. Because alloc_unr and
// alloc_unr_specific hold the header's mutex throughout, the strict
// "lowest free" spec holds here, unlike if_clone's wildcard (F1).

// UnrOp is one unrhdr operation: "alloc", "alloc_specific" or "free".
type UnrOp struct {
	Kind string `json:"op"`
	Unit int    `json:"unit,omitempty"`
}

// UnrScenario is a workload on one header with units [Low, High].
type UnrScenario struct {
	Name     string    `json:"name"`
	Low      int       `json:"low"`
	High     int       `json:"high"`
	OwnMutex bool      `json:"own_mutex"` // a caller's mutex instead of the global one
	Threads  [][]UnrOp `json:"threads"`
}

type unrIn struct {
	op   UnrOp
	free int // for "free" ops generated as "free what I allocated"
}

type unrOut struct{ ret int }

// unrState is the set of allocated units, as a sorted string for hashing.
type unrState map[int]bool

func (s unrState) key() string {
	ks := make([]int, 0, len(s))
	for k := range s {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	return fmt.Sprint(ks)
}

func unrModel(low, high int) porcupine.Model {
	return porcupine.Model{
		Init: func() any { return unrState{} },
		Step: func(st, in, out any) (bool, any) {
			s, i, o := st.(unrState), in.(unrIn), out.(unrOut)
			next := func(add, del int) unrState {
				n := unrState{}
				for k := range s {
					if k != del {
						n[k] = true
					}
				}
				if add >= 0 {
					n[add] = true
				}
				return n
			}
			switch i.op.Kind {
			case "alloc":
				want := -1
				for u := low; u <= high; u++ {
					if !s[u] {
						want = u
						break
					}
				}
				if o.ret != want {
					return false, s
				}
				return true, next(want, -1)
			case "alloc_specific":
				u := i.op.Unit
				if u < low || u > high || s[u] {
					return o.ret == -1, s
				}
				return o.ret == u, next(u, -1)
			case "free":
				if !s[i.op.Unit] {
					return false, s // freeing a free unit panics in the port
				}
				return true, next(-1, i.op.Unit)
			}
			return false, s
		},
		Equal: func(a, b any) bool { return a.(unrState).key() == b.(unrState).key() },
		DescribeOperation: func(in, out any) string {
			i, o := in.(unrIn), out.(unrOut)
			if i.op.Kind == "free" {
				return fmt.Sprintf("free(%d)", i.op.Unit)
			}
			return fmt.Sprintf("%s(%d) -> %d", i.op.Kind, i.op.Unit, o.ret)
		},
	}
}

// UnrExecution is the outcome of one unrhdr execution.
type UnrExecution struct {
	Kind     Kind
	Summary  string
	Schedule kern.Schedule
	Ops      int
}

// ExecuteUnr runs s once under ch: every thread's allocations are freed
// by the same thread at its end ("free" ops free the thread's oldest
// unit), the header is deleted, and M_UNIT must be back to zero.
func ExecuteUnr(s *UnrScenario, ch kern.Chooser) *UnrExecution {
	k := kern.NewKernel(kern.Config{Chooser: ch})
	td0 := k.Thread0()
	var mtx *kern.Mtx
	if s.OwnMutex {
		mtx = &kern.Mtx{}
		mtx.Init(k, "unr test", "", kern.MTX_DEF)
	}
	uh := unrhdr.NewUnrhdr(td0, s.Low, s.High, mtx)
	var ops []porcupine.Operation
	for i, th := range s.Threads {
		i, th := i, th
		k.Go(fmt.Sprintf("t%d", i), func(td *kern.Thread) {
			var mine []int
			for _, op := range th {
				call := k.Now()
				in := unrIn{op: op}
				var ret int
				switch op.Kind {
				case "alloc":
					ret = unrhdr.AllocUnr(td, uh)
				case "alloc_specific":
					ret = unrhdr.AllocUnrSpecific(td, uh, uint32(op.Unit))
				case "free":
					if len(mine) == 0 {
						continue
					}
					in.op.Unit = mine[0]
					mine = mine[1:]
					unrhdr.FreeUnr(td, uh, uint32(in.op.Unit))
				}
				if op.Kind != "free" && ret >= 0 {
					mine = append(mine, ret)
				}
				ops = append(ops, porcupine.Operation{ClientId: i, Input: in, Output: unrOut{ret}, Call: call, Return: k.Now()})
			}
			for _, u := range mine {
				call := k.Now()
				unrhdr.FreeUnr(td, uh, uint32(u))
				ops = append(ops, porcupine.Operation{ClientId: i, Input: unrIn{op: UnrOp{Kind: "free", Unit: u}}, Output: unrOut{}, Call: call, Return: k.Now()})
			}
		})
	}
	res := k.Run()
	ex := &UnrExecution{Schedule: res.Schedule, Ops: len(ops)}
	switch {
	case res.Panic != nil:
		ex.Kind, ex.Summary = Panic, res.Panic.Error()
	case res.Deadlock != nil:
		ex.Kind, ex.Summary = Deadlock, res.Deadlock.String()
	case res.Livelock:
		ex.Kind, ex.Summary = Livelock, "step budget spent"
	}
	if ex.Kind != "" {
		return ex
	}
	switch porcupine.CheckOperationsTimeout(unrModel(s.Low, s.High), ops, 10*time.Second) {
	case porcupine.Illegal:
		ex.Kind, ex.Summary = NotLinearizable, "unit history is not linearizable w.r.t. lowest-free allocation"
		return ex
	case porcupine.Unknown:
		ex.Kind, ex.Summary = Unknown, "linearizability check timed out (not a pass)"
		return ex
	}
	if p := protect(func() { unrhdr.DeleteUnrhdr(td0, uh) }); p != nil {
		ex.Kind, ex.Summary = Panic, "delete_unrhdr: "+p.Msg
		return ex
	}
	if n := unrhdr.MUnit(k).Live(); n != 0 {
		ex.Kind, ex.Summary = Leak, fmt.Sprintf("M_UNIT: %d live", n)
		return ex
	}
	ex.Kind, ex.Summary = Pass, fmt.Sprintf("pass: %d ops", len(ops))
	return ex
}

func (s *UnrScenario) String() string { return fmt.Sprintf("%s [%d,%d]", s.Name, s.Low, s.High) }
