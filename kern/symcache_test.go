package kern

import (
	"sync"
	"testing"
)

func TestSymCache(t *testing.T) {
	c := NewSymCache[int, string](8)
	if _, ok := c.Load(1); ok {
		t.Fatal("empty cache found 1")
	}
	c.Store(1, "a")
	c.Store(2, "b")
	for i := 0; i < 4; i++ { // the misses promote dirty to the read map
		if v, ok := c.Load(1); !ok || v != "a" {
			t.Fatalf("Load(1) = %q, %v", v, ok)
		}
	}
	if m := c.read.Load(); m == nil || len(*m) != 2 {
		t.Fatalf("read map after misses: %v", m)
	}
	c.Store(3, "c")
	if v, ok := c.Load(2); !ok || v != "b" {
		t.Fatalf("Load(2) = %q, %v", v, ok)
	}
	if v, ok := c.Load(3); !ok || v != "c" {
		t.Fatalf("Load(3) = %q, %v", v, ok)
	}
	for i := 10; i < 20; i++ {
		c.Store(i, "x")
	}
	n := len(c.dirty)
	if m := c.read.Load(); m != nil {
		n += len(*m)
	}
	if n > 8 {
		t.Fatalf("cache of max 8 holds %d entries", n)
	}
	if v, ok := c.Load(19); !ok || v != "x" {
		t.Fatalf("Load(19) after reset = %q, %v", v, ok)
	}
}

func TestSymCacheConcurrent(t *testing.T) {
	c := NewSymCache[int, int](64)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				k := i % 100
				if v, ok := c.Load(k); ok && v != k*k {
					t.Errorf("Load(%d) = %d", k, v)
					return
				}
				c.Store(k, k*k)
			}
		}()
	}
	wg.Wait()
}
