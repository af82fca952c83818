// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"fmt"
	"sort"
)

func mkC(v int, name string) Op { return Op{Kind: "create", Vnet: v, Name: name} }
func mkD(v int, name string) Op { return Op{Kind: "destroy", Vnet: v, Name: name} }
func mkLoan(name string, jail int) Op {
	return Op{Kind: "vmove_loan", Vnet: 0, Name: name, Jail: jail}
}
func mkReclaim(name string, jail int) Op {
	return Op{Kind: "vmove_reclaim", Vnet: 0, Name: name, Jail: jail}
}
func mkRename(v int, old, nw string) Op { return Op{Kind: "rename", Vnet: v, Name: old, NewName: nw} }
func mkList(v, n int) Op                { return Op{Kind: "list_cloners", Vnet: v, Count: n} }
func mkJail(parent, j int) Op           { return Op{Kind: "vnet_create", Vnet: parent, Jail: j} }
func mkUnjail(parent, j int) Op         { return Op{Kind: "vnet_destroy", Vnet: parent, Jail: j} }

// named are the scenarios of FreeBSD's history and of if_clone.c's known
// hazards. Expect is the verdict kind the faithful port produces under
// some schedule ("" means every explored schedule passes); the tests pin
// these and docs/FINDINGS.md explains the failing ones.
var named = []*Scenario{
	{Name: "WildcardLowest", Expect: []Kind{NotLinearizable}, Note: "a wildcard create races a destroy of unit 0 and an explicit create of unit 1: is the unit it gets the lowest free one?",
		Threads: [][]Op{{mkC(0, "disc0"), mkD(0, "disc0"), mkC(0, "disc1")}, {mkC(0, "disc")}}},
	{Name: "CreateVisibleBeforeLinked", Expect: []Kind{NotLinearizable}, Note: "an interface is visible to ifunit (EEXIST) before if_clone_addif links it to its cloner: a destroy in that window is ENXIO",
		Threads: [][]Op{{mkC(0, "disc")}, {mkC(0, "disc0"), mkD(0, "disc0")}}},
	{Name: "SameExplicitName", Note: "two threads create epair0 and lo1 explicitly at once: one wins, the other gets EEXIST",
		Threads: [][]Op{{mkC(0, "epair0"), mkC(0, "lo1")}, {mkC(0, "epair0"), mkC(0, "lo1")}}},
	{Name: "WildcardBurst", Expect: []Kind{NotLinearizable}, Note: "wildcard creates race a create/destroy of the lowest unit (ifc_alloc_unit_next under concurrency)",
		Threads: [][]Op{{mkC(0, "lo1"), mkD(0, "lo1")}, {mkC(0, "lo")}, {mkC(0, "lo")}}},
	{Name: "CreateDestroyLoop", Expect: []Kind{NotLinearizable}, Note: "if_clone_test.sh do_stress in small: one thread creates, one destroys the same names",
		Threads: [][]Op{{mkC(0, "epair"), mkC(0, "disc"), mkC(0, "tun")}, {mkD(0, "epair0a"), mkD(0, "disc0"), mkD(0, "tun0")}}},
	{Name: "DoubleDestroy", Expect: []Kind{NotLinearizable}, Note: "two threads destroy the same interface: one succeeds, the other gets ENXIO",
		Threads: [][]Op{{mkC(0, "disc3"), mkD(0, "disc3")}, {mkD(0, "disc3")}}},
	{Name: "RenameCollision", Expect: []Kind{NotLinearizable}, Note: "a rename to disc1 races the explicit creation of disc1 (if_rename's ifunit check is not atomic with the rename)",
		Threads: [][]Op{{mkC(0, "disc0"), mkRename(0, "disc0", "disc1")}, {mkC(0, "disc1")}}},
	{Name: "RenameVsDestroy", Expect: []Kind{NotLinearizable}, Note: "SIOCSIFNAME of lo2 races SIOCIFDESTROY of lo2: each looked the interface up by its old name, so the rename can finish on the interface the destroy detached, or the destroy remove the one just renamed (F26)",
		Threads: [][]Op{{mkC(0, "lo2"), mkRename(0, "lo2", "lo5")}, {mkD(0, "lo2")}}},
	{Name: "RenameVsLoan", Expect: []Kind{NotLinearizable, Panic}, Jails: []int{1}, Note: "SIOCSIFNAME of disc3 races SIOCSIFVNET of disc3 into jail 1: the rename checks the new name in vnet0 and then renames the interface the loan has moved into the jail, or the loan moves the interface the rename renamed after the loan looked it up by its old name; both succeed (F28). The create of disc3 racing the loan panics (F9, F20)",
		Threads: [][]Op{{mkC(0, "disc3"), mkRename(0, "disc3", "disc7")}, {mkLoan("disc3", 1)}}},
	{Name: "VlanQinQTeardown", Expect: []Kind{Livelock}, Note: "vlan0, then vlan0.1 stacked on it (QinQ), then a destroy of vlan0 that vlan_clone_destroy refuses (EBUSY: it is a trunk parent) and if_clone_destroyif_flags relinks at the head of the cloner's list; at the vnet's teardown if_clone_detach picks vlan0 first, is refused with IFC_F_FORCE too, relinks it and picks it again, forever (F29)",
		Threads: [][]Op{{mkC(0, "vlan0"), mkC(0, "vlan0.1"), mkD(0, "vlan0")}}},
	{Name: "TunRenameHazard", Expect: []Kind{Invariant}, Note: "disc0 renamed to tun0, then a tun wildcard: tuntap's unit logic does not re-check ifunit, so a second tun0 is made (invariant ifnet-unique-name)",
		Threads: [][]Op{{mkC(0, "disc0"), mkRename(0, "disc0", "tun0"), mkC(0, "tun")}}},
	{Name: "Lo0Protected", Note: "lo0 refuses destroy without IFC_F_FORCE (EINVAL) while another thread creates and destroys lo1",
		Threads: [][]Op{{mkD(0, "lo0")}, {mkC(0, "lo1"), mkD(0, "lo1")}}},
	{Name: "DestroyFromForeignVnet", Jails: []int{1}, Note: "an interface loaned to a jail is destroyed from inside the jail (its cloner is found in its home vnet)",
		Threads: [][]Op{{mkC(0, "tun3"), mkLoan("tun3", 1), mkD(1, "tun3")}, {mkList(0, 8)}}},
	{Name: "VnetTeardownReturnsLoan", Expect: []Kind{Panic, NotLinearizable}, Jails: []int{1}, Note: "a loaned interface goes home when its jail is destroyed (vnet_if_return), racing a destroy from the host",
		Threads: [][]Op{{mkC(0, "disc2"), mkLoan("disc2", 1), mkUnjail(0, 1)}, {mkD(0, "disc2")}}},
	{Name: "VnetTeardownVsEpairDestroy", Expect: []Kind{Panic, NotLinearizable}, Jails: []int{1}, Note: "D20868: an epair end loaned to a jail while the jail is torn down and the host destroys the pair",
		Threads: [][]Op{{mkC(0, "epair5"), mkLoan("epair5b", 1)}, {mkUnjail(0, 1)}, {mkD(0, "epair5a")}}},
	{Name: "DestroyVsVmove", Expect: []Kind{Panic, NotLinearizable}, Jails: []int{1}, Note: "PRs 238870/234985: SIOCIFDESTROY races a loan of the same interface (ifnet_detach_sxlock serialises them)",
		Threads: [][]Op{{mkC(0, "tun4"), mkLoan("tun4", 1)}, {mkD(0, "tun4")}}},
	{Name: "CloneDetachVsCreate", Jails: []int{1}, Note: "a jail's cloners detach (jail removal) while a thread creates in that jail",
		Threads: [][]Op{{mkUnjail(0, 1)}, {mkC(1, "epair"), mkC(1, "lo")}}},
	{Name: "MaxunitExhaustion", Note: "the highest unit (IF_MAXUNIT) is taken, the next explicit unit is ENOSPC, and a wildcard still finds a low unit",
		Threads: [][]Op{{mkC(0, "disc32767"), mkC(0, "disc32768")}, {mkC(0, "disc")}}},
	{Name: "ListClonersDuringAttach", Note: "SIOCIFGCLONERS while a jail (and its cloners) comes and goes",
		Threads: [][]Op{{mkJail(0, 2), mkList(2, 3), mkUnjail(0, 2)}, {mkList(0, 8), mkList(0, 2)}}},
	{Name: "EpairAtomicPair", Expect: []Kind{Panic, NotLinearizable}, Note: "both ends of a pair appear and go together while another thread creates the same unit explicitly",
		Threads: [][]Op{{mkC(0, "epair"), mkD(0, "epair0b")}, {mkC(0, "epair0"), mkD(0, "epair0a")}}},
	{Name: "VlanDuplicateVid", Expect: []Kind{NotLinearizable}, Note: "two vlans with the same tag on one parent, one by <parent>.<vid>, one by SIOCIFCREATE2 parameters: one gets EEXIST; then the parent goes",
		Threads: [][]Op{{mkC(0, "epair0"), mkC(0, "epair0a.7"), mkD(0, "epair0a")}, {{Kind: "create", Name: "vlan3", Params: true, Parent: "epair0a", Vid: 7}}}},
	{Name: "ReclaimVsJailDestroy", Expect: []Kind{Panic}, Jails: []int{1}, Note: "the host reclaims a loaned interface (SIOCSIFRVNET) while root in the jail destroys it: if_vmove_reclaim holds no reference and no lock between ifunit and if_vmove (F17)",
		Threads: [][]Op{{mkC(0, "disc2"), mkLoan("disc2", 1), mkReclaim("disc2", 1)}, {mkD(1, "disc2")}}},
	{Name: "UnloadVsCreate", Expect: []Kind{Panic, WitnessReversal, Leak, NotLinearizable}, Note: "kldunload if_epair while epair pairs are created: the cloner's detach races creates in flight (F18) and MOD_UNLOAD destroys the index mutex before the cloners go (F19); the teardown meets F10",
		Threads: [][]Op{{{Kind: "kldunload", Driver: "epair"}}, {mkC(0, "epair"), mkC(0, "epair")}}},
	{Name: "UnloadVsDestroy", Expect: []Kind{Panic, Leak, NotLinearizable, WitnessReversal}, Note: "kldunload if_tuntap while vmnet0 is destroyed: if_clone_destroy holds no reference on the cloner it found, the destroy unlinks vmnet0 first, the detach finds the list empty and frees the cloner, and the destroy calls the freed cloner's ifc_destroy or frees a unit in its unit header (F16's destroy side); tun_uninit's TAILQ_REMOVE of the destroy's softc gives F18's form",
		Threads: [][]Op{{mkC(0, "vmnet0"), {Kind: "kldunload", Driver: "tuntap"}}, {mkD(0, "vmnet0")}}},
	{Name: "UnloadVsJailCreate", Expect: []Kind{Panic, Invariant, Leak, NotLinearizable, WitnessReversal}, Note: "kldunload if_disc while a jail is created: a vnet that ran its constructors but is not yet on vnet_head misses the module's destructor and keeps the disc cloner after the unload (F13's window, unload side), or between its two SYSUNINITs and gets the destructor without the constructor (F24)",
		Threads: [][]Op{{{Kind: "kldunload", Driver: "disc"}}, {mkJail(0, 2), mkList(2, 8)}}},
	{Name: "UnloadVsJailDestroy", Expect: []Kind{Leak}, Jails: []int{1}, Note: "kldunload if_disc while jail 1 is removed: vnet_destroy has unlinked the vnet but not yet run its destructors, so the unload's vnet_deregister_sysuninit neither finds the vnet nor leaves its destructor for it; the jail's disc cloner is never detached and the vnet is freed with it (F30)",
		Threads: [][]Op{{{Kind: "kldunload", Driver: "disc"}}, {mkUnjail(0, 1)}}},
	{Name: "TunRenameRace", Expect: []Kind{Panic, NotLinearizable}, Note: "tun0 renamed foo (tunrename makes the devfs alias foo), then foo renamed bar and baz at once: both renames run tunrename, both see the alias and both destroy it (F31); the two renames of one interface also both succeed (F26's shape without a destroy)",
		Threads: [][]Op{{mkC(0, "tun0"), mkRename(0, "tun0", "foo"), mkRename(0, "foo", "bar")}, {mkRename(0, "foo", "baz")}}},
	{Name: "UnloadNotAtomic", Expect: []Kind{NotLinearizable, WitnessReversal, Leak, Panic}, Jails: []int{1}, Note: "kldunload if_disc detaches the disc cloner one vnet at a time (the jail's first): a list in the jail can miss it while a create in vnet0 still succeeds (F23, expected); the create can also outlive the detach (F18)",
		Threads: [][]Op{{{Kind: "kldunload", Driver: "disc"}}, {mkList(1, 8), mkC(0, "disc0")}}},
	{Name: "UnloadVsLoan", Expect: []Kind{Panic, Invariant, Leak, WitnessReversal}, Jails: []int{1}, Note: "kldunload if_disc while disc0 is loaned to a jail: the detach's if_detach unlinks without ifnet_detach_sxlock, misses the interface the loan moved, and frees it under the move (F25); the create meets F20 and F9 on the way",
		Threads: [][]Op{{mkC(0, "disc0"), {Kind: "kldunload", Driver: "disc"}}, {mkLoan("disc0", 1)}}},
	{Name: "LoanVsJailRemove", Jails: []int{1}, Note: "a loan into, and a reclaim out of, a jail being removed: prison_find_child also finds a dying jail while it is referenced, the move succeeds and vnet_destroy brings the interface home",
		Threads: [][]Op{{mkC(0, "disc2"), mkLoan("disc2", 1), mkReclaim("disc2", 1)}, {mkC(1, "lo5"), mkUnjail(0, 1)}}},
	{Name: "ReclaimVsCreate", Expect: []Kind{NotLinearizable, Panic}, Jails: []int{1}, Note: "a reclaimed interface comes home while the host creates the same name",
		Threads: [][]Op{{mkC(0, "tap2"), mkLoan("tap2", 1), mkReclaim("tap2", 1)}, {mkC(0, "tap2")}}},
}

// Named returns the named scenarios, sorted by name.
func Named() []*Scenario {
	out := append([]*Scenario(nil), named...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// NamedScenario finds one by name.
func NamedScenario(name string) (*Scenario, error) {
	for _, s := range named {
		if s.Name == name {
			return s, nil
		}
	}
	return nil, fmt.Errorf("no named scenario %q", name)
}
