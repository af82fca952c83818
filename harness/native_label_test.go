// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/kern"
	"kcheck/model"
)

// scheduleLabeler labels every failure "F-<scenario>" and records the
// schedules it was asked to label.
type scheduleLabeler struct {
	mu     sync.Mutex
	scheds []kern.Schedule
}

func (l *scheduleLabeler) LabelFailure(ctx context.Context, f LabelRequest) ([]string, error) {
	l.mu.Lock()
	l.scheds = append(l.scheds, f.Schedule)
	l.mu.Unlock()
	return []string{"F-" + f.Scenario.Name}, nil
}

// nativeCampaign runs n native executions of scn, one isolated worker,
// with the driver set drivers, labelled by l, bundles to out ("" none)
// at most bundles per kind (known findings: one).
func nativeCampaign(t *testing.T, scn *Scenario, n int64, drivers string, l Labeler, out string, bundles int, timeout time.Duration) *CampaignResult {
	t.Helper()
	c, err := NewCampaign(CampaignConfig{Scenarios: []*Scenario{scn}, Strategy: Native, Executions: n, Seed: 1,
		Workers: 1, Isolate: true, Drivers: drivers, Mode: model.Relaxed, Labeler: l, OutDir: out,
		BundlesPerKind: bundles, KnownBundles: 1, TraceEvery: -1, NativeTimeout: timeout})
	require.NoError(t, err)
	return c.Run(context.Background())
}

var leakScenario = &Scenario{Name: "LeakOnce", Threads: [][]Op{{mkC(0, "leak0")}, {mkC(0, "lo1")}}}

// TestNativeFailuresLabelledByReproduction: a native campaign's failures
// are labelled through a controlled execution of their scenario that
// fails with the same key. The labeller is asked for that execution's
// schedule (a native run has none), the group counts them as reproduced,
// and the label's bundle is that controlled execution, which replays to
// the same verdict.
func TestNativeFailuresLabelledByReproduction(t *testing.T) {
	out := t.TempDir()
	l := &scheduleLabeler{}
	res := nativeCampaign(t, leakScenario, 3, "test-leak", l, out, 1, 5*time.Second)
	require.EqualValues(t, 3, res.Verdicts[Leak], "%v", res.Verdicts)
	require.NotNil(t, res.Labels)
	require.Len(t, res.Labels.Groups, 1, "%+v", res.Labels.Groups)
	g := res.Labels.Groups[0]
	assert.Equal(t, "F-LeakOnce", g.Label, "%+v", g)
	assert.EqualValues(t, 3, g.Count)
	assert.GreaterOrEqual(t, g.Reproduced, 1)
	assert.Equal(t, g.Labelled, g.Reproduced, "every labelled sample came through a reproduction")
	require.NotEmpty(t, l.scheds)
	for _, sc := range l.scheds {
		assert.NotEmpty(t, sc, "the labeller got a native failure without a schedule")
	}
	// The native run's own bundle (written where it ran) and the
	// label's, from the controlled reproduction.
	var replayed string
	for _, b := range res.Bundles {
		desc, err := os.ReadFile(filepath.Join(b.Path, "report.txt"))
		require.NoError(t, err)
		if strings.Contains(string(desc), "reproduced under control by ") {
			replayed = b.Path
			assert.Equal(t, "F-LeakOnce", b.Label)
		}
	}
	require.NotEmpty(t, replayed, "no bundle of the controlled reproduction among %+v", res.Bundles)
	lb, err := ReadBundle(replayed)
	require.NoError(t, err)
	assert.False(t, lb.Meta.Native)
	load, ok := driverSet("test-leak")
	require.True(t, ok)
	rp := kern.NewReplay(lb.Schedule)
	ex := Execute(lb.Scenario, Config{Chooser: rp, Mode: model.Relaxed, LoadDrivers: load})
	assert.Empty(t, rp.Diverged())
	assert.Equal(t, Leak, ex.Kind)
}

