// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	"kcheck/harness"
)

// The JSON-lines results of a run (--json-lines FILE): one JSON object a
// line, each with a "type":
//
//	start    once per run (per shard instance): the campaign, the shard and
//	         the configuration.
//	batch    every --batch executions (and at least every 30 s while
//	         executions finish, and once at the end): the executions since
//	         the previous batch (counts, verdicts, new lock-order edges, new
//	         seed functions, bundles). Summing a shard's batches gives its
//	         totals even if it was killed before its summary.
//	exec     with --exec-records: one per execution (index, seed, scenario,
//	         verdict, schedule hash, bundle).
//	summary  once at the end (also after Ctrl-C): the shard's totals with
//	         its coverage: the exact schedule hashes (up to 100,000) and a
//	         HyperLogLog sketch of them, the lock-order edges and functions.
//
// Records carry "campaign" (a fingerprint of everything that defines the
// campaign except the shard index, so shards of one campaign share it),
// "shard"/"shards" and "instance" (one per process: a retried shard is a
// new instance; merge keeps one instance per shard).
const resultsVersion = 1

// maxExactHashes is how many schedule hashes a summary lists exactly.
const maxExactHashes = 100_000

type recordHead struct {
	Type     string `json:"type"`
	Version  int    `json:"version"`
	Campaign string `json:"campaign"`
	Instance string `json:"instance"`
	Shard    int    `json:"shard"`
	Shards   int    `json:"shards"`
}

type startRecord struct {
	recordHead
	Started  time.Time `json:"started"`
	Seed     uint64    `json:"seed"`
	Strategy string    `json:"strategy"`
	Spec     string    `json:"spec"`
	Source   string    `json:"source"`
	Args     []string  `json:"args"`
	// Expected is the summary's Expected, known from the start so that
	// a shard killed before its summary is judged the same way.
	Expected map[string][]string `json:"expected,omitempty"`
}

type batchRecord struct {
	recordHead
	Seq          int                         `json:"seq"`
	Executions   int64                       `json:"executions"`
	Operations   int64                       `json:"operations"`
	Steps        int64                       `json:"steps"`
	Verdicts     map[string]int64            `json:"verdicts"`
	ByScenario   map[string]map[string]int64 `json:"by_scenario,omitempty"`
	NewLockEdges []string                    `json:"new_lock_edges,omitempty"`
	NewFunctions []string                    `json:"new_functions,omitempty"`
	Traced       int64                       `json:"traced_executions"`
	Bundles      []harness.BundleRef         `json:"bundles,omitempty"`
	ElapsedSec   float64                     `json:"elapsed_sec"`
	Total        int64                       `json:"total_executions"`
}

type execRecord struct {
	recordHead
	Index    int64  `json:"index"`
	Seed     uint64 `json:"seed"`
	Scenario string `json:"scenario"`
	Strategy string `json:"strategy"`
	Kind     string `json:"kind"`
	Ops      int    `json:"ops"`
	Steps    int64  `json:"steps"`
	Schedule string `json:"schedule_hash,omitempty"`
	Bundle   string `json:"bundle,omitempty"`
}

// coverage is the coverage part of a summary.
type coverage struct {
	DistinctSchedules int64    `json:"distinct_schedules"`
	SchedulesExact    bool     `json:"schedules_exact"`
	LockOrderEdges    int      `json:"lock_order_edges"`
	LockEdges         []string `json:"lock_edges"`
	FunctionsReached  int      `json:"functions_reached"`
	FunctionsTotal    int      `json:"functions_total"`
	Functions         []string `json:"functions"`
	TracedExecutions  int64    `json:"traced_executions"`
	// Per-execution coverage at scheduling points (harness/coverage.go).
	Seed *harness.CoverageStats `json:"seed,omitempty"`
	// Only in JSON-lines summaries, for merge.
	ScheduleHashes []string `json:"schedule_hashes,omitempty"`
	ScheduleSketch string   `json:"schedule_sketch,omitempty"`
}

