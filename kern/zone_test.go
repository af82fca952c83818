// SPDX-License-Identifier: BSD-2-Clause

package kern

import (
	"testing"

	"github.com/stretchr/testify/assert"
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