// TestReproduceGivesUp: a native failure whose key no controlled
// execution of its scenario shows is not labelled: the sample ends with
// an error that says so, after reproExecutions executions.
func TestReproduceGivesUp(t *testing.T) {
	c, err := NewCampaign(CampaignConfig{Scenarios: []*Scenario{leakScenario}, Strategy: Native, Executions: 1,
		Workers: 1, Drivers: "test-leak", Mode: model.Relaxed, Labeler: &scheduleLabeler{}, TraceEvery: -1})
	require.NoError(t, err)
	s := &sample{scn: leakScenario, native: true, failKey: "Leak memory left after teardown: nothing of the kind | x",
		ex: LabelExample{Kind: Leak}}
	assert.False(t, c.reproduce(context.Background(), s))
	assert.True(t, s.done)
	assert.Contains(t, s.err, "not reproduced under control")
	assert.Nil(t, s.sched)

	// Cut off by its budget, the sample stays pending.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s = &sample{scn: leakScenario, native: true, failKey: "Leak x", ex: LabelExample{Kind: Leak}, started: true}
	assert.False(t, c.reproduce(ctx, s))
	assert.False(t, s.done)
	assert.False(t, s.started)
}

// TestReproClass: a controlled reproduction of a native invariant
// failure needs the phase and the invariant's name, not the point or
// the text (a native run checks only at quiescence); other kinds need
// their ClassKey.
func TestReproClass(t *testing.T) {
	native := "Invariant workload: invariant ifnet-unique-name broken at step N (quiescent by ): two interfaces named loN | x"
	controlled := "Invariant workload: invariant ifnet-unique-name broken at step N (mtx_unlock if_clone lock by tN, tid N): two interfaces named loN on V_ifnet | y"
	assert.Equal(t, reproClass(native), reproClass(controlled))
	assert.NotEqual(t, reproClass(native), reproClass("Invariant teardown: invariant ifnet-unique-name broken at step N (quiescent by ): z | x"))
	assert.NotEqual(t, reproClass(native), reproClass("Invariant workload: invariant list-terminates broken at step N (quiescent by ): z | x"))
	leak := "Leak memory left after teardown: b: N live, a: N live | x"
	assert.Equal(t, ClassKey(leak), reproClass(leak))
}

// TestGroupLabelsTriedAndFailed: when every sample of a key was tried
// and none could be labelled, the key's other failures share the
// samples' reason; none is counted pending (the budget did reach them).
func TestGroupLabelsTriedAndFailed(t *testing.T) {
	why := "a native failure not reproduced under control (200 PCT and random executions of its scenario)"
	ks := &keyState{key: "random: Panic x (native)", kind: Panic, count: 5, samples: []*sample{
		{native: true, done: true, err: why}, {native: true, done: true, err: why}}}
	groups, pending := groupLabels([]*keyState{ks}, 2, "pending: not reached")
	assert.Zero(t, pending)
	require.Len(t, groups, 1)
	assert.Equal(t, LabelUnlabelled, groups[0].Label)
	assert.EqualValues(t, 5, groups[0].Count)
	assert.Equal(t, []string{"5: " + why}, groups[0].Why)

	// A third sample, beyond the two the campaign labels, changes
	// nothing: it is never labelled while the first two agree.
	ks.samples = append(ks.samples, &sample{native: true})
	groups, pending = groupLabels([]*keyState{ks}, 2, "pending: not reached")
	assert.Zero(t, pending)
	assert.Equal(t, []string{"5: " + why}, groups[0].Why)

	// One of the first two not reached: the rest wait for it (pending).
	ks.samples = []*sample{{native: true, done: true, err: why}, {native: true}, {native: true}}
	groups, pending = groupLabels([]*keyState{ks}, 2, "pending: not reached")
	assert.EqualValues(t, 4, pending)
	assert.EqualValues(t, 5, groups[0].Count)
}

// refuseAll fails the test if a campaign asks it to label anything.
type refuseAll struct{ t *testing.T }

func (r refuseAll) LabelFailure(context.Context, LabelRequest) ([]string, error) {
	r.t.Error("the Labeler was asked to label a failure a signature names")
	return nil, nil
}

// TestNativeFailuresLabelledBySignature: a native failure that a
// finding's signature names is labelled so in the worker that ran it,
// as a Hang is, with no reproduction and no question to the Labeler.
func TestNativeFailuresLabelledBySignature(t *testing.T) {
	scn := &Scenario{Name: "LeakSigned", Threads: leakScenario.Threads}
	res := nativeCampaign(t, scn, 2, "test-leak", refuseAll{t}, "", 1, 5*time.Second)
	require.EqualValues(t, 2, res.Verdicts[Leak], "%v", res.Verdicts)
	require.NotNil(t, res.Labels)
	require.Len(t, res.Labels.Groups, 1, "%+v", res.Labels.Groups)
	g := res.Labels.Groups[0]
	assert.Equal(t, "F-LEAKSIG", g.Label)
	assert.EqualValues(t, 2, g.Signed)
	assert.Zero(t, g.Reproduced)
}

