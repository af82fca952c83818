// SPDX-License-Identifier: BSD-2-Clause

package kern

import (
	"fmt"
	"sync"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestZoneRecycles: a freed MallocHeader object is handed out again (most
// recent first), zeroed for M_ZERO, trashed without it, and the counts stay
// exact.
func TestZoneRecycles(t *testing.T) {
	k := NewKernel(Config{})
	td := k.Thread0()
	mt := k.MallocType("M_CHUNK", "chunks")
	a := Malloc[chunk](td, mt, M_WAITOK|M_ZERO)
	b := Malloc[chunk](td, mt, M_WAITOK|M_ZERO)
	Free(td, a, mt)
	Free(td, b, mt)
	c := Malloc[chunk](td, mt, M_WAITOK|M_ZERO)
	assert.Same(t, b, c, "the most recently freed item comes back first")
	assert.Zero(t, c.n)
	assert.Nil(t, c.next)
	assert.False(t, IsFreed(k, c))
	d := Malloc[chunk](td, mt, M_WAITOK)
	assert.Same(t, a, d)
	assert.Equal(t, int(int32(-559038242)), d.n, "trashed without M_ZERO")
	assert.EqualValues(t, 4, mt.Calls())
	assert.EqualValues(t, 2, mt.Frees())
	Free(td, c, mt)
	Free(td, d, mt)
	assert.Zero(t, mt.Live())
}

// TestZoneModifiedAfterFree: a write to a freed item is found when the item
// is handed out again (uma_dbg.c's trash_ctor), whatever field it hit.
func TestZoneModifiedAfterFree(t *testing.T) {
	k := NewKernel(Config{})
	td := k.Thread0()
	mt := k.MallocType("M_CHUNK", "chunks")
	a := Malloc[chunk](td, mt, M_WAITOK|M_ZERO)
	Free(td, a, mt)
	a.n = 7 // use after free
	p := mustPanic(t, func() { Malloc[chunk](td, mt, M_WAITOK|M_ZERO) })
	assert.Contains(t, p.Msg, "Memory modified after free")

	b := Malloc[chunk](td, mt, M_WAITOK|M_ZERO)
	Free(td, b, mt)
	b.next = b
	p = mustPanic(t, func() { Malloc[chunk](td, mt, M_WAITOK) })
	assert.Contains(t, p.Msg, "Memory modified after free")
}

// TestZoneDuplicateFree: a free of a free item panics whether it is still
// on the free list or was dropped from a full one; a stale pointer to an
// item handed out again frees the new object, as in the C.
func TestZoneDuplicateFree(t *testing.T) {
	k := NewKernel(Config{})
	td := k.Thread0()
	mt := k.MallocType("M_CHUNK", "chunks")
	var all []*chunk
	for i := 0; i < zoneCacheMax+2; i++ {
		all = append(all, Malloc[chunk](td, mt, M_WAITOK|M_ZERO))
	}
	for _, c := range all {
		Free(td, c, mt)
	}
	for _, c := range []*chunk{all[0], all[len(all)-1]} { // on the list; dropped
		p := mustPanic(t, func() { Free(td, c, mt) })
		assert.Contains(t, p.Msg, "double free")
	}
	stale := all[zoneCacheMax-1] // the last one the full list took
	n := Malloc[chunk](td, mt, M_WAITOK|M_ZERO)
	assert.Same(t, stale, n)
	Free(td, stale, mt) // undetectable: it is the live object's free
	assert.Zero(t, mt.Live())
}

// bigChunk is a second MallocHeader type, of another size and layout.
type bigChunk struct {
	n [5]int
	MallocHeader
	p *bigChunk
}

// TestZoneCacheTwoTypes: one malloc type serving two MallocHeader types
// (its cached zone, MallocType.zone, switching between them) and a plain
// type keeps each type on its own free list: an item comes back as its
// own type, never another's, and frees and double frees are checked
// through whichever path the cache takes; two kernels' zones stay apart.
func TestZoneCacheTwoTypes(t *testing.T) {
	k := NewKernel(Config{})
	td := k.Thread0()
	mt := k.MallocType("M_MIX", "mixed")
	a := Malloc[chunk](td, mt, M_WAITOK|M_ZERO)
	b := Malloc[bigChunk](td, mt, M_WAITOK|M_ZERO)
	s := Malloc[struct{ x int }](td, mt, M_WAITOK|M_ZERO)
	Free(td, a, mt) // the cache holds bigChunk's zone: the slow path
	Free(td, b, mt)
	Free(td, s, mt)
	c := Malloc[chunk](td, mt, M_WAITOK|M_ZERO)
	assert.Same(t, a, c, "chunk's own freed item")
	d := Malloc[bigChunk](td, mt, M_WAITOK|M_ZERO)
	assert.Same(t, b, d, "bigChunk's own freed item")
	assert.Zero(t, d.n)
	Free(td, d, mt)
	p := mustPanic(t, func() { Free(td, d, mt) })
	assert.Contains(t, p.Msg, "double free")
	Free(td, c, mt)
	p = mustPanic(t, func() { Free(td, c, mt) })
	assert.Contains(t, p.Msg, "double free")
	assert.Zero(t, mt.Live())

	// Another kernel's malloc type of the same name has its own zones:
	// a chunk freed there does not come back here.
	k2 := NewKernel(Config{})
	td2 := k2.Thread0()
	mt2 := k2.MallocType("M_MIX", "mixed")
	e := Malloc[chunk](td2, mt2, M_WAITOK|M_ZERO)
	Free(td2, e, mt2)
	f := Malloc[chunk](td, mt, M_WAITOK|M_ZERO)
	assert.NotSame(t, e, f)
	assert.Same(t, c, f)
	Free(td, f, mt)
}

// poisonerChunk trashes itself (a Poisoner): its zone cannot know what
// Poison does, so free calls it rather than copying the trash.
type poisonerChunk struct {
	MallocHeader
	n      int
	called int
}

func (c *poisonerChunk) Poison() { c.n, c.called = -1, c.called+1 }

// lockedChunk holds a sync type, which poison leaves alone (a copy of the
// trash would not).
type lockedChunk struct {
	MallocHeader
	mu sync.Mutex
	n  int
}

// TestZoneTrashCopy: free trashes a plain MallocHeader type by copying its
// zone's trash, leaving the bytes poison leaves and the header intact; a
// Poisoner or a type holding a sync type is poisoned as before.
func TestZoneTrashCopy(t *testing.T) {
	k := NewKernel(Config{})
	td := k.Thread0()
	mt := k.MallocType("M_CHUNK", "chunks")

	for _, flags := range []int{M_WAITOK | M_ZERO, M_WAITOK} {
		for _, fresh := range []bool{true, false} {
			c := Malloc[bigChunk](td, mt, flags)
			c.n = [5]int{1, 2, 3, 4, 5}
			c.p = c
			Free(td, c, mt)
			want := &bigChunk{n: c.n, p: c.p}
			poison(want)
			want.MallocHeader = MallocHeader{mhType: mt, mhState: hdrFreed}
			assert.Equal(t, want, c, "flags %#x fresh %v", flags, fresh)
			assert.True(t, IsFreed(k, c))
			if fresh {
				// Hand it out again: the next round frees a recycled item.
				Malloc[bigChunk](td, mt, flags)
				Free(td, c, mt)
			}
		}
	}
	z := cachedZone[bigChunk](k, mt)
	require.NotNil(t, z)
	assert.True(t, z.copyTrash)
	assert.Zero(t, mt.Live())

	p := Malloc[poisonerChunk](td, mt, M_WAITOK|M_ZERO)
	Free(td, p, mt)
	assert.Equal(t, 1, p.called, "Poison called on free")
	assert.Equal(t, -1, p.n)
	assert.False(t, cachedZone[poisonerChunk](k, mt).copyTrash)

	l := Malloc[lockedChunk](td, mt, M_WAITOK|M_ZERO)
	Free(td, l, mt)
	assert.Equal(t, int(int32(-559038242)), l.n)
	assert.False(t, cachedZone[lockedChunk](k, mt).copyTrash)
	assert.Zero(t, mt.Live())
}

// TestZoneModifiedEveryWord: a write after free to any byte outside the
// header is caught on reuse, before the header and after it; the header
// itself is free's to change.
func TestZoneModifiedEveryWord(t *testing.T) {
	k := NewKernel(Config{})
	td := k.Thread0()
	mt := k.MallocType("M_CHUNK", "chunks")
	c := Malloc[bigChunk](td, mt, M_WAITOK|M_ZERO)
	z := cachedZone[bigChunk](k, mt)
	require.NotNil(t, z)
	require.Less(t, z.hoff, z.tail)
	require.Less(t, z.tail, z.size, "bytes on both sides of the header")
	Free(td, c, mt)
	pOff := unsafe.Offsetof(c.p)
	for off := uintptr(0); off < z.size; off++ {
		if off >= z.hoff && off < z.tail || off >= pOff && off < pOff+8 {
			continue // the header; a pointer, never garbage (below)
		}
		b := (*byte)(unsafe.Add(unsafe.Pointer(c), off))
		old := *b
		*b ^= 0x40
		p := mustPanic(t, func() { Malloc[bigChunk](td, mt, M_WAITOK|M_ZERO) })
		assert.Contains(t, p.Msg, "Memory modified after free", "offset %d", off)
		assert.Contains(t, p.Msg, fmt.Sprintf("val=%x @ %p", *b, b), "offset %d", off)
		*b = old
		// The item was popped before the check: put it back.
		z.free = append(z.free, unsafe.Pointer(c))
	}
	c.p = c // the word after the header
	p := mustPanic(t, func() { Malloc[bigChunk](td, mt, M_WAITOK|M_ZERO) })
	assert.Contains(t, p.Msg, "Memory modified after free")
	c.p = nil
	z.free = append(z.free, unsafe.Pointer(c))
	assert.Same(t, c, Malloc[bigChunk](td, mt, M_WAITOK|M_ZERO))
	Free(td, c, mt)
	assert.Zero(t, mt.Live())
}

// TestZoneRecycleNoAlloc: malloc and free of a recycled item allocate
// nothing, in a controlled and in a native kernel.
func TestZoneRecycleNoAlloc(t *testing.T) {
	for _, native := range []bool{false, true} {
		k := NewKernel(Config{Native: native})
		td := k.Thread0()
		mt := k.MallocType("M_CHUNK", "chunks")
		Free(td, Malloc[bigChunk](td, mt, M_WAITOK|M_ZERO), mt)
		allocs := testing.AllocsPerRun(1000, func() {
			a := Malloc[bigChunk](td, mt, M_WAITOK|M_ZERO)
			b := Malloc[bigChunk](td, mt, M_WAITOK)
			Free(td, a, mt)
			Free(td, b, mt)
		})
		assert.Zero(t, allocs, "native %v", native)
		assert.Zero(t, mt.Live())
	}
}

// TestZoneNative: a native kernel's threads malloc and free items of one
// zone at once (the free list under the malloc lock, the counts atomic);
// run under -race it checks that no path reads the list unlocked.
func TestZoneNative(t *testing.T) {
	k := NewKernel(Config{Native: true})
	mt := k.MallocType("M_CHUNK", "chunks")
	const threads, iters = 4, 300
	for i := 0; i < threads; i++ {
		k.Go("w", func(td *Thread) {
			var held []*bigChunk
			for j := 0; j < iters; j++ {
				c := Malloc[bigChunk](td, mt, M_WAITOK|M_ZERO)
				c.n[0] = j
				held = append(held, c)
				if j%3 == 2 {
					for _, h := range held {
						Free(td, h, mt)
					}
					held = held[:0]
				}
			}
			for _, h := range held {
				Free(td, h, mt)
			}
		})
	}
	res := k.Run()
	require.True(t, res.OK(), "%v", res)
	assert.EqualValues(t, threads*iters, mt.Calls())
	assert.Zero(t, mt.Live())
}