// summary is what `run --json` prints, the last JSON-lines record of a
// shard, and what `merge` prints.
type summary struct {
	recordHead
	Seed       uint64           `json:"seed"`
	Strategy   string           `json:"strategy"`
	Spec       string           `json:"spec"`
	Source     string           `json:"source"`
	Executions int64            `json:"executions"`
	Operations int64            `json:"operations"`
	Steps      int64            `json:"steps"`
	ElapsedSec float64          `json:"elapsed_sec"`
	ExecPerSec float64          `json:"executions_per_sec"`
	Verdicts   map[string]int64 `json:"verdicts"`
	// Also: verdicts reached besides each execution's headline one.
	Also       map[string]int64 `json:"also_verdicts,omitempty"`
	Violations int64            `json:"violations"`
	// Expected lists, per named scenario, the failing verdict kinds the
	// faithful port is known to produce (Scenario.Expect); Unexpected
	// counts the failing executions whose kind is not listed there.
	Expected    map[string][]string         `json:"expected,omitempty"`
	Unexpected  int64                       `json:"unexpected"`
	ByScenario  map[string]map[string]int64 `json:"by_scenario,omitempty"`
	Coverage    coverage                    `json:"coverage"`
	Bundles     []harness.BundleRef         `json:"bundles"`
	Interrupted bool                        `json:"interrupted"`
	Exhausted   bool                        `json:"exhausted,omitempty"`
	// Abandoned executions were still running when the campaign stopped
	// (StopGrace after its deadline or interrupt); not in the totals.
	Abandoned     int64    `json:"abandoned,omitempty"`
	AbandonedRuns []string `json:"abandoned_runs,omitempty"`
	// Isolated: executions ran in worker processes (--isolate).
	Isolated bool `json:"isolated,omitempty"`
	// Labelled campaigns (--labels): the failures grouped by label (finding
	// IDs joined by "+", NEW or UNLABELLED) with counts, one example and
	// the bundles written; New and Unlabelled count those failures, Known
	// lists the findings seen. LabelSec is the labelling's wall time after
	// the executions (not in ElapsedSec), LabelRuns the failures replayed
	// with the fixes, LabelKeys the distinct failure keys.
	Labelled    bool                 `json:"labelled,omitempty"`
	Labels      []harness.LabelGroup `json:"labels,omitempty"`
	New         int64                `json:"new,omitempty"`
	Unlabelled  int64                `json:"unlabelled,omitempty"`
	Known       []string             `json:"known_findings,omitempty"`
	LabelSec    float64              `json:"label_sec,omitempty"`
	LabelRuns   int                  `json:"label_runs,omitempty"`
	LabelKeys   int                  `json:"label_keys,omitempty"`
	LabelErrors []string             `json:"label_errors,omitempty"`
	Errors      []string             `json:"errors,omitempty"`
	// Merge only.
	ShardsMerged []int    `json:"shards_merged,omitempty"`
	Missing      []int    `json:"shards_missing,omitempty"`
	Incomplete   []int    `json:"shards_without_summary,omitempty"`
	Notes        []string `json:"notes,omitempty"`
}

func kindMap(m map[harness.Kind]int64) map[string]int64 {
	out := map[string]int64{}
	for k, v := range m {
		out[string(k)] = v
	}
	return out
}

func violations(v map[string]int64) int64 {
	var n int64
	for k, c := range v {
		if harness.Kind(k).Violation() {
			n += c
		}
	}
	return n
}

// unexpected counts the failing executions of byScenario whose kind the
// scenario is not known to produce.
func unexpected(byScenario map[string]map[string]int64, expected map[string][]string) int64 {
	var n int64
	for sc, m := range byScenario {
		for k, c := range m {
			if k == string(harness.Pass) {
				continue
			}
			known := false
			for _, e := range expected[sc] {
				known = known || e == k
			}
			if !known {
				n += c
			}
		}
	}
	return n
}

