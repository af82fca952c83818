// SPDX-License-Identifier: BSD-2-Clause

package triage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"kcheck/harness"
	"kcheck/kern"
	"kcheck/model"
	"kcheck/mutants"
)

// New is the label of a failure no known finding explains.
const New = "NEW"

// RunnerPkg is the fix runner the Labeler builds per fix.
const RunnerPkg = "./triage/internal/fixrun"

// Failure is one failing execution to label: what a bundle holds.
type Failure struct {
	Scenario *harness.Scenario
	Schedule kern.Schedule
	Mode     model.Mode
	MaxSteps int64
	// Parallel bounds the fix runner requests in flight (0: max(2,
	// NumCPU)).
	Parallel int
}

// Attribution is a label with its evidence.
type Attribution struct {
	IDs       []string          // finding IDs, or [New]
	Kind      harness.Kind      // the failure's verdict on the faithful port
	Signature string            // Signature of that verdict
	Evidence  map[string]string // finding ID -> why it was or was not attributed
	Elapsed   time.Duration
}

// Labeler attributes failures to findings. It is safe for concurrent use;
// each fix runner is built once (per source state) and cached on disk.
type Labeler struct {
	Root     string // module root
	Cache    string // directory of the built runners
	DFSBound int    // default 2
	DFSCap   int    // schedules per DFS fallback; default 2000
	// RandomDFSCap caps the DFS fallback for a generated scenario (one
	// whose name starts "random-" or "focused-", as the generator names
	// them); default 20.
	// Bound 2 over a random 3x4 scenario is never exhausted within
	// DFSCap either, so its answer is "probable" whatever the cap: the cap
	// only bounds how long the search tries to meet the failure again,
	// and the fallback was most of a campaign's labelling time. Chosen by
	// measurement: one failure of each of the first 70 failure classes of
	// the default campaign (collectClasses) got the same labels at caps
	// 200, 50 and 20 (31 fallbacks; 4.5 s, 2.1 s and 1.3 s), and none of
	// the 78 fallbacks of a 20 s campaign at cap 200 met its failure.
	RandomDFSCap int
	Timeout      time.Duration
	// Base, when set, is a mutant the port under test carries (the
	// mutant catalogue's tests): the baseline replay runs in a runner
	// built with it, and each fix is applied on top of it.
	Base *mutants.Mutant
	// NoDiskCache: DFS fallback answers are neither read from nor written
	// to the disk cache (BenchmarkLabelling measures a cold labelling).
	NoDiskCache bool
	// NoClassMemory: class labels are neither recalled from nor
	// remembered in the disk cache (harness.ClassMemory; kcheck run
	// --label-reuse=false).
	NoClassMemory bool

	mu     sync.Mutex
	srcKey string
	bins   map[string]string
	builds map[string]*sync.Once
	// building: a runner build's end (closed when bins/berr are set).
	building map[string]chan struct{}
	buildWG  sync.WaitGroup
	berr     map[string]error
	dfs      map[string]*dfsEntry
	pool     serverPool

	attributions, quick, requests, dfsRuns, dfsCached, dfsSkipped, recalled, built atomic.Int64
}

// NewLabeler makes a labeler for the module at root (any directory inside
// it), caching runners under cache ("" for the user cache directory).
func NewLabeler(root, cache string) (*Labeler, error) {
	r, err := mutants.ModuleRoot(root)
	if err != nil {
		return nil, err
	}
	if cache == "" {
		d, err := os.UserCacheDir()
		if err != nil {
			d = os.TempDir()
		}
		cache = filepath.Join(d, "kcheck-triage")
	}
	return &Labeler{Root: r, Cache: cache, DFSBound: 2, DFSCap: 2000, RandomDFSCap: 20, Timeout: 5 * time.Minute,
		bins: map[string]string{}, builds: map[string]*sync.Once{}, berr: map[string]error{}, building: map[string]chan struct{}{},
		dfs: map[string]*dfsEntry{}}, nil
}

