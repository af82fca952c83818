package kern

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type ifnetLike struct {
	name  [16]byte
	unit  int
	flags uint32
	next  *ifnetLike
	desc  string
	mu    Mtx
}

func TestMallocAccountingAndPoison(t *testing.T) {
	k := NewKernel(Config{})
	td := k.Thread0()
	mt := k.MallocType("M_TEST", "test objects")
	assert.Same(t, mt, k.MallocType("M_TEST", "again"), "MALLOC_DEFINE is per kernel and idempotent")
	other := k.MallocType("M_OTHER", "other")

	a := Malloc[ifnetLike](td, mt, M_WAITOK|M_ZERO)
	assert.Equal(t, 0, a.unit, "M_ZERO zeroes")
	b := Malloc[ifnetLike](td, mt, M_WAITOK)
	assert.Equal(t, int(int32(-559038242)), b.unit, "without M_ZERO memory is trashed (0xdeadc0de)")
	assert.Equal(t, byte(0xde), b.name[0])
	assert.EqualValues(t, 2, mt.Live())
	assert.EqualValues(t, 2, mt.Calls())

	a.next = b
	a.unit = 3
	a.desc = "lo0"
	a.mu.Init(k, "a lock", "", MTX_DEF)
	Free(td, a, mt)
	assert.EqualValues(t, 1, mt.Live())
	assert.Nil(t, a.next, "pointers are cleared by free")
	assert.Equal(t, int(int32(-559038242)), a.unit, "ints are poisoned by free")
	assert.NotEqual(t, "lo0", a.desc)
	assert.True(t, IsFreed(k, a))

	// Using a freed lock panics; dereferencing a freed pointer faults.
	p := mustPanic(t, func() { a.mu.Lock(td) })
	assert.Contains(t, p.Msg, "destroyed")

	// Double free and type mismatch panic.
	p = mustPanic(t, func() { Free(td, a, mt) })
	assert.Contains(t, p.Msg, "double free")
	p = mustPanic(t, func() { Free(td, b, other) })
	assert.Contains(t, p.Msg, "type mismatch")
	p = mustPanic(t, func() { Free(td, &ifnetLike{}, mt) })
	assert.Contains(t, p.Msg, "not allocated")

	Free(td, b, mt)
	assert.Zero(t, mt.Live())
	Free[ifnetLike](td, nil, mt) // free(NULL) is a no-op

	// Fault injection makes M_NOWAIT fail and leaves M_WAITOK alone.
	k.SetMallocFail(func(m *MallocType, flags int) bool { return m == mt })
	assert.Nil(t, Malloc[int](td, mt, M_NOWAIT))
	w := Malloc[int](td, mt, M_WAITOK)
	require.NotNil(t, w)
	o := Malloc[int](td, other, M_NOWAIT)
	require.NotNil(t, o)
	Free(td, w, mt)
	Free(td, o, other)
	assert.Zero(t, mt.Live())
	assert.Zero(t, other.Live())
}

func TestRefcount(t *testing.T) {
	k := NewKernel(Config{})
	td := k.Thread0()
	var c uint32
	RefcountInit(&c, 1)
	assert.EqualValues(t, 1, RefcountAcquire(td, &c))
	assert.False(t, RefcountRelease(td, &c))
	assert.True(t, RefcountRelease(td, &c))
	assert.False(t, RefcountAcquireIfNotZero(td, &c))
	p := mustPanic(t, func() { RefcountRelease(td, &c) })
	assert.Contains(t, p.Msg, "wraparound")
}

func TestEventhandlerOrder(t *testing.T) {
	k := NewKernel(Config{})
	l := EventhandlerDeclare[func(string)](k, "if_clone_event")
	var got []string
	l.Register(func(s string) { got = append(got, "last:"+s) }, EVENTHANDLER_PRI_LAST)
	tag := l.Register(func(s string) { got = append(got, "any:"+s) }, EVENTHANDLER_PRI_ANY)
	l.Register(func(s string) { got = append(got, "first:"+s) }, EVENTHANDLER_PRI_FIRST)
	assert.Same(t, l, EventhandlerDeclare[func(string)](k, "if_clone_event"))
	l.Invoke(func(f func(string)) { f("x") })
	assert.Equal(t, []string{"first:x", "any:x", "last:x"}, got)
	l.Deregister(tag)
	got = nil
	l.Invoke(func(f func(string)) { f("y") })
	assert.Equal(t, []string{"first:y", "last:y"}, got)
}

func TestSysinitOrder(t *testing.T) {
	k := NewKernel(Config{})
	var got []string
	add := func(name string, sub SubsystemID, ord SysinitOrder) {
		k.SYSINIT(name, sub, ord, func(*Thread) { got = append(got, name) })
		k.SYSUNINIT(name, sub, ord, func(*Thread) { got = append(got, "~"+name) })
	}
	add("vnet_done", SI_SUB_VNET_DONE, SI_ORDER_ANY)
	add("init_if", SI_SUB_INIT_IF, SI_ORDER_MIDDLE)
	add("lock", SI_SUB_LOCK, SI_ORDER_FIRST)
	add("init_if_first", SI_SUB_INIT_IF, SI_ORDER_FIRST)
	k.Boot(k.Thread0())
	k.Shutdown(k.Thread0())
	assert.Equal(t, []string{"lock", "init_if_first", "init_if", "vnet_done",
		"~vnet_done", "~init_if", "~init_if_first", "~lock"}, got)
}

type chunk struct {
	MallocHeader
	n    int
	next *chunk
}

func TestMallocHeaderTracking(t *testing.T) {
	k := NewKernel(Config{})
	td := k.Thread0()
	mt := k.MallocType("M_CHUNK", "chunks")
	other := k.MallocType("M_OTHER", "other")
	c := Malloc[chunk](td, mt, M_WAITOK)
	assert.Equal(t, int(int32(-559038242)), c.n, "trashed without M_ZERO")
	c.next = c
	assert.EqualValues(t, 1, mt.Live())
	p := mustPanic(t, func() { Free(td, c, other) })
	assert.Contains(t, p.Msg, "type mismatch")
	Free(td, c, mt)
	assert.Nil(t, c.next)
	assert.True(t, IsFreed(k, c))
	assert.Zero(t, mt.Live())
	p = mustPanic(t, func() { Free(td, c, mt) })
	assert.Contains(t, p.Msg, "double free")
	p = mustPanic(t, func() { Free(td, &chunk{}, mt) })
	assert.Contains(t, p.Msg, "not allocated")
}