func hashHex(h uint64) string { return fmt.Sprintf("%016x", h) }

// ---- HyperLogLog (precision 12) for merging distinct schedules ----

const hllP = 12
const hllM = 1 << hllP

type sketch [hllM]uint8

func mix64(x uint64) uint64 { // splitmix64's finaliser
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func (s *sketch) add(h uint64) {
	h = mix64(h)
	idx := h >> (64 - hllP)
	w := h<<hllP | 1<<(hllP-1)
	r := uint8(bits.LeadingZeros64(w) + 1)
	if r > s[idx] {
		s[idx] = r
	}
}

func (s *sketch) merge(o *sketch) {
	for i := range s {
		if o[i] > s[i] {
			s[i] = o[i]
		}
	}
}

func (s *sketch) estimate() int64 {
	var sum float64
	zeros := 0
	for _, r := range s {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	m := float64(hllM)
	e := 0.7213 / (1 + 1.079/m) * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros))
	}
	return int64(math.Round(e))
}

func (s *sketch) encode() string { return base64.StdEncoding.EncodeToString(s[:]) }

func decodeSketch(str string) (*sketch, error) {
	b, err := base64.StdEncoding.DecodeString(str)
	if err != nil || len(b) != hllM {
		return nil, fmt.Errorf("bad schedule sketch")
	}
	var s sketch
	copy(s[:], b)
	return &s, nil
}

// ---- the writer ----

// resultsWriter writes a run's JSON-lines file.
type resultsWriter struct {
	mu   sync.Mutex
	f    *os.File
	w    *bufio.Writer
	head recordHead
	err  error

	seq       int
	last      harness.Stats
	lastTime  time.Time
	batchSize int64
}

func openResults(path string, head recordHead, batch int64) (*resultsWriter, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	if batch <= 0 {
		batch = 1000
	}
	return &resultsWriter{f: f, w: bufio.NewWriter(f), head: head, lastTime: time.Now(), batchSize: batch,
		last: harness.Stats{Verdicts: map[harness.Kind]int64{}}}, nil
}

func (r *resultsWriter) write(v any) {
	b, err := json.Marshal(v)
	if err == nil {
		b = append(b, '\n')
		_, err = r.w.Write(b)
	}
	if err != nil && r.err == nil {
		r.err = err
	}
}

func (r *resultsWriter) flush() {
	if err := r.w.Flush(); err != nil && r.err == nil {
		r.err = err
	}
}

func (r *resultsWriter) start(rec startRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec.recordHead = r.head
	rec.Type = "start"
	r.write(rec)
	r.flush()
}

func (r *resultsWriter) exec(e harness.ExecRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := execRecord{recordHead: r.head, Index: e.Index, Seed: e.Seed, Scenario: e.Scenario, Strategy: e.Strategy,
		Kind: string(e.Kind), Ops: e.Ops, Steps: e.Steps, Bundle: e.Bundle}
	if e.Schedule != 0 {
		rec.Schedule = hashHex(e.Schedule)
	}
	rec.Type = "exec"
	r.write(rec)
}

