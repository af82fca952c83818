// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"kcheck/kern"
	"kcheck/model"
)

// Isolation: a campaign with CampaignConfig.Isolate runs its executions in
// worker processes, as `go test -fuzz` does, so that a fatal Go run-time
// error (a stack overflow in an emulated thread, concurrent map writes in
// native mode, running out of memory), which no recover can catch, ends
// one worker and not the campaign. The parent re-executes its own binary
// with WorkerEnv set; the program's main (and a test binary's TestMain)
// calls MaybeWorker first, which then serves jobs and never returns.
//
// Protocol: one JSON object per line. The parent writes a job on the
// worker's stdin; the worker answers on its stdout with a workerMsg
// holding the result, preceded, when the job asks to stream, by one
// workerMsg per scheduling choice, written unbuffered as it is made. A
// worker that dies mid-job is a Crash: the parent restarts it, runs the
// job once more in a fresh worker with streaming on (so the schedule
// prefix up to the death is known), reports Crash with that prefix and
// the fatal message (the head and tail of the worker's stderr), and goes
// on with the next job.

// WorkerEnv is the environment variable that makes a kcheck binary (or a
// test binary whose TestMain calls MaybeWorker) serve as a worker.
const WorkerEnv = "KCHECK_WORKER"

// WorkerMaxStack is the goroutine stack limit in worker processes: an
// emulated thread that recurses without end dies within a fraction of a
// second instead of growing to Go's default 1 GB (the kernel code and the
// linearizability check need far less).
const WorkerMaxStack = 16 << 20

var (
	driversMu  sync.Mutex
	driverSets = map[string]func(td *kern.Thread){}
)

// RegisterDrivers names a driver set (what CampaignConfig.Drivers and
// Config.LoadDrivers select) so that worker processes, which share only
// the binary with their parent, can load it. Call it from an init
// function or before MaybeWorker; tests use it for broken drivers.
func RegisterDrivers(name string, load func(td *kern.Thread)) {
	driversMu.Lock()
	defer driversMu.Unlock()
	driverSets[name] = load
}

func driverSet(name string) (func(td *kern.Thread), bool) {
	driversMu.Lock()
	defer driversMu.Unlock()
	f, ok := driverSets[name]
	return f, ok
}

// MaybeWorker turns the process into an isolation worker when WorkerEnv
// is set (it then never returns); otherwise it does nothing. Call it at
// the start of main, and of TestMain in test binaries that run isolated
// campaigns.
func MaybeWorker() {
	if os.Getenv(WorkerEnv) != "1" {
		return
	}
	os.Exit(serveWorker(os.Stdin, os.Stdout))
}

// job is one execution handed to a worker.
type job struct {
	Index         int64         `json:"index"`
	Seed          uint64        `json:"seed"`
	Key           string        `json:"key"`
	Scenario      *Scenario     `json:"scenario"`
	Strategy      StrategyKind  `json:"strategy"`
	Depth         int           `json:"depth,omitempty"`
	Steps         int64         `json:"steps,omitempty"`
	Mode          model.Mode    `json:"mode"`
	MaxSteps      int64         `json:"max_steps"`
	CheckTimeout  time.Duration `json:"check_timeout,omitempty"`
	Watchdog      time.Duration `json:"watchdog,omitempty"`
	NativeTimeout time.Duration `json:"native_timeout,omitempty"`
	Drivers       string        `json:"drivers,omitempty"`
	Traced        bool          `json:"traced,omitempty"`
	OutDir        string        `json:"out_dir,omitempty"`
	// SkipBundle lists kinds whose bundles the parent no longer wants.
	SkipBundle []Kind `json:"skip_bundle,omitempty"`
	// Stream: send every scheduling choice as it is made (crash re-runs).
	Stream bool `json:"stream,omitempty"`
	// Label: a failure's result carries its FailureKey and schedule.
	Label bool `json:"label,omitempty"`
	// Coverage: record the seed functions and lines reached at
	// scheduling points (coverage.go) and return them resolved.
	Coverage bool `json:"coverage,omitempty"`
}

