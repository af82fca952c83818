// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"kcheck/harness"
	"kcheck/harness/results"
)

// Every command runs in-process; none may leave a goroutine behind (the
// campaign workers, the progress reporter).
// The test binary also serves as the --isolate worker (run re-executes
// os.Executable(), which here is this binary).
func TestMain(m *testing.M) {
	harness.MaybeWorker()
	if os.Getenv(asMainEnv) == "1" {
		main() // TestSignals runs this binary as kcheck itself
	}
	goleak.VerifyTestMain(m)
}

type result struct {
	code           int
	stdout, stderr string
}

func kcheck(t *testing.T, args ...string) result {
	t.Helper()
	return kcheckCtx(t, context.Background(), args...)
}

func kcheckCtx(t *testing.T, ctx context.Context, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := runContext(ctx, args, &out, &errb)
	return result{code, out.String(), errb.String()}
}

// bundleFiles are the files every complete bundle holds.
var bundleFiles = []string{"scenario.json", "schedule", "bundle.json", "history.json", "history.html", "report.txt"}

// bundleDirs lists the bundle directories under dir, failing on any
// half-written one.
func bundleDirs(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	var out []string
	for _, e := range ents {
		require.False(t, strings.HasPrefix(e.Name(), ".tmp-"), "half-written bundle %s left in %s", e.Name(), dir)
		if e.IsDir() {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out
}

func requireCompleteBundle(t *testing.T, dir string) harness.Meta {
	t.Helper()
	for _, f := range bundleFiles {
		st, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err, "bundle %s lacks %s", dir, f)
		require.NotZero(t, st.Size(), "bundle %s: %s is empty", dir, f)
	}
	lb, err := harness.ReadBundle(dir)
	require.NoError(t, err)
	return lb.Meta
}

// failingBundle runs the campaign the lead names as failing in the
// faithful port (RenameCollision under the strict spec, DFS bound 1) and
// returns its first bundle.
func failingBundle(t *testing.T) string {
	t.Helper()
	out := t.TempDir()
	r := kcheck(t, "run", "--scenario", "RenameCollision", "--spec", "strict", "--strategy", "dfs", "--bound", "1",
		"--workers", "2", "--out", out, "--progress", "0")
	require.Equal(t, exitViolation, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	dirs := bundleDirs(t, out)
	require.NotEmpty(t, dirs)
	return dirs[0]
}

func TestRunCLIExitCodes(t *testing.T) {
	t.Run("clean", func(t *testing.T) {
		out := t.TempDir()
		r := kcheck(t, "run", "--scenario", "SameExplicitName", "--strategy", "pct", "--executions", "40",
			"--workers", "2", "--out", out, "--progress", "0")
		assert.Equal(t, exitClean, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
		assert.Contains(t, r.stdout, "no violation in 40 executions")
		assert.Empty(t, bundleDirs(t, out), "a clean run writes no bundle")
	})
	t.Run("clean scenario file", func(t *testing.T) {
		scn, err := harness.NamedScenario("Lo0Protected")
		require.NoError(t, err)
		b, err := json.Marshal(scn)
		require.NoError(t, err)
		path := filepath.Join(t.TempDir(), "lo0.json")
		require.NoError(t, os.WriteFile(path, b, 0o644))
		r := kcheck(t, "run", "--scenario", path, "--strategy", "random", "--executions", "20", "--workers", "2",
			"--out", t.TempDir(), "--progress", "0")
		assert.Equal(t, exitClean, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	})
	t.Run("violation", func(t *testing.T) {
		out := t.TempDir()
		r := kcheck(t, "run", "--scenario", "RenameCollision", "--spec", "strict", "--strategy", "dfs", "--bound", "1",
			"--workers", "2", "--out", out, "--progress", "0")
		assert.Equal(t, exitViolation, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
		assert.Contains(t, r.stdout, "NotLinearizable")
		assert.Contains(t, r.stdout, "exhausted")
		dirs := bundleDirs(t, out)
		require.Len(t, dirs, 1, "--bundles 1 (the default) writes one bundle per scenario and kind")
		assert.Equal(t, harness.NotLinearizable, requireCompleteBundle(t, dirs[0]).Kind)
	})
	t.Run("allow expected", func(t *testing.T) {
		scn, err := harness.NamedScenario("RenameCollision")
		require.NoError(t, err)
		require.Contains(t, scn.Expect, harness.NotLinearizable, "the faithful port is known to fail RenameCollision")
		r := kcheck(t, "run", "--scenario", "RenameCollision", "--spec", "strict", "--strategy", "dfs", "--bound", "1",
			"--workers", "2", "--bundles", "0", "--progress", "0", "--allow-expected", "--json", "--out", t.TempDir())
		assert.Equal(t, exitClean, r.code, "a known failure passes with --allow-expected: %s", r.stderr)
		var s results.Summary
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &s))
		assert.Greater(t, s.Violations, int64(0))
		assert.Zero(t, s.Unexpected)
		// A livelock (a step budget nothing fits in) is not a known
		// failure of any scenario.
		r = kcheck(t, "run", "--scenario", "RenameCollision", "--max-steps", "40", "--executions", "5",
			"--workers", "2", "--bundles", "0", "--progress", "0", "--allow-expected", "--json", "--out", t.TempDir())
		assert.Equal(t, exitViolation, r.code)
		s = results.Summary{}
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &s))
		assert.EqualValues(t, 5, s.Unexpected)
	})
	usage := []struct {
		args []string
		msg  string
	}{
		{[]string{"run", "--strategy", "bogus"}, "unknown strategy"},
		{[]string{"run", "--spec", "loose"}, "--spec"},
		{[]string{"run", "--shard", "3/2"}, "--shard"},
		{[]string{"run", "--shard", "x"}, "--shard"},
		{[]string{"run", "--workers", "0"}, "--workers"},
		{[]string{"run", "--executions", "many"}, "invalid argument"},
		{[]string{"run", "--time", "soon"}, "invalid argument"},
		{[]string{"run", "--scenario", "NoSuchScenario"}, "neither a named scenario nor a file"},
		{[]string{"run", "--scenario", "SameExplicitName", "--threads", "4"}, "--threads"},
		{[]string{"run", "--scenario", "SameExplicitName", "--all-named"}, "not both"},
		{[]string{"run", "--cloners", "lo,ppp"}, "unknown cloner"},
		{[]string{"run", "--threads", "0"}, "--threads"},
		{[]string{"run", "--bound", "2"}, "dfs only"},
		{[]string{"run", "--exec-records"}, "--json-lines"},
		{[]string{"run", "--no-such-flag"}, "unknown flag"},
		{[]string{"run", "extra-arg"}, "unknown command"},
		{[]string{"frobnicate"}, "unknown command"},
		{[]string{"replay"}, "bundle directory"},
		{[]string{"replay", "/nonexistent/bundle"}, "reading bundle"},
		{[]string{"minimize", "/nonexistent/bundle"}, "reading bundle"},
		{[]string{"minimize", "a", "b"}, "bundle directory"},
		{[]string{"merge"}, "one or more"},
		{[]string{"merge", "/nonexistent.jsonl"}, "no such file"},
		{[]string{"findings", "--file", "/nonexistent/FINDINGS.md"}, "no such file"},
	}
	for _, u := range usage {
		t.Run("usage "+strings.Join(u.args, " "), func(t *testing.T) {
			r := kcheck(t, u.args...)
			assert.Equal(t, exitUsage, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			assert.Contains(t, r.stderr, u.msg)
			assert.Contains(t, r.stderr, "--help", "a usage error says where the help is")
			assert.NotContains(t, r.stderr+r.stdout, "goroutine ", "no Go panic for bad input")
		})
	}
	t.Run("help", func(t *testing.T) {
		for _, c := range []string{"run", "replay", "minimize", "findings", "merge", "scenarios"} {
			r := kcheck(t, c, "--help")
			assert.Equal(t, exitClean, r.code, c)
			assert.Contains(t, r.stdout, "Usage:", c)
		}
	})
}

func TestRunJSONSummary(t *testing.T) {
	out := t.TempDir()
	r := kcheck(t, "run", "--threads", "2", "--ops", "3", "--cloners", "lo,epair", "--strategy", "random",
		"--executions", "60", "--seed", "7", "--workers", "2", "--trace-every", "10", "--json", "--out", out, "--progress", "0")
	require.Contains(t, []int{exitClean, exitViolation}, r.code, r.stderr)
	var s results.Summary
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &s), "stdout must be exactly one JSON document:\n%s", r.stdout)
	assert.Equal(t, "summary", s.Type)
	assert.EqualValues(t, 60, s.Executions)
	assert.EqualValues(t, 60*2*3, s.Operations, "every random scenario has 2 threads x 3 ops")
	assert.Greater(t, s.Steps, int64(0))
	assert.Greater(t, s.ExecPerSec, 0.0)
	var sum, bad int64
	for k, v := range s.Verdicts {
		sum += v
		if k != harness.Pass {
			bad += v
		}
	}
	assert.EqualValues(t, 60, sum, "verdict counts add up to the executions")
	assert.Equal(t, bad, s.Violations)
	if bad > 0 {
		assert.Equal(t, exitViolation, r.code)
	} else {
		assert.Equal(t, exitClean, r.code)
	}
	assert.Equal(t, "random 2 threads x 3 ops over lo,epair", s.Source)
	assert.Equal(t, "relaxed", s.Spec)
	assert.EqualValues(t, 7, s.Seed)
	c := s.Coverage
	assert.True(t, c.SchedulesExact)
	assert.Greater(t, c.DistinctSchedules, int64(1))
	assert.LessOrEqual(t, c.DistinctSchedules, int64(60))
	assert.Equal(t, len(c.LockEdges), c.LockOrderEdges)
	assert.NotEmpty(t, c.LockEdges, "creating interfaces takes locks in some order")
	assert.EqualValues(t, 6, c.TracedExecutions, "one execution in 10 is traced")
	assert.Equal(t, 38, c.FunctionsTotal)
	assert.Equal(t, len(c.Functions), c.FunctionsReached)
	assert.Contains(t, c.Functions, "IfCloneCreate", "every scenario creates interfaces")
	for _, f := range c.Functions {
		assert.Contains(t, harness.SeedFunctions, f)
	}
	assert.Empty(t, c.ScheduleHashes, "the exact hashes go to --json-lines only")
	assert.Len(t, s.Bundles, len(bundleDirs(t, out)))
	for _, b := range s.Bundles {
		assert.Equal(t, b.Kind, requireCompleteBundle(t, b.Path).Kind)
	}
}

