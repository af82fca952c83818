// SPDX-License-Identifier: BSD-2-Clause

package triage

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/harness"
	"kcheck/linearize"
	"kcheck/model"
)

// nativePanic is a native run's Panic as a worker sees it: the scenario,
// its history (the panicking operation never returned), the summary, and
// the stack of the panicking thread (frames as Go prints them).
func nativePanic(t *testing.T, summary string, frames []string, other model.Input) *harness.Execution {
	t.Helper()
	scn, err := harness.DecodeScenario([]byte(`{"name": "native", "threads": [
		[{"op": "kldunload", "vnet": 0, "driver": "vlan"}],
		[{"op": "create", "vnet": 0, "name": "vlan0"}, {"op": "destroy", "vnet": 0, "name": "vlan1"}]]}`))
	require.NoError(t, err)
	details := "panic: x\n\ngoroutine 7 [running]:\nruntime/debug.Stack()\n"
	for _, f := range frames {
		if f == "PANIC" { // the run-time error's own frame
			details += "panic({0x1, 0x2})\n\t$GOROOT/src/runtime/panic.go:860 +0x13a\n"
			continue
		}
		details += "kcheck/" + f + "(0x1, 0x2)\n\tfile.go:1 +0x1\n"
	}
	details += "kcheck/kern.runProtected(0x1)\n"
	return &harness.Execution{Scenario: scn, Kind: harness.Panic, Summary: summary, Details: details,
		History: linearize.History{
			{ID: 0, Thread: 0, Call: 1, Return: 50, Input: model.KldUnload{Driver: model.DriverVlan}, Output: model.Output{}},
			{ID: 1, Thread: 1, Call: 10, Return: linearize.Infinity, Input: other},
		}}
}

// TestNativeFormsOfF16AndF18: a native run shows if_clone_free's window
// between mtx_destroy and free(9), which no scheduling point splits under
// control: a create that found the cloner before the unload locks its
// destroyed (not yet poisoned) mutex, or reads the freed unrhdr's
// poisoned chunk count: F18; a destroy that did: F16's destroy side. The
// same panic with no unload overlapping it, or another driver's mutex,
// names neither.
func TestNativeFormsOfF16AndF18(t *testing.T) {
	create := []string{"unrhdr.AllocUnrSpecific", "ifclone.IfcAllocUnitSpecific", "ifclone.IfCloneCreateif", "ifclone.IfcCreateIfp", "ifclone.IfCloneCreate", "ifclone.Ifioctl"}
	destroy := []string{"unrhdr.FreeUnr", "ifclone.IfcFreeUnit", "ifclone.IfCloneDestroyifFlags", "ifclone.IfCloneDestroy", "ifclone.Ifioctl"}
	mutex := "workload: panic in t1: mtx_lock() of destroyed mutex if_clone lock @ unrhdr/subr_unit.go:746"
	mkCreate := model.Create{Name: "vlan0"}
	mkDestroy := model.Destroy{Name: "vlan1"}
	for _, c := range []struct {
		name    string
		summary string
		frames  []string
		in      model.Input
		want    string // "" for neither
	}{
		{"create locks the destroyed mutex", mutex, create, mkCreate, "F18"},
		{"create, poisoned name", "workload: panic in t1: mtx_lock() of destroyed mutex \xde\xad\xc0\xde @ ifclone/if_clone.go:143", create, mkCreate, "F18"},
		{"create reads the poisoned unrhdr", "workload: panic in t5: UNR inconsistency: chunks 3735929054 found 0 (line 622)\n", create, mkCreate, "F18"},
		{"create calls the freed cloner's ifc_create", "workload: fault in t0: runtime error: invalid memory address or nil pointer dereference", []string{"kern.runProtected.func1", "PANIC", "ifclone.IfCloneCreateif", "ifclone.IfcCreateIfp", "ifclone.IfCloneCreate", "ifclone.Ifioctl"}, mkCreate, "F18"},
		{"destroy locks the destroyed mutex", "workload: panic in t1: mtx_lock() of destroyed mutex if_clone lock @ unrhdr/subr_unit.go:888", destroy, mkDestroy, "F16"},
		{"another driver's mutex", "workload: panic in t1: mtx_lock() of destroyed mutex epairidx @ epair/if_epair.go:145", create, mkCreate, ""},
		{"an unrhdr inconsistency of another count", "workload: panic in t5: UNR inconsistency: chunks 7 found 6 (line 622)\n", create, mkCreate, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			ex := nativePanic(t, c.summary, c.frames, c.in)
			got := matchSignatures(ex)
			for _, id := range []string{"F16", "F18"} {
				assert.Equal(t, id == c.want, slices.Contains(got, id), "%s in %v", id, got)
			}
			// No unload overlapping the operation: neither.
			ex.History[0].Call, ex.History[0].Return = 1, 5
			got = matchSignatures(ex)
			assert.False(t, slices.Contains(got, "F16") || slices.Contains(got, "F18"), "%v without an overlapping unload", got)
		})
	}
}

