package harness

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/ifclone"
	"kcheck/kern"
	"kcheck/model"
	"kcheck/vnet"
)

// The "boom" cloner exists only in this test binary: creating boomN
// recurses without end in the emulated thread, the stack overflow (a
// fatal Go error no recover catches) that isolation must survive.
type boomKey struct{}

type boomGlobals struct{ cloner *vnet.Var[*ifclone.IfClone] }

//go:noinline
func boomRecurse(td *kern.Thread, n int) int {
	var pad [64]byte
	pad[n%64] = byte(n)
	return boomRecurse(td, n+1) + int(pad[0])
}

// boomSpin loops without end and without a scheduling point: what the
// watchdog is for.
//
//go:noinline
func boomSpin() int {
	n := 0
	for i := 1; i != 0; i++ {
		n += i & 1
	}
	return n
}

type spinKey struct{}

// loadTestCloner attaches a cloner named name whose create runs f.
func loadTestCloner(td *kern.Thread, key any, name string, f func(td *kern.Thread) kern.Errno) {
	k := td.K
	g := k.Local(key, func() any { return &boomGlobals{} }).(*boomGlobals)
	g.cloner = vnet.Define[*ifclone.IfClone](td, name+"_cloner", nil)
	vnet.VNET_SYSINIT(k, "vnet_"+name+"_init", kern.SI_SUB_PSEUDO, kern.SI_ORDER_ANY, func(td *kern.Thread, _ any) {
		*g.cloner.V(td) = ifclone.IfCloneSimple(td, append([]byte(name), 0),
			func(td *kern.Thread, ifc *ifclone.IfClone, unit int, params ifclone.Caddr) kern.Errno {
				return f(td)
			},
			func(td *kern.Thread, ifp *ifclone.Ifnet) {}, 0)
	}, nil)
	vnet.VNET_SYSUNINIT(k, "vnet_"+name+"_uninit", kern.SI_SUB_INIT_IF, kern.SI_ORDER_ANY, func(td *kern.Thread, _ any) {
		ifclone.IfCloneDetach(td, *g.cloner.V(td))
	}, nil)
}

func registerTestDrivers() {
	RegisterDrivers("test-boom", func(td *kern.Thread) {
		LoadAllDrivers(td)
		loadTestCloner(td, boomKey{}, "boom", func(td *kern.Thread) kern.Errno { boomRecurse(td, 0); return 0 })
	})
	RegisterDrivers("test-spin", func(td *kern.Thread) {
		LoadAllDrivers(td)
		loadTestCloner(td, spinKey{}, "spin", func(td *kern.Thread) kern.Errno { boomSpin(); return 0 })
	})
	RegisterDrivers("test-nativeleak", func(td *kern.Thread) {
		LoadAllDrivers(td)
		loadTestCloner(td, leakKey{}, "leak", func(td *kern.Thread) kern.Errno {
			if td.K.Native() {
				kern.Malloc[leakObj](td, td.K.MallocType("leaktest", "a test cloner's leak"), kern.M_WAITOK)
			}
			return kern.EINVAL
		})
	})
	RegisterDrivers("test-leak", func(td *kern.Thread) {
		LoadAllDrivers(td)
		loadTestCloner(td, leakKey{}, "leak", func(td *kern.Thread) kern.Errno {
			kern.Malloc[leakObj](td, td.K.MallocType("leaktest", "a test cloner's leak"), kern.M_WAITOK)
			return kern.EINVAL
		})
	})
}

// The "leak" cloner's create allocates an object it never frees and
// fails as the model expects a name no cloner takes to fail (EINVAL):
// every execution that creates leakN ends in a Leak, native or
// controlled, and nothing else. In the driver set "test-nativeleak" it
// leaks in native runs only: a native failure no controlled run
// reproduces.
type leakKey struct{}

type leakObj struct{ n [4]uint64 }

func boomScenarios() []*Scenario {
	return []*Scenario{
		{Name: "Boom", Threads: [][]Op{{mkC(0, "boom0")}, {mkC(0, "disc0")}}},
		{Name: "Calm1", Threads: [][]Op{{mkC(0, "disc0"), mkD(0, "disc0")}, {mkC(0, "lo1")}}},
		{Name: "Calm2", Threads: [][]Op{{mkC(0, "epair0")}, {mkC(0, "tun0")}}},
	}
}

