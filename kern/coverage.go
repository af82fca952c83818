// SPDX-License-Identifier: BSD-2-Clause

package kern

import (
	"sync"
	"sync/atomic"
)

// covDepth is how many physical frames above the scheduler a coverage
// sample keeps: the frame-pointer walk is most of a sample's cost. In
// random campaigns the outermost frame of the seed's port sits at most 12
// frames above the scheduler, 15 on a panic's unwinding path (a deferred
// prison_free under an unrhdr fault); harness TestCoverageDepth keeps the
// margin checked. The frames above it are the ioctl front and the harness.
const covDepth = 20

// CoverageDepth is covDepth, for the test that checks its margin.
const CoverageDepth = covDepth

// covIntern numbers every distinct stack any kernel of the process has
// recorded (program counters do not change within a process) densely
// from 0, so that a kernel keeps only small ids and a reader can cache
// what it makes of a stack in a slice indexed by id. Lookups, once per
// distinct stack per execution, take no lock and allocate nothing: the
// hash -> id table is open addressing over atomics, filled under mu (an
// id is stored before its hash publishes it); stacks past its capacity
// go to the overflow map.
var covIntern struct {
	tab      [covInternSize]covInternSlot
	mu       sync.Mutex
	n        int
	overflow map[uint64]int32            // (mu)
	stacks   atomic.Pointer[[][]uintptr] // id -> return addresses; copy on write under mu
}

const covInternSize = 1 << 15

type covInternSlot struct {
	h  atomic.Uint64 // 0: free
	id atomic.Int32
}

// covInternID returns the id of the stack pcs hashed to h, numbering it
// if the process has not seen it.
func covInternID(h uint64, pcs []uintptr) int32 {
	if h == 0 {
		h = 1 // 0 marks a free slot
	}
	const mask = covInternSize - 1
	for i := int(h^h>>32) & mask; ; i = (i + 1) & mask {
		k := covIntern.tab[i].h.Load()
		if k == h {
			return covIntern.tab[i].id.Load()
		}
		if k == 0 {
			break
		}
	}
	covIntern.mu.Lock()
	defer covIntern.mu.Unlock()
	free := -1
	if 4*covIntern.n < 3*covInternSize {
		for i := int(h^h>>32) & mask; ; i = (i + 1) & mask {
			k := covIntern.tab[i].h.Load()
			if k == h {
				return covIntern.tab[i].id.Load()
			}
			if k == 0 {
				free = i
				break
			}
		}
	} else if id, ok := covIntern.overflow[h]; ok {
		return id
	}
	var old [][]uintptr
	if p := covIntern.stacks.Load(); p != nil {
		old = *p
	}
	next := make([][]uintptr, len(old)+1, max(2*len(old), 64))
	copy(next, old)
	id := int32(len(old))
	next[id] = append([]uintptr(nil), pcs...)
	covIntern.stacks.Store(&next)
	if free >= 0 {
		covIntern.tab[free].id.Store(id)
		covIntern.tab[free].h.Store(h)
		covIntern.n++
	} else {
		if covIntern.overflow == nil {
			covIntern.overflow = map[uint64]int32{}
		}
		covIntern.overflow[h] = id
	}
	return id
}

// covSlot is one stack the recorder knows: its hash and process-wide id
// (id < 0: slot free), and the flags of the current execution.
type covSlot struct {
	h     uint64
	id    int32
	flags uint8
}

// Coverage records, for one kernel, the call stacks at which emulated
// threads reach scheduling points, and whether the strategy preempted the
// thread there. Per point it walks the frame pointers (no symbolisation),
// hashes the return addresses and looks the hash up in an open-addressing
// table of its own (no map, no allocation). The table outlives an
// execution (Reset clears only the flags it set), so that a recorder
// reused across executions asks the process-wide intern for a stack's id
// once, not once per execution. Resolving stacks to source lines is left
// to the reader, once per distinct stack of the process (CoverageStack).
// Set Config.Coverage to collect; controlled mode only. Not safe for
// concurrent use: the controlled scheduler runs one thread at a time.
type Coverage struct {
	tab     []covSlot // power-of-two size, at most 3/4 full
	known   int       // slots used
	touched []int32   // slots with flags set in this execution
	last    int       // slot of the last point
	buf     [covDepth]uintptr
}

