// SPDX-License-Identifier: BSD-2-Clause

package kern

import (
	"sync"
	"sync/atomic"
)

// SymCache memoises what the Go symbol table says about program counters
// (a call site's file, line and function), which is the same for every
// kernel of the process: it is shared by all of them and holds no kernel
// state. It is process-wide, so the workers of a campaign (one kernel per
// core) read it concurrently at every CURVNET_SET and lockset report.
//
// Reads of settled entries take no lock and write no shared memory: they
// look in an immutable map published through an atomic pointer, so two
// cores reading it do not bounce a cache line between them as a mutex or
// an RWMutex's reader count would. New entries go to a dirty map under mu
// and are published, with the read map, by copying both into a new read
// map once as many lookups have missed the read map as dirty holds
// (sync.Map's scheme, with typed keys: no boxing, no allocation per
// lookup). Past max entries the cache starts afresh, so it stays bounded.
type SymCache[K comparable, V any] struct {
	read   atomic.Pointer[map[K]V]
	mu     sync.Mutex
	dirty  map[K]V // (mu) entries not in *read
	misses int     // (mu) lookups that found their key in dirty
	max    int
}

// NewSymCache makes a cache of at most max entries.
func NewSymCache[K comparable, V any](max int) *SymCache[K, V] {
	return &SymCache[K, V]{max: max}
}

// Load returns the value stored under key.
func (c *SymCache[K, V]) Load(key K) (v V, ok bool) {
	if m := c.read.Load(); m != nil {
		if v, ok = (*m)[key]; ok {
			return v, true
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok = c.dirty[key]; ok {
		if c.misses++; c.misses >= len(c.dirty) {
			c.promote()
		}
	}
	return v, ok
}

// Store records v under key.
func (c *SymCache[K, V]) Store(key K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(c.dirty)
	if m := c.read.Load(); m != nil {
		if _, ok := (*m)[key]; ok {
			return // settled: symbol facts do not change
		}
		n += len(*m)
	}
	if n >= c.max {
		c.read.Store(nil)
		c.dirty, c.misses = nil, 0
	}
	if c.dirty == nil {
		c.dirty = map[K]V{}
	}
	c.dirty[key] = v
}

// promote publishes read ∪ dirty as the new read map (mu held).
func (c *SymCache[K, V]) promote() {
	old := c.read.Load()
	size := len(c.dirty)
	if old != nil {
		size += len(*old)
	}
	m := make(map[K]V, size)
	if old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	for k, v := range c.dirty {
		m[k] = v
	}
	c.read.Store(&m)
	c.dirty, c.misses = nil, 0
}