// jobResult is what a campaign keeps of one execution.
type jobResult struct {
	Index     int64    `json:"index"`
	Seed      uint64   `json:"seed"`
	Key       string   `json:"key"`
	Scenario  string   `json:"scenario"`
	Desc      string   `json:"desc"`
	Kind      Kind     `json:"kind"`
	Summary   string   `json:"summary"`
	Ops       int      `json:"ops"`
	Steps     int64    `json:"steps"`
	Hash      uint64   `json:"hash,omitempty"`
	Native    bool     `json:"native,omitempty"`
	LockOrder []string `json:"lock_order,omitempty"`
	Traced    bool     `json:"traced,omitempty"`
	Functions []string `json:"functions,omitempty"`
	Bundle    string   `json:"bundle,omitempty"`
	BundleErr string   `json:"bundle_err,omitempty"`
	// KeyBundle: Bundle was written, outside the per-kind claims, as
	// the first of its failure key in this process: a native failure no
	// signature names, whose label rests on a controlled reproduction
	// that may not come, or a native Hang, which has none (the campaign
	// keeps it only if the key ends UNLABELLED).
	KeyBundle bool `json:"key_bundle,omitempty"`
	// Also are the verdicts the execution reached besides its headline
	// one (Execution.Verdicts[1:]), as "kind (phase)".
	Also []string `json:"also,omitempty"`
	// Cov is what the execution reached at its scheduling points
	// (coverage.go), resolved so that it crosses process boundaries.
	Cov *CovResult `json:"cov,omitempty"`
	// Labelled campaigns: a failure's FailureKey and schedule.
	FailKey  string `json:"fail_key,omitempty"`
	Schedule string `json:"schedule,omitempty"`
	// Labelled campaigns, a failure of a kind that does not replay in
	// process (Labellable false): the findings whose signature it shows
	// (SetSignatureMatcher), and whether a matcher was asked.
	Signed      []string `json:"signed,omitempty"`
	SignChecked bool     `json:"sign_checked,omitempty"`
	// claimed: the parent already counted Bundle against its cap.
	claimed bool
	scn     *Scenario // the parent's: the scenario that ran
}

// workerMsg is one line a worker writes.
type workerMsg struct {
	Choice *int32     `json:"c,omitempty"` // a tid chosen at a scheduling point
	Result *jobResult `json:"r,omitempty"`
	Err    string     `json:"e,omitempty"` // the job could not be run
}

// runJob runs one seed-based execution (random, pct, native), in this
// process: a campaign's in-process path and a worker's. claim says
// whether a bundle of a kind may be written.
func runJob(j job, load func(td *kern.Thread), claim func(Kind) bool) jobResult {
	e := &Explorer{Kind: j.Strategy, Seed: j.Seed, Depth: j.Depth, Steps: j.Steps}
	ch, native, desc, _ := e.Next()
	if native {
		desc = fmt.Sprintf("native seed=%d", j.Seed)
	}
	cfg := Config{Chooser: ch, Native: native, Mode: j.Mode, MaxSteps: j.MaxSteps, CheckTimeout: j.CheckTimeout,
		Watchdog: j.Watchdog, NativeTimeout: j.NativeTimeout, LoadDrivers: load}
	if j.Coverage && !native {
		cfg.Coverage = getCoverage()
	}
	r := runExec(j.Scenario, cfg, j.Traced, j.OutDir, claim, desc, j.Label)
	r.Index, r.Seed, r.Key = j.Index, j.Seed, j.Key
	return r
}

