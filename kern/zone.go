// SPDX-License-Identifier: BSD-2-Clause

package kern

import (
	"fmt"
	"reflect"
	"unsafe"
)

// A zone cache recycles freed objects of the types that embed
// MallocHeader (unrhdr's chunks, struct unr, allocated and freed on every
// alloc_unr/free_unr), as malloc(9) does: small sizes come from UMA zones
// whose per-CPU buckets hand the most recently freed item out again
// (uma_core.c, uma_zalloc_arg / uma_zfree_arg). An INVARIANTS kernel
// trashes an item when it is freed and checks the trash when it is handed
// out again (uma_dbg.c: mtrash_dtor / mtrash_ctor, "Memory modified after
// free"), and panics on a free of an item that is already free
// (uma_dbg_free, "Duplicate free"). So does this cache:
//
//   - Free poisons the object (as before) and puts it on its type's free
//     list, LIFO, up to zoneCacheMax items (beyond, it goes to Go's
//     collector, as a full bucket goes back to the keg). For a type
//     without a Poison method or a sync field the poisoning is one copy
//     of the zone's trash, which poison made once (zoneCache.copyTrash);
//   - Malloc takes the most recent item of the type, checks that every
//     byte outside the MallocHeader is still what poisoning left (a write
//     after free panics "Memory modified after free"), then zeroes it for
//     M_ZERO;
//   - a free of an item whose header says freed panics "double free",
//     whether the item is on the list or was dropped from it.
//
// What the real kernel cannot see, the emulation does not see either: a
// stale pointer to an item that has since been handed out again reads
// and writes the new object, and freeing it through that pointer is a
// free of the new object (docs/DIVERGENCES.md). Accounting is unchanged:
// each Malloc counts one allocation of its type, each Free one free.
//
// A write after free that stores exactly the poison value is not seen,
// as trash_ctor does not see one that stores 0xdeadc0de.

// zoneCacheMax bounds each type's free list.
const zoneCacheMax = 256

// zoneCache is one type's free list in one kernel.
type zoneCache struct {
	typ reflect.Type
	// tid is typ's run-time type descriptor and k the kernel: what a
	// MallocType's cached zone (MallocType.zone) is checked against.
	tid  unsafe.Pointer
	k    *Kernel
	free []unsafe.Pointer
	// trash is an object of the type as poison leaves it, the pattern
	// the check on reuse compares with; hoff is the MallocHeader's
	// offset in it (the header is not trashed) and tail the offset of
	// the bytes after the header.
	trash unsafe.Pointer
	size  uintptr
	hoff  uintptr
	tail  uintptr
	// copyTrash: free(9) may trash an object by copying trash over it,
	// header aside, which is exactly what poison does to the type (no
	// Poisoner method, whose effects kern cannot know, and no sync
	// type, which poison leaves as it is): the plan's stores made once,
	// then one block copy per free.
	copyTrash bool
}

// zoneOf returns k's cache for T (the caller holds zlock).
func zoneOf[T any](k *Kernel) *zoneCache {
	t := reflect.TypeFor[T]()
	m := &k.malloc
	for i := range m.zones {
		if m.zones[i].typ == t {
			return m.zones[i]
		}
	}
	tr := new(T)
	poison(tr)
	z := &zoneCache{typ: t, tid: typeID[T](), k: k, trash: unsafe.Pointer(tr), size: unsafe.Sizeof(*tr)}
	z.hoff = uintptr(unsafe.Pointer(any(tr).(headered).mallocHeader())) - uintptr(unsafe.Pointer(tr))
	z.tail = z.hoff + unsafe.Sizeof(MallocHeader{})
	if z.size%8 != 0 || z.hoff%8 != 0 {
		panic(fmt.Sprintf("kern: %v embeds MallocHeader but is not 8-byte aligned", t))
	}
	_, isPoisoner := any(tr).(Poisoner)
	z.copyTrash = !isPoisoner && !holdsSync(t)
	m.zones = append(m.zones, z)
	return z
}