// tick writes a batch record when enough has happened since the last.
func (r *resultsWriter) tick(s harness.Stats, force bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := s.Executions - r.last.Executions
	if d == 0 && !force {
		return
	}
	if !force && d < r.batchSize && time.Since(r.lastTime) < 30*time.Second {
		return
	}
	if d == 0 && len(s.Bundles) == len(r.last.Bundles) && r.seq > 0 {
		r.flush()
		return
	}
	b := batchRecord{recordHead: r.head, Seq: r.seq, Executions: d, Operations: s.Operations - r.last.Operations,
		Steps: s.Steps - r.last.Steps, Verdicts: map[string]int64{}, ByScenario: map[string]map[string]int64{},
		Traced: s.Traced - r.last.Traced, ElapsedSec: s.Elapsed.Seconds(), Total: s.Executions}
	b.Type = "batch"
	for k, v := range s.Verdicts {
		if dv := v - r.last.Verdicts[k]; dv != 0 {
			b.Verdicts[string(k)] = dv
		}
	}
	for sc, m := range s.ByScenario {
		for k, v := range m {
			if dv := v - r.last.ByScenario[sc][k]; dv != 0 {
				if b.ByScenario[sc] == nil {
					b.ByScenario[sc] = map[string]int64{}
				}
				b.ByScenario[sc][string(k)] = dv
			}
		}
	}
	b.NewLockEdges = newStrings(r.last.LockEdges, s.LockEdges)
	b.NewFunctions = newStrings(r.last.Functions, s.Functions)
	if len(s.Bundles) > len(r.last.Bundles) {
		b.Bundles = s.Bundles[len(r.last.Bundles):]
	}
	r.write(b)
	r.flush()
	r.seq++
	r.last = s
	r.lastTime = time.Now()
}

func newStrings(old, cur []string) []string {
	seen := map[string]bool{}
	for _, s := range old {
		seen[s] = true
	}
	var out []string
	for _, s := range cur {
		if !seen[s] {
			out = append(out, s)
		}
	}
	return out
}

// finish writes the last batch and the summary and closes the file.
func (r *resultsWriter) finish(s harness.Stats, sum summary, hashes []uint64) error {
	r.tick(s, true)
	r.mu.Lock()
	defer r.mu.Unlock()
	sum.recordHead = r.head
	sum.Type = "summary"
	var sk sketch
	for _, h := range hashes {
		sk.add(h)
	}
	sum.Coverage.ScheduleSketch = sk.encode()
	if len(hashes) <= maxExactHashes {
		sum.Coverage.ScheduleHashes = make([]string, len(hashes))
		for i, h := range hashes {
			sum.Coverage.ScheduleHashes[i] = hashHex(h)
		}
	}
	r.write(sum)
	r.flush()
	if err := r.f.Close(); err != nil && r.err == nil {
		r.err = err
	}
	return r.err
}

// ---- reading ----

// shardRun is what one instance of one shard left in the files.
type shardRun struct {
	campaign, instance string
	shard, shards      int
	start              *startRecord
	batches            []batchRecord
	summary            *summary
}

func (s *shardRun) executions() int64 {
	if s.summary != nil {
		return s.summary.Executions
	}
	var n int64
	for _, b := range s.batches {
		n += b.Executions
	}
	return n
}

// readResults reads JSON-lines files into shard runs, in file order.
func readResults(paths []string) ([]*shardRun, error) {
	var order []*shardRun
	byKey := map[string]*shardRun{}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		err = readResultsFrom(f, p, byKey, &order)
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return order, nil
}

