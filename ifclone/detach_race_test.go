package ifclone

import (
	"strings"
	"testing"

	"kcheck/kern"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestListCheckPanics corrupts the links of the LIST the seed uses
// (ifc_iflist and the vnet's cloner list) and expects the panics an
// INVARIANTS kernel gives (sys/sys/queue.h QMD_LIST_CHECK_*), instead of
// a fault somewhere later.
func TestListCheckPanics(t *testing.T) {
	k, td := bootIf(t, kern.Config{})
	var a, b, c Ifnet
	var head IfnetList

	IfnetListInsertHead(td, &head, &a)
	IfnetListInsertHead(td, &head, &b) // b, a
	// A second removal of b: its prev slot (the head) no longer points at it.
	IfnetListRemove(td, &b)
	mustPanic(t, func() { IfnetListRemove(td, &b) }, "Bad link elm")

	// a's prev link corrupted: the head's first element does not point back.
	a.IfClones.Prev = &c.IfClones.Next
	mustPanic(t, func() { IfnetListInsertHead(td, &head, &c) }, "Bad list head")
	a.IfClones.Prev = &head.First

	// next->prev corrupted.
	IfnetListInsertHead(td, &head, &b) // b, a
	a.IfClones.Prev = &c.IfClones.Next
	mustPanic(t, func() { IfnetListRemove(td, &b) }, "Bad link elm")
	a.IfClones.Prev = &b.IfClones.Next

	// The cloner list: an element never inserted.
	var ifc IfClone
	mustPanic(t, func() { listRemoveClone(td, &ifc) }, "Bad link elm")
	_ = k
}

// TestDetachDestroyUseAfterFree is finding F16: if_clone_detach
// (if_clone.c:578-579) takes each interface from LIST_FIRST of the
// cloner's list without IF_CLONE_LOCK and without a reference, and
// if_clone_destroyif_flags reads its if_vnet (if_clone.c:372) first
// thing. A concurrent SIOCIFDESTROY (which holds ifnet_detach_sxlock, but
// the detach of a module unload does not) can unlink, destroy and free the
// interface in between. Bounded DFS finds the interleaving.
func TestDetachDestroyUseAfterFree(t *testing.T) {
	dfs := kern.NewDFS(2)
	if testing.Short() {
		dfs.MaxSchedules = 3000
	}
	var schedules, panics int
	var first string
	for dfs.Next() {
		schedules++
		k, td0 := bootIf(t, kern.Config{Chooser: dfs})
		var c *tstCloner
		inVnet0(td0, func() {
			c = attachTst(t, td0, "tst", 0, IFC_F_AUTOUNIT)
			_, err := create(td0, "tst0")
			require.Zero(t, err)
		})
		so := &Socket{SoVnet: vnet0(k)}
		k.Go("destroy", func(td *kern.Thread) {
			var ifr Ifreq
			copy(ifr.IfrName[:], "tst0")
			Ifioctl(td, so, SIOCIFDESTROY, &ifr)
		})
		k.Go("unload", func(td *kern.Thread) {
			// What vnet_deregister_sysuninit does for a cloner's
			// VNET_SYSUNINIT on kldunload: detach with curvnet set.
			inVnet0(td, func() { IfCloneDetach(td, c.ifc) })
		})
		res := k.Run()
		if res.Panic != nil {
			panics++
			if first == "" {
				first = res.Panic.Msg + " (schedule " + res.Schedule.String() + ")"
			}
			continue
		}
		require.True(t, res.OK(), "%v", res)
	}
	require.NoError(t, dfs.Err())
	t.Logf("F16: %d of %d schedules panic; first: %s", panics, schedules, first)
	require.NotZero(t, panics, "finding F16 (detach vs destroy use-after-free) not found in %d schedules", schedules)
	assert.True(t, strings.Contains(first, "vnet") || strings.Contains(first, "freed") || strings.Contains(first, "poison"),
		"F16 shows as a use of the freed interface: %s", first)
}
