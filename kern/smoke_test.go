package kern

import "testing"

func TestSmoke(t *testing.T) {
	for seed := uint64(0); seed < 50; seed++ {
		k := NewKernel(Config{Chooser: NewRandom(seed)})
		var m Mtx
		m.Init(k, "demo", "", MTX_DEF)
		n := 0
		for i := 0; i < 3; i++ {
			k.Go("w", func(td *Thread) {
				for j := 0; j < 5; j++ {
					m.Lock(td)
					x := n
					Preempt(td)
					n = x + 1
					m.Unlock(td)
				}
			})
		}
		res := k.Run()
		if !res.OK() || n != 15 {
			t.Fatalf("seed %d: %v n=%d", seed, res, n)
		}
	}
}
