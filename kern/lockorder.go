// SPDX-License-Identifier: BSD-2-Clause

package kern

import (
	"fmt"
	"sort"
	"strings"
)

// LockOrder is a package's lock order as data, in the manner of the Go
// runtime's lockrank.go: for each lock class (the name given to Mtx.Init
// or Sx.Init) the classes that may already be held when it is acquired.
// The order is the transitive closure of these declarations, so a table
// lists only direct predecessors. Tables of several packages are merged
// (MergeLockOrders) and the result is checked against what WITNESS learns
// (Kernel.WitnessEdges) by harness's TestLockOrderTable.
type LockOrder struct {
	// After maps a class to the classes that may be held when it is taken.
	After map[string][]string
	// Reversals are orders the C itself takes against the declared one,
	// each with the finding that reports it ("held -> acquired": "F10").
	Reversals map[string]string
}

// MergeLockOrders combines tables; a class declared twice gets the union
// of its predecessors.
func MergeLockOrders(tables ...LockOrder) LockOrder {
	out := LockOrder{After: map[string][]string{}, Reversals: map[string]string{}}
	for _, t := range tables {
		for c, before := range t.After {
			out.After[c] = append(out.After[c], before...)
			if out.After[c] == nil {
				out.After[c] = []string{}
			}
		}
		for e, f := range t.Reversals {
			out.Reversals[e] = f
		}
	}
	return out
}

// before reports whether class a precedes class b in the declared order.
func (o LockOrder) before(a, b string) bool {
	seen := map[string]bool{}
	stack := append([]string(nil), o.After[b]...)
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if c == a {
			return true
		}
		if !seen[c] {
			seen[c] = true
			stack = append(stack, o.After[c]...)
		}
	}
	return false
}

// Check returns, for each learned edge ("held -> acquired", as
// Kernel.WitnessEdges gives them), what the table says of it when it is
// not in the declared order: an undeclared class, a known reversal (with
// its finding), or an order outside the table. Known reversals are
// returned separately, since they are allowed.
func (o LockOrder) Check(edges []string) (violations, known []string) {
	for _, e := range edges {
		held, acq, ok := strings.Cut(e, " -> ")
		if !ok {
			violations = append(violations, fmt.Sprintf("%q: not an edge", e))
			continue
		}
		switch {
		case o.Reversals[e] != "":
			known = append(known, fmt.Sprintf("%s (reversal reported as %s)", e, o.Reversals[e]))
		case o.After[held] == nil:
			violations = append(violations, fmt.Sprintf("%s: class %q is in no lock-order table", e, held))
		case o.After[acq] == nil:
			violations = append(violations, fmt.Sprintf("%s: class %q is in no lock-order table", e, acq))
		case !o.before(held, acq):
			violations = append(violations, fmt.Sprintf("%s: the tables do not order %q before %q", e, held, acq))
		}
	}
	sort.Strings(violations)
	sort.Strings(known)
	return violations, known
}

// Cycle returns a cycle in the declared order (which must be a partial
// order), or nil.
func (o LockOrder) Cycle() []string {
	classes := make([]string, 0, len(o.After))
	for c := range o.After {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	for _, c := range classes {
		if o.before(c, c) {
			return []string{c, "...", c}
		}
	}
	return nil
}

// LinkerLockOrder is the kernel linker's own lock (kern/module.go's kld_sx,
// class "kernel linker"): kldload and kldunload take it first and drop it
// around the module's SYSINITs and SYSUNINITs; what it is held across
// (the vnet data allocator when a file's VNET_DEFINE slots are freed)
// comes after it.
var LinkerLockOrder = LockOrder{After: map[string][]string{"kernel linker": {}}}
