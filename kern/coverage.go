// SPDX-License-Identifier: BSD-2-Clause

package kern

import "sync"

// covDepth is how many frames above the scheduler a coverage sample
// keeps: enough to reach from a lock operation up through the ioctl
// front to the harness.
const covDepth = 24

// covStacks interns every distinct stack any kernel of the process has
// recorded (program counters do not change within a process), so that a
// kernel keeps only hashes.
var covStacks sync.Map // uint64 -> []uintptr

// Coverage records, for one kernel, the call stacks at which emulated
// threads reach scheduling points, and whether the strategy preempted the
// thread there. Per point it walks the frame pointers (no symbolisation)
// and hashes the return addresses; a stack is copied only the first time
// the process sees it. Resolving stacks to source lines is left to the
// reader, once per run. Set Config.Coverage to collect; controlled mode
// only. Not safe for concurrent use: the controlled scheduler runs one
// thread at a time.
type Coverage struct {
	seen map[uint64]uint8 // stack hash -> CovReached | CovPreempted
	last uint64
	buf  [covDepth]uintptr
}

// Flags of a recorded stack.
const (
	CovReached   = 1 // some point had this stack
	CovPreempted = 2 // ... and the strategy preempted the thread there
)

// NewCoverage returns an empty recorder.
func NewCoverage() *Coverage { return &Coverage{seen: make(map[uint64]uint8, 512)} }

// hit notes a point; skip frames belong to the scheduler.
func (c *Coverage) hit(skip int) {
	n := callersFP(skip-1, c.buf[:])
	h := uint64(14695981039346656037)
	for _, pc := range c.buf[:n] {
		h ^= uint64(pc)
		h *= 1099511628211
	}
	if _, ok := c.seen[h]; !ok {
		if _, ok := covStacks.Load(h); !ok {
			covStacks.Store(h, append([]uintptr(nil), c.buf[:n]...))
		}
		c.seen[h] = CovReached
	}
	c.last = h
}

// preempted marks the last point as one the strategy preempted.
func (c *Coverage) preempted() { c.seen[c.last] |= CovPreempted }

// Each calls fn for every distinct stack recorded, with its flags. Call
// it once the run is over; CoverageStack gives a stack's addresses.
func (c *Coverage) Each(fn func(hash uint64, flags uint8)) {
	for h, f := range c.seen {
		fn(h, f)
	}
}

// CoverageStack returns the return addresses of a stack some kernel's
// Coverage recorded under hash (nil if none did).
func CoverageStack(hash uint64) []uintptr {
	pcs, _ := covStacks.Load(hash)
	p, _ := pcs.([]uintptr)
	return p
}
