// SPDX-License-Identifier: BSD-2-Clause

package model

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// step is one row of a scenario table: an operation, the output the
// specification must give, and an optional check of the state after it.
type step struct {
	in    Input
	want  Output
	check func(t *testing.T, s *State)
}

// runSteps applies each step with Apply, compares the output, and checks
// that Step accepts exactly that output (and rejects a wrong one).
func runSteps(t *testing.T, sp *Spec, s *State, steps []step) *State {
	t.Helper()
	for i, st := range steps {
		before := s.String()
		h := s.Hash()
		out, next := sp.Apply(s, st.in)
		require.True(t, st.want.Equal(out), "step %d %s: got %s want %s\nstate %s", i, st.in, out, st.want, before)
		ok, n2 := sp.Step(s, st.in, st.want)
		require.True(t, ok, "step %d %s: Step rejects the expected output", i, st.in)
		require.True(t, n2.Equal(next), "step %d: Step and Apply disagree", i)
		wrong := st.want
		wrong.Err = EFAULT
		ok, _ = sp.Step(s, st.in, wrong)
		require.False(t, ok, "step %d %s: Step accepts EFAULT", i, st.in)
		// The Relaxed mode accepts whatever the Strict mode does, with the
		// same successor among its candidates.
		rcfg := sp.Config()
		rcfg.Mode = Relaxed
		var found bool
		for _, n := range New(rcfg).StepAll(s, st.in, st.want) {
			found = found || n.Equal(next)
		}
		require.True(t, found, "step %d %s: relaxed mode rejects %s", i, st.in, st.want)
		require.Equal(t, before, s.String(), "step %d mutated its input state", i)
		require.Equal(t, h, s.Hash())
		s = next
		if st.check != nil {
			st.check(t, s)
		}
	}
	return s
}

func named(n string) Output { return Output{Name: n} }

func hasNames(v VnetID, names ...string) func(t *testing.T, s *State) {
	return func(t *testing.T, s *State) {
		t.Helper()
		got := s.Names(v)
		if got == nil {
			got = []string{}
		}
		want := append([]string{}, names...)
		assert.ElementsMatch(t, want, got, "names in v%d", v)
	}
}

func strict() *Spec  { return New(Config{}) }
func relaxed() *Spec { return New(Config{Mode: Relaxed}) }

func TestInit(t *testing.T) {
	sp := strict()
	s := sp.Init()
	assert.Equal(t, []string{"lo0"}, s.Names(VNET0))
	out, _ := sp.Apply(s, ListCloners{Vnet: 0, Count: 10})
	assert.Equal(t, Output{Total: 7, Names: []string{"vlan", "vmnet", "tap", "tun", "epair", "disc", "lo"}}, out)

	sp = New(Config{Boot: Drivers(DriverDisc, DriverEpair)})
	s = sp.Init()
	assert.Empty(t, s.Names(VNET0))
	out, _ = sp.Apply(s, ListCloners{Vnet: 0, Count: 10})
	assert.Equal(t, []string{"epair", "disc"}, out.Names)
	assert.True(t, sp.Init().Equal(s), "Init is deterministic")
	assert.Equal(t, sp.Init().Hash(), s.Hash())
}

func TestSimpleClonerDisc(t *testing.T) {
	sp := strict()
	runSteps(t, sp, sp.Init(), []step{
		{in: Create{Name: "disc"}, want: named("disc0")},
		{in: Create{Name: "disc"}, want: named("disc1")},
		{in: Create{Name: "disc5"}, want: named("disc5")},
		{in: Create{Name: "disc5"}, want: Fail(EEXIST)},
		{in: Create{Name: "disc05"}, want: Fail(EINVAL)},          // leading zero
		{in: Create{Name: "disc0"}, want: Fail(EEXIST)},           // name exists
		{in: Create{Name: "disc99999"}, want: Fail(ENOSPC)},       // above IF_MAXUNIT
		{in: Create{Name: "disc32767"}, want: named("disc32767")}, // IF_MAXUNIT itself
		{in: Create{Name: "disc2147483648"}, want: Fail(EINVAL)},  // above INT_MAX
		{in: Create{Name: "disc2147483647"}, want: Fail(ENOSPC)},  // INT_MAX
		{in: Create{Name: "discx"}, want: Fail(EINVAL)},           // no cloner matches
		{in: Create{Name: "dis"}, want: Fail(EINVAL)},             // no cloner matches
		{in: Destroy{Name: "disc1"}, want: Ok, check: hasNames(0, "lo0", "disc0", "disc5", "disc32767")},
		{in: Destroy{Name: "disc1"}, want: Fail(ENXIO)},
		{in: Create{Name: "disc"}, want: named("disc1")}, // the lowest free unit again
		// A unit whose name is taken (by a rename) is skipped.
		{in: Rename{Name: "disc5", NewName: "disc2"}, want: Ok},
		{in: Create{Name: "disc"}, want: named("disc3")},
		{in: Create{Name: "disc2"}, want: Fail(EEXIST)},
		{in: Create{Name: "disc5"}, want: Fail(EEXIST)}, // unit 5 is still held
		{in: Destroy{Name: "disc2"}, want: Ok},          // destroys unit 5
		{in: Create{Name: "disc5"}, want: named("disc5")},
	})
}

func TestSimpleClonerMaxUnit(t *testing.T) {
	cfg := Config{}
	cfg.MaxUnit[Disc] = 2
	sp := New(cfg)
	runSteps(t, sp, sp.Init(), []step{
		{in: Create{Name: "disc"}, want: named("disc0")},
		{in: Create{Name: "disc3"}, want: Fail(ENOSPC)},
		{in: Create{Name: "disc2"}, want: named("disc2")},
		{in: Create{Name: "disc"}, want: named("disc1")},
		{in: Create{Name: "disc"}, want: Fail(ENOSPC)},
		{in: Destroy{Name: "disc1"}, want: Ok},
		{in: Rename{Name: "disc0", NewName: "disc1"}, want: Ok}, // unit 1 free but its name taken
		{in: Create{Name: "disc"}, want: Fail(ENOSPC)},
	})
}

