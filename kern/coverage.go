// SPDX-License-Identifier: BSD-2-Clause

package kern

import "runtime"

// covDepth is how many frames above the scheduler a coverage sample
// keeps: enough to reach from a lock operation up through the ioctl
// front to the harness.
const covDepth = 24

// Coverage records, for one kernel, the call stacks at which emulated
// threads reach scheduling points, and whether the strategy preempted the
// thread there. It keeps raw program counters, one entry per distinct
// stack; resolving them to source lines is left to the reader (once per
// run, not once per point). Set Config.Coverage to collect; controlled
// mode only. Not safe for concurrent use: the controlled scheduler runs
// one thread at a time.
type Coverage struct {
	stacks map[uint64]*CovStack
	last   *CovStack
	buf    [covDepth]uintptr
}

// CovStack is one distinct stack of scheduling points.
type CovStack struct {
	Hash      uint64
	PCs       []uintptr
	Hits      int // points reached with this stack
	Preempted int // of which the strategy switched away (a preemption)
}

// NewCoverage returns an empty recorder.
func NewCoverage() *Coverage { return &Coverage{stacks: map[uint64]*CovStack{}} }

// hit notes a point; skip frames belong to the scheduler.
func (c *Coverage) hit(skip int) {
	n := runtime.Callers(skip, c.buf[:])
	h := uint64(14695981039346656037)
	for _, pc := range c.buf[:n] {
		h ^= uint64(pc)
		h *= 1099511628211
	}
	st := c.stacks[h]
	if st == nil {
		st = &CovStack{Hash: h, PCs: append([]uintptr(nil), c.buf[:n]...)}
		c.stacks[h] = st
	}
	st.Hits++
	c.last = st
}

// preempted marks the last point as one the strategy preempted.
func (c *Coverage) preempted() {
	if c.last != nil {
		c.last.Preempted++
	}
}

// Stacks returns the distinct stacks recorded so far (not a copy: read
// them once the run is over).
func (c *Coverage) Stacks() map[uint64]*CovStack { return c.stacks }
