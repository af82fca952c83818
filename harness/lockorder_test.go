package harness

import (
	"testing"

	"kcheck/ifclone"
	"kcheck/ifclone/drivers/epair"
	"kcheck/ifclone/drivers/tuntap"
	"kcheck/ifclone/drivers/vlan"
	"kcheck/kern"
	"kcheck/model"
	"kcheck/unrhdr"
	"kcheck/vnet"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lockOrder is every package's declared lock order, merged.
func lockOrder() kern.LockOrder {
	return kern.MergeLockOrders(kern.LinkerLockOrder, ifclone.LockOrder, vnet.LockOrder, unrhdr.LockOrder,
		epair.LockOrder, tuntap.LockOrder, vlan.LockOrder)
}

// TestLockOrderTable runs every named scenario and checks each lock order
// WITNESS learns against the packages' declared tables: an order the
// tables do not allow fails the test, unless it is a reversal the C itself
// takes and a finding reports.
func TestLockOrderTable(t *testing.T) {
	order := lockOrder()
	require.Nil(t, order.Cycle(), "the declared lock order is a partial order")

	seeds := uint64(40)
	if testing.Short() {
		seeds = 8
	}
	learned := map[string]bool{}
	for _, scn := range Named() {
		for s := uint64(0); s < seeds; s++ {
			ex := Execute(scn, Config{Chooser: kern.NewPCT(s, 3, 500), Mode: model.Relaxed})
			for _, e := range ex.LockOrder {
				learned[e] = true
			}
		}
	}
	var edges []string
	for e := range learned {
		edges = append(edges, e)
	}
	require.NotEmpty(t, edges)
	violations, known := order.Check(edges)
	assert.Empty(t, violations, "lock orders WITNESS learned that no table allows")
	t.Logf("%d orders learned, all within the tables; known reversals seen: %v", len(edges), known)

	// An order outside the tables is caught: take a cloner's lock, then
	// the cloner list's, the wrong way round.
	k := kern.NewKernel(kern.Config{WitnessRecord: true})
	var cloners, clone kern.Mtx
	cloners.Init(k, "if_cloners lock", "", kern.MTX_DEF)
	clone.Init(k, "if_clone lock", "", kern.MTX_DEF)
	k.Go("wrong", func(td *kern.Thread) {
		clone.Lock(td)
		cloners.Lock(td)
		cloners.Unlock(td)
		clone.Unlock(td)
	})
	require.True(t, k.Run().OK())
	violations, _ = order.Check(k.WitnessEdges())
	assert.Equal(t, []string{`if_clone lock -> if_cloners lock: the tables do not order "if_clone lock" before "if_cloners lock"`}, violations)
}