func TestLo(t *testing.T) {
	sp := strict()
	runSteps(t, sp, sp.Init(), []step{
		{in: Create{Name: "lo0"}, want: Fail(EEXIST)},
		{in: Create{Name: "lo"}, want: named("lo1")},
		{in: Create{Name: "lo"}, want: named("lo2")},
		{in: Destroy{Name: "lo0"}, want: Fail(EINVAL)}, // unit 0 needs IFC_F_FORCE
		{in: Destroy{Name: "lo1"}, want: Ok},
		{in: Rename{Name: "lo0", NewName: "loop"}, want: Ok},
		{in: Destroy{Name: "loop"}, want: Fail(EINVAL)}, // by unit, not by name
		{in: Create{Name: "lo0"}, want: Fail(EEXIST)},   // unit 0 held
		{in: Create{Name: "lo"}, want: named("lo1")},
		// Detaching lo destroys every lo interface, lo0 included.
		{in: DetachCloner{Driver: DriverLo}, want: Ok, check: hasNames(0)},
		{in: Create{Name: "lo"}, want: Fail(EINVAL)}, // no cloner
		{in: AttachCloner{Driver: DriverLo}, want: Ok, check: hasNames(0, "lo0")},
		{in: AttachCloner{Driver: DriverLo}, want: Fail(EEXIST)},
		// If "lo0" is taken when lo attaches, lo0 is not created (the
		// create fails; only INVARIANTS' KASSERT would notice).
		{in: Rename{Name: "lo0", NewName: "lx"}, want: Ok},
		{in: Create{Name: "disc"}, want: named("disc0")},
		{in: DetachCloner{Driver: DriverLo}, want: Ok},
		{in: Rename{Name: "disc0", NewName: "lo0"}, want: Ok},
		{in: AttachCloner{Driver: DriverLo}, want: Ok, check: func(t *testing.T, s *State) {
			f, ok := s.Lookup(0, "lo0")
			require.True(t, ok)
			assert.Equal(t, Disc, f.Key.Cloner)
			assert.Empty(t, s.Units(sp.Config(), 0, Lo))
		}},
		{in: Create{Name: "lo"}, want: named("lo1")}, // lo0's name is taken
	})
}

func TestEpair(t *testing.T) {
	sp := strict()
	s := runSteps(t, sp, sp.Init(), []step{
		{in: Create{Name: "epair"}, want: named("epair0a"), check: hasNames(0, "lo0", "epair0a", "epair0b")},
		{in: Create{Name: "epair3"}, want: named("epair3a")},
		{in: Create{Name: "epair3"}, want: Fail(EEXIST)},  // unit held
		{in: Create{Name: "epair0a"}, want: Fail(EINVAL)}, // epair does not match its end names: no cloner
		{in: Create{Name: "epair1a"}, want: Fail(EINVAL)},
		{in: Create{Name: "epair01"}, want: Fail(EINVAL)},
		{in: Create{Name: "epair40000"}, want: Fail(ENOSPC)},
		{in: Create{Name: "epair"}, want: named("epair1a")},
		{in: Destroy{Name: "epair0b"}, want: Ok, check: hasNames(0, "lo0", "epair1a", "epair1b", "epair3a", "epair3b")},
		{in: Destroy{Name: "epair0a"}, want: Fail(ENXIO)},
		{in: Destroy{Name: "epair3a"}, want: Ok},
		{in: Create{Name: "epair"}, want: named("epair0a")},
		// An end name held by another interface refuses its unit with
		// EEXIST; no other unit is tried.
		{in: Rename{Name: "epair1b", NewName: "epair2b"}, want: Ok},
	})
	runSteps(t, sp, s, []step{
		{in: Create{Name: "epair"}, want: Fail(EEXIST)},
		{in: Create{Name: "epair4"}, want: named("epair4a")},
	})
	// Relaxed: another unit is also a legal choice.
	rsp := relaxed()
	ok, _ := rsp.Step(s, Create{Name: "epair"}, Fail(EEXIST))
	assert.True(t, ok)
	ok, _ = rsp.Step(s, Create{Name: "epair"}, named("epair3a"))
	assert.True(t, ok)
	ok, _ = sp.Step(s, Create{Name: "epair"}, named("epair3a"))
	assert.False(t, ok, "strict takes the lowest unit")
	ok, _ = rsp.Step(s, Create{Name: "epair"}, named("epair1a"))
	assert.False(t, ok, "unit 1 is held")
}

func TestTuntap(t *testing.T) {
	sp := strict()
	runSteps(t, sp, sp.Init(), []step{
		{in: VnetCreate{Vnet: 0, Child: 1}, want: Ok},
		{in: Create{Name: "tun"}, want: named("tun0")},
		{in: Create{Name: "tap"}, want: named("tap0")}, // one unit space per driver
		{in: Create{Name: "vmnet"}, want: named("vmnet0")},
		{in: Create{Name: "tun0"}, want: Fail(EEXIST)},
		{in: Create{Name: "tun01"}, want: Fail(EINVAL)}, // dev_stdclone refuses: no cloner
		{in: Create{Name: "tun0x"}, want: Fail(EINVAL)},
		{in: Create{Name: "tun99999"}, want: Fail(EEXIST)}, // alloc_unr_specific out of range
		{in: Create{Name: "tun16777216"}, want: Fail(EINVAL)},
		// The unit spaces are global: vnet 1 sees vnet 0's units.
		{in: Create{Vnet: 1, Name: "tun0"}, want: Fail(EEXIST)},
		{in: Create{Vnet: 1, Name: "tun"}, want: named("tun1")},
		{in: Destroy{Name: "tun1"}, want: Fail(ENXIO)}, // not in vnet 0
		{in: Destroy{Vnet: 1, Name: "tun1"}, want: Ok},
		// No name check on the unit: a renamed interface may already
		// hold "tun1", and then there are two.
		{in: Create{Name: "disc"}, want: named("disc0")},
		{in: Rename{Name: "disc0", NewName: "tun1"}, want: Ok},
		{in: Create{Name: "tun"}, want: named("tun1"), check: func(t *testing.T, s *State) {
			assert.Equal(t, 2, s.namesakes(0, "tun1"))
			f, _ := s.Lookup(0, "tun1")
			assert.Equal(t, Disc, f.Key.Cloner, "ifunit finds the older one")
		}},
		{in: Destroy{Name: "tun1"}, want: Ok}, // the disc
		{in: Destroy{Name: "tun1"}, want: Ok}, // now the tun
		{in: Destroy{Name: "tun1"}, want: Fail(ENXIO)},
	})
	shared := New(Config{Tuntap: TuntapUnitsShared})
	runSteps(t, shared, shared.Init(), []step{
		{in: Create{Name: "tun"}, want: named("tun0")},
		{in: Create{Name: "tap"}, want: named("tap1")},
		{in: Create{Name: "vmnet0"}, want: Fail(EEXIST)},
	})
}

