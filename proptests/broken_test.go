package proptests

import (
	"testing"

	"kcheck/harness"
	"kcheck/ifclone"
	"kcheck/ifclone/drivers/epair"
	"kcheck/ifclone/drivers/loop"
	"kcheck/kern"
	"kcheck/model"
	"kcheck/vnet"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// brokenDisc is a disc(4) look-alike with one deliberate bug, attached
// per vnet as the real one is.
type brokenDisc struct {
	bug    string
	mtx    kern.Mtx
	cloner *vnet.Var[*ifclone.IfClone]
}

func (b *brokenDisc) load(td *kern.Thread) {
	loop.Load(td)
	epair.Load(td)
	b.mtx.Init(td.K, "broken disc", "", kern.MTX_DEF)
	b.cloner = vnet.Define[*ifclone.IfClone](td, "broken_disc_cloner", nil)
	vnet.VNET_SYSINIT(td.K, "broken_disc_init", kern.SI_SUB_PSEUDO, kern.SI_ORDER_ANY, func(td *kern.Thread, _ any) {
		*b.cloner.V(td) = ifclone.IfCloneSimple(td, []byte("disc\x00"), b.create, b.destroy, 0)
	}, nil)
	vnet.VNET_SYSUNINIT(td.K, "broken_disc_uninit", kern.SI_SUB_INIT_IF, kern.SI_ORDER_ANY, func(td *kern.Thread, _ any) {
		ifclone.IfCloneDetach(td, *b.cloner.V(td))
	}, nil)
}

func (b *brokenDisc) create(td *kern.Thread, ifc *ifclone.IfClone, unit int, params ifclone.Caddr) kern.Errno {
	if b.bug == "refuse-unit5" && unit == 5 {
		return kern.ENOSPC // claims exhaustion for a unit that is free
	}
	ifp := ifclone.IfAlloc(td, ifclone.IFT_OTHER)
	ifclone.IfInitname(ifp, ifclone.IfcName(ifc), unit)
	if b.bug == "mutex-across-attach" {
		b.mtx.Lock(td) // if_attach sleeps (sx): not with a mutex held
		defer b.mtx.Unlock(td)
	}
	ifclone.IfAttach(td, ifp)
	return 0
}

func (b *brokenDisc) destroy(td *kern.Thread, ifp *ifclone.Ifnet) {
	ifclone.IfDetach(td, ifp)
	switch b.bug {
	case "no-free":
		// forgets if_free
	case "double-free":
		ifclone.IfFree(td, ifp)
		kern.Free(td, ifp, td.K.MallocType("ifnet", ""))
	default:
		ifclone.IfFree(td, ifp)
	}
}

// TestCheckerCatchesBrokenVariants: each deliberately broken variant is
// caught with the verdict kind its bug calls for, and the correct driver
// passes the same scenarios.
func TestCheckerCatchesBrokenVariants(t *testing.T) {
	scn := &harness.Scenario{Name: "broken", Threads: [][]harness.Op{
		{{Kind: "create", Name: "disc"}, {Kind: "destroy", Name: "disc0"}},
		{{Kind: "create", Name: "lo"}, {Kind: "create", Name: "disc5"}, {Kind: "destroy", Name: "disc5"}},
	}}
	for _, c := range []struct {
		bug  string
		want harness.Kind
	}{
		{"", harness.Pass},
		{"refuse-unit5", harness.NotLinearizable},
		{"no-free", harness.Leak},
		{"double-free", harness.Panic},
		{"mutex-across-attach", harness.WitnessSleep},
	} {
		t.Run(c.bug, func(t *testing.T) {
			kinds := map[harness.Kind]int{}
			e := &harness.Explorer{Kind: harness.PCT, Depth: 2, Steps: 300}
			for i := 0; i < 30; i++ {
				ch, _, _, _ := e.Next()
				b := &brokenDisc{bug: c.bug}
				ex := harness.Execute(scn, harness.Config{Chooser: ch, Mode: model.Relaxed, LoadDrivers: b.load})
				kinds[ex.Kind]++
				if ex.Kind != c.want && ex.Kind != harness.Pass {
					t.Fatalf("unexpected verdict %s: %s\n%s", ex.Kind, ex.Summary, ex.Details)
				}
			}
			require.NotZero(t, kinds[c.want], "verdicts %v", kinds)
			if c.want == harness.Pass {
				assert.Len(t, kinds, 1, "the correct driver always passes")
			}
		})
	}
}