// TestCrashVerdictIsolated: a stack overflow in one execution's emulated
// thread is a Crash verdict with the fatal message and a schedule prefix;
// the other executions of the campaign run and pass.
func TestCrashVerdictIsolated(t *testing.T) {
	out := t.TempDir()
	c, err := NewCampaign(CampaignConfig{Scenarios: boomScenarios(), Strategy: PCT, Executions: 9, Seed: 1,
		Workers: 2, Isolate: true, Drivers: "test-boom", OutDir: out, BundlesPerKind: 1, TraceEvery: -1,
		Watchdog: 10 * time.Second})
	require.NoError(t, err)
	res := c.Run(context.Background())
	require.Empty(t, res.Errors)
	assert.EqualValues(t, 9, res.Executions)
	assert.EqualValues(t, 3, res.ByScenario["Boom"][Crash], "every Boom execution crashes: %v", res.ByScenario)
	assert.EqualValues(t, 3, res.ByScenario["Calm1"][Pass]+res.ByScenario["Calm1"][NotLinearizable])
	assert.EqualValues(t, 3, res.ByScenario["Calm2"][Pass], "%v", res.ByScenario)
	assert.Zero(t, res.Verdicts[InternalError])
	var crash *BundleRef
	for i := range res.Bundles {
		if res.Bundles[i].Kind == Crash {
			crash = &res.Bundles[i]
		}
	}
	require.NotNil(t, crash, "a Crash bundle is written")
	lb, err := ReadBundle(crash.Path)
	require.NoError(t, err)
	assert.Equal(t, Crash, lb.Meta.Kind)
	assert.Contains(t, lb.Meta.Summary, "stack overflow")
	assert.NotEmpty(t, lb.Schedule, "the re-run streams the schedule prefix up to the death")
	rep, err := os.ReadFile(filepath.Join(crash.Path, "report.txt"))
	require.NoError(t, err)
	assert.Contains(t, string(rep), "goroutine stack exceeds")
	assert.True(t, strings.Contains(string(rep), "died again after"), "the crash recurred on the streaming re-run")
}

// TestIsolatedMatchesInProcess: the same campaign gives the same verdicts
// in worker processes and in process.
func TestIsolatedMatchesInProcess(t *testing.T) {
	cfg := CampaignConfig{Scenarios: Named()[:4], Strategy: PCT, Executions: 16, Seed: 7, Workers: 2, TraceEvery: 4}
	c1, err := NewCampaign(cfg)
	require.NoError(t, err)
	in := c1.Run(context.Background())
	cfg.Isolate = true
	c2, err := NewCampaign(cfg)
	require.NoError(t, err)
	iso := c2.Run(context.Background())
	assert.Equal(t, in.ByScenario, iso.ByScenario)
	assert.Equal(t, in.ScheduleHashes, iso.ScheduleHashes)
	assert.Equal(t, in.Functions, iso.Functions)
	assert.Equal(t, in.Steps, iso.Steps)
}

// TestIsolatedCampaignStopsOnTime: an execution stuck where no watchdog
// ends it (here none is set) does not keep the campaign past its time
// budget: its worker is killed StopGrace after the deadline and the
// execution is counted as abandoned.
func TestIsolatedCampaignStopsOnTime(t *testing.T) {
	spin := &Scenario{Name: "Spin", Threads: [][]Op{{mkC(0, "spin0")}, {mkC(0, "disc0")}}}
	c, err := NewCampaign(CampaignConfig{Scenarios: []*Scenario{spin}, Strategy: Random, Duration: time.Second,
		Workers: 1, Isolate: true, Drivers: "test-spin", TraceEvery: -1})
	require.NoError(t, err)
	t0 := time.Now()
	res := c.Run(context.Background())
	took := time.Since(t0)
	assert.Less(t, took, time.Second+StopGrace+time.Second, "the campaign ends within StopGrace of its budget")
	assert.EqualValues(t, 1, res.Abandoned)
	assert.Zero(t, res.Executions)
}

// TestInterruptStopsIsolatedCampaign: cancelling the context (what the
// first SIGINT does) ends a campaign with a stuck execution in about
// StopGrace, marked interrupted.
func TestInterruptStopsIsolatedCampaign(t *testing.T) {
	spin := &Scenario{Name: "Spin", Threads: [][]Op{{mkC(0, "spin0")}}}
	c, err := NewCampaign(CampaignConfig{Scenarios: []*Scenario{spin}, Strategy: PCT, Executions: 100,
		Workers: 1, Isolate: true, Drivers: "test-spin", TraceEvery: -1})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	t0 := time.Now()
	res := c.Run(ctx)
	assert.Less(t, time.Since(t0), 300*time.Millisecond+StopGrace+time.Second)
	assert.True(t, res.Interrupted)
	assert.EqualValues(t, 1, res.Abandoned)
}