func TestVlan(t *testing.T) {
	sp := strict()
	runSteps(t, sp, sp.Init(), []step{
		{in: Create{Name: "epair"}, want: named("epair0a")},
		{in: Create{Name: "disc"}, want: named("disc0")},
		{in: Create{Name: "tun"}, want: named("tun0")},
		{in: Create{Name: "vlan"}, want: named("vlan0")},
		// <parent>.<vid> takes no vlan unit: vlan_clone_create
		// (if_vlan.c:1014) sets unit = IF_DUNIT_NONE and skips
		// ifc_alloc_unit; the key's negative unit only keeps it unique.
		{in: Create{Name: "epair0a.5"}, want: named("epair0a.5"), check: func(t *testing.T, s *State) {
			f, _ := s.Lookup(0, "epair0a.5")
			assert.Equal(t, IfKey{Home: 0, Cloner: Vlan, Unit: -1}, f.Key)
			assert.True(t, f.HasParent)
			assert.Equal(t, uint16(5), f.Vid)
		}},
		{in: Create{Name: "vlan1"}, want: named("vlan1")},
		{in: Create{Name: "vlan"}, want: named("vlan2")},
		{in: Create{Name: "epair0a.5"}, want: Fail(EEXIST)}, // the name
		{in: Create{Name: "epair0b.5"}, want: named("epair0b.5"), check: func(t *testing.T, s *State) {
			f, _ := s.Lookup(0, "epair0b.5")
			assert.Equal(t, IfKey{Home: 0, Cloner: Vlan, Unit: -2}, f.Key)
		}},
		{in: Create{Name: "epair9a.5"}, want: Fail(EINVAL)}, // no parent: no cloner matches
		{in: Create{Name: "epair0a."}, want: Fail(EINVAL)},
		{in: Create{Name: "epair0a.x"}, want: Fail(EINVAL)},
		{in: Create{Name: "epair0a.0"}, want: Fail(EINVAL)},    // reserved VID
		{in: Create{Name: "epair0a.4095"}, want: Fail(EINVAL)}, // reserved VID
		{in: Create{Name: "epair0a.4096"}, want: Fail(EINVAL)},
		{in: Create{Name: "epair0a.65542"}, want: named("epair0a.65542"), check: func(t *testing.T, s *State) {
			f, _ := s.Lookup(0, "epair0a.65542")
			assert.Equal(t, uint16(6), f.Vid) // the tag is truncated to 16 bits
		}},
	})
}

func TestVlanTruncatedVidCollides(t *testing.T) {
	// ... and then collides with vid 5 on the same parent.
	sp := strict()
	runSteps(t, sp, sp.Init(), []step{
		{in: Create{Name: "epair"}, want: named("epair0a")},
		{in: Create{Name: "epair0a.5"}, want: named("epair0a.5")},
		{in: Create{Name: "epair0a.65541"}, want: Fail(EEXIST)},
		{in: Create{Name: "epair0a.65542"}, want: named("epair0a.65542")},
	})
}

func TestVlanParamsAndParents(t *testing.T) {
	sp := strict()
	p := func(parent string, vid uint16) VlanParams { return VlanParams{Set: true, Parent: parent, Vid: vid} }
	runSteps(t, sp, sp.Init(), []step{
		{in: Create{Name: "epair"}, want: named("epair0a")},
		{in: Create{Name: "disc"}, want: named("disc0")},
		{in: Create{Name: "tun"}, want: named("tun0")},
		{in: Create{Name: "tap"}, want: named("tap0")},
		{in: Create{Name: "vlan", Params: p("nosuch", 5)}, want: Fail(ENXIO)},
		{in: Create{Name: "vlan", Params: p("disc0", 5)}, want: Fail(EPROTONOSUPPORT)},
		{in: Create{Name: "vlan", Params: p("lo0", 5)}, want: Fail(EPROTONOSUPPORT)},
		{in: Create{Name: "vlan", Params: p("tun0", 5)}, want: Fail(EPROTONOSUPPORT)},
		{in: Create{Name: "vlan", Params: p("epair0a", 0)}, want: Fail(EINVAL)},
		// ifc_name2unit refuses "vlan01" (leading zero) and it is no
		// "<parent>.<vid>" either: ENXIO (if_vlan.c:1014).
		{in: Create{Name: "vlan01", Params: p("epair0a", 5)}, want: Fail(ENXIO)},
		{in: Create{Name: "vlan", Params: p("tap0", 5)}, want: named("vlan0")},
		{in: Create{Name: "vlan7", Params: p("epair0a", 5)}, want: named("vlan7")},
		{in: Create{Name: "vlan", Params: p("epair0a", 5)}, want: Fail(EEXIST)}, // vid 5 on epair0a
		// 802.1ad: a vlan on a vlan; the lower one is then busy.
		{in: Create{Name: "vlan", Params: p("vlan7", 9)}, want: named("vlan1")},
		{in: Destroy{Name: "vlan7"}, want: Fail(EBUSY)},
		{in: Destroy{Name: "vlan1"}, want: Ok},
		{in: Destroy{Name: "vlan7"}, want: Ok},
		// Destroying a parent unconfigures its vlans; they stay.
		{in: Create{Name: "vlan", Params: p("epair0b", 5)}, want: named("vlan1")},
		{in: Destroy{Name: "epair0a"}, want: Ok, check: func(t *testing.T, s *State) {
			f, ok := s.Lookup(0, "vlan1")
			require.True(t, ok)
			assert.False(t, f.HasParent)
		}},
		// A forced detach destroys stacked vlans of its own cloner.
		{in: Create{Name: "vlan", Params: p("vlan0", 7)}, want: named("vlan2")},
		{in: DetachCloner{Driver: DriverVlan}, want: Ok, check: hasNames(0, "lo0", "disc0", "tun0", "tap0")},
	})
}

