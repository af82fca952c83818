// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"testing"

	"kcheck/model"
)

// TestJailLifeCycleAtomic: jail(2) and jail_remove(2) are atomic with
// respect to each other and to the operations of processes in the jails,
// as kern_jail.c makes them with allprison_lock (kern_jail_set holds it
// exclusively from the jid lookup through vnet_alloc and refuses a dying
// parent; sys_jail_remove finds the jail under it, and only a live one).
// Each scenario is explored exhaustively at DFS bound 1 and every schedule
// must pass: a child jail created while its parent is removed, a second
// removal of a jail that is going, or an operation in a jail still being
// made were each seen as NotLinearizable before the harness took
// allprison_lock there.
func TestJailLifeCycleAtomic(t *testing.T) {
	vc := func(v, j int) Op { return Op{Kind: "vnet_create", Vnet: v, Jail: j} }
	vd := func(v, j int) Op { return Op{Kind: "vnet_destroy", Vnet: v, Jail: j} }
	for _, scn := range []*Scenario{
		{Name: "ChildOfDyingJail", Jails: []int{1}, Threads: [][]Op{{vc(1, 2), vd(0, 2)}, {vd(0, 1)}}},
		{Name: "RemoveTwice", Jails: []int{1}, Threads: [][]Op{{vc(1, 2)}, {vd(0, 1)}, {vd(0, 1)}}},
		{Name: "OpInJailBeingMade", Threads: [][]Op{{vc(0, 1)}, {vc(0, 1), mkC(1, "disc")}}},
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
