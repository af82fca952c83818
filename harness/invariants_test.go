// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/ifclone"
	"kcheck/kern"
	"kcheck/model"
)

// firstDFS runs scn under bounded exhaustive search (preemption bound 2)
// until an execution satisfies want; it returns that execution (nil if
// none within max schedules) and how many it ran.
func firstDFS(scn *Scenario, cfg Config, max int, want func(*Execution) bool) (*Execution, int) {
	d := kern.NewDFS(2)
	n := 0
	for n < max && d.Next() {
		cfg.Chooser = d
		ex := Execute(scn, cfg)
		n++
		if want(ex) {
			return ex, n
		}
	}
	return nil, n
}

func verdictOf(ex *Execution, k Kind, phase string) *Verdict {
	for i := range ex.Verdicts {
		if ex.Verdicts[i].Kind == k && (phase == "" || ex.Verdicts[i].Phase == phase) {
			return &ex.Verdicts[i]
		}
	}
	return nil
}

// dupVlanName creates epair0a.7 twice by its <parent>.<vid> name.
var dupVlanName = &Scenario{Name: "VlanDuplicateName",
	Threads: [][]Op{{mkC(0, "epair0"), mkC(0, "epair0a.7")}, {mkC(0, "epair0a.7")}}}

// TestInvariantDuplicateNameWindow: two creates of epair0a.7 both pass
// if_clone_createif's ifunit test (if_clone.c:314) before either attaches;
// vlan_clone_create attaches the second (ether_ifattach -> if_attach,
// if.c:769/827, which does not check names) before vlan_config finds the
// tag taken (EEXIST) and backs out. In between, V_ifnet holds two
// interfaces named epair0a.7. Every answer is linearizable (one create
// fails with EEXIST), so only the invariant sees it.
func TestInvariantDuplicateNameWindow(t *testing.T) {
	ex, n := firstDFS(dupVlanName, Config{}, 4000, func(ex *Execution) bool {
		return verdictOf(ex, Invariant, "workload") != nil
	})
	require.NotNil(t, ex, "no schedule of %d opened the window", n)
	v := verdictOf(ex, Invariant, "workload")
	assert.Equal(t, "Invariant (workload): "+ifclone.InvUniqueName, v.Identity)
	assert.Contains(t, v.Summary, "two interfaces named epair0a.7")
	assert.Contains(t, v.Details, "threads:")
	assert.Contains(t, v.Details, "V_ifnet:")
	assert.Nil(t, verdictOf(ex, NotLinearizable, ""), "the answers are linearizable: only the invariant sees the window")
	assert.Equal(t, Invariant, ex.Kind)

	// It replays, and it is invisible with the checks off.
	rex := Execute(dupVlanName, Config{Chooser: kern.NewReplay(ex.Schedule)})
	assert.True(t, rex.HasIdentity(v.Identity))
	off := Execute(dupVlanName, Config{Chooser: kern.NewReplay(ex.Schedule), NoInvariants: true})
	assert.Equal(t, Pass, off.Kind, off.Summary)
	// Checked at every point it is seen too (at the same or an earlier step).
	every := Execute(dupVlanName, Config{Chooser: kern.NewReplay(ex.Schedule), InvariantsEveryPoint: true})
	assert.True(t, every.HasIdentity(v.Identity))
}

// TestInvariantsQuietOnSerialRuns: with no preemption (the first DFS
// schedule) the named scenarios break no invariant, checked at every
// point: the checks do not flag what the C keeps, windows included. The
// exception breaks one with a single thread: TunRenameHazard renames
// disc0 to tun0 and then creates a tun by wildcard; tuntap takes the unit
// from its own unrhdr (if_tuntap.c tun_clone_create) and nothing checks
// ifunit for the name it makes, so a second tun0 joins V_ifnet.
func TestInvariantsQuietOnSerialRuns(t *testing.T) {
	for _, scn := range Named() {
		d := kern.NewDFS(0)
		require.True(t, d.Next())
		ex := Execute(scn, Config{Chooser: d, InvariantsEveryPoint: true})
		if scn.Name == "TunRenameHazard" {
			v := verdictOf(ex, Invariant, "workload")
			require.NotNil(t, v, ex.VerdictKinds())
			assert.Contains(t, v.Summary, "two interfaces named tun0")
			continue
		}
		assert.Nil(t, verdictOf(ex, Invariant, ""), "%s: %s", scn.Name, ex.VerdictKinds())
	}
}