func TestVlanForcedDetachBlocked(t *testing.T) {
	// A vlan of vnet 0's cloner carries a vlan of vnet 1's cloner: a
	// forced destroy of the lower one fails with EBUSY, so
	// if_clone_detach never finishes.
	sp := strict()
	p := func(parent string, vid uint16) VlanParams { return VlanParams{Set: true, Parent: parent, Vid: vid} }
	s := runSteps(t, sp, sp.Init(), []step{
		{in: VnetCreate{Vnet: 0, Child: 1}, want: Ok},
		{in: Create{Name: "epair"}, want: named("epair0a")},
		{in: Create{Name: "vlan", Params: p("epair0a", 5)}, want: named("vlan0")},
		{in: VmoveLoan{Name: "vlan0", Jail: 1}, want: Ok},
		{in: Create{Vnet: 1, Name: "vlan", Params: p("vlan0", 6)}, want: named("vlan1")}, // unit 0's name is taken in v1
	})
	out, next := sp.Apply(s, DetachCloner{Driver: DriverVlan})
	assert.True(t, out.Unknown)
	assert.True(t, next.Equal(s))
	assert.Empty(t, sp.StepAll(s, DetachCloner{Driver: DriverVlan}, Ok))
	assert.Len(t, sp.StepAll(s, DetachCloner{Driver: DriverVlan}, UnknownOutput), 1)
	// Destroying vnet 1 first is fine: its vlan1 goes, then vlan0 comes home.
	runSteps(t, sp, s, []step{
		{in: VnetDestroy{Jail: 1}, want: Ok, check: hasNames(0, "lo0", "epair0a", "epair0b", "vlan0")},
		{in: DetachCloner{Driver: DriverVlan}, want: Ok},
	})
}

func TestRename(t *testing.T) {
	sp := strict()
	runSteps(t, sp, sp.Init(), []step{
		{in: Create{Name: "disc"}, want: named("disc0")},
		{in: Create{Name: "disc"}, want: named("disc1")},
		{in: Rename{Name: "nosuch", NewName: "x"}, want: Fail(ENXIO)},
		{in: Rename{Name: "disc0", NewName: "0123456789abcdef"}, want: Fail(ENAMETOOLONG)},
		{in: Rename{Name: "disc0", NewName: ""}, want: Fail(EINVAL)},
		{in: Rename{Name: "disc0", NewName: "disc0"}, want: Ok},
		{in: Rename{Name: "disc0", NewName: "disc1"}, want: Fail(EEXIST)},
		{in: Rename{Name: "disc0", NewName: "0123456789abcde"}, want: Ok, check: hasNames(0, "lo0", "0123456789abcde", "disc1")},
		{in: Destroy{Name: "0123456789abcdeXYZ"}, want: Ok}, // truncated to IFNAMSIZ-1
		{in: Create{Name: "disc"}, want: named("disc0")},
		{in: Rename{Name: "disc1", NewName: "wan"}, want: Ok},
		{in: Create{Name: "wan"}, want: Fail(EINVAL)}, // no cloner matches: checked first
		{in: Destroy{Name: "wan"}, want: Ok},
	})
}

func TestVmove(t *testing.T) {
	sp := strict()
	runSteps(t, sp, sp.Init(), []step{
		{in: VnetCreate{Vnet: 0, Child: 1}, want: Ok},
		{in: VnetCreate{Vnet: 0, Child: 2, Drivers: Drivers(DriverLo)}, want: Ok},
		{in: VnetCreate{Vnet: 1, Child: 3}, want: Ok},
		{in: Create{Name: "disc"}, want: named("disc0")},
		{in: Create{Name: "epair"}, want: named("epair0a")},
		{in: VmoveLoan{Name: "nosuch", Jail: 1}, want: Fail(ENXIO)},
		{in: VmoveLoan{Name: "disc0", Jail: 9}, want: Fail(ENXIO)},        // no such jail
		{in: VmoveLoan{Name: "disc0", Jail: 0}, want: Fail(ENXIO)},        // not a child
		{in: VmoveLoan{Vnet: 1, Name: "lo0", Jail: 2}, want: Fail(ENXIO)}, // a sibling
		{in: VmoveLoan{Name: "lo0", Jail: 1}, want: Fail(EEXIST)},         // the jail has lo0
		{in: VmoveLoan{Name: "disc0", Jail: 3}, want: Ok, check: func(t *testing.T, s *State) { // a grandchild
			f, ok := s.Lookup(3, "disc0")
			require.True(t, ok)
			assert.Equal(t, GroupAll|GroupCloner, f.Groups)
			assert.Equal(t, VnetID(0), f.Key.Home)
		}},
		{in: Destroy{Name: "disc0"}, want: Fail(ENXIO)},
		{in: Create{Name: "disc0"}, want: Fail(EEXIST)}, // unit held at home
		{in: Create{Name: "disc"}, want: named("disc1")},
		{in: Create{Vnet: 3, Name: "disc0"}, want: Fail(EEXIST)},      // the name, in the jail
		{in: Create{Vnet: 3, Name: "disc"}, want: named("disc1")},     // its own cloner, unit 0's name taken
		{in: VmoveReclaim{Vnet: 1, Name: "disc0", Jail: 3}, want: Ok}, // by the middle jail
		{in: VmoveReclaim{Vnet: 1, Name: "disc0", Jail: 3}, want: Fail(ENXIO)},
		{in: VmoveReclaim{Vnet: 1, Name: "disc1", Jail: 2}, want: Fail(ENXIO)}, // not its child
		{in: Destroy{Vnet: 1, Name: "disc0"}, want: Ok},                        // home cloner destroys it from the jail
		{in: Create{Name: "disc0"}, want: named("disc0")},
		// Into a vnet without the cloner: the cloner group is not restored.
		{in: VmoveLoan{Name: "epair0b", Jail: 2}, want: Ok, check: func(t *testing.T, s *State) {
			f, _ := s.Lookup(2, "epair0b")
			assert.Equal(t, GroupAll, f.Groups)
		}},
		// Reclaim does not check the name at the destination.
		{in: Rename{Name: "epair0a", NewName: "epair0b"}, want: Ok},
		{in: VmoveReclaim{Name: "epair0b", Jail: 2}, want: Ok, check: func(t *testing.T, s *State) {
			assert.Equal(t, 2, s.namesakes(0, "epair0b"))
			f, _ := s.Lookup(0, "epair0b")
			assert.Equal(t, byte('a'), f.Key.End, "ifunit finds the one that joined first")
			g := s.ifaces[s.index(IfKey{Cloner: Epair, End: 'b'})]
			assert.Equal(t, GroupAll|GroupCloner, g.Groups)
			assert.Equal(t, uint8(1), g.Rank)
		}},
		{in: Destroy{Name: "epair0b"}, want: Ok, check: hasNames(0, "lo0", "disc0", "disc1")}, // both ends
	})
}