// sourceKey hashes the non-test Go files of the packages the fix runner
// is built from (go list -deps of RunnerPkg, within the module) and
// go.mod/go.sum: a runner built from other sources is never reused, and
// editing what the runner does not contain (the command line, tests)
// does not rebuild it. When go list fails it hashes every package.
func (l *Labeler) sourceKey() (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.srcKey != "" {
		return l.srcKey, nil
	}
	dirs := map[string]bool{}
	cmd := exec.Command("go", "list", "-deps", "-f", "{{if .Module}}{{if eq .Module.Path \"kcheck\"}}{{.Dir}}{{end}}{{end}}", RunnerPkg)
	cmd.Dir = l.Root
	if out, err := cmd.Output(); err == nil {
		for _, d := range strings.Fields(string(out)) {
			dirs[d] = true
		}
	}
	h := sha256.New()
	var files []string
	err := filepath.WalkDir(l.Root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			n := d.Name()
			if p != l.Root && (strings.HasPrefix(n, ".") || n == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		n := d.Name()
		if n == "go.mod" || n == "go.sum" {
			if filepath.Dir(p) == l.Root {
				files = append(files, p)
			}
			return nil
		}
		if strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") && (len(dirs) == 0 || dirs[filepath.Dir(p)]) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		rel, _ := filepath.Rel(l.Root, f)
		fmt.Fprintf(h, "%s %d\n", rel, len(b))
		h.Write(b)
	}
	l.srcKey = hex.EncodeToString(h.Sum(nil))[:16]
	return l.srcKey, nil
}

// Runner returns the fix runner binary for f (nil: the faithful port),
// building it on first use.
func (l *Labeler) Runner(ctx context.Context, f *Finding) (string, error) {
	key, err := l.sourceKey()
	if err != nil {
		return "", err
	}
	id := "baseline"
	var m *mutants.Mutant
	if f != nil {
		id, m = f.ID, f.Mutant()
	}
	if l.Base != nil {
		id = l.Base.ID + "+" + id
		rules := append([]mutants.Rule(nil), l.Base.Rules...)
		if m != nil {
			rules = append(rules, m.Rules...)
		}
		m = &mutants.Mutant{ID: id, Rules: rules}
	}
	l.mu.Lock()
	once := l.builds[id]
	if once == nil {
		once = &sync.Once{}
		l.builds[id] = once
	}
	l.mu.Unlock()
	once.Do(func() {
		// The build is not the caller's: a caller whose context ends
		// (a labelling budget) stops waiting, the build goes on and
		// Close waits for it, so that the runner is cached for the next
		// request or campaign instead of being killed half-built.
		done := make(chan struct{})
		l.mu.Lock()
		l.building[id] = done
		l.mu.Unlock()
		l.buildWG.Add(1)
		go func() {
			defer l.buildWG.Done()
			defer close(done)
			dir := filepath.Join(l.Cache, key)
			out := filepath.Join(dir, "fixrun-"+id)
			var berr error
			if _, err := os.Stat(out); err != nil {
				l.built.Add(1)
				berr = os.MkdirAll(dir, 0o755)
				ov := ""
				if berr == nil && m != nil {
					ov, berr = mutants.WriteOverlay(l.Root, m, dir)
				}
				tmp := fmt.Sprintf("%s.tmp%d", out, os.Getpid())
				if berr == nil {
					berr = mutants.Build(context.Background(), l.Root, ov, RunnerPkg, tmp)
				}
				if berr == nil {
					berr = os.Rename(tmp, out)
				}
			}
			l.mu.Lock()
			l.bins[id], l.berr[id] = out, berr
			l.mu.Unlock()
		}()
	})
	l.mu.Lock()
	done := l.building[id]
	l.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bins[id], l.berr[id]
}

// Run sends req to f's runner (nil: the faithful port's), on one of the
// runner's server processes (started on first use, kept until Close).
func (l *Labeler) Run(ctx context.Context, f *Finding, req *Request) (*Response, error) {
	bin, err := l.Runner(ctx, f)
	if err != nil {
		return nil, err
	}
	l.requests.Add(1)
	return l.pool.request(ctx, bin, req, l.Timeout)
}

// Close stops the runner servers the Labeler started. The Labeler stays
// usable: the next request starts them again.
func (l *Labeler) Close() error {
	l.pool.close()
	l.buildWG.Wait() // runner builds a cut-off request started
	return nil
}

// LabelStats counts a Labeler's work since it was made.
type LabelStats struct {
	Attributions int64 // failures attributed
	Quick        int64 // of them, named by a signature alone (QuickLabel)
	Requests     int64 // requests to fix runners
	Starts       int64 // runner processes started
	DFS          int64 // DFS fallbacks run (not from the cache)
	DFSCached    int64 // DFS fallbacks answered by the cache
	DFSSkipped   int64 // DFS fallbacks not needed: another fix removed the failure on its schedule
	Recalled     int64 // class labels recalled from earlier campaigns
	Built        int64 // fix runners built (once per source state)
}

// LabelWork is Stats in words (harness.LabelWorker).
func (l *Labeler) LabelWork() string {
	st := l.Stats()
	built := ""
	if st.Built > 0 {
		built = fmt.Sprintf("; %d fix runners built for this source state (once; the build counts against the labelling budget)", st.Built)
	}
	return fmt.Sprintf("%d class labels recalled from earlier campaigns; %d attributions (%d by signature alone), %d fix runner requests to %d runner processes, %d DFS fallbacks run (%d from the cache, %d not needed)%s",
		st.Recalled, st.Attributions, st.Quick, st.Requests, st.Starts, st.DFS, st.DFSCached, st.DFSSkipped, built)
}

// Stats returns the Labeler's counts.
func (l *Labeler) Stats() LabelStats {
	return LabelStats{Attributions: l.attributions.Load(), Quick: l.quick.Load(), Requests: l.requests.Load(), Starts: l.pool.starts.Load(),
		DFS: l.dfsRuns.Load(), DFSCached: l.dfsCached.Load(), DFSSkipped: l.dfsSkipped.Load(), Recalled: l.recalled.Load(), Built: l.built.Load()}
}

// LabelBundle labels a saved failure bundle.
func (l *Labeler) LabelBundle(dir string) ([]string, error) {
	a, err := l.AttributeBundle(context.Background(), dir)
	if err != nil {
		return nil, err
	}
	return a.IDs, nil
}

// AttributeBundle is LabelBundle with the evidence.
func (l *Labeler) AttributeBundle(ctx context.Context, dir string) (*Attribution, error) {
	lb, err := harness.ReadBundle(dir)
	if err != nil {
		return nil, err
	}
	if lb.Meta.Native {
		return nil, fmt.Errorf("%s: a native run has no schedule to label", dir)
	}
	mode, err := model.ParseMode(lb.Meta.Mode)
	if err != nil {
		return nil, err
	}
	return l.Attribute(ctx, Failure{Scenario: lb.Scenario, Schedule: lb.Schedule, Mode: mode, MaxSteps: lb.Meta.MaxSteps})
}

// Probable marks a finding id whose fix probably removes a failure (the
// recorded schedule no longer applied under the fix and a capped search
// did not meet the failure again) when no fix removed it conclusively and
// more than one probably did.
const Probable = "?"

// Label labels one failure: the finding IDs whose identity it matches, or
// [New].
func (l *Labeler) Label(f Failure) ([]string, error) {
	a, err := l.Attribute(context.Background(), f)
	if err != nil {
		return nil, err
	}
	return a.IDs, nil
}

// LabelFailure is Label for a campaign (harness.Labeler): the campaign
// passes its failures' scenarios and schedules.
func (l *Labeler) LabelFailure(ctx context.Context, f harness.LabelRequest) ([]string, error) {
	a, err := l.Attribute(ctx, Failure{Scenario: f.Scenario, Schedule: f.Schedule, Mode: f.Mode, MaxSteps: f.MaxSteps, Parallel: f.Parallel})
	if err != nil {
		return nil, err
	}
	return a.IDs, nil
}

// QuickLabel is the cheap half of Attribute (harness.QuickLabeler): the
// failure is replayed on the port under test and the signature findings
// decide alone. decided is false when no signature names it (Attribute
// then asks the fix runners); when it is true, ids is what Attribute
// would return.
func (l *Labeler) QuickLabel(ctx context.Context, f harness.LabelRequest) (ids []string, decided bool, err error) {
	base, err := l.replayBase(ctx, Failure{Scenario: f.Scenario, Schedule: f.Schedule, Mode: f.Mode, MaxSteps: f.MaxSteps})
	if err != nil {
		return nil, false, err
	}
	if len(base.Matched) == 0 {
		return nil, false, nil
	}
	l.attributions.Add(1)
	l.quick.Add(1)
	return append([]string(nil), base.Matched...), true, nil
}

// replayBase replays the failure on the port under test (in this process,
// or in the baseline runner when Base is set) and checks that it fails
// there on its recorded schedule.
func (l *Labeler) replayBase(ctx context.Context, fl Failure) (*Response, error) {
	var base *Response
	if l.Base == nil {
		base = serveReplay(&Request{Scenario: fl.Scenario, Schedule: fl.Schedule.String(), MaxSteps: fl.MaxSteps}, fl.Mode)
	} else {
		var err error
		base, err = l.Run(ctx, nil, &Request{Op: "replay", Scenario: fl.Scenario, Schedule: fl.Schedule.String(), Mode: fl.Mode.String(), MaxSteps: fl.MaxSteps})
		if err != nil {
			return nil, err
		}
	}
	if base.Kind == harness.Pass {
		return nil, fmt.Errorf("%s: the failure does not reproduce on the port under test (replay %q)", fl.Scenario.Name, base.Diverged)
	}
	if base.Diverged != "" {
		return nil, fmt.Errorf("%s: the schedule does not replay on the port under test: %s", fl.Scenario.Name, base.Diverged)
	}
	return base, nil
}

// Attribute labels one failure and says why. The failure is first
// replayed on the faithful port, in this process (the caller is built
// from the same sources: a campaign, a test); it must fail. Signature
// findings are checked on that execution; then each finding with a fix
// whose kinds admit the failure is asked whether its fix removes it.
func (l *Labeler) Attribute(ctx context.Context, fl Failure) (*Attribution, error) {
	start := time.Now()
	base, err := l.replayBase(ctx, fl)
	if err != nil {
		return nil, err
	}
	l.attributions.Add(1)
	a := &Attribution{Kind: base.Kind, Signature: base.ReplaySignature, Evidence: map[string]string{}}
	defer func() { a.Elapsed = time.Since(start) }()
	text := base.Text
	for _, id := range base.Matched {
		a.IDs = append(a.IDs, id)
		a.Evidence[id] = "signature: " + ByID(id).SignatureWhy
	}
	if len(a.IDs) > 0 {
		return a, nil
	}
	var removed, probable []string
	var mu sync.Mutex
	var firstErr error
	par := max(2, runtime.NumCPU())
	if fl.Parallel > 0 {
		par = fl.Parallel
	}
	sem := make(chan struct{}, par)
	req := func() *Request {
		return &Request{Op: "label", Scenario: fl.Scenario, Schedule: fl.Schedule.String(),
			Mode: fl.Mode.String(), MaxSteps: fl.MaxSteps, Want: a.Signature, DFSBound: l.DFSBound, DFSCap: l.dfsCap(fl.Scenario)}
	}
	// record files one candidate's answer (mu held).
	record := func(f *Finding, resp *Response, err error) {
		if err != nil && l.Base != nil && strings.Contains(err.Error(), "old text occurs") {
			// The mutant rewrote the code the fix changes: the fix
			// does not apply to this port, so it removes nothing.
			a.Evidence[f.ID] = "the fix does not apply on top of " + l.Base.ID
			return
		}
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("%s: %w", f.ID, err)
			}
			return
		}
		a.Evidence[f.ID] = resp.How
		if resp.Removed {
			removed = append(removed, f.ID)
		} else if resp.Probable {
			probable = append(probable, f.ID)
		}
	}
	// Phase 1: the recorded schedule in each candidate fix's runner.
	var wg sync.WaitGroup
	var needDFS []*Finding
	first := map[string]*Response{}
	for _, f := range Catalogue {
		if f.Fix == nil {
			continue
		}
		if !f.accepts(base.Kind, text) {
			mu.Lock()
			a.Evidence[f.ID] = "not a candidate: " + string(base.Kind) + " is not how it shows"
			mu.Unlock()
			continue
		}
		wg.Add(1)
		go func(f *Finding) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r := req()
			r.NoDFS = true
			resp, err := l.Run(ctx, f, r)
			mu.Lock()
			defer mu.Unlock()
			if err == nil && resp.NeedDFS {
				needDFS = append(needDFS, f)
				first[f.ID] = resp
				return
			}
			record(f, resp, err)
		}(f)
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	// Phase 2: the DFS fallback of the fixes whose scheduling points moved
	// (the recorded schedule did not apply and the diverged replay did
	// not fail the same way). A conclusive removal on the recorded
	// schedule names the failure whatever those searches say, except
	// that an exhausted search could add a finding to it: the searches
	// are skipped then (the label can only be narrower), and run only
	// when no fix removed the failure on its schedule.
	if len(removed) > 0 {
		sort.Strings(removed)
		for _, f := range needDFS {
			l.dfsSkipped.Add(1)
			a.Evidence[f.ID] = fmt.Sprintf("the schedule no longer applies (%s); not searched: the fix of %s removes the failure on the recorded schedule",
				first[f.ID].Diverged, strings.Join(removed, ", "))
		}
		needDFS = nil
	}
	for _, f := range needDFS {
		wg.Add(1)
		go func(f *Finding) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			resp, err := l.dfsFallback(ctx, f, req(), first[f.ID])
			mu.Lock()
			defer mu.Unlock()
			record(f, resp, err)
		}(f)
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	// A conclusive removal names the failure; only when no fix removes it
	// conclusively do the probable ones (capped searches) name it.
	sort.Strings(removed)
	sort.Strings(probable)
	a.IDs = narrowest(removed)
	if len(a.IDs) == 0 {
		// No fix removes it conclusively. When exactly one fix probably
		// does (and every other candidate's fix still fails the same
		// way), that finding names it; when several probably do, each is
		// marked "F3?": the label says the attribution is unproven.
		p := narrowest(probable)
		if len(p) == 1 {
			a.IDs = p
		} else {
			for _, id := range p {
				a.IDs = append(a.IDs, id+Probable)
			}
		}
	}
	if len(a.IDs) == 0 {
		a.IDs = []string{New}
	}
	return a, nil
}