func TestReplayReproducesBundle(t *testing.T) {
	dir := failingBundle(t)
	require.NoError(t, os.Remove(filepath.Join(dir, "history.html")))
	r := kcheck(t, "replay", dir)
	require.Equal(t, exitClean, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	assert.Contains(t, r.stdout, "reproduced: yes")
	assert.Contains(t, r.stdout, "replayed:   NotLinearizable")
	assert.Contains(t, r.stdout, "divergence: none")
	assert.Contains(t, r.stdout, "interleaving (one column per thread")
	assert.Contains(t, r.stdout, "if_clone_createif if_clone.c:", "the interleaving names the seed's C functions and lines")
	assert.Contains(t, r.stdout, "ifc_link_ifp if_clone.c:233 mtx_lock(if_clone lock)", "the C line of IF_CLONE_LOCK in ifc_link_ifp")
	assert.FileExists(t, filepath.Join(dir, "history.html"), "replay draws history.html again")

	var ro replayOutcome
	r = kcheck(t, "replay", "--json", "--no-html", dir)
	require.Equal(t, exitClean, r.code)
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &ro))
	assert.True(t, ro.Reproduced)
	assert.Equal(t, harness.NotLinearizable, ro.Replayed)

	// A bundle whose recorded verdict the replay does not give: exit 1.
	metaPath := filepath.Join(dir, "bundle.json")
	b, err := os.ReadFile(metaPath)
	require.NoError(t, err)
	var meta map[string]any
	require.NoError(t, json.Unmarshal(b, &meta))
	meta["kind"] = string(harness.Deadlock)
	b, err = json.Marshal(meta)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(metaPath, b, 0o644))
	r = kcheck(t, "replay", "--quiet", dir)
	assert.Equal(t, exitViolation, r.code)
	assert.Contains(t, r.stdout, "reproduced: NO")
	assert.NotContains(t, r.stdout, "interleaving", "--quiet leaves the report out")
}

