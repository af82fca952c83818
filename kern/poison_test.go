package kern

import (
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"
)

type poisonInner struct {
	a  int8
	b  uint16
	s  string
	mu sync.Mutex
	h  MallocHeader
}

type poisonSample struct {
	i    int
	u    uint
	up   uintptr
	i64  int64
	u32  uint32
	f32  float32
	f64  float64
	c64  complex64
	c128 complex128
	bl   bool
	p    *int
	m    map[int]int
	fn   func()
	ch   chan int
	up2  unsafe.Pointer
	sl   []int
	ifc  any
	err  error
	name [16]byte
	arr  [3]poisonInner
	in   poisonInner
	at   atomic.Int64
	ptrs [4]*int
	zero [0]int
	es   struct{}
}

// TestPoisonPlanMatchesReflect checks that the compiled plans leave
// exactly the bytes poisonValue leaves.
func TestPoisonPlanMatchesReflect(t *testing.T) {
	x := 7
	fill := func(s *poisonSample) {
		s.i, s.u, s.up, s.i64, s.u32, s.f32, s.f64 = 1, 2, 3, 4, 5, 6, 7
		s.c64, s.c128, s.bl, s.p = 1, 2, false, &x
		s.m, s.fn, s.ch, s.up2 = map[int]int{}, func() {}, make(chan int), unsafe.Pointer(&x)
		s.sl, s.ifc, s.err = []int{1}, 3, errNotFound{}
		s.name[0] = 'a'
		s.arr[1].s, s.in.s, s.in.a = "x", "y", 3
		s.at.Store(9)
		s.ptrs[2] = &x
	}
	var a, b poisonSample
	fill(&a)
	fill(&b)
	poisonValue(reflect.ValueOf(&a).Elem())
	planFor(reflect.TypeFor[poisonSample]()).apply(unsafe.Pointer(&b))
	if !reflect.DeepEqual(&a, &b) {
		t.Fatalf("plan differs from poisonValue:\n%+v\n%+v", &a, &b)
	}
	// Raw bytes of the non-pointer parts too.
	ab := unsafe.Slice((*byte)(unsafe.Pointer(&a.i)), unsafe.Offsetof(a.bl)+1)
	bb := unsafe.Slice((*byte)(unsafe.Pointer(&b.i)), unsafe.Offsetof(b.bl)+1)
	if string(ab) != string(bb) {
		t.Fatalf("scalar bytes differ: % x vs % x", ab, bb)
	}
	if a.in.s != poisonString || a.name[15] != 0xde || a.i64 != int64(int32(-559038242)) || a.up != 0xdeadc0dedeadc0de {
		t.Fatalf("unexpected poison %+v", &a)
	}
}

type errNotFound struct{}

func (errNotFound) Error() string { return "x" }