// dfsFallback is the DFS fallback of a "label" request to f's runner,
// whose replay (resp, asked with NoDFS) needed it. The answer is cached:
// the fallback explores the scenario and never looks at the failure's
// schedule, so its answer depends only on the fix, the scenario, the
// signature wanted and the exploration's parameters. It is kept in memory
// and on disk beside the runners (same source key), so that a campaign
// whose failures share scenarios (named scenarios), and the next
// campaign, explore each (fix, scenario, signature) once.
func (l *Labeler) dfsFallback(ctx context.Context, f *Finding, req *Request, resp *Response) (*Response, error) {
	key, err := l.dfsKey(f, req)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	e := l.dfs[key]
	if e == nil {
		e = &dfsEntry{}
		l.dfs[key] = e
	}
	l.mu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.resp != nil {
		l.dfsCached.Add(1)
	} else {
		path := filepath.Join(l.Cache, l.srcKeyCached(), "dfs", key+".json")
		if b, err := os.ReadFile(path); err == nil && !l.NoDiskCache {
			var r Response
			if json.Unmarshal(b, &r) == nil {
				e.resp = &r
			}
		}
		if e.resp != nil {
			l.dfsCached.Add(1)
		} else {
			l.dfsRuns.Add(1)
			r, err := l.Run(ctx, f, req)
			if err != nil {
				return nil, err
			}
			e.resp = r
			if b, err := json.Marshal(r); err == nil && !l.NoDiskCache && os.MkdirAll(filepath.Dir(path), 0o755) == nil {
				tmp := fmt.Sprintf("%s.tmp%d", path, os.Getpid())
				if os.WriteFile(tmp, b, 0o644) == nil {
					os.Rename(tmp, path)
				}
			}
		}
	}
	out := *e.resp
	out.Diverged = resp.Diverged
	out.ReplaySignature = resp.ReplaySignature
	return &out, nil
}

