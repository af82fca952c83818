package kern

import (
	"sync"
	"sync/atomic"
	"testing"
)

type slotTestGlobals struct{ n int }

var testSlot = NewSlot[slotTestGlobals]()

// TestSlotPerKernel: a Slot's value is made once per kernel, by the first
// Get, and two kernels never see each other's.
func TestSlotPerKernel(t *testing.T) {
	k1, k2 := NewKernel(Config{}), NewKernel(Config{})
	made := 0
	mk := func(n int) func() *slotTestGlobals {
		return func() *slotTestGlobals { made++; return &slotTestGlobals{n: n} }
	}
	a := testSlot.Get(k1, mk(1))
	if b := testSlot.Get(k1, mk(99)); b != a || b.n != 1 {
		t.Fatalf("second Get on k1: %p n=%d, want %p n=1", b, b.n, a)
	}
	c := testSlot.Get(k2, mk(2))
	if c == a || c.n != 2 {
		t.Fatalf("k2 shares k1's value or was not made by its own mk: n=%d", c.n)
	}
	if made != 2 {
		t.Fatalf("mk ran %d times, want 2 (once per kernel)", made)
	}
}

// TestSlotConcurrentFirstGet: goroutines of a native kernel racing to
// the first Get all get the one value, made once.
func TestSlotConcurrentFirstGet(t *testing.T) {
	k := NewKernel(Config{Native: true})
	var made atomic.Int32
	var wg sync.WaitGroup
	got := make([]*slotTestGlobals, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = testSlot.Get(k, func() *slotTestGlobals { made.Add(1); return &slotTestGlobals{} })
		}()
	}
	wg.Wait()
	if made.Load() != 1 {
		t.Fatalf("mk ran %d times, want 1", made.Load())
	}
	for i, g := range got {
		if g != got[0] {
			t.Fatalf("goroutine %d got %p, goroutine 0 %p", i, g, got[0])
		}
	}
}

// TestLocalKeys: Local keeps one value per key and kernel, and mk may
// itself use Local.
func TestLocalKeys(t *testing.T) {
	k := NewKernel(Config{})
	type key struct{ s string }
	outer := k.Local(key{"a"}, func() any {
		return k.Local(key{"b"}, func() any { return 2 }).(int) + 1
	})
	if outer != 3 || k.Local(key{"a"}, func() any { return 0 }) != 3 || k.Local(key{"b"}, func() any { return 0 }) != 2 {
		t.Fatalf("Local values: a=%v b=%v, want 3 and 2", k.Local(key{"a"}, nil), k.Local(key{"b"}, nil))
	}
}