// runExec runs and judges one execution and writes its bundle if it
// failed and claim allows.
func runExec(scn *Scenario, cfg Config, traced bool, outDir string, claim func(Kind) bool, desc string, label bool) jobResult {
	var sampler *stackSampler
	if traced {
		sampler = &stackSampler{inner: cfg.Chooser, funcs: map[string]bool{}}
		cfg.Trace, cfg.Chooser = true, sampler
	}
	ex := safeExecute(scn, cfg)
	if traced {
		cfg.Chooser = sampler.inner
	}
	r := jobResult{Scenario: scn.Name, Desc: desc, Kind: ex.Kind, Summary: ex.Summary, Ops: scn.Ops(),
		Steps: ex.Steps, Native: cfg.Native, LockOrder: ex.LockOrder, Traced: traced}
	for _, v := range ex.Verdicts {
		if v.Kind != ex.Kind || v.Summary != ex.Summary {
			r.Also = append(r.Also, string(v.Kind)+" ("+v.Phase+")")
		}
	}
	if cfg.Coverage != nil {
		r.Cov = resolveCov(cfg.Coverage)
		putCoverage(cfg.Coverage, ex.Kind)
		cfg.Coverage = nil // a bundle's replay records none
	}
	if !cfg.Native {
		r.Hash = ScheduleHash(ex.Schedule)
	}
	if traced {
		seen := map[string]bool{}
		for _, ev := range ex.Trace {
			if f := SeedFunctionAt(ev.Where); f != "" && !seen[f] {
				seen[f] = true
				r.Functions = append(r.Functions, f)
			}
		}
		for f := range sampler.funcs {
			if !seen[f] {
				seen[f] = true
				r.Functions = append(r.Functions, f)
			}
		}
	}
	if label && ex.Kind.Violation() && Labellable(ex.Kind) {
		// A native run has no schedule: the campaign labels its failure
		// by reproducing the key under control (Campaign.reproduce).
		r.FailKey = FailureKey(ex, cfg.Mode)
		if !cfg.Native {
			r.Schedule = ex.Schedule.String()
		}
	}
	if label && ex.Kind.Violation() && (!Labellable(ex.Kind) || cfg.Native) && signatureMatcher != nil {
		// What cannot be replayed here, a Hang or a native run, is
		// checked against the findings' signatures where it ran (a
		// native failure that none names is then reproduced under
		// control by the campaign).
		r.Signed, r.SignChecked = signatureMatcher(ex), true
	}
	if ex.Failed() && outDir != "" && claim(ex.Kind) {
		p, err := WriteBundle(outDir, ex, cfg, desc)
		if err != nil {
			r.BundleErr = err.Error()
		} else {
			r.Bundle, r.claimed = p, true
		}
	} else if cfg.Native && label && outDir != "" && ex.Kind.Violation() && len(r.Signed) == 0 && firstNativeKey(outDir, FailureKey(ex, cfg.Mode)) {
		p, err := WriteBundle(outDir, ex, cfg, desc)
		if err != nil {
			r.BundleErr = err.Error()
		} else {
			r.Bundle, r.KeyBundle = p, true
		}
	}
	return r
}

var nativeKeys struct {
	sync.Mutex
	seen map[string]bool
}

// firstNativeKey reports whether this process meets a native failure of
// key (its class) for the first time with bundles going to outDir.
func firstNativeKey(outDir, key string) bool {
	k := outDir + "\x00" + ClassKey(key)
	nativeKeys.Lock()
	defer nativeKeys.Unlock()
	if nativeKeys.seen[k] {
		return false
	}
	if nativeKeys.seen == nil {
		nativeKeys.seen = map[string]bool{}
	}
	nativeKeys.seen[k] = true
	return true
}

// streamChooser passes decisions on to inner and writes each choice at
// once (unbuffered) to w, so that the parent knows the prefix of the
// schedule if the process dies.
type streamChooser struct {
	inner kern.Chooser
	w     io.Writer
}

func (s *streamChooser) Choose(d *kern.Decision) int {
	i := s.inner.Choose(d)
	if i >= 0 && i < len(d.Runnable) {
		tid := int32(d.Runnable[i])
		b, _ := json.Marshal(workerMsg{Choice: &tid})
		s.w.Write(append(b, '\n'))
	}
	return i
}