func TestVmoveOrphansVlans(t *testing.T) {
	sp := strict()
	runSteps(t, sp, sp.Init(), []step{
		{in: VnetCreate{Vnet: 0, Child: 1}, want: Ok},
		{in: Create{Name: "epair"}, want: named("epair0a")},
		{in: Create{Name: "epair0a.5"}, want: named("epair0a.5")},
		{in: VmoveLoan{Name: "epair0a", Jail: 1}, want: Ok, check: func(t *testing.T, s *State) {
			f, _ := s.Lookup(0, "epair0a.5")
			assert.False(t, f.HasParent)
		}},
		{in: VmoveReclaim{Name: "epair0a", Jail: 1}, want: Ok},
		{in: Create{Name: "epair0a.5"}, want: Fail(EEXIST)}, // the name stays
		{in: Create{Name: "epair0a.6"}, want: named("epair0a.6")},
	})
}

func TestListCloners(t *testing.T) {
	sp := strict()
	all := []string{"vlan", "vmnet", "tap", "tun", "epair", "disc", "lo"}
	s := runSteps(t, sp, sp.Init(), []step{
		{in: ListCloners{Count: -1}, want: Fail(EINVAL)},
		{in: ListCloners{Count: 0}, want: Output{Total: 7, Names: []string{}}},
		{in: ListCloners{Count: 2}, want: Output{Total: 7, Names: all[:2]}},
		{in: ListCloners{Count: 100}, want: Output{Total: 7, Names: all}},
		{in: ListCloners{Count: 100, NoBuffer: true}, want: Output{Total: 7}},
		{in: DetachCloner{Driver: DriverTuntap}, want: Ok},
		{in: ListCloners{Count: 100}, want: Output{Total: 4, Names: []string{"vlan", "epair", "disc", "lo"}}},
		{in: AttachCloner{Driver: DriverTuntap}, want: Ok},
		{in: ListCloners{Count: 3}, want: Output{Total: 7, Names: []string{"vmnet", "tap", "tun"}}},
		{in: DetachCloner{Driver: DriverTuntap}, want: Ok},
		{in: DetachCloner{Driver: DriverTuntap}, want: Fail(ENOENT)},
	})
	// Relaxed accepts a shorter prefix, not another list.
	in := ListCloners{Count: 3}
	short := Output{Total: 4, Names: []string{"vlan"}}
	ok, _ := sp.Step(s, in, short)
	assert.False(t, ok)
	ok, _ = relaxed().Step(s, in, short)
	assert.True(t, ok)
	ok, _ = relaxed().Step(s, in, Output{Total: 4, Names: []string{"epair"}})
	assert.False(t, ok)
	ok, _ = relaxed().Step(s, in, Output{Total: 3, Names: []string{"vlan"}})
	assert.False(t, ok)
}

func TestVnetLifeCycle(t *testing.T) {
	sp := strict()
	runSteps(t, sp, sp.Init(), []step{
		{in: VnetCreate{Vnet: 0, Child: 0}, want: Fail(EINVAL)},
		{in: VnetCreate{Vnet: 0, Child: 1}, want: Ok, check: hasNames(1, "lo0")},
		{in: VnetCreate{Vnet: 0, Child: 1}, want: Fail(EEXIST)},
		{in: VnetCreate{Vnet: 1, Child: 2}, want: Ok},
		{in: VnetCreate{Vnet: 5, Child: 6}, want: Fail(EBUSY)}, // caller's vnet does not exist
		{in: Create{Name: "epair"}, want: named("epair0a")},
		{in: Create{Vnet: 1, Name: "disc"}, want: named("disc0")},
		{in: Create{Vnet: 2, Name: "epair"}, want: named("epair0a")},
		{in: VmoveLoan{Name: "epair0b", Jail: 1}, want: Ok},        // vnet 0's, into 1
		{in: VmoveLoan{Vnet: 1, Name: "disc0", Jail: 2}, want: Ok}, // vnet 1's, into 2
		{in: VmoveReclaim{Vnet: 0, Name: "epair0b", Jail: 2}, want: Ok, check: func(t *testing.T, s *State) {
			// vnet 2's epair0b now sits in vnet 0 (vnet 0's is in 1).
			f, ok := s.Lookup(0, "epair0b")
			require.True(t, ok)
			assert.Equal(t, VnetID(2), f.Key.Home)
		}},
		{in: VnetDestroy{Vnet: 0, Jail: 0}, want: Fail(EPERM)},
		{in: VnetDestroy{Vnet: 2, Jail: 1}, want: Fail(EINVAL)}, // not a descendant
		{in: VnetDestroy{Vnet: 0, Jail: 7}, want: Fail(EINVAL)},
		// Destroying 1 destroys 2 first: 2's loaned disc0 goes home to 1,
		// 2's epair (one end in vnet 0) is destroyed wherever it is; then
		// 1 returns vnet 0's epair0b and destroys its own disc0 and lo0.
		{in: VnetDestroy{Vnet: 0, Jail: 1}, want: Ok, check: func(t *testing.T, s *State) {
			assert.ElementsMatch(t, []string{"lo0", "epair0a", "epair0b"}, s.Names(0))
			assert.Equal(t, 1, s.namesakes(0, "epair0b"))
			assert.False(t, s.Alive(1))
			assert.False(t, s.Alive(2))
			for _, f := range s.Interfaces() {
				assert.Equal(t, VnetID(0), f.Key.Home)
			}
		}},
		{in: Create{Vnet: 1, Name: "disc"}, want: Fail(EBUSY)},
		{in: ListCloners{Vnet: 2, Count: 1}, want: Fail(EBUSY)},
		{in: VnetCreate{Vnet: 0, Child: 1}, want: Fail(EEXIST)}, // ids are not reused
		{in: VnetDestroy{Vnet: 0, Jail: 1}, want: Fail(EINVAL)},
		{in: VmoveLoan{Name: "epair0a", Jail: 1}, want: Fail(ENXIO)},
	})
}

