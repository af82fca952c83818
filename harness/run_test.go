package harness

import (
	"testing"

	"kcheck/kern"
	"kcheck/model"

	"github.com/stretchr/testify/require"
)

func TestExecuteSmoke(t *testing.T) {
	scn := &Scenario{Name: "smoke", Jails: []int{1}, Threads: [][]Op{
		{{Kind: "create", Vnet: 0, Name: "epair"}, {Kind: "destroy", Vnet: 0, Name: "epair0a"}, {Kind: "list_cloners", Vnet: 0, Count: 10}},
		{{Kind: "create", Vnet: 0, Name: "lo"}, {Kind: "create", Vnet: 1, Name: "tun"}, {Kind: "rename", Vnet: 0, Name: "lo1", NewName: "lo5"}},
	}}
	require.NoError(t, scn.Validate())
	for seed := uint64(0); seed < 20; seed++ {
		ex := Execute(scn, Config{Chooser: kern.NewPCT(seed, 2, 200), Mode: model.Strict})
		t.Logf("seed %d: %s %s", seed, ex.Kind, ex.Summary)
		if ex.Failed() {
			t.Log(ex.Details)
		}
	}
}