// TestNativeFormsOfF19AndF31: a native run shows F19's race in its other
// order (the unload's mtx_destroy of the driver lock a create in flight
// holds) and F31's double destroy of a tun alias far more often than a
// controlled one; both are named by signature.
func TestNativeFormsOfF19AndF31(t *testing.T) {
	scn, err := harness.DecodeScenario([]byte(`{"name": "native", "threads": [
		[{"op": "kldunload", "vnet": 0, "driver": "epair"}, {"op": "rename", "vnet": 0, "name": "tun0", "new_name": "net0"}],
		[{"op": "create", "vnet": 0, "name": "epair0"}, {"op": "rename", "vnet": 0, "name": "tun0", "new_name": "net1"}]]}`))
	require.NoError(t, err)
	ex := &harness.Execution{Scenario: scn, Kind: harness.Panic,
		Summary: "workload: panic in t2: mtx_destroy() of mutex epairidx owned by t1 @ epair/if_epair.go:144",
		Details: "goroutine 1 [running]:\nkcheck/kern.(*Mtx).Destroy(0x1)\nkcheck/ifclone/drivers/epair.epairModevent(0x1)\n"}
	assert.Contains(t, matchSignatures(ex), "F19")
	ex.Summary = "workload: panic in t2: mtx_destroy() of mutex vlan_sx owned by t1 @ vlan/if_vlan.go:1"
	assert.NotContains(t, matchSignatures(ex), "F19")

	ex.Summary = "workload: panic in t2: WARNING: Driver mistake: destroy_dev on 0"
	ex.Details = "goroutine 1 [running]:\nkcheck/ifclone/drivers/tuntap.destroyDevl(0x1)\nkcheck/ifclone/drivers/tuntap.destroyDev(0x1)\nkcheck/ifclone/drivers/tuntap.tunrename(0x1)\n"
	assert.Contains(t, matchSignatures(ex), "F31")
	scn.Threads[1] = scn.Threads[1][:1] // one rename: not the race
	assert.NotContains(t, matchSignatures(ex), "F31")
}

// TestF32Signature: a native run's fault reading the freed index table in
// if_attach_internal's MPASS (the table's entries pointer poisoned to nil
// by free(9)) is F32; the same fault elsewhere, or with one create only
// (no second create to grow the table), is not.
func TestF32Signature(t *testing.T) {
	scn, err := harness.DecodeScenario([]byte(`{"name": "native", "threads": [
		[{"op": "create", "vnet": 0, "name": "disc"}], [{"op": "create", "vnet": 0, "name": "disc"}]]}`))
	require.NoError(t, err)
	stack := func(fn string) string {
		return "goroutine 9 [running]:\nkcheck/kern.runProtected.func1()\n\tkern/sched.go:292 +0x87\n" +
			"panic({0x7b2840?, 0xb7f470?})\n\t$GOROOT/src/runtime/panic.go:860 +0x13a\n" +
			"sync/atomic.(*Pointer[...]).Load(...)\n\t$GOROOT/src/sync/atomic/type.go:58\n" +
			"kcheck/ifclone." + fn + "(0x3b8f18780f30, 0x3b8f18792b08, 0x0)\n\tifclone/if.go:497 +0x53\n"
	}
	ex := &harness.Execution{Scenario: scn, Kind: harness.Panic,
		Summary: "workload: fault in t0: runtime error: invalid memory address or nil pointer dereference", Details: stack("ifAttachInternal")}
	assert.Contains(t, matchSignatures(ex), "F32")
	ex.Details = stack("IfVmoveLoan")
	assert.Contains(t, matchSignatures(ex), "F32")
	ex.Details = stack("ifcloneOther")
	assert.NotContains(t, matchSignatures(ex), "F32")
	ex.Details = stack("ifAttachInternal")
	scn.Threads = scn.Threads[:1]
	assert.NotContains(t, matchSignatures(ex), "F32")
}

