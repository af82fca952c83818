package kern

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNativeModeUnderRace runs free goroutines over the real locks; under
// `go test -race` a missing lock around the counter would be reported.
func TestNativeModeUnderRace(t *testing.T) {
	k := NewKernel(Config{Native: true, WitnessRecord: true})
	var m Mtx
	m.Init(k, "counter", "", MTX_DEF)
	var sx Sx
	sx.Init(k, "table", 0)
	counter, table := 0, map[int]int{}
	const threads, iters = 4, 500
	for i := 0; i < threads; i++ {
		i := i
		k.Go("w", func(td *Thread) {
			for j := 0; j < iters; j++ {
				m.Lock(td)
				counter++
				m.Unlock(td)
				if j%10 == 0 {
					sx.Xlock(td)
					table[i]++
					sx.Xunlock(td)
				} else {
					sx.Slock(td)
					_ = table[i]
					sx.Sunlock(td)
				}
			}
		})
	}
	res := k.Run()
	require.True(t, res.OK(), "%v", res)
	assert.Equal(t, threads*iters, counter)
	for i := 0; i < threads; i++ {
		assert.Equal(t, iters/10, table[i])
	}

	// A panic in one native thread ends the run; the others are released
	// (no goroutine leaks, checked by goleak in TestMain).
	k2 := NewKernel(Config{Native: true, NativeTimeout: 10 * time.Second})
	var m2 Mtx
	m2.Init(k2, "held", "", MTX_DEF)
	k2.Go("panicker", func(td *Thread) { m2.Lock(td); Panicf(td, "native boom") })
	for i := 0; i < 3; i++ {
		k2.Go("waiter", func(td *Thread) {
			for j := 0; j < 100; j++ {
				m2.Lock(td)
				m2.Unlock(td)
			}
		})
	}
	res2 := k2.Run()
	require.NotNil(t, res2.Panic)
	assert.Equal(t, "native boom", res2.Panic.Msg)

	// A real deadlock in native mode is reported after the timeout.
	k3 := NewKernel(Config{Native: true, NativeTimeout: 300 * time.Millisecond, WitnessRecord: true})
	var a, b Mtx
	a.Init(k3, "a", "", MTX_DEF)
	b.Init(k3, "b", "", MTX_DEF)
	// A handshake makes each thread take its first lock before either
	// asks for its second, whichever goroutine the Go scheduler runs first.
	aHeld, bHeld := make(chan struct{}), make(chan struct{})
	k3.Go("ab", func(td *Thread) { a.Lock(td); close(aHeld); <-bHeld; b.Lock(td) })
	k3.Go("ba", func(td *Thread) { <-aHeld; b.Lock(td); close(bHeld); a.Lock(td) })
	res3 := k3.Run()
	require.NotNil(t, res3.Deadlock)
	assert.Len(t, res3.Deadlock.Blocked, 2)
}
