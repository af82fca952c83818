// SPDX-License-Identifier: BSD-2-Clause

package vnet_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"kcheck/kern"
	"kcheck/vnet"
)

// TestVnetDataAllocFree exercises the modspace allocator of vnet.c:
// first fit, merging on free, exhaustion, and the C's unchecked
// TAILQ_NEXT in vnet_data_free.
func TestVnetDataAllocFree(t *testing.T) {
	k, td, _ := boot(t, kern.Config{})
	a := vnet.VnetDataAlloc(td, 1)
	b := vnet.VnetDataAlloc(td, 2)
	c := vnet.VnetDataAlloc(td, 1)
	require.Equal(t, []int{a + 1, a + 3}, []int{b, c}, "carved from the front of the first run")

	// A freed hole is found first (first fit) and merged back.
	vnet.VnetDataFree(td, b, 2)
	require.Equal(t, b, vnet.VnetDataAlloc(td, 1))
	require.Equal(t, b+1, vnet.VnetDataAlloc(td, 1))
	vnet.VnetDataFree(td, b, 1)
	vnet.VnetDataFree(td, b+1, 1) // merges with [b, b+1)
	require.Equal(t, b, vnet.VnetDataAlloc(td, 2), "the two frees merged into one run of 2")
	vnet.VnetDataFree(td, b, 2)
	vnet.VnetDataFree(td, a, 1)
	vnet.VnetDataFree(td, c, 1) // closes the gap: one run again
	require.Equal(t, a, vnet.VnetDataAlloc(td, vnet.VNET_MODMIN-a), "everything merged back")

	// Exhausted: vnet_data_alloc returns NULL, VNET_DEFINE refuses.
	require.Equal(t, -1, vnet.VnetDataAlloc(td, 1))
	mustPanic(t, func() { vnet.Define(td, "nospace", 0) }, "modspace is full")

	// With the end of modspace in use, freeing the slot right after the
	// last free run makes the C read through a NULL TAILQ_NEXT: a fault.
	vnet.VnetDataFree(td, 10, 1)
	k.Go("unload", func(td *kern.Thread) { vnet.VnetDataFree(td, 11, 1) })
	res := k.Run()
	require.NotNil(t, res.Panic)
	require.Equal(t, kern.PanicFault, res.Panic.Kind, "%v", res.Panic)
}
