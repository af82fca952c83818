// SPDX-License-Identifier: BSD-2-Clause

package triage

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/harness"
	"kcheck/model"
)

func TestMain(m *testing.M) {
	// This test binary serves as its own isolation worker; the worker
	// links the catalogue, so its Hangs are matched against it.
	harness.MaybeWorker()
	os.Exit(m.Run())
}

// refuseLabeler fails the test if a campaign asks it to replay anything.
type refuseLabeler struct{ t *testing.T }

func (r refuseLabeler) LabelFailure(context.Context, harness.LabelRequest) ([]string, error) {
	r.t.Error("the Labeler was asked to replay a failure")
	return nil, nil
}

// renameCollisionLoan is RenameCollision with two loans after it: when
// the rename of disc0 to disc1 lands inside the create of disc1, the
// compat wrapper's second lookup finds the renamed disc0 and links it on
// the disc cloner a second time (F20), so ifc_iflist is a cycle; the
// first loan moves the renamed one to jail 1, the second moves the new
// disc1, which was never linked, and if_clone_restoregroup walks the
// cycle looking for it forever.
const renameCollisionLoan = `{"name":"RenameCollisionLoan","jails":[1,2],"threads":[
 [{"op":"create","vnet":0,"name":"disc0"},{"op":"rename","vnet":0,"name":"disc0","new_name":"disc1"},
  {"op":"vmove_loan","vnet":0,"name":"disc1","jail":1},{"op":"vmove_loan","vnet":0,"name":"disc1","jail":2}],
 [{"op":"create","vnet":0,"name":"disc1"}]]}`

// TestF20HangBySignature: F20's double link ends, on PCT seed 92 of
// renameCollisionLoan, in a walk of the cyclic ifc_iflist that never
// reaches a scheduling point: a Hang, which no replay can label. The
// worker that ran it names it F20 by the catalogue's signature (the
// invariant list-terminates on a cloner's ifc_iflist, the stalled thread
// in a walk of it, a disc create overlapping a rename).
func TestF20HangBySignature(t *testing.T) {
	scn, err := harness.DecodeScenario([]byte(renameCollisionLoan))
	require.NoError(t, err)
	c, err := harness.NewCampaign(harness.CampaignConfig{Scenarios: []*harness.Scenario{scn}, Strategy: harness.PCT,
		Executions: 1, Seed: 92, Workers: 1, Isolate: true, TraceEvery: -1, Watchdog: time.Second,
		CheckTimeout: time.Second, Labeler: refuseLabeler{t}, Mode: model.Relaxed})
	require.NoError(t, err)
	res := c.Run(context.Background())
	require.EqualValues(t, 1, res.Verdicts[harness.Hang], "%v", res.Verdicts)
	require.NotNil(t, res.Labels)
	require.Len(t, res.Labels.Groups, 1, "%+v", res.Labels.Groups)
	g := res.Labels.Groups[0]
	assert.Equal(t, "F20", g.Label)
	assert.EqualValues(t, 1, g.Signed)
}

// TestF29NativeHangBySignature: F29's endless if_clone_detach is a
// Livelock under control (the fix labels it) but a Hang in a native run,
// which has no scheduling points and no schedule to replay. The worker
// that ran it names it F29 by the catalogue's signature (the spinning
// thread in the vlan cloner's if_clone_detach, a vlan stacked on vlan0 by
// name).
func TestF29NativeHangBySignature(t *testing.T) {
	scn, err := harness.NamedScenario("VlanQinQTeardown")
	require.NoError(t, err)
	c, err := harness.NewCampaign(harness.CampaignConfig{Scenarios: []*harness.Scenario{scn}, Strategy: harness.Native,
		Executions: 1, Seed: 1, Workers: 1, Isolate: true, TraceEvery: -1, NativeTimeout: time.Second,
		CheckTimeout: time.Second, Labeler: refuseLabeler{t}, Mode: model.Relaxed})
	require.NoError(t, err)
	res := c.Run(context.Background())
	require.EqualValues(t, 1, res.Verdicts[harness.Hang], "%v", res.Verdicts)
	require.NotNil(t, res.Labels)
	require.Len(t, res.Labels.Groups, 1, "%+v", res.Labels.Groups)
	g := res.Labels.Groups[0]
	assert.Equal(t, "F29", g.Label, "%+v", g)
	assert.EqualValues(t, 1, g.Signed)
}
