// SPDX-License-Identifier: BSD-2-Clause
//
// malloc(9) accounting and INVARIANTS-style trashing, after
// sys/kern/kern_malloc.c and sys/vm/uma_dbg.c (trash_ctor/trash_dtor).

package kern

import (
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"
)

// malloc(9) flags (sys/sys/malloc.h).
const (
	M_NOWAIT = 0x0001
	M_WAITOK = 0x0002
	M_ZERO   = 0x0100
)

// Poison is the pattern INVARIANTS kernels fill freed memory with
// (uma_junk, 0xdeadc0de).
const Poison = 0xdeadc0de

// MallocType is struct malloc_type (MALLOC_DEFINE): per kernel, it counts
// the objects allocated and freed under it.
type MallocType struct {
	Shortdesc string
	Longdesc  string
	// allocs and frees are read atomically. A native kernel's threads
	// update them concurrently (atomic add); a controlled kernel runs one
	// thread at a time with channel hand-overs between them, so it adds
	// plainly, much as kern_malloc.c keeps per-CPU counters to avoid
	// atomics on this path.
	allocs int64
	frees  int64
	// zone is the zone of the MallocHeader type this malloc type last
	// allocated (zone.go cachedZone): a cache, checked on every use.
	zone atomic.Pointer[zoneCache]
}

// Live is the number of objects allocated and not yet freed.
func (mt *MallocType) Live() int64 { return mt.Calls() - mt.Frees() }

// Calls is the number of successful allocations.
func (mt *MallocType) Calls() int64 { return atomic.LoadInt64(&mt.allocs) }

// Frees is the number of frees.
func (mt *MallocType) Frees() int64 { return atomic.LoadInt64(&mt.frees) }

// count adds one to *c (allocs or frees) as the kernel's mode requires.
func count(k *Kernel, c *int64) {
	if k.sched == nil {
		atomic.AddInt64(c, 1)
		return
	}
	*c++
}

// Poisoner lets a type trash itself cheaply on free (and on allocation
// without M_ZERO); without it kern walks the value by reflection.
type Poisoner interface {
	Poison()
}

// MallocHeader, embedded in a type, keeps the allocation state of each
// object in the object itself rather than in the kernel's table: cheaper
// on hot paths (unrhdr chunks), and a double free is caught however long
// after the first. free(9) leaves the header alone when it trashes the
// object.
type MallocHeader struct {
	mhType  *MallocType
	mhState uint32 // 0: never allocated, hdrLive, hdrFreed
}

const (
	hdrLive  = 1
	hdrFreed = 2
)

func (h *MallocHeader) mallocHeader() *MallocHeader { return h }

type headered interface{ mallocHeader() *MallocHeader }

// isHeadered reports whether T embeds MallocHeader.
func isHeadered[T any]() bool {
	_, ok := any((*T)(nil)).(headered)
	return ok
}

type mallocState struct {
	mu    sync.Mutex
	types map[string]*MallocType
	// objs holds every live object and the most recent frees (for
	// double-free reports), one entry per address.
	objs map[unsafe.Pointer]objState
	ring []unsafe.Pointer // recent frees, oldest evicted first
	rpos int
	fail func(mt *MallocType, flags int) bool
	// zones: the free lists of the MallocHeader types (zone.go).
	zones []*zoneCache
	// typeSlab holds the first types: a kernel (one per execution)
	// defines a dozen, all at boot.
	typeSlab  [16]MallocType
	typeSlabN int
}

type objState struct {
	mt    *MallocType
	freed bool
}

const freedRing = 1 << 14

func (m *mallocState) init() {
	m.types = make(map[string]*MallocType, len(m.typeSlab))
	// Sized for an execution's objects (40 to 80 in the standard
	// scenario), so that the table seldom grows and rehashes.
	m.objs = make(map[unsafe.Pointer]objState, 96)
	// The ring grows with the frees up to freedRing entries (most
	// executions free a few dozen objects), then wraps.
	m.ring = make([]unsafe.Pointer, 0, 96)
}

// MallocType is MALLOC_DEFINE: it returns the kernel's type of that short
// name, creating it on first use.
func (k *Kernel) MallocType(shortdesc, longdesc string) *MallocType {
	m := &k.malloc
	m.mu.Lock()
	defer m.mu.Unlock()
	mt, ok := m.types[shortdesc]
	if !ok {
		if m.typeSlabN < len(m.typeSlab) {
			mt = &m.typeSlab[m.typeSlabN]
			m.typeSlabN++
			*mt = MallocType{Shortdesc: shortdesc, Longdesc: longdesc}
		} else {
			mt = &MallocType{Shortdesc: shortdesc, Longdesc: longdesc}
		}
		m.types[shortdesc] = mt
	}
	return mt
}

// MallocTypes lists the kernel's malloc types (for leak checks).
func (k *Kernel) MallocTypes() []*MallocType {
	m := &k.malloc
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*MallocType, 0, len(m.types))
	for _, mt := range m.types {
		out = append(out, mt)
	}
	return out
}