// TestNativeFormsOfF17F29F30F31: more forms native runs show that no
// controlled execution reproduced: F17's reclaim failing on the interface
// a destroy in the jail unindexed; F29 with the QinQ parent named like
// an epair end (epair4a.3); F30's tun_uninit meeting the vnet a
// concurrent jail removal freed; F31's second destroy_devl faulting on
// the cdev the first freed. Each with a case it must not take.
func TestNativeFormsOfF17F29F30F31(t *testing.T) {
	dec := func(js string) *harness.Scenario {
		s, err := harness.DecodeScenario([]byte(js))
		require.NoError(t, err)
		return s
	}
	reclaim := dec(`{"name": "n", "jails": [1], "threads": [
		[{"op": "vmove_reclaim", "vnet": 0, "name": "disc2", "jail": 1}], [{"op": "destroy", "vnet": 1, "name": "disc2"}]]}`)
	ex := &harness.Execution{Scenario: reclaim, Kind: harness.Panic, Summary: "workload: panic in t1: Assertion failed at ifclone/if.go:497",
		Details: "goroutine 1 [running]:\nkcheck/ifclone.ifAttachInternal(0x1)\nkcheck/ifclone.IfVmove(0x1)\nkcheck/ifclone.IfVmoveReclaim(0x1)\n"}
	assert.Equal(t, []string{"F17"}, matchSignatures(ex))
	ex.Scenario = dec(`{"name": "n", "jails": [1], "threads": [
		[{"op": "vmove_reclaim", "vnet": 0, "name": "disc2", "jail": 1}], [{"op": "kldunload", "vnet": 0, "driver": "disc"}]]}`)
	assert.NotContains(t, matchSignatures(ex), "F17", "an unload, not a destroy: F25's window")

	hang := dec(`{"name": "n", "threads": [[{"op": "create", "vnet": 0, "name": "epair4"}, {"op": "create", "vnet": 0, "name": "epair4a.3"}]]}`)
	ex = &harness.Execution{Scenario: hang, Kind: harness.Hang, Summary: "teardown: hang",
		Details: "goroutine 7 [runnable]:\nkcheck/ifclone.ifDelgroupLocked(0x1)\nkcheck/ifclone.IfCloneDetach(0x1)\nkcheck/ifclone/drivers/vlan.vnetVlanUninit(0x1)\nkcheck/kern.runProtected(0x1)\n"}
	assert.Contains(t, matchSignatures(ex), "F29")
	hang.Threads[0] = hang.Threads[0][:1]
	assert.NotContains(t, matchSignatures(ex), "F29", "no vlan stacked by name")

	unload := dec(`{"name": "n", "jails": [1], "threads": [[{"op": "kldunload", "vnet": 0, "driver": "tuntap"}], [{"op": "vnet_destroy", "vnet": 0, "jail": 1}]]}`)
	ex = &harness.Execution{Scenario: unload, Kind: harness.Panic,
		Summary: "workload: panic in t5: VNET_VNET(ifg_head): vnet 0x1e0ae210e280 has no data (destroyed or freed)",
		Details: "goroutine 1 [running]:\nkcheck/ifclone.IfDetach(0x1)\nkcheck/ifclone/drivers/tuntap.tunDestroy(0x1)\nkcheck/ifclone/drivers/tuntap.tunUninit(0x1)\n",
		History: linearize.History{
			{ID: 0, Thread: 0, Call: 10, Return: linearize.Infinity, Input: model.KldUnload{Driver: model.DriverTuntap}},
			{ID: 1, Thread: 1, Call: 5, Return: 40, Input: model.VnetDestroy{Jail: 1}},
		}}
	assert.Contains(t, matchSignatures(ex), "F30")
	ex.History[1].Return = 8 // the jail was gone before the unload began
	assert.NotContains(t, matchSignatures(ex), "F30")

	renames := dec(`{"name": "n", "threads": [[{"op": "rename", "vnet": 0, "name": "tun0", "new_name": "a"}], [{"op": "rename", "vnet": 0, "name": "tun0", "new_name": "b"}]]}`)
	ex = &harness.Execution{Scenario: renames, Kind: harness.Panic, Summary: "workload: fault in t3: runtime error: invalid memory address or nil pointer dereference",
		Details: "goroutine 1 [running]:\npanic({0x1, 0x2})\n\t$GOROOT/src/runtime/panic.go:860 +0x13a\nkcheck/ifclone/drivers/tuntap.destroyDevl(0x1)\n\tx.go:1\nkcheck/ifclone/drivers/tuntap.destroyDev(0x1)\nkcheck/ifclone/drivers/tuntap.tunrename(0x1)\n"}
	assert.Contains(t, matchSignatures(ex), "F31")
	ex.Details = strings.Replace(ex.Details, "destroyDevl", "makeDevAliasP", 1)
	assert.NotContains(t, matchSignatures(ex), "F31", "a fault elsewhere in tunrename")
}