// dfsCap is the DFS fallback's cap for scn: RandomDFSCap (when set and
// smaller than DFSCap) for a scenario the random generator made (its name
// starts "random-"), DFSCap for every other one (named scenarios, the
// mutants' x- scenarios, minimized or hand-written ones).
func (l *Labeler) dfsCap(scn *harness.Scenario) int {
	if l.RandomDFSCap <= 0 || (l.DFSCap > 0 && l.RandomDFSCap >= l.DFSCap) {
		return l.DFSCap
	}
	if generated(scn) {
		return l.RandomDFSCap
	}
	return l.DFSCap
}

// generated reports a scenario the generator made: "random-" (RandomScenario)
// or "focused-" (its focused scenarios, harness/generate.go), with or
// without the feedback's mutation suffixes.
func generated(scn *harness.Scenario) bool {
	return strings.HasPrefix(scn.Name, "random-") || strings.HasPrefix(scn.Name, "focused-")
}

// dfsEntry is one cached DFS fallback answer.
type dfsEntry struct {
	mu   sync.Mutex
	resp *Response
}

// dfsKey names a DFS fallback: the fix (and Base), the scenario, the
// signature wanted and the exploration's parameters.
func (l *Labeler) dfsKey(f *Finding, req *Request) (string, error) {
	scn, err := json.Marshal(req.Scenario)
	if err != nil {
		return "", err
	}
	base := ""
	if l.Base != nil {
		base = l.Base.ID
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s|%s|%s|%s|%d|%d|%d|", base, f.ID, req.Want, req.Mode, req.MaxSteps, req.DFSBound, req.DFSCap)
	h.Write(scn)
	return f.ID + "-" + hex.EncodeToString(h.Sum(nil))[:20], nil
}

func (l *Labeler) srcKeyCached() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.srcKey
}

// narrowest drops a finding when a finding it lists in Within was also
// attributed: that failure happens inside the narrower window, which the
// broader fix closes as well.
func narrowest(ids []string) []string {
	in := map[string]bool{}
	for _, id := range ids {
		in[id] = true
	}
	var out []string
	for _, id := range ids {
		drop := false
		for _, w := range ByID(id).Within {
			if in[w] {
				drop = true
			}
		}
		if !drop {
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return idLess(out[i], out[j]) })
	return out
}

func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