// SetMallocFail installs a fault-injection policy: when it returns true an
// M_NOWAIT allocation fails (returns nil). M_WAITOK never fails.
func (k *Kernel) SetMallocFail(f func(mt *MallocType, flags int) bool) {
	k.malloc.mu.Lock()
	k.malloc.fail = f
	k.malloc.mu.Unlock()
}

// Malloc is malloc(9) of one T. M_WAITOK may sleep: it is a scheduling
// point and WITNESS reports it when td holds a mutex. Without M_ZERO the
// object comes back trashed, as uma's trash_ctor leaves it.
func Malloc[T any](td *Thread, mt *MallocType, flags int) *T {
	k := td.K
	if flags&M_WAITOK != 0 {
		if mayWarnSleep(td) {
			k.witness.warnSleep(td, "malloc(M_WAITOK)")
		}
		td.point("malloc", nil)
	} else if mallocMayFail(k, mt, flags) {
		return nil
	}
	z := cachedZone[T](k, mt)
	if z == nil && isHeadered[T]() {
		z = zoneOfMalloc[T](k, mt)
	}
	if z != nil {
		var p *T
		if k.sched != nil && len(z.free) > 0 {
			// zoneAlloc's serial case, inlined: the most recent item,
			// checked against the trash, zeroed for M_ZERO. (Its
			// slot is left as it is: the next free overwrites it.)
			n := len(z.free)
			p = (*T)(z.free[n-1])
			z.free = z.free[:n-1]
			if !z.intact(unsafe.Pointer(p)) {
				z.modifiedPanic(td, unsafe.Pointer(p))
			}
			if flags&M_ZERO != 0 {
				var zero T
				*p = zero
			}
		} else {
			p = zoneAlloc[T](td, z, flags)
		}
		hd := z.header(unsafe.Pointer(p))
		hd.mhType, hd.mhState = mt, hdrLive
		if k.sched != nil {
			mt.allocs++ // count's serial case
		} else {
			atomic.AddInt64(&mt.allocs, 1)
		}
		return p
	}
	p := new(T)
	if flags&M_ZERO == 0 {
		poison(p)
	}
	serial, gone := serialOf(td)
	if gone {
		// The watchdog abandoned the run: its stuck thread runs beside
		// the ones being unwound, and nothing of it is checked any more,
		// so no thread keeps books (objs is a map: concurrent writes
		// would be fatal).
		return p
	}
	if !serial {
		k.malloc.mu.Lock()
	}
	k.malloc.objs[unsafe.Pointer(p)] = objState{mt: mt}
	if !serial {
		k.malloc.mu.Unlock()
	}
	count(k, &mt.allocs)
	return p
}

// mallocMayFail asks the fault-injection policy (SetMallocFail) about an
// M_NOWAIT allocation.
func mallocMayFail(k *Kernel, mt *MallocType, flags int) bool {
	// A controlled kernel's malloc state is touched by its running
	// thread only (see serialOf), and fail is set before Run.
	serial := k.sched != nil
	if !serial {
		k.malloc.mu.Lock()
	}
	f := k.malloc.fail
	if !serial {
		k.malloc.mu.Unlock()
	}
	return f != nil && f(mt, flags)
}

// Free is free(9): p must come from Malloc with the same type. It trashes
// *p; a later use finds poison (or a nil pointer, or a destroyed lock). A
// double free or a type mismatch panics. Free(nil) does nothing.
func Free[T any](td *Thread, p *T, mt *MallocType) {
	if p == nil {
		return
	}
	k := td.K
	if z := cachedZone[T](k, mt); z != nil {
		hd := z.header(unsafe.Pointer(p))
		if hd.mhState != hdrLive || hd.mhType != mt {
			badFree(td, hd, p, mt)
		}
		if z.copyTrash {
			// poison's stores, made once in z.trash: one block copy,
			// then the header back (the trash's is zero). Faster than
			// the stores, it widens the windows in which a native thread
			// reads what another freed: finding F2 (if_clone_create
			// copying a freed interface's name) shows in native stress
			// more often with it, which is the C's race, not the copy's.
			*p = *(*T)(z.trash)
			hd.mhType = mt
		} else {
			poison(p) // leaves the header alone
		}
		hd.mhState = hdrFreed
		if k.sched != nil {
			// count's and zoneFree's serial case: one thread runs.
			mt.frees++
			if len(z.free) < zoneCacheMax {
				z.free = append(z.free, unsafe.Pointer(p))
			}
		} else {
			atomic.AddInt64(&mt.frees, 1)
			zoneFree(k, z, unsafe.Pointer(p))
		}
		return
	}
	if isHeadered[T]() {
		hd := any(p).(headered).mallocHeader()
		if hd.mhState != hdrLive || hd.mhType != mt {
			badFree(td, hd, p, mt)
		}
		hd.mhState = hdrFreed
		count(k, &mt.frees)
		poison(p)
		zoneFree(k, zoneFind[T](k), unsafe.Pointer(p))
		return
	}
	serial, gone := serialOf(td)
	if gone {
		return // an abandoned run: no books kept (see Malloc)
	}
	key := unsafe.Pointer(p)
	m := &k.malloc
	if !serial {
		m.mu.Lock()
	}
	st, ok := m.objs[key]
	if !ok || st.freed {
		if !serial {
			m.mu.Unlock()
		}
		if ok {
			Panicf(td, "free: double free of %p (%s) @ %s", p, mt.Shortdesc, callerLine())
		}
		Panicf(td, "free: address %p (%s) was not allocated by malloc @ %s", p, mt.Shortdesc, callerLine())
	}
	if st.mt != mt {
		if !serial {
			m.mu.Unlock()
		}
		Panicf(td, "free: type mismatch for %p: allocated as %s, freed as %s @ %s", p, st.mt.Shortdesc, mt.Shortdesc, callerLine())
	}
	m.objs[key] = objState{mt: mt, freed: true}
	if len(m.ring) < freedRing {
		m.ring = append(m.ring, key)
	} else {
		if old := m.ring[m.rpos]; old != nil {
			if o, ok := m.objs[old]; ok && o.freed {
				delete(m.objs, old)
			}
		}
		m.ring[m.rpos] = key
		m.rpos = (m.rpos + 1) % freedRing
	}
	if !serial {
		m.mu.Unlock()
	}
	count(k, &mt.frees)
	poison(p)
}

