// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// names is the small domain random scenarios draw interface names from,
// per driver family, so that operations collide.
var names = map[string][]string{
	"lo":     {"lo", "lo0", "lo1", "lo2", "lo3"},
	"disc":   {"disc", "disc0", "disc1", "disc5"},
	"epair":  {"epair", "epair0", "epair1", "epair0a", "epair0b", "epair1a"},
	"tuntap": {"tun", "tun0", "tun1", "tap", "tap0", "vmnet0"},
	"vlan":   {"vlan", "vlan0", "vlan1", "epair0a.100", "lo0.5"},
}

// Families lists the driver families a random scenario can use.
var Families = []string{"lo", "disc", "epair", "tuntap", "vlan"}

// GenConfig shapes random scenarios.
type GenConfig struct {
	Threads  int      // 2..8
	Ops      int      // per thread
	Families []string // driver families (default all)
	Jails    bool     // allow jails, loans and reclaims
	Renames  bool     // allow renames
	Lists    bool     // allow SIOCIFGCLONERS
}

// RandomScenario draws a scenario from rng.
func RandomScenario(rng *rand.Rand, gc GenConfig) *Scenario {
	fams := gc.Families
	if len(fams) == 0 {
		fams = Families
	}
	var pool []string
	for _, f := range fams {
		pool = append(pool, names[f]...)
	}
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	scn := &Scenario{Name: fmt.Sprintf("random-%dx%d-%s", gc.Threads, gc.Ops, strings.Join(fams, "+"))}
	if gc.Jails {
		scn.Jails = []int{1}
	}
	for t := 0; t < gc.Threads; t++ {
		var ops []Op
		for i := 0; i < gc.Ops; i++ {
			v := 0
			if gc.Jails && rng.IntN(4) == 0 {
				v = 1
			}
			r := rng.IntN(100)
			switch {
			case r < 45:
				op := Op{Kind: "create", Vnet: v, Name: pick(pool)}
				if strings.HasPrefix(op.Name, "vlan") && rng.IntN(2) == 0 {
					op.Params, op.Parent, op.Vid = true, pick([]string{"epair0a", "epair0b", "lo0"}), uint16(1+rng.IntN(3))
				}
				ops = append(ops, op)
			case r < 80:
				ops = append(ops, Op{Kind: "destroy", Vnet: v, Name: pick(pool)})
			case r < 87 && gc.Renames:
				ops = append(ops, Op{Kind: "rename", Vnet: v, Name: pick(pool), NewName: pick(pool)})
			case r < 93 && gc.Jails:
				if rng.IntN(2) == 0 {
					ops = append(ops, Op{Kind: "vmove_loan", Vnet: 0, Name: pick(pool), Jail: 1})
				} else {
					ops = append(ops, Op{Kind: "vmove_reclaim", Vnet: 0, Name: pick(pool), Jail: 1})
				}
			case gc.Lists:
				ops = append(ops, Op{Kind: "list_cloners", Vnet: v, Count: rng.IntN(8)})
			default:
				ops = append(ops, Op{Kind: "destroy", Vnet: v, Name: pick(pool)})
			}
		}
		scn.Threads = append(scn.Threads, ops)
	}
	return scn
}

// StandardScenario is the benchmark workload: 3 threads x 4 random
// create/destroy operations over lo and epair.
func StandardScenario(seed uint64) *Scenario {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	s := RandomScenario(rng, GenConfig{Threads: 3, Ops: 4, Families: []string{"lo", "epair"}})
	s.Name = fmt.Sprintf("standard-%d", seed)
	return s
}
