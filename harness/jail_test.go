// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"kcheck/model"
)

// TestJailLifeCycleAtomic: jail(2) and jail_remove(2) are ordered with
// respect to each other and to the operations of processes in the jails
// as kern_jail.c orders them with allprison_lock (kern_jail_set holds it
// exclusively from the jid lookup through vnet_alloc and refuses a dying
// parent; sys_jail_remove finds the jail under it and kills it there, or
// answers 0 for one already dying). Each scenario is explored
// exhaustively at DFS bound 1 and every schedule must pass: a child jail
// created while its parent is removed, a second removal of a jail that is
// going, or an operation in a jail still being made were each seen as
// NotLinearizable before the harness took allprison_lock there; a loan
// into a jail after its removal returned, against a second removal,
// was NotLinearizable while the harness answered that second removal
// EINVAL (a generated campaign's seed 339); and a parent jail torn down
// while another thread still removed its child, so that a second removal
// of the parent answered EINVAL before a reclaim from the child
// succeeded, was NotLinearizable while the harness's child prison held
// no reference on its parent (kern_jail_set's prison_hold(ppr); a pct
// campaign's seed 224673).
func TestJailLifeCycleAtomic(t *testing.T) {
	vc := func(v, j int) Op { return Op{Kind: "vnet_create", Vnet: v, Jail: j} }
	vd := func(v, j int) Op { return Op{Kind: "vnet_destroy", Vnet: v, Jail: j} }
	for _, scn := range []*Scenario{
		{Name: "ChildOfDyingJail", Jails: []int{1}, Threads: [][]Op{{vc(1, 2), vd(0, 2)}, {vd(0, 1)}}},
		{Name: "RemoveTwice", Jails: []int{1}, Threads: [][]Op{{vc(1, 2)}, {vd(0, 1)}, {vd(0, 1)}}},
		{Name: "OpInJailBeingMade", Threads: [][]Op{{vc(0, 1)}, {vc(0, 1), mkC(1, "disc")}}},
		{Name: "ParentOutlivesChild", Jails: []int{1}, Threads: [][]Op{
			{vc(1, 2), vd(0, 1), {Kind: "vmove_reclaim", Name: "lo0", Jail: 2}}, {vd(0, 2)}, {vd(0, 1)}}},
		{Name: "LoanIntoRemovedJail", Jails: []int{1}, Threads: [][]Op{
			{mkC(0, "disc0"), vd(0, 1), {Kind: "vmove_loan", Name: "disc0", Jail: 1}}, {vd(0, 1)}}},
	} {
		if err := scn.Validate(); err != nil {
			t.Fatal(err)
		}
		e := &Explorer{Kind: DFS, Bound: 1}
		n := 0
		for {
			ch, _, desc, more := e.Next()
			if !more {
				break
			}
			ex := Execute(scn, Config{Chooser: ch, Mode: model.Relaxed})
			n++
			if ex.Kind != Pass {
				t.Errorf("%s: %s: %s: %s", scn.Name, desc, ex.Kind, ex.Summary)
				break
			}
		}
		if err := e.Err(); err != nil {
			t.Fatal(err)
		}
		if !e.Exhausted() {
			t.Errorf("%s: DFS bound 1 not exhausted after %d schedules", scn.Name, n)
		}
		t.Logf("%s: %d schedules", scn.Name, n)
	}
}

// TestSecondRemovalOfDyingJail: a jail_remove that finds the jail already
// killed by another, still on allprison (the first remover waits for its
// references), answers 0 as sys_jail_remove does ("already-dying
// prisons" are left alone), not EINVAL; once the jail is gone, EINVAL.
// Both threads remove jail 1 from vnet0: the first to take
// allprison_lock kills it, and its prison stays listed from then until
// the remover delists it after its references went, a window of several
// scheduling points in which the second removal can look it up.
func TestSecondRemovalOfDyingJail(t *testing.T) {
	vd := func(v, j int) Op { return Op{Kind: "vnet_destroy", Vnet: v, Jail: j} }
	scn := &Scenario{Name: "RemoveTwiceDying", Jails: []int{1}, Threads: [][]Op{{vd(0, 1)}, {vd(0, 1)}}}
	e := &Explorer{Kind: DFS, Bound: 2}
	both, one := 0, 0
	for {
		ch, _, desc, more := e.Next()
		if !more {
			break
		}
		ex := Execute(scn, Config{Chooser: ch, Mode: model.Relaxed})
		if ex.Kind != Pass {
			t.Fatalf("%s: %s: %s", desc, ex.Kind, ex.Summary)
		}
		ok := 0
		for _, o := range ex.History {
			if in, isRm := o.Input.(model.VnetDestroy); isRm && in.Jail == 1 && o.Output.Err == 0 && !o.Output.Unknown {
				ok++
			}
		}
		switch ok {
		case 2:
			both++
		case 1:
			one++
		default:
			t.Fatalf("%s: %d removals of jail 1 answered 0", desc, ok)
		}
	}
	if err := e.Err(); err != nil {
		t.Fatal(err)
	}
	assert.Positive(t, both, "no schedule ran the second removal while the jail was dying")
	assert.Positive(t, one, "no schedule ran the second removal after the jail was gone")
	t.Logf("both 0: %d schedules; one EINVAL: %d", both, one)
}
