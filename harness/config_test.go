// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/model"
)

// TestDefaultCampaignOptions: the defaults resolve to the campaign the
// command runs when given no flag, and NewCampaign accepts it.
func TestDefaultCampaignOptions(t *testing.T) {
	o := DefaultCampaignOptions()
	o.Labels = false
	o.Out = t.TempDir()
	cfg, source, notes, err := o.Resolve()
	require.NoError(t, err)
	assert.Empty(t, notes)
	assert.Equal(t, PCT, cfg.Strategy)
	assert.Equal(t, DefaultDepth, cfg.Depth)
	assert.EqualValues(t, DefaultPCTSteps, cfg.Steps)
	assert.EqualValues(t, DefaultExecutions, cfg.Executions)
	assert.EqualValues(t, DefaultMaxSteps, cfg.MaxSteps)
	assert.Equal(t, DefaultCheckTimeout, cfg.CheckTimeout)
	assert.Equal(t, DefaultWatchdog, cfg.Watchdog)
	assert.Equal(t, model.Relaxed, cfg.Mode)
	assert.Equal(t, DefaultRandomMaxSchedules, cfg.MaxSchedules)
	assert.Equal(t, DefaultThreads, cfg.Gen.Threads)
	assert.Equal(t, DefaultOps, cfg.Gen.Ops)
	assert.True(t, cfg.Gen.VaryThreads)
	assert.Equal(t, Families, cfg.Gen.Families)
	assert.True(t, cfg.Isolate)
	assert.Equal(t, 0, cfg.Shard)
	assert.Equal(t, 1, cfg.Shards)
	assert.Contains(t, source, "random 3 threads x 4 ops over")
	_, err = NewCampaign(cfg)
	require.NoError(t, err)
}

// TestResolveDerivedDefaults: defaults that depend on other options.
func TestResolveDerivedDefaults(t *testing.T) {
	o := DefaultCampaignOptions()
	o.Labels, o.Out = false, t.TempDir()
	o.Duration = 4 * time.Second
	cfg, _, _, err := o.Resolve()
	require.NoError(t, err)
	assert.Equal(t, 2*time.Second, cfg.Watchdog, "half of --time when that is less")
	assert.Zero(t, cfg.Executions, "a time budget alone")

	o = DefaultCampaignOptions()
	o.Labels, o.Out = false, t.TempDir()
	o.Strategy, o.AllNamed = "dfs", true
	cfg, source, _, err := o.Resolve()
	require.NoError(t, err)
	assert.Zero(t, cfg.Executions, "dfs over named scenarios runs until exhausted")
	assert.Zero(t, cfg.MaxSchedules, "no cap for explicit scenarios")
	assert.False(t, cfg.Isolate, "dfs runs in process")
	assert.Len(t, cfg.Scenarios, len(Named()))
	assert.Contains(t, source, "named scenarios")

	// Labels: native campaigns are labelled as the others are (their
	// failures by a controlled reproduction), with the labeler from
	// NewLabeler; without one, labels are off with a note, or refused
	// when --labels was given.
	o = DefaultCampaignOptions()
	o.Out, o.Strategy = t.TempDir(), "native"
	_, _, notes, err := o.Resolve()
	require.NoError(t, err)
	assert.Equal(t, []string{"labels off: not inside the kcheck source tree (the fixes are built from it)"}, notes)
	o.Set = map[string]bool{"labels": true}
	_, _, _, err = o.Resolve()
	assert.ErrorContains(t, err, "--labels")
	o = DefaultCampaignOptions()
	o.Out, o.Strategy = t.TempDir(), "native"
	o.NewLabeler = func(string) (Labeler, error) { return &byScenario{}, nil }
	cfg, _, notes, err = o.Resolve()
	require.NoError(t, err)
	assert.Empty(t, notes)
	assert.NotNil(t, cfg.Labeler, "a native campaign is labelled")
}

// TestResolveRefuses: each invalid option is refused, named as its flag.
func TestResolveRefuses(t *testing.T) {
	for _, c := range []struct {
		edit func(o *CampaignOptions)
		msg  string
	}{
		{func(o *CampaignOptions) { o.Strategy = "bogus" }, "--strategy"},
		{func(o *CampaignOptions) { o.Spec = "" }, `--spec ""`},
		{func(o *CampaignOptions) { o.Spec = "loose" }, "--spec"},
		{func(o *CampaignOptions) { o.Shard = "3/2" }, "--shard"},
		{func(o *CampaignOptions) { o.Workers = 0 }, "--workers"},
		{func(o *CampaignOptions) { o.Executions = 0; o.Set = map[string]bool{"executions": true} }, "--executions"},
		{func(o *CampaignOptions) { o.Depth = 5; o.Strategy = "random"; o.Set = map[string]bool{"depth": true} }, "--depth applies to --strategy pct only"},
		{func(o *CampaignOptions) { o.Set = map[string]bool{"native-timeout": true} }, "--native-timeout applies"},
		{func(o *CampaignOptions) { o.Threads = 9 }, "--threads"},
		{func(o *CampaignOptions) { o.Cloners = "gif" }, "--cloners"},
		{func(o *CampaignOptions) { o.ExecRecords = true }, "--exec-records"},
		{func(o *CampaignOptions) { o.MaxSteps = 0 }, "--max-steps"},
		{func(o *CampaignOptions) { o.TraceEvery = 0 }, "--trace-every"},
		{func(o *CampaignOptions) { o.AllNamed = true; o.Set = map[string]bool{"threads": true} }, "--threads shapes random scenarios"},
		{func(o *CampaignOptions) { o.Scenarios = []string{"NoSuchScenario"} }, "--scenario"},
		{func(o *CampaignOptions) { o.Strategy = "dfs"; o.Set = map[string]bool{"isolate": true} }, "--isolate applies"},
	} {
		o := DefaultCampaignOptions()
		o.Labels, o.Out = false, t.TempDir()
		c.edit(&o)
		_, _, _, err := o.Resolve()
		assert.ErrorContains(t, err, c.msg)
	}
}