// serveWorker is a worker's loop: a job per line in, messages out. It
// returns the process's exit status.
func serveWorker(in io.Reader, out io.Writer) int {
	debug.SetMaxStack(WorkerMaxStack)
	// The parent handles SIGINT/SIGTERM (a terminal sends them to the
	// whole process group) and stops its workers itself.
	signal.Ignore(os.Interrupt)
	dec := json.NewDecoder(bufio.NewReader(in))
	var mu sync.Mutex // out is shared by the streaming chooser and results
	send := func(m workerMsg) bool {
		b, err := json.Marshal(m)
		if err != nil {
			b, _ = json.Marshal(workerMsg{Err: "encoding the result: " + err.Error()})
		}
		mu.Lock()
		defer mu.Unlock()
		_, err = out.Write(append(b, '\n'))
		return err == nil
	}
	for {
		var j job
		if err := dec.Decode(&j); err != nil {
			if errors.Is(err, io.EOF) {
				return 0
			}
			fmt.Fprintf(os.Stderr, "kcheck worker: reading a job: %v\n", err)
			return 3
		}
		var load func(td *kern.Thread)
		if j.Drivers != "" {
			var ok bool
			if load, ok = driverSet(j.Drivers); !ok {
				if !send(workerMsg{Err: fmt.Sprintf("driver set %q is not registered in the worker", j.Drivers)}) {
					return 3
				}
				continue
			}
		}
		if j.Scenario == nil {
			if !send(workerMsg{Err: "job without a scenario"}) {
				return 3
			}
			continue
		}
		skip := map[Kind]bool{}
		for _, k := range j.SkipBundle {
			skip[k] = true
		}
		claim := func(k Kind) bool { return !skip[k] && !j.Stream }
		var r jobResult
		if j.Stream {
			r = runJobStreaming(j, load, claim, lockedWriter{&mu, out})
		} else {
			r = runJob(j, load, claim)
		}
		if !send(workerMsg{Result: &r}) {
			return 3
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// runJobStreaming is runJob with every scheduling choice streamed to w.
func runJobStreaming(j job, load func(td *kern.Thread), claim func(Kind) bool, w io.Writer) jobResult {
	e := &Explorer{Kind: j.Strategy, Seed: j.Seed, Depth: j.Depth, Steps: j.Steps}
	ch, native, desc, _ := e.Next()
	if native {
		desc = fmt.Sprintf("native seed=%d", j.Seed)
	} else {
		ch = &streamChooser{inner: ch, w: w}
	}
	cfg := Config{Chooser: ch, Native: native, Mode: j.Mode, MaxSteps: j.MaxSteps, CheckTimeout: j.CheckTimeout,
		Watchdog: j.Watchdog, NativeTimeout: j.NativeTimeout, LoadDrivers: load}
	r := runExec(j.Scenario, cfg, false, "", claim, desc, j.Label)
	r.Index, r.Seed, r.Key = j.Index, j.Seed, j.Key
	return r
}

// headTail keeps the first and the last bytes written to it: a Go fatal
// error prints its message first and then every goroutine's stack, which
// can be long.
type headTail struct {
	mu        sync.Mutex
	head      []byte
	tail      []byte
	truncated bool
}

const headMax, tailMax = 16 << 10, 4 << 10

func (h *headTail) Write(b []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := len(b)
	if room := headMax - len(h.head); room > 0 {
		k := min(room, len(b))
		h.head = append(h.head, b[:k]...)
		b = b[k:]
	}
	if len(b) > 0 {
		h.tail = append(h.tail, b...)
		if len(h.tail) > tailMax {
			h.tail = append([]byte(nil), h.tail[len(h.tail)-tailMax:]...)
			h.truncated = true
		}
	}
	return n, nil
}

func (h *headTail) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := string(h.head)
	if h.truncated {
		s += "\n[... stderr truncated ...]\n"
	}
	return s + string(h.tail)
}

// fatalLine picks the fatal message out of a dead worker's stderr.
func fatalLine(stderr string) string {
	for _, l := range strings.Split(stderr, "\n") {
		l = strings.TrimSpace(l)
		for _, p := range []string{"fatal error:", "panic:", "SIG"} {
			if strings.HasPrefix(l, p) {
				return l
			}
		}
	}
	for _, l := range strings.Split(stderr, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return "no message on stderr"
}

// workerProc is one running worker process.
type workerProc struct {
	cmd    *exec.Cmd
	in     *os.File
	msgs   chan workerMsg // closed at EOF of the worker's stdout
	rerr   error          // why msgs was closed, if not EOF (set before close)
	stderr *headTail
	waited chan struct{} // closed once the process is reaped
	err    error         // of Wait, once waited is closed
}

func startWorkerProc() (*workerProc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("isolation: finding this program to start workers: %w", err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), WorkerEnv+"=1")
	setWorkerAttrs(cmd)
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	w := &workerProc{cmd: cmd, in: inW, msgs: make(chan workerMsg, 64), stderr: &headTail{}, waited: make(chan struct{})}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, w.stderr
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("isolation: starting a worker: %w", err)
	}
	go func() {
		defer outR.Close()
		defer close(w.msgs)
		r := bufio.NewReaderSize(outR, 64<<10)
		for {
			line, err := r.ReadBytes('\n')
			if len(line) > 0 && err == nil {
				var m workerMsg
				if jerr := json.Unmarshal(line, &m); jerr != nil {
					w.rerr = fmt.Errorf("isolation: a worker wrote %q: %v", trunc(string(line), 200), jerr)
					return
				}
				w.msgs <- m
			}
			if err != nil {
				return
			}
		}
	}()
	go func() {
		w.err = cmd.Wait()
		close(w.waited)
	}()
	return w, nil
}

func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// kill ends the process at once and reaps it.
func (w *workerProc) kill() {
	w.in.Close()
	if w.cmd.Process != nil {
		w.cmd.Process.Kill()
	}
	select {
	case <-w.waited:
	case <-time.After(5 * time.Second):
	}
}

func (w *workerProc) pid() int {
	if w.cmd.Process == nil {
		return 0
	}
	return w.cmd.Process.Pid
}

// exitStatus waits (briefly) for a dying worker and describes its end.
func (w *workerProc) exitStatus() string {
	select {
	case <-w.waited:
	case <-time.After(5 * time.Second):
		w.cmd.Process.Kill()
		<-w.waited
	}
	if w.err == nil {
		return "exit status 0"
	}
	return w.err.Error()
}

// isolatedWorker is one campaign worker's process, restarted as needed.
type isolatedWorker struct {
	c      *Campaign
	mu     sync.Mutex
	proc   *workerProc
	killed bool
}

func newIsolatedWorker(c *Campaign) *isolatedWorker { return &isolatedWorker{c: c} }

// kill ends the worker for good (the campaign is over): a job in flight
// is abandoned.
func (iw *isolatedWorker) kill() {
	iw.mu.Lock()
	iw.killed = true
	p := iw.proc
	iw.mu.Unlock()
	if p != nil {
		p.kill()
		RemoveWorkerTemps(iw.c.cfg.OutDir, p.pid())
	}
}

// close ends the worker (after the campaign): stdin closed, it exits.
func (iw *isolatedWorker) close() {
	iw.mu.Lock()
	iw.killed = true
	p := iw.proc
	iw.proc = nil
	iw.mu.Unlock()
	if p != nil {
		p.in.Close()
		select {
		case <-p.waited:
		case <-time.After(2 * time.Second):
			p.kill()
		}
	}
}

// get returns the running process, starting one if needed (nil: killed).
func (iw *isolatedWorker) get() (*workerProc, error) {
	iw.mu.Lock()
	defer iw.mu.Unlock()
	if iw.killed {
		return nil, nil
	}
	if iw.proc == nil {
		p, err := startWorkerProc()
		if err != nil {
			return nil, err
		}
		iw.proc = p
	}
	return iw.proc, nil
}

func (iw *isolatedWorker) drop(p *workerProc) {
	iw.mu.Lock()
	if iw.proc == p {
		iw.proc = nil
	}
	iw.mu.Unlock()
}

func (iw *isolatedWorker) isKilled() bool {
	iw.mu.Lock()
	defer iw.mu.Unlock()
	return iw.killed
}

// jobLimit is how long the parent lets one job run before it ends the
// worker itself (a Hang): a fallback for a watchdog that did not fire,
// 0 when there is no watchdog.
func jobLimit(j job) time.Duration {
	if j.Watchdog <= 0 {
		return 0
	}
	ct := j.CheckTimeout
	if ct <= 0 {
		ct = 10 * time.Second
	}
	return 2*j.Watchdog + ct + 5*time.Second
}

// outcome is how one attempt at a job in a worker ended.
type outcome struct {
	res     *jobResult
	choices []int32
	died    bool   // the worker died (or was ended for a hang)
	hung    bool   // the parent ended it after jobLimit
	fatal   string // the fatal line
	stderr  string
	status  string
	err     error // the worker could not be started or refused the job
}

// attempt runs j once in the current (or a new) worker process.
func (iw *isolatedWorker) attempt(j job) (outcome, bool) {
	p, err := iw.get()
	if err != nil {
		return outcome{err: err}, false
	}
	if p == nil {
		return outcome{}, true // killed: abandoned
	}
	b, err := json.Marshal(j)
	if err != nil {
		return outcome{err: fmt.Errorf("isolation: encoding a job: %w", err)}, false
	}
	var o outcome
	if _, err := p.in.Write(append(b, '\n')); err != nil {
		// The worker is gone already; its messages tell why.
		o.died = true
	}
	var limit <-chan time.Time
	if d := jobLimit(j); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		limit = t.C
	}
	for !o.died {
		select {
		case m, ok := <-p.msgs:
			switch {
			case !ok:
				o.died = true
			case m.Choice != nil:
				o.choices = append(o.choices, *m.Choice)
			case m.Err != "":
				iw.drop(p)
				p.kill()
				return outcome{err: errors.New("isolation: worker: " + m.Err)}, false
			case m.Result != nil:
				o.res = m.Result
				return o, false
			}
		case <-limit:
			// Ask for every goroutine's stack (SIGQUIT), then kill.
			o.hung = true
			quitWorker(p)
			select {
			case <-p.waited:
			case <-time.After(2 * time.Second):
			}
			o.died = true
		}
	}
	iw.drop(p)
	if iw.isKilled() {
		p.kill()
		RemoveWorkerTemps(j.OutDir, p.pid())
		return outcome{}, true
	}
	o.status = p.exitStatus()
	RemoveWorkerTemps(j.OutDir, p.pid())
	if p.rerr != nil {
		o.err = p.rerr
		return o, false
	}
	o.stderr = p.stderr.String()
	o.fatal = fatalLine(o.stderr)
	return o, false
}

