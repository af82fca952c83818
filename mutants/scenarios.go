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

// extra are single-purpose scenarios the named set lacks. Each reaches
// code a mutant of the catalogue breaks, and each is built so that the
// faithful port passes it under every schedule: most are sequential; the
// concurrent ones order their set-up in one thread and gate the racing
// thread on a name that only the set-up creates (a lookup that runs early
// is a plain ENXIO), so that no known finding (docs/FINDINGS.md) is in
// reach.
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
	{Name: "x-WalkVsDestroy", Note: "t0 makes disc5 and disc6 and renames them spare5 and spare6 (t1's targets: a destroy before the rename is a plain ENXIO), then makes disc1 and tun0 " +
		"and renames tun0 to disc1 (EEXIST), each ifunit walk passing spare5 and spare6 first, while t1 destroys them: the walks are in the net epoch, " +
		"so the destroy's epoch wait holds each free back until they have moved on",
		Threads: [][]harness.Op{
			{op("create", 0, "disc5"), {Kind: "rename", Name: "disc5", NewName: "spare5"}, op("create", 0, "disc6"), {Kind: "rename", Name: "disc6", NewName: "spare6"},
				op("create", 0, "disc1"), op("create", 0, "tun0"), {Kind: "rename", Name: "tun0", NewName: "disc1"}},
			{op("destroy", 0, "spare5"), op("destroy", 0, "spare6")}}},
	{Name: "x-EpairDestroyVsVnetReturn", Jails: []int{1}, Note: "PR 238870 / D20868 without the create and loan races: t0 makes epair5, loans epair5b to jail 1, renames epair5a to peer5 " +
		"(t1's target: a destroy before the rename is a plain ENXIO), makes and destroys disc9 (room for t1 to start before the jail goes) and removes the jail " +
		"(vnet_if_return brings epair5b home) while t1 destroys peer5 from the host, which destroys epair5b too; " +
		"SIOCIFDESTROY's ifnet_detach_sxlock keeps that destroy of the pair apart from vnet_destroy",
		Threads: [][]harness.Op{
			{op("create", 0, "epair5"), {Kind: "vmove_loan", Name: "epair5b", Jail: 1}, {Kind: "rename", Name: "epair5a", NewName: "peer5"},
				op("create", 0, "disc9"), op("destroy", 0, "disc9"), {Kind: "vnet_destroy", Jail: 1}},
			{op("destroy", 0, "peer5")}}},
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