func TestMinimizeCommand(t *testing.T) {
	dir := failingBundle(t)
	orig, err := harness.ReadBundle(dir)
	require.NoError(t, err)
	out := t.TempDir()
	r := kcheck(t, "minimize", "--budget", "200", "--out", out, "--json", dir)
	require.Equal(t, exitClean, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	var res struct {
		Minimized  string
		Kind       harness.Kind
		Original   harness.Size
		Size       harness.Size
		Executions int
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
	assert.Equal(t, orig.Meta.Kind, res.Kind)
	assert.LessOrEqual(t, res.Executions, 200)
	assert.LessOrEqual(t, res.Size.Ops, res.Original.Ops)
	assert.LessOrEqual(t, res.Size.Switches, res.Original.Switches)
	min, err := harness.ReadBundle(res.Minimized)
	require.NoError(t, err)
	assert.Contains(t, min.Meta.Strategy, "minimized from "+dir)
	requireCompleteBundle(t, res.Minimized)
	// The minimized bundle replays to the same verdict.
	r = kcheck(t, "replay", "--quiet", res.Minimized)
	assert.Equal(t, exitClean, r.code, r.stdout)

	// A bundle that records a pass has nothing to minimize.
	meta := min.Meta
	meta.Kind = harness.Pass
	b, err := json.Marshal(meta)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(res.Minimized, "bundle.json"), b, 0o644))
	r = kcheck(t, "minimize", res.Minimized)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "nothing to minimize")
}

