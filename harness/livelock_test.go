// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/kern"
	"kcheck/model"
)

// TestQinQTeardownLivelockByRepetition: F29's loop (if_clone_detach
// relinking the vlan its driver will not destroy) is a Livelock of the
// teardown found by the kernel coming back to a state, thousands of steps
// before the budget would end it; replaying the schedule ends it at the
// same step.
func TestQinQTeardownLivelockByRepetition(t *testing.T) {
	scn, err := NamedScenario("VlanQinQTeardown")
	require.NoError(t, err)
	ex := Execute(scn, Config{Chooser: kern.NewPCT(1, 3, 400), Mode: model.Relaxed})
	require.Equal(t, Livelock, ex.Kind, ex.VerdictKinds())
	v := verdictOf(ex, Livelock, "teardown")
	require.NotNil(t, v)
	assert.Contains(t, v.Summary, "came back to a state")
	assert.Contains(t, v.Details, "IfCloneDetach")
	assert.Less(t, ex.Steps, int64(DefaultMaxSteps/4))

	rex := Execute(scn, Config{Chooser: kern.NewReplay(ex.Schedule), Mode: model.Relaxed})
	assert.Equal(t, ex.Steps, rex.Steps)
	assert.Equal(t, v.Summary, verdictOf(rex, Livelock, "teardown").Summary)
}