// run runs j in the worker process; a death is a Crash (or, past
// jobLimit, a Hang) after one streaming re-run for the schedule prefix.
// abandoned reports a job cut short because the campaign ended.
func (iw *isolatedWorker) run(j job, stop func() bool) (r jobResult, abandoned bool) {
	o, ab := iw.attempt(j)
	if ab {
		return r, true
	}
	if o.err != nil {
		return iw.internal(j, o.err), false
	}
	if o.res != nil {
		return *o.res, false
	}
	// It died. Once more, streaming, in a fresh worker, for the prefix of
	// the schedule up to the death (native runs have none).
	first := o
	var prefix []int32
	recurred := false
	if !stop() && !o.hung {
		j2 := j
		j2.Stream, j2.Traced, j2.OutDir = true, false, ""
		o2, ab := iw.attempt(j2)
		if ab {
			return r, true
		}
		if o2.res == nil && o2.err == nil {
			recurred = true
			prefix = o2.choices
		}
	}
	return iw.crash(j, first, prefix, recurred), false
}

// internal turns a failure of the isolation machinery into the verdict
// InternalError for this job.
func (iw *isolatedWorker) internal(j job, err error) jobResult {
	return jobResult{Index: j.Index, Seed: j.Seed, Key: j.Key, Scenario: j.Scenario.Name, Desc: string(j.Strategy),
		Kind: InternalError, Summary: "harness internal error: " + err.Error(), Ops: j.Scenario.Ops(), Native: j.Strategy == Native}
}

