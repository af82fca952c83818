// SPDX-License-Identifier: BSD-2-Clause

package results

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"strconv"
	"sync"
	"time"

	"kcheck/harness"
	"kcheck/internal/mix"
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
const Version = 1

// MaxExactHashes is how many schedule hashes a summary lists exactly.
const MaxExactHashes = 100_000

// Head is what every record carries.
type Head struct {
	Type     string `json:"type"`
	Version  int    `json:"version"`
	Campaign string `json:"campaign"`
	Instance string `json:"instance"`
	Shard    int    `json:"shard"`
	Shards   int    `json:"shards"`
}

// Start is the first record of a shard instance.
type Start struct {
	Head
	Started  time.Time `json:"started"`
	Seed     uint64    `json:"seed"`
	Strategy string    `json:"strategy"`
	Spec     string    `json:"spec"`
	Source   string    `json:"source"`
	Args     []string  `json:"args"`
	// Expected is the summary's Expected, known from the start so that
	// a shard killed before its summary is judged the same way.
	Expected harness.Expectations `json:"expected,omitempty"`
}

// Batch is what happened since the previous batch of the instance.
type Batch struct {
	Head
	Seq          int                 `json:"seq"`
	Executions   int64               `json:"executions"`
	Operations   int64               `json:"operations"`
	Steps        int64               `json:"steps"`
	Verdicts     harness.Tally       `json:"verdicts"`
	ByScenario   harness.ByScenario  `json:"by_scenario,omitempty"`
	NewLockEdges []string            `json:"new_lock_edges,omitempty"`
	NewFunctions []string            `json:"new_functions,omitempty"`
	Traced       int64               `json:"traced_executions"`
	Bundles      []harness.BundleRef `json:"bundles,omitempty"`
	ElapsedSec   float64             `json:"elapsed_sec"`
	Total        int64               `json:"total_executions"`
}

