// SPDX-License-Identifier: BSD-2-Clause
//
// A read-only view of an unrhdr for invariant observers. Not in
// subr_unit.c: the kernel asks alloc_unr(9) for units and never whether one
// is taken.

package unrhdr

import "unsafe"

// Allocated lists the units of uh that are allocated, in increasing
// order (ok false, and the list cut short, when the layout does not fit
// in [low, high]: a header freed or torn), by walking the layout subr_unit.c keeps (subr_unit.c:195-215):
// "first" units allocated from low, then the chunks (a free run, an
// allocated run, or a bitmap), then "last" free units up to high.
//
// It takes no lock and reaches no scheduling point: call it only where
// nobody can change uh (an invariant check, which runs with every other
// thread parked at a point; subr_unit.c changes a header only under its
// mutex and reaches no point while holding it), or on a header no thread
// uses any more.
func (uh *Unrhdr) Allocated() (out []int, ok bool) { return uh.AppendAllocated(nil) }

// AppendAllocated is Allocated appending to out (an invariant check that
// runs at every lock release reuses one buffer).
func (uh *Unrhdr) AppendAllocated(out []int) ([]int, bool) {
	span := uint64(uh.high) - uint64(uh.low) + 1
	// uh.last is not used: the C lets it grow too large
	// (subr_unit.c:709, see DIVERGENCES.md), and the units it counts are
	// free anyway.
	if uh.high < uh.low || uint64(uh.first) > span {
		return out, false
	}
	x := uh.low
	for i := uint32(0); i < uh.first; i++ {
		out = append(out, int(x))
		x++
	}
	for up := uh.head.tqh_first; up != nil; up = up.list.tqe_next {
		if uint64(x)+uint64(up.len) > uint64(uh.high)+1 || up.len == 0 {
			return out, false
		}
		switch {
		case up.ptr == nil:
		case up.ptr == unsafe.Pointer(uh):
			for i := uint32(0); i < up.len; i++ {
				out = append(out, int(x+i))
			}
		default:
			ub := asUnrb(up.ptr)
			for i := uint32(0); i < up.len; i++ {
				if bitTest(ub.map_[:], int(i)) != 0 {
					out = append(out, int(x+i))
				}
			}
		}
		x += up.len
	}
	return out, true
}