func TestUnknownOutput(t *testing.T) {
	sp := strict()
	s := sp.Init()
	r := sp.StepAll(s, Create{Name: "disc"}, UnknownOutput)
	require.Len(t, r, 2)
	assert.True(t, r[0].Equal(s))
	assert.Equal(t, []string{"disc0", "lo0"}, r[1].Names(0))
	// A failing operation with an unknown outcome leaves one state.
	assert.Len(t, sp.StepAll(s, Destroy{Name: "nosuch"}, UnknownOutput), 1)
	// Relaxed: several units are possible.
	r = relaxed().StepAll(s, Create{Name: "disc"}, UnknownOutput)
	assert.Len(t, r, 4)
}

func TestRelaxedWildcard(t *testing.T) {
	sp, rsp := strict(), relaxed()
	s := runSteps(t, sp, sp.Init(), []step{
		{in: Create{Name: "disc"}, want: named("disc0")},
		{in: Create{Name: "disc"}, want: named("disc1")},
		{in: Create{Name: "disc"}, want: named("disc2")},
		{in: Destroy{Name: "disc1"}, want: Ok},
		{in: Create{Name: "disc"}, want: named("disc1")},
		{in: Destroy{Name: "disc0"}, want: Ok},
		{in: Create{Name: "tun"}, want: named("tun0")},
		{in: Create{Name: "tun"}, want: named("tun1")},
		{in: Destroy{Name: "tun0"}, want: Ok},
	})
	for _, c := range []struct {
		name            string
		strict, relaxed bool
	}{
		{"disc0", true, true},
		{"disc3", false, true},
		{"disc40", false, true},
		{"disc1", false, false}, // held
		{"disc32768", false, false},
		{"disc03", false, false},
	} {
		ok, _ := sp.Step(s, Create{Name: "disc"}, named(c.name))
		assert.Equal(t, c.strict, ok, "strict %s", c.name)
		ok, _ = rsp.Step(s, Create{Name: "disc"}, named(c.name))
		assert.Equal(t, c.relaxed, ok, "relaxed %s", c.name)
	}
	ok, _ := rsp.Step(s, Create{Name: "disc"}, Fail(ENOSPC))
	assert.False(t, ok)
	ok, _ = rsp.Step(s, Create{Name: "tun"}, named("tun7"))
	assert.True(t, ok)
	ok, _ = sp.Step(s, Create{Name: "tun"}, named("tun7"))
	assert.False(t, ok)

	// A "<parent>.<vid>" vlan takes no unit: even the relaxed step has
	// a single successor.
	s = runSteps(t, sp, s, []step{{in: Create{Name: "epair"}, want: named("epair0a")}})
	assert.Len(t, rsp.StepAll(s, Create{Name: "epair0a.5"}, named("epair0a.5")), 1)
	assert.Len(t, sp.StepAll(s, Create{Name: "epair0a.5"}, named("epair0a.5")), 1)
}

func TestRelaxedLoanENODEV(t *testing.T) {
	sp, rsp := strict(), relaxed()
	s := runSteps(t, sp, sp.Init(), []step{{in: VnetCreate{Vnet: 0, Child: 1}, want: Ok}})
	in := VmoveLoan{Name: "disc0", Jail: 1}
	ok, _ := sp.Step(s, in, Fail(ENODEV))
	assert.False(t, ok)
	ok, _ = rsp.Step(s, in, Fail(ENODEV))
	assert.True(t, ok)
}

func TestFootprint(t *testing.T) {
	sp := strict()
	fp := func(in Input) Footprint { return sp.Footprint(in) }
	assert.Equal(t, Footprint{Keys: []string{"disc"}}, fp(Create{Name: "disc"}))
	assert.Equal(t, Footprint{Keys: []string{"epair"}}, fp(Destroy{Name: "epair3b"}))
	assert.Equal(t, Footprint{Keys: []string{"vlan", "epair"}}, fp(Create{Name: "epair0a.5"}))
	assert.Equal(t, Footprint{Keys: []string{"vlan", "vlan", "tap"}}, fp(Create{Name: "vlan", Params: VlanParams{Set: true, Parent: "tap0"}}))
	assert.Equal(t, Footprint{Keys: []string{"disc", "name:wan"}}, fp(Rename{Name: "disc0", NewName: "wan"}))
	assert.Equal(t, Footprint{Keys: []string{"tun", "tap", "vmnet"}}, fp(AttachCloner{Driver: DriverTuntap}))
	assert.True(t, fp(ListCloners{}).Global)
	assert.True(t, fp(VnetCreate{Child: 1}).Global)
	assert.True(t, fp(VnetDestroy{Jail: 1}).Global)
	assert.Equal(t, []string{"tuntap"}, New(Config{Tuntap: TuntapUnitsShared}).Footprint(Create{Name: "tap"}).Keys)
}