// bundleDirs lists the directories under out.
func bundleDirs(t *testing.T, out string) []string {
	t.Helper()
	ents, err := os.ReadDir(out)
	require.NoError(t, err)
	var dirs []string
	for _, e := range ents {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join(out, e.Name()))
		}
	}
	return dirs
}

// TestNativeKeyBundles: a native failure that no signature names and no
// controlled run reproduces is UNLABELLED, and the bundle of its first
// occurrence, written where it ran whatever the per-kind bundle budget,
// is kept and listed with the group; a native failure the reproduction
// labels leaves no such bundle behind (its label has its own).
func TestNativeKeyBundles(t *testing.T) {
	for _, c := range []struct {
		drivers string
		label   string
	}{{"test-nativeleak", LabelUnlabelled}, {"test-leak", "F-LeakOnce"}} {
		t.Run(c.drivers, func(t *testing.T) {
			out := t.TempDir()
			res := nativeCampaign(t, leakScenario, 3, c.drivers, &scheduleLabeler{}, out, 0, 5*time.Second)
			require.EqualValues(t, 3, res.Verdicts[Leak], "%v", res.Verdicts)
			require.Len(t, res.Labels.Groups, 1, "%+v", res.Labels.Groups)
			g := res.Labels.Groups[0]
			assert.Equal(t, c.label, g.Label, "%+v", g)
			var listed []string
			for _, b := range res.Bundles {
				listed = append(listed, b.Path)
			}
			assert.ElementsMatch(t, listed, bundleDirs(t, out), "every bundle on disk is listed, and only those")
			require.Len(t, g.Bundles, 1)
			lb, err := ReadBundle(g.Bundles[0])
			require.NoError(t, err)
			if c.label == LabelUnlabelled {
				assert.True(t, lb.Meta.Native, "the native run's own bundle")
				assert.Equal(t, []string{"3: a native failure not reproduced under control (200 PCT and random executions of its scenario)"}, g.Why)
				lab, err := os.ReadFile(filepath.Join(g.Bundles[0], "label"))
				require.NoError(t, err)
				assert.Equal(t, LabelUnlabelled+"\n", string(lab))
			} else {
				assert.False(t, lb.Meta.Native, "the label's bundle is the controlled reproduction")
			}
		})
	}
}

// TestNativeHangKeyBundle: a native Hang no signature names is
// UNLABELLED, and the bundle of its key's first occurrence is kept even
// with no per-kind bundle budget (the Hang has no reproduction, so it is
// the only record); one a signature names leaves no key bundle.
func TestNativeHangKeyBundle(t *testing.T) {
	for _, c := range []struct {
		name, label string
		bundles     int
	}{{"SpinElsewhere", LabelUnlabelled, 1}, {"Spin", "F-SPIN", 0}} {
		t.Run(c.name, func(t *testing.T) {
			out := t.TempDir()
			scn := &Scenario{Name: c.name, Threads: [][]Op{{mkC(0, "spin0")}}}
			res := nativeCampaign(t, scn, 1, "test-spin", refuseAll{t}, out, 0, time.Second)
			require.EqualValues(t, 1, res.Verdicts[Hang], "%v", res.Verdicts)
			require.Len(t, res.Labels.Groups, 1, "%+v", res.Labels.Groups)
			g := res.Labels.Groups[0]
			assert.Equal(t, c.label, g.Label)
			assert.Len(t, g.Bundles, c.bundles)
			assert.Len(t, bundleDirs(t, out), c.bundles)
		})
	}
}

// TestNativeReportTimes: a native run's report gives its history's times
// in microseconds of its wall clock (a controlled run's are steps), so
// that operations after the first do not all print as [0..0].
func TestNativeReportTimes(t *testing.T) {
	scn := &Scenario{Name: "Times", Threads: [][]Op{{mkC(0, "lo1"), mkD(0, "lo1"), mkC(0, "lo2")}}}
	ex := Execute(scn, Config{Native: true, Mode: model.Relaxed})
	require.True(t, ex.Native)
	r := Report(ex, "native", "b")
	assert.Contains(t, r, "history (call..return in µs, thread, operation -> result):")
	last := ex.Events[len(ex.Events)-1]
	assert.Contains(t, r, fmt.Sprintf("..%6d] t0", last.Return/1000))
	ex = Execute(scn, Config{Mode: model.Relaxed})
	assert.False(t, ex.Native)
	assert.Contains(t, Report(ex, "random", "b"), "history (call..return, thread, operation -> result):")
}