// TestInterruptKeepsBundles cancels a campaign that writes a bundle for
// every execution (a step budget no execution fits in makes each one a
// Livelock) and checks that every bundle directory left is complete.
func TestInterruptKeepsBundles(t *testing.T) {
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan result, 1)
	go func() {
		var o, e bytes.Buffer
		code := runContext(ctx, []string{"run", "--scenario", "SameExplicitName", "--strategy", "random",
			"--max-steps", "40", "--bundles", "-1", "--time", "2m", "--workers", "2", "--json", "--labels=false",
			"--out", out, "--progress", "50ms"}, &o, &e)
		done <- result{code, o.String(), e.String()}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ents, _ := os.ReadDir(out)
		n := 0
		for _, e := range ents {
			if !strings.HasPrefix(e.Name(), ".tmp-") {
				n++
			}
		}
		if n >= 4 {
			break
		}
		require.True(t, time.Now().Before(deadline), "no bundles appeared")
		time.Sleep(5 * time.Millisecond)
	}
	cancel() // Ctrl-C
	var r result
	select {
	case r = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the campaign did not stop after the interrupt")
	}
	assert.Equal(t, exitViolation, r.code, r.stderr)
	assert.Contains(t, r.stderr, "interrupted")
	var s results.Summary
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &s), r.stdout)
	assert.True(t, s.Interrupted)
	assert.Equal(t, s.Executions, s.Verdicts[harness.Livelock], "every execution is a livelock")

	dirs := bundleDirs(t, out) // fails on any .tmp- directory
	require.GreaterOrEqual(t, len(dirs), 4)
	assert.Len(t, dirs, len(s.Bundles), "every bundle written is in the summary and on disk")
	assert.EqualValues(t, s.Executions, len(dirs), "each finished execution wrote its bundle")
	for _, d := range dirs {
		assert.Equal(t, harness.Livelock, requireCompleteBundle(t, d).Kind)
	}
}

// execSeeds reads the exec records' seeds of a JSON-lines file.
func execSeeds(t *testing.T, path string) []uint64 {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var seeds []uint64
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var rec results.Exec
		require.NoError(t, json.Unmarshal([]byte(line), &rec))
		if rec.Type == "exec" {
			seeds = append(seeds, rec.Seed)
		}
	}
	sort.Slice(seeds, func(i, j int) bool { return seeds[i] < seeds[j] })
	return seeds
}