// TestAllVerdictsReported: in RenameCollision a rename of disc0 to disc1
// races the creation of disc1 (F4). When the create's
// ifc_simple_create_wrapper then looks its interface up by name
// (if_clone.c:513 ifunit) it finds the renamed disc0 and links it to the
// cloner a second time; the history is not linearizable and the teardown
// later trips over the corrupted ifc_iflist. Both must be reported.
func TestAllVerdictsReported(t *testing.T) {
	scn, err := NamedScenario("RenameCollision")
	require.NoError(t, err)
	ex, n := firstDFS(scn, Config{}, 2000, func(ex *Execution) bool {
		return verdictOf(ex, NotLinearizable, "history") != nil && verdictOf(ex, Panic, "teardown") != nil
	})
	require.NotNil(t, ex, "no schedule of %d was both", n)
	lin, p := verdictOf(ex, NotLinearizable, "history"), verdictOf(ex, Panic, "teardown")
	assert.Contains(t, lin.Identity, "ops create,rename")
	assert.Contains(t, p.Summary, "teardown")
	assert.Contains(t, p.Identity, "panic: Bad link")
	assert.Equal(t, NotLinearizable, ex.Kind, "Kind stays what it was before invariants")
	// The invariants saw the cause first: the interface twice on one list.
	assert.True(t, ex.HasIdentity("Invariant (workload): "+ifclone.InvOneCloner), ex.VerdictKinds())
	// The report lists every verdict.
	rep := Report(ex, "dfs", "")
	for _, v := range ex.Verdicts {
		assert.Contains(t, rep, string(v.Kind)+" ("+v.Phase+")")
	}
}

// BenchmarkInvariantOverhead alternates executions with the invariant
// checks off, at lock releases (the default) and at every point, on the
// same scenarios and schedules, so that a noisy machine affects all three
// alike; it reports each rate and the ratios to off.
func BenchmarkInvariantOverhead(b *testing.B) {
	var off, rel, every time.Duration
	for i := 0; i < b.N; i++ {
		scn := StandardScenario(uint64(i % 64))
		t0 := time.Now()
		Execute(scn, Config{Chooser: kern.NewPCT(uint64(i), 3, 400), Mode: model.Relaxed, NoInvariants: true})
		t1 := time.Now()
		Execute(scn, Config{Chooser: kern.NewPCT(uint64(i), 3, 400), Mode: model.Relaxed})
		t2 := time.Now()
		Execute(scn, Config{Chooser: kern.NewPCT(uint64(i), 3, 400), Mode: model.Relaxed, InvariantsEveryPoint: true})
		off += t1.Sub(t0)
		rel += t2.Sub(t1)
		every += time.Since(t2)
	}
	b.ReportMetric(float64(b.N)/off.Seconds(), "off-executions/s")
	b.ReportMetric(float64(b.N)/rel.Seconds(), "releases-executions/s")
	b.ReportMetric(float64(b.N)/every.Seconds(), "every-executions/s")
	b.ReportMetric(rel.Seconds()/off.Seconds(), "releases/off-time")
	b.ReportMetric(every.Seconds()/off.Seconds(), "every/off-time")
}

// TestInvariantReclaimDuplicatesName: one thread, no race. The jail's
// own lo0 is reclaimed into vnet0, which has a lo0: if_vmove_reclaim
// (if.c:1385) checks only that the interface exists in the jail and is
// not already in the destination, never that its name is free there
// (if_vmove_loan, if.c:1317, does check, in the child vnet). The answers
// follow the C, so only the invariant sees the second lo0.
func TestInvariantReclaimDuplicatesName(t *testing.T) {
	scn := &Scenario{Name: "ReclaimJailLo0", Jails: []int{1}, Threads: [][]Op{{mkReclaim("lo0", 1)}}}
	ex := Execute(scn, Config{})
	v := verdictOf(ex, Invariant, "workload")
	require.NotNil(t, v, ex.VerdictKinds())
	assert.Contains(t, v.Summary, "two interfaces named lo0")
	assert.Equal(t, Invariant, ex.Kind, ex.VerdictKinds())
}

// TestInvariantClonerModule: the invariant cloner-module-loaded holds
// when kldunload and the creation of a jail run one after the other, in
// either order, and breaks when the unload runs while the jail's
// vnet_alloc is between its constructors and its LIST_INSERT_HEAD (F13's
// window, unload side): the new jail keeps the disc cloner of a module
// no longer linked.
func TestInvariantClonerModule(t *testing.T) {
	for _, threads := range [][][]Op{
		{{{Kind: "kldunload", Driver: "disc"}, mkJail(0, 2), mkList(2, 8)}},
		{{mkJail(0, 2), {Kind: "kldunload", Driver: "disc"}, mkList(2, 8)}},
	} {
		ex := Execute(&Scenario{Name: "UnloadThenJail", Threads: threads}, Config{})
		for _, v := range ex.Verdicts {
			assert.NotContains(t, v.Summary, ifclone.InvClonerModule, "sequential %v", threads)
		}
	}
	scn, err := NamedScenario("UnloadVsJailCreate")
	require.NoError(t, err)
	ex, n := firstDFS(scn, Config{}, 20000, func(ex *Execution) bool {
		v := verdictOf(ex, Invariant, "workload")
		return v != nil && v.Identity == "Invariant (workload): "+ifclone.InvClonerModule
	})
	require.NotNil(t, ex, "no schedule of %d left the cloner behind", n)
	assert.Contains(t, verdictOf(ex, Invariant, "workload").Summary, "cloner disc is attached")
}