func readResultsFrom(rd io.Reader, name string, byKey map[string]*shardRun, order *[]*shardRun) error {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		var h recordHead
		if err := json.Unmarshal(b, &h); err != nil {
			return fmt.Errorf("%s:%d: not a JSON object: %v", name, line, err)
		}
		if h.Type == "" || h.Campaign == "" {
			return fmt.Errorf("%s:%d: not a kcheck results record (no type or campaign)", name, line)
		}
		if h.Version > resultsVersion {
			return fmt.Errorf("%s:%d: results version %d is newer than this kcheck's (%d)", name, line, h.Version, resultsVersion)
		}
		key := h.Campaign + "\x00" + h.Instance + "\x00" + strconv.Itoa(h.Shard)
		sr := byKey[key]
		if sr == nil {
			sr = &shardRun{campaign: h.Campaign, instance: h.Instance, shard: h.Shard, shards: h.Shards}
			byKey[key] = sr
			*order = append(*order, sr)
		}
		var err error
		switch h.Type {
		case "start":
			var r startRecord
			err = json.Unmarshal(b, &r)
			sr.start = &r
		case "batch":
			var r batchRecord
			err = json.Unmarshal(b, &r)
			sr.batches = append(sr.batches, r)
		case "summary":
			var r summary
			err = json.Unmarshal(b, &r)
			sr.summary = &r
		case "exec":
		default:
			return fmt.Errorf("%s:%d: unknown record type %q", name, line, h.Type)
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %v", name, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	return nil
}

// mergeRuns merges shard runs into one summary. For each shard it keeps
// one instance: the last with a summary, else the one with the most
// executions (a retried shard re-runs the same seeds: counting two
// instances would count them twice).
func mergeRuns(runs []*shardRun, allowMixed bool) (*summary, error) {
	if len(runs) == 0 {
		return nil, fmt.Errorf("no results records")
	}
	campaigns := map[string]bool{}
	for _, r := range runs {
		campaigns[r.campaign] = true
	}
	if len(campaigns) > 1 && !allowMixed {
		var cs []string
		for c := range campaigns {
			cs = append(cs, c)
		}
		sort.Strings(cs)
		return nil, fmt.Errorf("the files hold %d different campaigns (%v): merge the shards of one campaign, or pass --allow-mixed", len(cs), cs)
	}
	type key struct {
		campaign string
		shard    int
	}
	chosen := map[key]*shardRun{}
	var keys []key
	out := &summary{Verdicts: map[string]int64{}, ByScenario: map[string]map[string]int64{}}
	for _, r := range runs {
		k := key{r.campaign, r.shard}
		old, ok := chosen[k]
		if !ok {
			keys = append(keys, k)
			chosen[k] = r
			continue
		}
		if r.summary != nil || (old.summary == nil && r.executions() > old.executions()) {
			chosen[k] = r
		}
		out.Notes = append(out.Notes, fmt.Sprintf("shard %d ran more than once (instances %s, %s): kept %s", r.shard, old.instance, r.instance, chosen[k].instance))
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].campaign != keys[j].campaign {
			return keys[i].campaign < keys[j].campaign
		}
		return keys[i].shard < keys[j].shard
	})

	edges := map[string]bool{}
	funcs := map[string]bool{}
	hashes := map[string]bool{}
	exact := true
	var sk sketch
	shardsOf := map[string]int{}
	seen := map[string]map[int]bool{}
	var maxElapsed, rate float64
	first := true
	for _, k := range keys {
		r := chosen[k]
		shardsOf[r.campaign] = r.shards
		if seen[r.campaign] == nil {
			seen[r.campaign] = map[int]bool{}
		}
		seen[r.campaign][r.shard] = true
		out.ShardsMerged = append(out.ShardsMerged, r.shard)
		var s summary
		if r.summary != nil {
			s = *r.summary
		} else {
			out.Incomplete = append(out.Incomplete, r.shard)
			exact = false
			s = summaryFromBatches(r)
		}
		if first {
			out.recordHead = s.recordHead
			out.Seed, out.Strategy, out.Spec, out.Source = s.Seed, s.Strategy, s.Spec, s.Source
			if r.start != nil {
				out.Seed, out.Strategy, out.Spec, out.Source = r.start.Seed, r.start.Strategy, r.start.Spec, r.start.Source
			}
			first = false
		}
		out.Executions += s.Executions
		out.Operations += s.Operations
		out.Steps += s.Steps
		for kd, v := range s.Verdicts {
			out.Verdicts[kd] += v
		}
		for sc, m := range s.ByScenario {
			if out.ByScenario[sc] == nil {
				out.ByScenario[sc] = map[string]int64{}
			}
			for kd, v := range m {
				out.ByScenario[sc][kd] += v
			}
		}
		for _, e := range s.Coverage.LockEdges {
			edges[e] = true
		}
		for _, f := range s.Coverage.Functions {
			funcs[f] = true
		}
		out.Coverage.TracedExecutions += s.Coverage.TracedExecutions
		if r.summary != nil {
			if s.Coverage.ScheduleHashes == nil && s.Coverage.DistinctSchedules > 0 {
				exact = false
			}
			for _, h := range s.Coverage.ScheduleHashes {
				hashes[h] = true
			}
			if s.Coverage.ScheduleSketch != "" {
				o, err := decodeSketch(s.Coverage.ScheduleSketch)
				if err != nil {
					return nil, fmt.Errorf("shard %d: %v", r.shard, err)
				}
				sk.merge(o)
			}
		}
		for sc, ks := range s.Expected {
			if out.Expected == nil {
				out.Expected = map[string][]string{}
			}
			if _, ok := out.Expected[sc]; !ok {
				out.Expected[sc] = ks
			}
		}
		if r.start != nil {
			for sc, ks := range r.start.Expected {
				if out.Expected == nil {
					out.Expected = map[string][]string{}
				}
				if _, ok := out.Expected[sc]; !ok {
					out.Expected[sc] = ks
				}
			}
		}
		out.Bundles = append(out.Bundles, s.Bundles...)
		out.Errors = append(out.Errors, s.Errors...)
		mergeLabels(out, &s)
		out.Interrupted = out.Interrupted || s.Interrupted
		out.Abandoned += s.Abandoned
		out.AbandonedRuns = append(out.AbandonedRuns, s.AbandonedRuns...)
		if s.ElapsedSec > maxElapsed {
			maxElapsed = s.ElapsedSec
		}
		if s.ElapsedSec > 0 {
			rate += float64(s.Executions) / s.ElapsedSec
		}
	}
	for c, n := range shardsOf {
		for i := 0; i < n; i++ {
			if !seen[c][i] {
				out.Missing = append(out.Missing, i)
			}
		}
	}
	out.Type = "merge"
	out.Instance = ""
	out.Shard = 0
	out.ElapsedSec = maxElapsed
	out.ExecPerSec = rate
	out.Violations = violations(out.Verdicts)
	out.Unexpected = unexpected(out.ByScenario, out.Expected)
	out.Coverage.LockEdges = sortedSet(edges)
	out.Coverage.LockOrderEdges = len(out.Coverage.LockEdges)
	out.Coverage.Functions = sortedSet(funcs)
	out.Coverage.FunctionsReached = len(out.Coverage.Functions)
	out.Coverage.FunctionsTotal = len(harness.SeedFunctions)
	if exact {
		out.Coverage.DistinctSchedules = int64(len(hashes))
		out.Coverage.SchedulesExact = true
	} else {
		out.Coverage.DistinctSchedules = sk.estimate()
		out.Notes = append(out.Notes, "distinct schedules estimated (HyperLogLog, about 1.6% error): a shard listed no exact hashes or left no summary")
	}
	if len(out.Incomplete) > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("shards %v left no summary (killed?): their totals are the sum of their batches", out.Incomplete))
	}
	return out, nil
}

func summaryFromBatches(r *shardRun) summary {
	s := summary{Verdicts: map[string]int64{}, ByScenario: map[string]map[string]int64{}}
	edges := map[string]bool{}
	funcs := map[string]bool{}
	for _, b := range r.batches {
		s.Executions += b.Executions
		s.Operations += b.Operations
		s.Steps += b.Steps
		for k, v := range b.Verdicts {
			s.Verdicts[k] += v
		}
		for sc, m := range b.ByScenario {
			if s.ByScenario[sc] == nil {
				s.ByScenario[sc] = map[string]int64{}
			}
			for k, v := range m {
				s.ByScenario[sc][k] += v
			}
		}
		for _, e := range b.NewLockEdges {
			edges[e] = true
		}
		for _, f := range b.NewFunctions {
			funcs[f] = true
		}
		s.Coverage.TracedExecutions += b.Traced
		s.Bundles = append(s.Bundles, b.Bundles...)
		if b.ElapsedSec > s.ElapsedSec {
			s.ElapsedSec = b.ElapsedSec
		}
	}
	s.Coverage.LockEdges = sortedSet(edges)
	s.Coverage.Functions = sortedSet(funcs)
	s.Interrupted = true
	return s
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