func TestShardsCoverDisjointSeeds(t *testing.T) {
	dir := t.TempDir()
	common := []string{"run", "--threads", "3", "--ops", "3", "--cloners", "lo,disc,epair", "--renames",
		"--strategy", "pct", "--seed", "100", "--workers", "2", "--bundles", "0", "--progress", "0",
		"--exec-records", "--batch", "7", "--json"}
	whole := filepath.Join(dir, "whole.jsonl")
	rw := kcheck(t, append(common, "--executions", "60", "--json-lines", whole)...)
	require.Contains(t, []int{exitClean, exitViolation}, rw.code, rw.stderr)

	var files []string
	seen := map[uint64]int{}
	var union []uint64
	for s := 0; s < 3; s++ {
		f := filepath.Join(dir, "shard"+strconv.Itoa(s)+".jsonl")
		files = append(files, f)
		r := kcheck(t, append(common, "--executions", "20", "--shard", strconv.Itoa(s)+"/3", "--json-lines", f)...)
		require.Contains(t, []int{exitClean, exitViolation}, r.code, r.stderr)
		seeds := execSeeds(t, f)
		require.Len(t, seeds, 20)
		for _, sd := range seeds {
			assert.EqualValues(t, s, (sd-100)%3, "shard %d ran seed %d of another shard", s, sd)
			if prev, ok := seen[sd]; ok {
				t.Errorf("seed %d ran in shards %d and %d", sd, prev, s)
			}
			seen[sd] = s
			union = append(union, sd)
		}
	}
	sort.Slice(union, func(i, j int) bool { return union[i] < union[j] })
	wholeSeeds := execSeeds(t, whole)
	assert.Equal(t, wholeSeeds, union, "the shards together run exactly the seeds of one unsharded run")
	for i, sd := range wholeSeeds {
		assert.EqualValues(t, 100+i, sd)
	}

	// The merged shards equal the unsharded run: same seeds, same
	// scenarios, same schedules, same verdicts.
	var ws results.Summary
	require.NoError(t, json.Unmarshal([]byte(rw.stdout), &ws))
	m := kcheck(t, append([]string{"merge", "--json"}, files...)...)
	require.Equal(t, rw.code, m.code, m.stderr)
	var ms results.Summary
	require.NoError(t, json.Unmarshal([]byte(m.stdout), &ms), m.stdout)
	assert.Equal(t, ws.Executions, ms.Executions)
	assert.Equal(t, ws.Operations, ms.Operations)
	assert.Equal(t, ws.Steps, ms.Steps)
	assert.Equal(t, ws.Verdicts, ms.Verdicts)
	assert.Equal(t, ws.Coverage.DistinctSchedules, ms.Coverage.DistinctSchedules)
	assert.True(t, ms.Coverage.SchedulesExact)
	assert.Equal(t, ws.Coverage.LockEdges, ms.Coverage.LockEdges)
	assert.Equal(t, []int{0, 1, 2}, ms.ShardsMerged)
	assert.Empty(t, ms.Missing)

	// Human-readable merge too.
	m = kcheck(t, append([]string{"merge"}, files...)...)
	assert.Contains(t, m.stdout, "executions")
	assert.Contains(t, m.stdout, "shards [0 1 2] of 3")
}

func TestMergeMissingRetriedAndMixed(t *testing.T) {
	dir := t.TempDir()
	shard := func(seed, shard int, file string) {
		t.Helper()
		r := kcheck(t, "run", "--threads", "2", "--ops", "2", "--cloners", "lo", "--strategy", "random",
			"--seed", strconv.Itoa(seed), "--workers", "1", "--bundles", "0", "--progress", "0",
			"--executions", "10", "--shard", strconv.Itoa(shard)+"/3", "--json-lines", file)
		require.Contains(t, []int{exitClean, exitViolation}, r.code, r.stderr)
	}
	f0 := filepath.Join(dir, "s0.jsonl")
	f2 := filepath.Join(dir, "s2.jsonl")
	shard(5, 0, f0)
	// Shard 2 ran twice (a retried job): counted once.
	shard(5, 2, f2)
	shard(5, 2, f2)
	m := kcheck(t, "merge", "--json", f0, f2)
	require.Contains(t, []int{exitClean, exitViolation}, m.code, m.stderr)
	var ms results.Summary
	require.NoError(t, json.Unmarshal([]byte(m.stdout), &ms), m.stdout)
	assert.EqualValues(t, 20, ms.Executions)
	assert.Equal(t, []int{1}, ms.Missing)
	assert.NotEmpty(t, ms.Notes)

	// A shard killed before its summary is counted from its batches.
	killed := filepath.Join(dir, "killed.jsonl")
	shard(5, 1, killed)
	b, err := os.ReadFile(killed)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	require.Contains(t, lines[len(lines)-1], `"type":"summary"`)
	require.NoError(t, os.WriteFile(killed, []byte(strings.Join(lines[:len(lines)-1], "\n")+"\n"), 0o644))
	m = kcheck(t, "merge", "--json", f0, killed, f2)
	ms = results.Summary{}
	require.NoError(t, json.Unmarshal([]byte(m.stdout), &ms), m.stdout)
	assert.EqualValues(t, 30, ms.Executions)
	assert.Empty(t, ms.Missing)
	assert.Equal(t, []int{1}, ms.Incomplete)
	assert.False(t, ms.Coverage.SchedulesExact, "the killed shard left no schedule hashes")

	// A shard of another campaign (another seed) is refused...
	other := filepath.Join(dir, "other.jsonl")
	shard(6, 1, other)
	m = kcheck(t, "merge", f0, other)
	assert.Equal(t, exitUsage, m.code)
	assert.Contains(t, m.stderr, "different campaigns")
	// ... unless asked for.
	m = kcheck(t, "merge", "--allow-mixed", "--json", f0, other)
	assert.Contains(t, []int{exitClean, exitViolation}, m.code, m.stderr)

	// Garbage is bad input.
	junk := filepath.Join(dir, "junk.jsonl")
	require.NoError(t, os.WriteFile(junk, []byte("{not json\n"), 0o644))
	m = kcheck(t, "merge", junk)
	assert.Equal(t, exitUsage, m.code)
	assert.Contains(t, m.stderr, "junk.jsonl:1")
}