// TestHashEqual builds one state along two paths.
func TestHashEqual(t *testing.T) {
	sp := strict()
	a := sp.Init()
	for _, in := range []Input{Create{Name: "disc"}, Create{Name: "epair"}, Create{Name: "disc"}} {
		_, a = sp.Apply(a, in)
	}
	b := sp.Init()
	for _, in := range []Input{Create{Name: "epair"}, Create{Name: "disc0"}, Create{Name: "disc1"}} {
		_, b = sp.Apply(b, in)
	}
	assert.True(t, a.Equal(b))
	assert.Equal(t, a.Hash(), b.Hash())
	_, c := sp.Apply(b, Rename{Name: "disc1", NewName: "x"})
	assert.False(t, a.Equal(c))
	assert.NotEqual(t, a.Hash(), c.Hash())
}

// randomInput draws an operation over a small universe of names.
func randomInput(r *rand.Rand) Input {
	vn := VnetID(r.Intn(3))
	names := []string{"disc", "disc0", "disc1", "lo", "lo0", "lo1", "epair", "epair0", "epair0a", "epair0b", "epair1b",
		"tun", "tun0", "tap", "tap1", "vmnet", "vlan", "vlan0", "vlan1", "epair0a.5", "epair0b.7", "vlan0.9", "wan", "x"}
	name := names[r.Intn(len(names))]
	switch r.Intn(14) {
	case 0:
		return Rename{Vnet: vn, Name: name, NewName: names[r.Intn(len(names))]}
	case 1:
		return VmoveLoan{Vnet: vn, Name: name, Jail: VnetID(r.Intn(4))}
	case 2:
		return VmoveReclaim{Vnet: vn, Name: name, Jail: VnetID(r.Intn(4))}
	case 3:
		return ListCloners{Vnet: vn, Count: r.Intn(9) - 1}
	case 4:
		if r.Intn(2) == 0 {
			return AttachCloner{Vnet: vn, Driver: Driver(1 + r.Intn(5))}
		}
		return DetachCloner{Vnet: vn, Driver: Driver(1 + r.Intn(5))}
	case 5:
		if r.Intn(2) == 0 {
			return VnetCreate{Vnet: vn, Child: VnetID(1 + r.Intn(3))}
		}
		return VnetDestroy{Vnet: vn, Jail: VnetID(r.Intn(4))}
	case 6, 7, 8:
		return Destroy{Vnet: vn, Name: name}
	case 9:
		return Create{Vnet: vn, Name: "vlan", Params: VlanParams{Set: true, Parent: names[r.Intn(len(names))], Vid: uint16(r.Intn(8))}}
	}
	return Create{Vnet: vn, Name: name}
}

// TestRandomPurityAndDeterminism runs random operations and checks that no
// step modifies its input, that Strict observed outputs always leave one
// state, that Relaxed accepts everything Strict does, and that the state's
// invariants hold.
func TestRandomPurityAndDeterminism(t *testing.T) {
	sp, rsp := strict(), relaxed()
	r := rand.New(rand.NewSource(1))
	runs := 300
	if testing.Short() {
		runs = 100
	}
	for run := 0; run < runs; run++ {
		s := sp.Init()
		for i := 0; i < 60; i++ {
			in := randomInput(r)
			before, h := s.String(), s.Hash()
			out, next := sp.Apply(s, in)
			require.Equal(t, before, s.String())
			require.Equal(t, h, s.Hash())
			if out.Unknown {
				continue
			}
			all := sp.StepAll(s, in, out)
			require.Len(t, all, 1, "%s -> %s", in, out)
			require.True(t, all[0].Equal(next))
			require.NotEmpty(t, rsp.StepAll(s, in, out), "relaxed rejects %s -> %s", in, out)
			require.Equal(t, before, s.String())
			checkInvariants(t, sp, next)
			s = next
		}
	}
}

func checkInvariants(t *testing.T, sp *Spec, s *State) {
	t.Helper()
	seen := map[IfKey]bool{}
	ranks := map[string][]int{}
	for _, f := range s.Interfaces() {
		require.False(t, seen[f.Key], "duplicate key %s", f.Key)
		seen[f.Key] = true
		require.True(t, s.Alive(f.Vnet), "%s in dead vnet", f.Key)
		require.True(t, s.Alive(f.Key.Home), "%s with dead home", f.Key)
		home := s.vnet(f.Key.Home)
		require.True(t, home.has(f.Key.Cloner), "%s without its cloner", f.Key)
		k := fmt.Sprintf("%d/%s", f.Vnet, f.Name)
		ranks[k] = append(ranks[k], int(f.Rank))
		if f.HasParent {
			require.True(t, s.index(f.Parent) >= 0, "%s parent gone", f.Key)
		}
	}
	for k, rs := range ranks {
		m := map[int]bool{}
		for _, r := range rs {
			m[r] = true
		}
		for i := range rs {
			require.True(t, m[i], "ranks of %s: %v", k, rs)
		}
	}
	cp := s.clone().rehash()
	require.True(t, cp.Equal(s))
	require.Equal(t, s.Hash(), cp.Hash())
}

// TestDriverList: the driver list is AllDrivers in encoding order, and
// every cloner belongs to exactly one listed driver.
func TestDriverList(t *testing.T) {
	var set DriverSet
	for _, d := range DriverList() {
		set |= 1 << d
	}
	assert.Equal(t, AllDrivers, set)
	assert.Equal(t, []string{"lo", "disc", "epair", "tuntap", "vlan"}, DriverNames())
	seen := map[Cloner]Driver{}
	for _, d := range DriverList() {
		for _, c := range d.Cloners() {
			_, dup := seen[c]
			assert.False(t, dup, "%s in two drivers", c)
			seen[c] = d
			assert.Equal(t, d, DriverOf(c))
		}
	}
	assert.Len(t, seen, len(Cloners()))
}