// crash makes the Crash (or Hang) result of a job whose worker died, and
// its bundle.
func (iw *isolatedWorker) crash(j job, o outcome, prefix []int32, recurred bool) jobResult {
	desc := fmt.Sprintf("%s seed=%d (isolated)", j.Strategy, j.Seed)
	kind := Crash
	summary := fmt.Sprintf("worker process died (%s): %s", o.status, o.fatal)
	if o.hung {
		kind = Hang
		summary = fmt.Sprintf("no result after %v: worker ended by the parent (the watchdog did not fire); stacks in the details", jobLimit(j))
	}
	var details strings.Builder
	fmt.Fprintf(&details, "%s\n\n", summary)
	switch {
	case j.Strategy == Native:
		details.WriteString("native run: no schedule to record\n")
	case recurred:
		fmt.Fprintf(&details, "a re-run in a fresh worker died again after %d scheduling choices; the schedule file holds that prefix\n", len(prefix))
	case o.hung:
		details.WriteString("not re-run (a hang)\n")
	default:
		details.WriteString("a re-run in a fresh worker did not die (or the campaign was ending): no schedule prefix\n")
	}
	fmt.Fprintf(&details, "\nworker stderr:\n%s", o.stderr)
	r := jobResult{Index: j.Index, Seed: j.Seed, Key: j.Key, Scenario: j.Scenario.Name, Desc: desc, Kind: kind,
		Summary: summary, Ops: j.Scenario.Ops(), Steps: int64(len(prefix)), Native: j.Strategy == Native}
	if j.OutDir != "" && iw.c.claimBundle(j.Key, kind) {
		ex := &Execution{Scenario: j.Scenario, Kind: kind, Summary: summary, Details: details.String(),
			Schedule: kern.Schedule(prefix), Steps: int64(len(prefix)), Threads: len(j.Scenario.Threads), TidOf: map[int]int{}}
		p, err := WriteBundle(j.OutDir, ex, Config{Native: j.Strategy == Native, Mode: j.Mode, MaxSteps: j.MaxSteps}, desc)
		if err != nil {
			r.BundleErr = err.Error()
		} else {
			r.Bundle, r.claimed = p, true
		}
	}
	return r
}
