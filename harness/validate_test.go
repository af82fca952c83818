package harness

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestScenarioValidation: bad scenario files are refused, before any
// work, each with a message that says what is wrong.
func TestScenarioValidation(t *testing.T) {
	long := strings.Repeat("x", MaxNameLen+1)
	manyOps := `{"name":"long","threads":[[` + strings.TrimSuffix(strings.Repeat(`{"op":"list_cloners","vnet":0,"count":1},`, 30000), ",") + `]]}`
	cases := []struct {
		name, json, want string
	}{
		{"syntax", `{"name":"x","threads":[[{"op":"create"`, "unexpected EOF"},
		{"unknown field", `{"name":"x","threads":[[{"op":"create","vnet":0,"name":"lo1","nmae":"x"}]]}`, `unknown field "nmae"`},
		{"unknown top field", `{"name":"x","thread":[[{"op":"create","vnet":0,"name":"lo1"}]]}`, `unknown field "thread"`},
		{"trailing data", `{"name":"x","threads":[[{"op":"create","vnet":0,"name":"lo1"}]]} {}`, "data after the scenario object"},
		{"no threads", `{"name":"x","threads":[]}`, "has no threads"},
		{"unknown op", `{"name":"x","threads":[[{"op":"explode","vnet":0}]]}`, `unknown operation "explode"`},
		{"count 2^31", `{"name":"x","threads":[[{"op":"list_cloners","vnet":0,"count":2147483648}]]}`, "does not fit ifcr_count"},
		{"count 2^60", `{"name":"x","threads":[[{"op":"list_cloners","vnet":0,"count":1152921504606846976}]]}`, "does not fit ifcr_count"},
		{"count too negative", `{"name":"x","threads":[[{"op":"list_cloners","vnet":0,"count":-2147483649}]]}`, "does not fit ifcr_count"},
		{"count on create", `{"name":"x","threads":[[{"op":"create","vnet":0,"name":"lo1","count":3}]]}`, "apply to list_cloners only"},
		{"vid on destroy", `{"name":"x","threads":[[{"op":"destroy","vnet":0,"name":"lo1","vid":3}]]}`, "apply to create only"},
		{"vnet never created", `{"name":"x","threads":[[{"op":"create","vnet":3,"name":"lo1"}]]}`, "vnet 3: no such jail in this scenario"},
		{"negative vnet", `{"name":"x","threads":[[{"op":"create","vnet":-1,"name":"lo1"}]]}`, "vnet -1: must be 0..999999"},
		{"loan to no jail", `{"name":"x","jails":[1],"threads":[[{"op":"vmove_loan","vnet":0,"name":"lo1","jail":2}]]}`, "jail 2: no such jail"},
		{"destroy no jail", `{"name":"x","threads":[[{"op":"vnet_destroy","vnet":0,"jail":5}]]}`, "jail 5: no such jail"},
		{"jail id 0", `{"name":"x","jails":[0],"threads":[[{"op":"create","vnet":0,"name":"lo1"}]]}`, "jail id 0: must be 1..999999"},
		{"jail id past JAIL_MAX", `{"name":"x","jails":[1000000],"threads":[[{"op":"create","vnet":0,"name":"lo1"}]]}`, "JAIL_MAX"},
		{"jail twice", `{"name":"x","jails":[1,1],"threads":[[{"op":"create","vnet":0,"name":"lo1"}]]}`, "listed twice"},
		{"long name", `{"name":"x","threads":[[{"op":"create","vnet":0,"name":"` + long + `"}]]}`, "name of 65 bytes: at most 64"},
		{"NUL in name", `{"name":"x","threads":[[{"op":"rename","vnet":0,"name":"lo1","new_name":"a\u0000b"}]]}`, "contains a NUL byte"},
		{"too many threads", `{"name":"x","threads":[` + strings.TrimSuffix(strings.Repeat(`[{"op":"create","vnet":0,"name":"lo"}],`, MaxThreads+1), ",") + `]}`, "65 threads: at most 64"},
		{"bad expect", `{"name":"x","expect":["Boom"],"threads":[[{"op":"create","vnet":0,"name":"lo1"}]]}`, `unknown verdict kind "Boom"`},
		{"false livelock", manyOps, "cannot finish within the step budget"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".json")
			require.NoError(t, os.WriteFile(p, []byte(c.json), 0o644))
			s, err := LoadScenario(p)
			if err == nil {
				// Some limits depend on the campaign (the step budget).
				_, err = NewCampaign(CampaignConfig{Scenarios: []*Scenario{s}, Strategy: PCT, Executions: 1})
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
	// What the generator and the named scenarios make is valid.
	for _, s := range Named() {
		assert.NoError(t, s.Validate(), s.Name)
	}
	for seed := uint64(0); seed < 200; seed++ {
		s := RandomScenarioFor(seed, GenConfig{Threads: 4, Ops: 8, Families: Families, Jails: true, Renames: true, Lists: true})
		require.NoError(t, s.Validate(), "seed %d", seed)
	}
}

// TestListClonersHugeCount: the largest count a C int holds gets a user
// buffer the size of what the kernel can copy out, and the names.
func TestListClonersHugeCount(t *testing.T) {
	for _, n := range []int{math.MaxInt32, 1 << 30, 7, 3} {
		scn := &Scenario{Name: "huge", Threads: [][]Op{{mkList(0, n)}}}
		require.NoError(t, scn.Validate())
		ex := Execute(scn, Config{})
		require.Equal(t, Pass, ex.Kind, "count %d: %s\n%s", n, ex.Summary, ex.Details)
		require.Len(t, ex.History, 1)
		assert.Len(t, ex.History[0].Output.Names, min(n, ex.History[0].Output.Total), "count %d", n)
	}
}

// TestHarnessPanicIsInternalError: a failure of the harness's own code in
// an emulated thread is InternalError, never the kernel's Panic.
func TestHarnessPanicIsInternalError(t *testing.T) {
	// Validate refuses this count; Execute on an unvalidated scenario
	// must still not blame the kernel.
	scn := &Scenario{Name: "unvalidated", Threads: [][]Op{{mkList(0, 1<<60)}, {mkC(0, "lo1")}}}
	ex := Execute(scn, Config{})
	assert.Equal(t, InternalError, ex.Kind, "%s\n%s", ex.Summary, ex.Details)
	assert.Contains(t, ex.Summary, "does not fit ifcr_count")
	assert.False(t, InternalError.Violation())
	assert.True(t, Crash.Violation())
}
