package kern

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEpochWaitAndCall(t *testing.T) {
	// Sequential: a callback waits for the reader inside at call time.
	k := NewKernel(Config{})
	td := k.Thread0()
	reader := k.newThread("reader", nil)
	ran := 0
	NetEpochEnter(reader)
	NetEpochAssert(reader)
	NetEpochCall(td, func(*Thread) { ran++ })
	assert.Equal(t, 0, ran, "callback ran while a reader was inside")
	assert.Equal(t, 1, k.EpochPending())
	NetEpochEnter(reader) // nested section: still the same reader
	NetEpochExit(reader)
	assert.Equal(t, 0, ran)
	NetEpochExit(reader)
	assert.Equal(t, 1, ran, "callback must run once the reader left")
	assert.Zero(t, k.EpochDrainCallbacks())

	// A reader that enters after the call does not hold the callback.
	NetEpochCall(td, func(*Thread) { ran++ })
	assert.Equal(t, 2, ran)

	p := mustPanic(t, func() { NetEpochAssert(td) })
	assert.Contains(t, p.Msg, "NET_EPOCH_ASSERT")
	p = mustPanic(t, func() { NetEpochExit(td) })
	assert.Contains(t, p.Msg, "not in an epoch")

	// Under the scheduler: epoch_wait never returns while a reader that
	// entered before it is still inside, and a freed object is never seen
	// by a reader.
	for seed := uint64(0); seed < 300; seed++ {
		k := NewKernel(Config{Chooser: NewRandom(seed)})
		mt := k.MallocType("M_OBJ", "obj")
		type obj struct{ v int }
		shared := Malloc[obj](k.Thread0(), mt, M_WAITOK|M_ZERO)
		shared.v = 42
		inside := false
		var ptr = shared
		k.Go("reader", func(td *Thread) {
			NetEpochEnter(td)
			p := ptr
			inside = p != nil // a reader holding the old object
			Preempt(td)
			if p != nil && p.v != 42 {
				Panicf(td, "reader saw freed object (v=%#x)", p.v)
			}
			inside = false
			NetEpochExit(td)
		})
		k.Go("writer", func(td *Thread) {
			old := ptr
			ptr = nil
			NetEpochCall(td, func(cb *Thread) { Free(cb, old, mt) })
			NetEpochWait(td)
			if inside {
				Panicf(td, "epoch_wait returned while a reader of the old object was inside")
			}
		})
		res := k.Run()
		require.True(t, res.OK(), "seed %d: %v", seed, res)
		require.Zero(t, mt.Live(), "seed %d", seed)
	}
}