// Flags of a recorded stack.
const (
	CovReached   = 1 // some point had this stack
	CovPreempted = 2 // ... and the strategy preempted the thread there
)

// covTab0 is a Coverage's initial table size (an execution of a dozen
// operations meets about 300 distinct stacks); covTabMax bounds it: past
// it, Reset forgets every stack.
const (
	covTab0   = 1024
	covTabMax = 1 << 16
)

// NewCoverage returns an empty recorder.
func NewCoverage() *Coverage {
	c := &Coverage{last: -1, touched: make([]int32, 0, 512)}
	c.tab = newCovTab(covTab0)
	return c
}

func newCovTab(n int) []covSlot {
	t := make([]covSlot, n)
	for i := range t {
		t[i].id = -1
	}
	return t
}

// Reset readies c for another execution: what it recorded is dropped,
// the stacks it knows are kept.
func (c *Coverage) Reset() {
	for _, i := range c.touched {
		c.tab[i].flags = 0
	}
	c.touched = c.touched[:0]
	c.last = -1
	if len(c.tab) > covTabMax {
		c.tab, c.known = newCovTab(covTab0), 0
	}
}

// hit notes a point; skip frames belong to the scheduler.
func (c *Coverage) hit(skip int) {
	n := callersFP(skip-1, c.buf[:])
	h := uint64(14695981039346656037)
	for _, pc := range c.buf[:n] {
		h ^= uint64(pc)
		h *= 1099511628211
	}
	mask := len(c.tab) - 1
	i := int(h^h>>32) & mask
	for {
		s := &c.tab[i]
		if s.id < 0 {
			break
		}
		if s.h == h {
			if s.flags == 0 {
				s.flags = CovReached
				c.touched = append(c.touched, int32(i))
			}
			c.last = i
			return
		}
		i = (i + 1) & mask
	}
	id := covInternID(h, c.buf[:n])
	if 4*(c.known+1) > 3*len(c.tab) {
		c.grow()
		i = c.insert(covSlot{h: h, id: id})
	} else {
		c.tab[i] = covSlot{h: h, id: id}
	}
	c.known++
	c.tab[i].flags = CovReached
	c.touched = append(c.touched, int32(i))
	c.last = i
}

// insert puts s into a free slot and returns it.
func (c *Coverage) insert(s covSlot) int {
	mask := len(c.tab) - 1
	i := int(s.h^s.h>>32) & mask
	for c.tab[i].id >= 0 {
		i = (i + 1) & mask
	}
	c.tab[i] = s
	return i
}

// grow doubles the table (the touched slots move with their stacks).
func (c *Coverage) grow() {
	old := c.tab
	c.tab = newCovTab(2 * len(old))
	moved := make(map[int32]int32, len(c.touched))
	for _, i := range c.touched {
		moved[i] = -1
	}
	for i, s := range old {
		if s.id >= 0 {
			j := c.insert(s)
			if _, ok := moved[int32(i)]; ok {
				moved[int32(i)] = int32(j)
			}
		}
	}
	for k, i := range c.touched {
		c.touched[k] = moved[i]
	}
}

// preempted marks the last point as one the strategy preempted.
func (c *Coverage) preempted() {
	if c.last >= 0 {
		c.tab[c.last].flags |= CovPreempted
	}
}

// Each calls fn for every distinct stack recorded, with its process-wide
// id and flags. Call it once the run is over; CoverageStack gives a
// stack's addresses.
func (c *Coverage) Each(fn func(id int, flags uint8)) {
	for _, i := range c.touched {
		s := &c.tab[i]
		fn(int(s.id), s.flags)
	}
}

// Len is the number of distinct stacks recorded.
func (c *Coverage) Len() int { return len(c.touched) }

// CoverageStack returns the return addresses of the stack some kernel's
// Coverage recorded under id (nil if none did).
func CoverageStack(id int) []uintptr {
	p := covIntern.stacks.Load()
	if p == nil || id < 0 || id >= len(*p) {
		return nil
	}
	return (*p)[id]
}