// Exec is one execution (--exec-records).
type Exec struct {
	Head
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

// Coverage is the coverage part of a summary.
type Coverage struct {
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

// Summary is what `run --json` prints, the last JSON-lines record of a
// shard, and what `merge` prints.
type Summary struct {
	Head
	Seed       uint64        `json:"seed"`
	Strategy   string        `json:"strategy"`
	Spec       string        `json:"spec"`
	Source     string        `json:"source"`
	Executions int64         `json:"executions"`
	Operations int64         `json:"operations"`
	Steps      int64         `json:"steps"`
	ElapsedSec float64       `json:"elapsed_sec"`
	ExecPerSec float64       `json:"executions_per_sec"`
	Verdicts   harness.Tally `json:"verdicts"`
	// Also: verdicts reached besides each execution's headline one.
	Also       map[string]int64 `json:"also_verdicts,omitempty"`
	Violations int64            `json:"violations"`
	// Expected lists, per named scenario, the failing verdict kinds the
	// faithful port is known to produce (Scenario.Expect); Unexpected
	// counts the failing executions whose kind is not listed there.
	Expected    harness.Expectations `json:"expected,omitempty"`
	Unexpected  int64                `json:"unexpected"`
	ByScenario  harness.ByScenario   `json:"by_scenario,omitempty"`
	Coverage    Coverage             `json:"coverage"`
	Bundles     []harness.BundleRef  `json:"bundles"`
	Interrupted bool                 `json:"interrupted"`
	Exhausted   bool                 `json:"exhausted,omitempty"`
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
	// the executions (not in ElapsedSec), LabelDuringSec its busy time while
	// they ran, LabelBudgetSec the budget of the two (0: none),
	// LabelPending the failures left UNLABELLED when it ran out, LabelRuns
	// the failures replayed with the fixes, LabelKeys the distinct failure
	// keys.
	Labelled       bool                 `json:"labelled,omitempty"`
	Labels         []harness.LabelGroup `json:"labels,omitempty"`
	New            int64                `json:"new,omitempty"`
	Unlabelled     int64                `json:"unlabelled,omitempty"`
	Known          []string             `json:"known_findings,omitempty"`
	LabelSec       float64              `json:"label_sec,omitempty"`
	LabelDuringSec float64              `json:"label_during_sec,omitempty"`
	LabelBudgetSec float64              `json:"label_budget_sec,omitempty"`
	LabelPending   int64                `json:"label_pending,omitempty"`
	LabelRuns      int                  `json:"label_runs,omitempty"`
	LabelKeys      int                  `json:"label_keys,omitempty"`
	LabelWork      []string             `json:"label_work,omitempty"` // the labeller's account of its work, per shard
	LabelErrors    []string             `json:"label_errors,omitempty"`
	Errors         []string             `json:"errors,omitempty"`
	// Merge only.
	ShardsMerged []int    `json:"shards_merged,omitempty"`
	Missing      []int    `json:"shards_missing,omitempty"`
	Incomplete   []int    `json:"shards_without_summary,omitempty"`
	Notes        []string `json:"notes,omitempty"`
}

func hashHex(h uint64) string { return fmt.Sprintf("%016x", h) }

// ---- HyperLogLog (precision 12) for merging distinct schedules ----

const hllP = 12
const hllM = 1 << hllP

type sketch [hllM]uint8

func (s *sketch) add(h uint64) {
	h = mix.Mix64(h)
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

// Writer writes a run's JSON-lines file.
type Writer struct {
	mu   sync.Mutex
	f    *os.File
	w    *bufio.Writer
	head Head
	err  error

	seq       int
	last      harness.Stats
	lastTime  time.Time
	batchSize int64
}

// Open appends to the JSON-lines file at path: every record carries
// head; a batch record is written every batch executions (0: 1000).
func Open(path string, head Head, batch int64) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	if batch <= 0 {
		batch = 1000
	}
	return &Writer{f: f, w: bufio.NewWriter(f), head: head, lastTime: time.Now(), batchSize: batch,
		last: harness.Stats{Verdicts: harness.Tally{}}}, nil
}

func (r *Writer) write(v any) {
	b, err := json.Marshal(v)
	if err == nil {
		b = append(b, '\n')
		_, err = r.w.Write(b)
	}
	if err != nil && r.err == nil {
		r.err = err
	}
}

func (r *Writer) flush() {
	if err := r.w.Flush(); err != nil && r.err == nil {
		r.err = err
	}
}

// Start writes the start record.
func (r *Writer) Start(rec Start) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec.Head = r.head
	rec.Type = "start"
	r.write(rec)
	r.flush()
}

// Exec writes one execution's record (a CampaignConfig.OnExecution).
func (r *Writer) Exec(e harness.ExecRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := Exec{Head: r.head, Index: e.Index, Seed: e.Seed, Scenario: e.Scenario, Strategy: e.Strategy,
		Kind: string(e.Kind), Ops: e.Ops, Steps: e.Steps, Bundle: e.Bundle}
	if e.Schedule != 0 {
		rec.Schedule = hashHex(e.Schedule)
	}
	rec.Type = "exec"
	r.write(rec)
}

// Tick writes a batch record when enough has happened since the last
// (or, with force, whenever anything has).
func (r *Writer) Tick(s harness.Stats, force bool) {
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
	b := Batch{Head: r.head, Seq: r.seq, Executions: d, Operations: s.Operations - r.last.Operations,
		Steps: s.Steps - r.last.Steps, Verdicts: s.Verdicts.Sub(r.last.Verdicts), ByScenario: s.ByScenario.Sub(r.last.ByScenario),
		Traced: s.Traced - r.last.Traced, ElapsedSec: s.Elapsed.Seconds(), Total: s.Executions}
	b.Type = "batch"
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

// Finish writes the last batch and the summary (with the schedule
// hashes, exactly up to MaxExactHashes, and their sketch) and closes the
// file; it returns the first error of any write.
func (r *Writer) Finish(s harness.Stats, sum Summary, hashes []uint64) error {
	r.Tick(s, true)
	r.mu.Lock()
	defer r.mu.Unlock()
	sum.Head = r.head
	sum.Type = "summary"
	var sk sketch
	for _, h := range hashes {
		sk.add(h)
	}
	sum.Coverage.ScheduleSketch = sk.encode()
	if len(hashes) <= MaxExactHashes {
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

// ShardRun is what one instance of one shard left in the files.
type ShardRun struct {
	Campaign, Instance string
	Shard, Shards      int
	Start              *Start
	Batches            []Batch
	Summary            *Summary // nil: killed before its summary
}

func (s *ShardRun) executions() int64 {
	if s.Summary != nil {
		return s.Summary.Executions
	}
	var n int64
	for _, b := range s.Batches {
		n += b.Executions
	}
	return n
}

// Read reads JSON-lines files into shard runs, in file order.
func Read(paths []string) ([]*ShardRun, error) {
	var order []*ShardRun
	byKey := map[string]*ShardRun{}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		err = readFrom(f, p, byKey, &order)
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return order, nil
}

func readFrom(rd io.Reader, name string, byKey map[string]*ShardRun, order *[]*ShardRun) error {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		var h Head
		if err := json.Unmarshal(b, &h); err != nil {
			return fmt.Errorf("%s:%d: not a JSON object: %v", name, line, err)
		}
		if h.Type == "" || h.Campaign == "" {
			return fmt.Errorf("%s:%d: not a kcheck results record (no type or campaign)", name, line)
		}
		if h.Version > Version {
			return fmt.Errorf("%s:%d: results version %d is newer than this kcheck's (%d)", name, line, h.Version, Version)
		}
		key := h.Campaign + "\x00" + h.Instance + "\x00" + strconv.Itoa(h.Shard)
		sr := byKey[key]
		if sr == nil {
			sr = &ShardRun{Campaign: h.Campaign, Instance: h.Instance, Shard: h.Shard, Shards: h.Shards}
			byKey[key] = sr
			*order = append(*order, sr)
		}
		var err error
		switch h.Type {
		case "start":
			var r Start
			err = json.Unmarshal(b, &r)
			sr.Start = &r
		case "batch":
			var r Batch
			err = json.Unmarshal(b, &r)
			sr.Batches = append(sr.Batches, r)
		case "summary":
			var r Summary
			err = json.Unmarshal(b, &r)
			sr.Summary = &r
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