// badFree panics for a free that a MallocHeader refuses: freed already,
// never allocated, or allocated under another type. Out of line, so that
// Free's test is a compare or two.
func badFree(td *Thread, hd *MallocHeader, p any, mt *MallocType) {
	switch {
	case hd.mhState == hdrFreed:
		Panicf(td, "free: double free of %p (%s) @ %s", p, mt.Shortdesc, callerLine())
	case hd.mhState != hdrLive:
		Panicf(td, "free: address %p (%s) was not allocated by malloc @ %s", p, mt.Shortdesc, callerLine())
	case hd.mhType != mt:
		Panicf(td, "free: type mismatch for %p: allocated as %s, freed as %s @ %s", p, hd.mhType.Shortdesc, mt.Shortdesc, callerLine())
	}
}

// IsFreed reports whether p was freed (and not reallocated) recently.
func IsFreed[T any](k *Kernel, p *T) bool {
	if h, ok := any(p).(headered); ok {
		return h.mallocHeader().mhState == hdrFreed
	}
	k.malloc.mu.Lock()
	defer k.malloc.mu.Unlock()
	st, ok := k.malloc.objs[unsafe.Pointer(p)]
	return ok && st.freed
}

// poison trashes *p: integers get the 0xdeadc0de pattern, strings and byte
// arrays junk, pointers, slices, maps and functions nil, and kern locks a
// poisoned state so that locking them panics. sync types are left alone.
func poison[T any](p *T) {
	if ps, ok := any(p).(Poisoner); ok {
		ps.Poison()
		return
	}
	planFor(reflect.TypeFor[T]()).apply(unsafe.Pointer(p))
}

var (
	syncPkg          = reflect.TypeFor[sync.Mutex]().PkgPath()
	mallocHeaderType = reflect.TypeFor[MallocHeader]()
)

// poisonValue is the reference the compiled plans (poison.go) follow.
func poisonValue(v reflect.Value) {
	if !v.CanSet() {
		v = reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		p32 := uint32(Poison)
		v.SetInt(int64(int32(p32)))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(0xdeadc0dedeadc0de)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.String:
		v.SetString("\xde\xad\xc0\xde")
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(Poison))
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			poisonValue(v.Index(i))
		}
	case reflect.Struct:
		t := v.Type()
		if t.PkgPath() == syncPkg || t == mallocHeaderType {
			return // a real sync.Mutex must stay consistent; so must the header
		}
		for i := 0; i < v.NumField(); i++ {
			poisonValue(v.Field(i))
		}
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Func, reflect.Chan, reflect.Interface, reflect.UnsafePointer:
		v.SetZero()
	case reflect.Complex64, reflect.Complex128:
		v.SetComplex(complex(float64(Poison), 0))
	default:
		panic(fmt.Sprintf("kern: cannot poison %v", v.Kind()))
	}
}

// Bytes is a malloc(9)'d buffer whose size is known only at run time
// (malloc(n, type, flags) of a char array).
type Bytes struct {
	B []byte
}

// MallocBytes is malloc(n, mt, flags) for a byte buffer. Without M_ZERO the
// bytes are junk, as uma leaves them.
func MallocBytes(td *Thread, mt *MallocType, n int, flags int) *Bytes {
	p := Malloc[Bytes](td, mt, flags|M_ZERO)
	if p == nil {
		return nil
	}
	p.B = make([]byte, n)
	if flags&M_ZERO == 0 {
		for i := range p.B {
			p.B[i] = 0xde
		}
	}
	return p
}
