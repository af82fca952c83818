package harness

import (
	"math/rand/v2"
	"testing"
)

// TestGeneratorDrawsEveryOperationKind: 1,000 random scenarios drawn with
// the default configuration (kcheck run with no flags: 3 threads x 4 ops,
// every family) contain every operation kind, module loads and unloads
// and jail creation and removal included, and each one validates.
func TestGeneratorDrawsEveryOperationKind(t *testing.T) {
	seen := map[string]int{}
	drivers := map[string]bool{}
	for seed := uint64(0); seed < 1000; seed++ {
		scn := RandomScenarioFor(seed, GenConfig{Threads: 3, Ops: 4})
		if err := scn.Validate(); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		for _, th := range scn.Threads {
			for _, op := range th {
				seen[op.Kind]++
				if op.Kind == "kldunload" {
					drivers[op.Driver] = true
				}
			}
		}
	}
	for _, k := range OpKinds {
		if seen[k] == 0 {
			t.Errorf("no %s in 1,000 default scenarios (seen: %v)", k, seen)
		}
	}
	for _, d := range []string{"disc", "epair", "tuntap", "vlan"} {
		if !drivers[d] {
			t.Errorf("no kldunload of %s", d)
		}
	}
	t.Logf("%v", seen)
}

// TestGeneratorNarrowsKinds: --ops-kinds keeps to the kinds named, and the
// old --jails/--renames/--lists flags add theirs to them.
func TestGeneratorNarrowsKinds(t *testing.T) {
	gc := GenConfig{Threads: 4, Ops: 8, Kinds: []string{"create", "kldunload"}, Renames: true}
	allowed := map[string]bool{"create": true, "kldunload": true, "rename": true}
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		for _, th := range RandomScenario(rng, gc).Threads {
			for _, op := range th {
				if !allowed[op.Kind] {
					t.Fatalf("drew %s outside %v", op.Kind, gc.EffectiveKinds())
				}
				seen[op.Kind] = true
			}
		}
	}
	if len(seen) != 3 {
		t.Fatalf("drew only %v", seen)
	}
	if _, err := ParseKinds("create,frobnicate"); err == nil {
		t.Fatal("ParseKinds accepted an unknown kind")
	}
}

// TestGeneratedScenariosValidate: whatever the generator draws, for any
// shape and family set, passes the validation a scenario file gets (a jail
// an operation names is made by the setup or by a vnet_create).
func TestGeneratedScenariosValidate(t *testing.T) {
	fams := [][]string{nil, {"lo", "epair"}, {"disc"}, {"vlan", "tuntap"}}
	for seed := uint64(0); seed < 2000; seed++ {
		gc := GenConfig{Threads: 1 + int(seed%4), Ops: 1 + int(seed%6), Families: fams[seed%4]}
		scn := RandomScenarioFor(seed, gc)
		if err := scn.Validate(); err != nil {
			t.Fatalf("seed %d %+v: %v", seed, gc, err)
		}
	}
}

// TestGeneratorDrawsMalformedNames: random scenarios draw names the
// drivers must refuse or cut (trailing letters, overlong units, IFNAMSIZ
// edges) besides well-formed ones.
func TestGeneratorDrawsMalformedNames(t *testing.T) {
	seen := map[string]bool{}
	for seed := uint64(0); seed < 1000; seed++ {
		for _, th := range RandomScenarioFor(seed, GenConfig{Threads: 3, Ops: 4}).Threads {
			for _, op := range th {
				seen[op.Name] = true
			}
		}
	}
	for _, n := range []string{"lofoo", "vlan7777777777", "disc12345678901", "epair123456789a"} {
		if !seen[n] {
			t.Errorf("1,000 default scenarios never draw %q", n)
		}
	}
}