// TestRelaxedKldunloadENOENT: in Relaxed mode a kldunload of a loaded
// module may lose the file to another unload in flight (ENOENT, no
// change); the Strict spec and a module that is not loaded stay exact.
func TestRelaxedKldunloadENOENT(t *testing.T) {
	sp, rsp := strict(), relaxed()
	s := sp.Init()
	in := KldUnload{Driver: DriverDisc}
	ok, _ := sp.Step(s, in, Fail(ENOENT))
	assert.False(t, ok)
	ok, n := rsp.Step(s, in, Fail(ENOENT))
	assert.True(t, ok)
	assert.True(t, n.Equal(s), "the losing kldunload changed the state")
	assert.True(t, rsp.Loaded(n).Has(DriverDisc))
	// lo refuses MOD_UNLOAD (EINVAL) even alone: no ENOENT for it.
	ok, _ = rsp.Step(s, KldUnload{Driver: DriverLo}, Fail(ENOENT))
	assert.False(t, ok)
	// Once disc is gone, only ENOENT.
	ok, n = rsp.Step(s, in, Ok)
	assert.True(t, ok)
	ok, _ = rsp.Step(n, in, Ok)
	assert.False(t, ok)
	ok, _ = rsp.Step(n, in, Fail(ENOENT))
	assert.True(t, ok)
}

// TestReloadedModuleConstructorOrder: a module loaded again registers
// its vnet constructor after the others of its (subsystem, order)
// (vnet_register_sysinit), so a jail created afterwards attaches disc
// after epair and lists it before epair; the boot order comes back only
// for a module whose key has no peers after it.
func TestReloadedModuleConstructorOrder(t *testing.T) {
	sp := relaxed()
	s := runSteps(t, sp, sp.Init(), []step{
		{in: KldUnload{Driver: DriverDisc}, want: Ok},
		{in: KldLoad{Driver: DriverDisc}, want: Ok},
		{in: VnetCreate{Vnet: 0, Child: 1}, want: Ok},
	})
	ok, _ := sp.Step(s, ListCloners{Vnet: 1, Count: 8}, Output{Total: 7, Names: []string{"vlan", "vmnet", "tap", "tun", "disc", "epair", "lo"}})
	assert.True(t, ok, "disc's constructor runs after epair's once reloaded")
	// vnet0 keeps its own list order: disc went back to its head.
	ok, _ = sp.Step(s, ListCloners{Vnet: 0, Count: 8}, Output{Total: 7, Names: []string{"disc", "vlan", "vmnet", "tap", "tun", "epair", "lo"}})
	assert.True(t, ok)
	// tuntap is alone at its key: reloading it restores the boot order.
	u := runSteps(t, sp, sp.Init(), []step{
		{in: KldUnload{Driver: DriverTuntap}, want: Ok},
		{in: KldLoad{Driver: DriverTuntap}, want: Ok},
	})
	assert.True(t, u.Equal(runSteps(t, sp, sp.Init(), []step{
		{in: KldUnload{Driver: DriverTuntap}, want: Ok},
		{in: KldLoad{Driver: DriverTuntap}, want: Ok},
	})))
	assert.Nil(t, u.ctor)
}

// TestRelaxedDyingJail: in Relaxed mode a jail removal may return with the
// jail only killed. While it is dying its own callers get EBUSY, a loan
// into it succeeds (prison_find_child still finds it), a second removal
// answers 0 (sys_jail_remove leaves a dying prison alone); its teardown
// (reap) may come before any later operation and returns the loan home.
// Strict mode keeps the removal one step.
func TestRelaxedDyingJail(t *testing.T) {
	sp := relaxed()
	s := sp.Init()
	s = sp.StepAll(s, VnetCreate{Vnet: 0, Child: 1}, Ok)[0]
	s = sp.StepAll(s, Create{Vnet: 0, Name: "disc0"}, named("disc0"))[0]
	after := sp.StepAll(s, VnetDestroy{Vnet: 0, Jail: 1}, Ok)
	require.Len(t, after, 2, "gone at once, or dying")
	var dying *State
	for _, n := range after {
		if n.Dying(1) {
			dying = n
		} else {
			assert.False(t, n.Alive(1))
		}
	}
	require.NotNil(t, dying)
	assert.Contains(t, dying.String(), "v1[dying:")

	// Its callers are refused; the host still reaches it.
	assert.NotEmpty(t, sp.StepAll(dying, Create{Vnet: 1, Name: "disc1"}, Fail(EBUSY)))
	assert.Empty(t, sp.StepAll(dying, Create{Vnet: 1, Name: "disc1"}, named("disc1")))
	loaned := sp.StepAll(dying, VmoveLoan{Vnet: 0, Name: "disc0", Jail: 1}, Ok)
	require.NotEmpty(t, loaned, "a loan into a dying jail")
	again := sp.StepAll(dying, VnetDestroy{Vnet: 0, Jail: 1}, Ok)
	require.NotEmpty(t, again, "a second removal of a dying jail answers 0")
	for _, n := range sp.StepAll(dying, VnetDestroy{Vnet: 0, Jail: 1}, Fail(EINVAL)) {
		assert.False(t, n.Alive(1), "EINVAL only once the jail was reaped: %s", n)
	}

	// A reap may run before the next operation: then the loan is home
	// and a removal is EINVAL.
	var home bool
	for _, l := range loaned {
		if !l.Dying(1) {
			continue
		}
		for _, n := range sp.StepAll(l, VnetDestroy{Vnet: 0, Jail: 1}, Fail(EINVAL)) {
			_, ok := n.Lookup(0, "disc0")
			home = home || ok && !n.Alive(1)
		}
	}
	assert.True(t, home, "the reap returns the loaned disc0 to vnet0")

	// Strict mode: one step, no dying state, in Apply and in StepAll.
	st := New(Config{})
	_, s1 := st.Apply(st.Init(), VnetCreate{Vnet: 0, Child: 1})
	out, s2 := st.Apply(s1, VnetDestroy{Vnet: 0, Jail: 1})
	assert.Equal(t, Ok, out)
	assert.False(t, s2.Alive(1))
	strict := st.StepAll(s1, VnetDestroy{Vnet: 0, Jail: 1}, Ok)
	require.Len(t, strict, 1, "strict: the removal is one step")
	assert.False(t, strict[0].Alive(1))
	assert.False(t, strict[0].Dying(1))
}