// holdsSync reports whether a value of type t holds a struct of package
// sync, which poison leaves alone (and a copy would not).
func holdsSync(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Array:
		return t.Len() > 0 && holdsSync(t.Elem())
	case reflect.Struct:
		if t.PkgPath() == syncPkg {
			return true
		}
		for i := 0; i < t.NumField(); i++ {
			if holdsSync(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

// typeID identifies T: the type word of an interface holding a nil *T,
// the address of *T's run-time type descriptor (one per type, static, so
// reading it costs nothing).
func typeID[T any]() unsafe.Pointer {
	e := any((*T)(nil))
	return (*[2]unsafe.Pointer)(unsafe.Pointer(&e))[0]
}

// cachedZone is the zone mt last served in k, if it is T's: a malloc type
// mostly serves one Go type, so Malloc and Free of a MallocHeader type
// skip the interface assertions and the search of k's zones.
func cachedZone[T any](k *Kernel, mt *MallocType) *zoneCache {
	if z := mt.zone.Load(); z != nil && z.k == k && z.tid == typeID[T]() {
		return z
	}
	return nil
}

// header is the MallocHeader of p, an object of z's type.
func (z *zoneCache) header(p unsafe.Pointer) *MallocHeader {
	return (*MallocHeader)(unsafe.Add(p, z.hoff))
}

// zoneAlloc returns a T for Malloc from z, T's zone: a recycled one
// checked against the trash (and zeroed for M_ZERO), or a new one (trashed
// without M_ZERO). The caller sets the header.
func zoneAlloc[T any](td *Thread, z *zoneCache, flags int) *T {
	k := td.K
	m := &k.malloc
	m.zlock(k)
	var p *T
	if n := len(z.free); n > 0 {
		p = (*T)(z.free[n-1])
		z.free[n-1] = nil
		z.free = z.free[:n-1]
	}
	m.zunlock(k)
	if p == nil {
		p = new(T)
		if flags&M_ZERO == 0 {
			if z.copyTrash {
				*p = *(*T)(z.trash) // the trash's header is zero, as new's
			} else {
				poison(p)
			}
		}
		return p
	}
	if !z.intact(unsafe.Pointer(p)) {
		z.modifiedPanic(td, unsafe.Pointer(p))
	}
	if flags&M_ZERO != 0 {
		var zero T
		*p = zero
	}
	return p
}

// zoneOfMalloc is T's zone in k for Malloc, when mt's cached zone is
// another's: found or made under zlock, and cached in mt.
func zoneOfMalloc[T any](k *Kernel, mt *MallocType) *zoneCache {
	z := zoneFind[T](k)
	mt.zone.Store(z)
	return z
}

// intact reports whether the object at p still holds the trash, the
// header aside: the words before the header and those after it, in two
// loops without a test per word, the differences or'ed together.
func (z *zoneCache) intact(p unsafe.Pointer) bool {
	var d uint64
	tr, h, t, n := z.trash, z.hoff, z.tail, z.size // in registers, not reloaded
	for off := uintptr(0); off < h; off += 8 {
		d |= *(*uint64)(unsafe.Add(p, off)) ^ *(*uint64)(unsafe.Add(tr, off))
	}
	for off := t; off < n; off += 8 {
		d |= *(*uint64)(unsafe.Add(p, off)) ^ *(*uint64)(unsafe.Add(tr, off))
	}
	return d == 0
}

// modifiedPanic reports a write after free found by intact. Out of line:
// the message is built only then.
func (z *zoneCache) modifiedPanic(td *Thread, p unsafe.Pointer) {
	off, _ := z.modified(p)
	Panicf(td, "Memory modified after free %p(%d) val=%x @ %p", p, z.size,
		*(*byte)(unsafe.Add(p, off)), unsafe.Add(p, off))
}

// modified compares the object at p with the trash, the header aside; it
// returns the offset of the first byte that differs and false, or true.
// The object is compared in 8-byte words: a type embedding MallocHeader
// (which holds a pointer) has 8-byte alignment, so its size and the
// header's offset are multiples of 8. intact is the fast test; this finds
// the place for the report.
func (z *zoneCache) modified(p unsafe.Pointer) (uintptr, bool) {
	const w = 8
	got := unsafe.Slice((*uint64)(p), z.size/w)
	want := unsafe.Slice((*uint64)(z.trash), z.size/w)
	h0, h1 := z.hoff/w, z.tail/w
	for i := range got {
		if i >= int(h0) && i < int(h1) {
			continue
		}
		if got[i] != want[i] {
			b := unsafe.Slice((*byte)(unsafe.Pointer(&got[i])), w)
			t := unsafe.Slice((*byte)(unsafe.Pointer(&want[i])), w)
			for j := range b {
				if b[j] != t[j] {
					return uintptr(i)*w + uintptr(j), false
				}
			}
		}
	}
	return 0, true
}

// zoneFree puts a freed (already trashed) object on z's free list.
func zoneFree(k *Kernel, z *zoneCache, p unsafe.Pointer) {
	m := &k.malloc
	m.zlock(k)
	if len(z.free) < zoneCacheMax {
		z.free = append(z.free, p)
	}
	m.zunlock(k)
}

// zoneFind is T's zone in k, found or made under zlock (not cached in a
// malloc type: Free of a type its malloc type does not cache).
func zoneFind[T any](k *Kernel) *zoneCache {
	m := &k.malloc
	m.zlock(k)
	z := zoneOf[T](k)
	m.zunlock(k)
	return z
}

// zlock guards the zones in a native kernel, whose threads run at once; a
// controlled kernel runs one thread at a time and needs no lock (as count
// needs no atomic), like the C's per-CPU buckets.
func (m *mallocState) zlock(k *Kernel) {
	if k.sched == nil {
		m.mu.Lock()
	}
}

func (m *mallocState) zunlock(k *Kernel) {
	if k.sched == nil {
		m.mu.Unlock()
	}
}