func TestFindingsCommand(t *testing.T) {
	bundle := failingBundle(t)
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "docs"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "testdata", "findings"), 0o755))
	good := filepath.Join(dir, "testdata", "findings", "F1-good")
	require.NoError(t, os.CopyFS(good, os.DirFS(bundle)))
	file := filepath.Join(dir, "docs", "FINDINGS.md")
	doc := "# Findings\n\nintro\n\n## F1: a rename races a create\n\nBundle: testdata/findings/F1-good\n\ntext\n\n" +
		"## F2: pinned elsewhere\n\nTest: unrhdr TestSomething\n"
	require.NoError(t, os.WriteFile(file, []byte(doc), 0o644))
	r := kcheck(t, "findings", "--file", file)
	require.Equal(t, exitClean, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	assert.Contains(t, r.stdout, "F1")
	assert.Contains(t, r.stdout, "reproduced")
	assert.Contains(t, r.stdout, "pinned by test: unrhdr TestSomething")
	assert.Contains(t, r.stdout, "1 of 1 bundles reproduced")

	// A finding whose bundle no longer reproduces fails the command.
	bad := filepath.Join(dir, "testdata", "findings", "F3-bad")
	require.NoError(t, os.CopyFS(bad, os.DirFS(bundle)))
	metaPath := filepath.Join(bad, "bundle.json")
	b, err := os.ReadFile(metaPath)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(metaPath, bytes.Replace(b, []byte(`"NotLinearizable"`), []byte(`"Deadlock"`), 1), 0o644))
	doc += "\n## F3: stale\n\nBundle: `testdata/findings/F3-bad`\n\n## F4: gone\n\nBundle: testdata/findings/F4-missing\n"
	require.NoError(t, os.WriteFile(file, []byte(doc), 0o644))
	r = kcheck(t, "findings", "--file", file, "--json")
	require.Equal(t, exitViolation, r.code, r.stderr)
	var fs []harness.Finding
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &fs))
	require.Len(t, fs, 4)
	assert.True(t, fs[0].Reproduced)
	assert.Equal(t, "unrhdr TestSomething", fs[1].Test)
	assert.False(t, fs[2].Reproduced)
	assert.Equal(t, harness.Deadlock, fs[2].Recorded)
	assert.Equal(t, harness.NotLinearizable, fs[2].Replayed)
	assert.False(t, fs[3].Reproduced)
	assert.Contains(t, fs[3].Problem, "reading bundle")

	// No finding at all is bad input.
	empty := filepath.Join(dir, "EMPTY.md")
	require.NoError(t, os.WriteFile(empty, []byte("# nothing\n"), 0o644))
	r = kcheck(t, "findings", "--file", empty)
	assert.Equal(t, exitUsage, r.code)
}

// TestSubcommandsBuiltPerRun: every invocation gets fresh subcommands,
// so a flag set in one in-process run (a slice flag included) is back at
// its default in the next.
func TestSubcommandsBuiltPerRun(t *testing.T) {
	first, _, err := newRootCmd().Find([]string{"stress"})
	require.NoError(t, err)
	require.NoError(t, first.Flags().Set("cloners", "disc"))
	require.NoError(t, first.Flags().Set("duration", "1s"))
	second, _, err := newRootCmd().Find([]string{"stress"})
	require.NoError(t, err)
	assert.NotSame(t, first, second)
	assert.Equal(t, first.Flags().Lookup("cloners").DefValue, second.Flags().Lookup("cloners").Value.String())
	assert.False(t, second.Flags().Lookup("duration").Changed)
}