// TestHangVerdictWatchdog: a thread that spins without reaching a
// scheduling point is the verdict Hang from kern's watchdog, with every
// goroutine's stack in the bundle. Run in a worker process, so that
// without a working watchdog the test fails (the parent's fallback ends
// the worker) instead of spinning forever.
func TestHangVerdictWatchdog(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a watchdog to fire; runs without -short")
	}
	spin := &Scenario{Name: "Spin", Threads: [][]Op{{mkC(0, "spin0")}, {mkC(0, "disc0")}}}
	out := t.TempDir()
	c, err := NewCampaign(CampaignConfig{Scenarios: []*Scenario{spin}, Strategy: PCT, Executions: 1,
		Workers: 1, Isolate: true, Drivers: "test-spin", TraceEvery: -1, Watchdog: 500 * time.Millisecond,
		CheckTimeout: time.Second, OutDir: out, BundlesPerKind: 1})
	require.NoError(t, err)
	res := c.Run(context.Background())
	require.EqualValues(t, 1, res.Verdicts[Hang], "%v", res.Verdicts)
	require.Len(t, res.Bundles, 1)
	lb, err := ReadBundle(res.Bundles[0].Path)
	require.NoError(t, err)
	assert.Contains(t, lb.Meta.Summary, "reached no scheduling point", "kern's watchdog (not the parent's fallback) ended it")
	rep, err := os.ReadFile(filepath.Join(res.Bundles[0].Path, "report.txt"))
	require.NoError(t, err)
	assert.Contains(t, string(rep), "boomSpin", "the stacks show the spinning function")
}

// testSignatures is the signature matcher of this package's tests (the
// real one is package triage's catalogue): scenario Spin's spin is
// "F-SPIN" when its stalled thread is in boomSpin; nothing else is named.
func testSignatures(ex *Execution) []string {
	if ex.Scenario != nil && ex.Scenario.Name == "Spin" && ex.Kind == Hang && strings.Contains(ex.Details, "boomSpin") {
		return []string{"F-SPIN"}
	}
	if ex.Scenario != nil && ex.Scenario.Name == "LeakSigned" && ex.Kind == Leak {
		return []string{"F-LEAKSIG"}
	}
	return nil
}

// TestHangLabelledBySignature: a labelled campaign's Hang, which no
// replay can label, takes the label the signature matcher gives it in the
// worker process that ran it; a Hang the matcher names nothing for is
// UNLABELLED and says so. The Labeler is never asked about either. The
// labelled Hang's bundle, written in the worker, gets its label file.
func TestHangLabelledBySignature(t *testing.T) {
	spin := &Scenario{Name: "Spin", Threads: [][]Op{{mkC(0, "spin0")}, {mkC(0, "disc0")}}}
	other := &Scenario{Name: "SpinElsewhere", Threads: [][]Op{{mkC(0, "disc1")}, {mkC(0, "spin1")}}}
	l := &byScenario{}
	c, err := NewCampaign(CampaignConfig{Scenarios: []*Scenario{spin, other}, Strategy: PCT, Executions: 2, Seed: 1,
		Workers: 1, Isolate: true, Drivers: "test-spin", TraceEvery: -1, Watchdog: 500 * time.Millisecond,
		CheckTimeout: time.Second, Labeler: l, Mode: model.Relaxed, OutDir: t.TempDir(), BundlesPerKind: 1})
	require.NoError(t, err)
	res := c.Run(context.Background())
	require.EqualValues(t, 2, res.Verdicts[Hang], "%v", res.Verdicts)
	require.NotNil(t, res.Labels)
	groups := map[string]LabelGroup{}
	for _, g := range res.Labels.Groups {
		groups[g.Label] = g
	}
	require.Contains(t, groups, "F-SPIN", "%+v", res.Labels.Groups)
	assert.EqualValues(t, 1, groups["F-SPIN"].Count)
	assert.EqualValues(t, 1, groups["F-SPIN"].Signed)
	assert.EqualValues(t, 1, groups["F-SPIN"].Kinds[Hang])
	require.Len(t, groups["F-SPIN"].Bundles, 1, "the bundle written where it ran")
	lb, err := os.ReadFile(filepath.Join(groups["F-SPIN"].Bundles[0], "label"))
	require.NoError(t, err)
	assert.Equal(t, "F-SPIN\n", string(lb))
	require.Contains(t, groups, LabelUnlabelled)
	assert.EqualValues(t, 1, groups[LabelUnlabelled].Count)
	assert.Contains(t, strings.Join(groups[LabelUnlabelled].Why, "\n"), "only a finding's signature could label it, and none matched")
	assert.Zero(t, res.Labels.Runs, "the Labeler was not asked about a Hang")
}
