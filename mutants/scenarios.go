// SPDX-License-Identifier: BSD-2-Clause

package mutants

import (
	"fmt"
	"math/rand/v2"

	"kcheck/harness"
)

func op(kind string, v int, name string) harness.Op {
	return harness.Op{Kind: kind, Vnet: v, Name: name}
}

// extra are single-purpose scenarios the named set lacks: each is
// sequential or nearly so, so the faithful port passes them under every
// schedule, and each reaches code a mutant of the catalogue breaks.
var extra = []*harness.Scenario{
	{Name: "x-RenameThenWildcard", Note: "disc0 renamed to disc1, then a disc wildcard: ifc_alloc_unit_specific's ifunit check must skip unit 1",
		Threads: [][]harness.Op{{op("create", 0, "disc0"), {Kind: "rename", Name: "disc0", NewName: "disc1"}, op("create", 0, "disc"), op("destroy", 0, "disc1")}}},
	{Name: "x-RenameThenExplicit", Note: "disc0 renamed to tun0, then tun0 created explicitly: if_clone_createif's ifunit check must say EEXIST",
		Threads: [][]harness.Op{{op("create", 0, "disc0"), {Kind: "rename", Name: "disc0", NewName: "tun0"}, op("create", 0, "tun0"), op("destroy", 0, "tun0")}}},
	{Name: "x-HugeUnit", Note: "unit numbers past INT_MAX are EINVAL (ifc_name2unit's overflow check), not ENOSPC",
		Threads: [][]harness.Op{{op("create", 0, "disc2147483648"), op("create", 0, "lo99999999999"), op("create", 0, "disc")}}},
	{Name: "x-UnitFragments", Note: "lo1..lo6, then lo2, lo4 and lo6 destroyed: units 2..6 become one bitmap whose last unit is free; two wildcards then fill all but that last unit",
		Threads: [][]harness.Op{{op("create", 0, "lo"), op("create", 0, "lo"), op("create", 0, "lo"), op("create", 0, "lo"), op("create", 0, "lo"), op("create", 0, "lo"),
			op("destroy", 0, "lo2"), op("destroy", 0, "lo4"), op("destroy", 0, "lo6"), op("create", 0, "lo"), op("create", 0, "lo")}}},
	{Name: "x-LoanAndDestroyInJail", Jails: []int{1}, Note: "a tun and an epair end loaned to a jail and destroyed from inside it",
		Threads: [][]harness.Op{{op("create", 0, "tun2"), {Kind: "vmove_loan", Name: "tun2", Jail: 1}, op("destroy", 1, "tun2"),
			op("create", 0, "disc4"), {Kind: "vmove_loan", Name: "disc4", Jail: 1}, op("destroy", 1, "disc4")}}},
}

// RandomSet draws n random scenarios over every family with jails,
// renames and clone listing: 3 threads x 4 operations each, seeded so the
// set is the same in every process.
func RandomSet(n int, seed uint64) []*harness.Scenario {
	var out []*harness.Scenario
	for i := 0; i < n; i++ {
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		s := harness.RandomScenario(rng, harness.GenConfig{Threads: 3, Ops: 4, Jails: true, Renames: true, Lists: true})
		s.Name = fmt.Sprintf("r%02d-%s", i, s.Name)
		out = append(out, s)
	}
	return out
}

// KillSet is the scenario set of the kill matrix: the harness's named
// scenarios, the extra ones above and nRandom random ones.
func KillSet(nRandom int) []*harness.Scenario {
	out := harness.Named()
	out = append(out, extra...)
	return append(out, RandomSet(nRandom, 0x6b696c6c)...)
}
