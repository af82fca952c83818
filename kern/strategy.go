// SPDX-License-Identifier: BSD-2-Clause

package kern

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Decision is what a strategy sees at a scheduling point where more than
// one thread could run.
type Decision struct {
	Step     int64 // scheduling points executed so far in this run
	Runnable []int // tids that may run, ascending; do not keep the slice
	// Current is the tid of the thread that reached the point if it could
	// go on running (switching away from it is a preemption), else -1.
	Current int
	// Prev is the tid of the thread that reached the point (-1 at the
	// start of a run), whether or not it can go on.
	Prev int
}

// Chooser is a controlled-mode strategy: it returns an index into
// d.Runnable. Strategies live outside kern when they need other packages
// (the rapid-driven one is in the harness); kern imports only the standard
// library.
type Chooser interface {
	Choose(d *Decision) int
}

// ChooserFunc adapts a function to Chooser.
type ChooserFunc func(d *Decision) int

// Choose calls f.
func (f ChooserFunc) Choose(d *Decision) int { return f(d) }

// ---- random walk ----

// Random picks uniformly among the runnable threads at every decision.
type Random struct{ rng *rand.Rand }

// NewRandom is the random-walk strategy with a seed.
func NewRandom(seed uint64) *Random {
	return &Random{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// Choose implements Chooser.
func (r *Random) Choose(d *Decision) int { return r.rng.IntN(len(d.Runnable)) }

// ---- PCT ----

// PCT is probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi,
// Nagarakatte, ASPLOS 2010) with bug depth d: threads get random distinct
// priorities at least d, the highest-priority runnable thread runs, and at
// d-1 change points chosen uniformly among the first k steps the running
// thread's priority drops below all initial ones (to d-i at the i-th
// point). A bug of depth d among n threads and k steps is found by one run
// with probability at least 1/(n*k^(d-1)).
type PCT struct {
	rng      *rand.Rand
	depth    int
	prio     map[int]float64
	changes  []int64 // sorted change-point steps
	next     int     // index of the next change point to apply
	lastStep int64
}

// NewPCT makes a PCT strategy for depth d over an estimated k steps.
func NewPCT(seed uint64, depth int, k int64) *PCT {
	if depth < 1 {
		depth = 1
	}
	if k < 1 {
		k = 1
	}
	p := &PCT{rng: rand.New(rand.NewPCG(seed, seed^0xda3e39cb94b95bdb)), depth: depth, prio: map[int]float64{}}
	seen := map[int64]bool{}
	for len(p.changes) < depth-1 && int64(len(p.changes)) < k {
		c := 1 + p.rng.Int64N(k)
		if !seen[c] {
			seen[c] = true
			p.changes = append(p.changes, c)
		}
	}
	for i := 1; i < len(p.changes); i++ { // insertion sort, d is small
		for j := i; j > 0 && p.changes[j] < p.changes[j-1]; j-- {
			p.changes[j], p.changes[j-1] = p.changes[j-1], p.changes[j]
		}
	}
	return p
}

// ChangePoints are the steps at which priorities drop (for reports).
func (p *PCT) ChangePoints() []int64 { return append([]int64(nil), p.changes...) }

// Choose implements Chooser.
func (p *PCT) Choose(d *Decision) int {
	// Steps since the last decision were all run by d.Prev: apply the
	// change points that fell among them to it.
	for p.next < len(p.changes) && p.changes[p.next] <= d.Step {
		if d.Prev >= 0 {
			p.prio[d.Prev] = float64(p.depth - (p.next + 1))
		}
		p.next++
	}
	p.lastStep = d.Step
	best, bestp := 0, -1.0
	for i, tid := range d.Runnable {
		pr, ok := p.prio[tid]
		if !ok {
			pr = float64(p.depth) + p.rng.Float64()*1e6
			p.prio[tid] = pr
		}
		if pr > bestp {
			best, bestp = i, pr
		}
	}
	return best
}

// ---- replay ----

// Replay follows a recorded schedule. When the run asks for more choices
// than were recorded, or a recorded thread is not runnable, it falls back
// to the lowest runnable tid and reports the divergence.
type Replay struct {
	sched    Schedule
	i        int
	diverged string
}

// NewReplay replays s.
func NewReplay(s Schedule) *Replay { return &Replay{sched: s} }

// Choose implements Chooser.
func (r *Replay) Choose(d *Decision) int {
	if r.i >= len(r.sched) {
		if r.diverged == "" {
			r.diverged = fmt.Sprintf("schedule exhausted after %d choices", r.i)
		}
		r.i++
		return 0
	}
	want := int(r.sched[r.i])
	r.i++
	for i, tid := range d.Runnable {
		if tid == want {
			return i
		}
	}
	if r.diverged == "" {
		r.diverged = fmt.Sprintf("choice %d: tid %d not runnable (runnable %v)", r.i-1, want, d.Runnable)
	}
	return 0
}

// Diverged says how the run left the recorded schedule ("" if it did not).
func (r *Replay) Diverged() string {
	if r.diverged == "" && r.i < len(r.sched) {
		return fmt.Sprintf("run ended after %d of %d recorded choices", r.i, len(r.sched))
	}
	return r.diverged
}

// ---- schedules ----

// Schedule is the sequence of tids chosen at decision points of a run.
type Schedule []int32

// String encodes a schedule compactly: tids separated by '.', a run of the
// same tid written tid*count. The empty schedule is "-".
func (s Schedule) String() string {
	if len(s) == 0 {
		return "-"
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] == s[i] {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.Itoa(int(s[i])))
		if j-i > 1 {
			b.WriteByte('*')
			b.WriteString(strconv.Itoa(j - i))
		}
		i = j
	}
	return b.String()
}

// MaxScheduleLen is the most choices ParseSchedule accepts. Real schedules
// are far shorter (a run makes at most Config.MaxSteps points, 1,000,000
// by default); the bound keeps a corrupted or hostile schedule file
// ("0*4000000000") from exhausting memory.
const MaxScheduleLen = 10_000_000

// MaxScheduleTid is the largest tid a schedule can name (a choice is an
// int32).
const MaxScheduleTid = math.MaxInt32

// ParseSchedule decodes Schedule.String's form. Tids and counts are plain
// decimals (no sign, no leading zero); a tid is at most MaxScheduleTid, a
// schedule at most MaxScheduleLen choices. Surrounding white space is
// ignored, and runs need not be merged ("1.1" is "1*2"), so the String of
// the result may be shorter than the input; it parses back to the same
// schedule.
func ParseSchedule(str string) (Schedule, error) {
	return parseSchedule(str, MaxScheduleLen)
}

// parseSchedule is ParseSchedule with at most maxLen choices (the fuzz
// test lowers it to keep its executions small).
func parseSchedule(str string, maxLen int) (Schedule, error) {
	str = strings.TrimSpace(str)
	if str == "-" || str == "" {
		return Schedule{}, nil
	}
	// Check and count first, so that the result is allocated once and
	// never beyond the limit.
	total := 0
	for tok := range strings.SplitSeq(str, ".") {
		_, n, err := parseScheduleRun(tok, maxLen)
		if err != nil {
			return nil, err
		}
		if n > maxLen-total {
			return nil, fmt.Errorf("schedule: more than %d choices (MaxScheduleLen) at %q", maxLen, tok)
		}
		total += n
	}
	out := make(Schedule, 0, total)
	for tok := range strings.SplitSeq(str, ".") {
		tid, n, _ := parseScheduleRun(tok, maxLen)
		for ; n > 0; n-- {
			out = append(out, tid)
		}
	}
	return out, nil
}

// parseScheduleRun decodes one "tid" or "tid*count" of a schedule.
func parseScheduleRun(tok string, maxLen int) (tid int32, n int, err error) {
	tidS, cntS, rep := strings.Cut(tok, "*")
	t, ok := parseDecimal(tidS)
	switch {
	case !ok:
		return 0, 0, fmt.Errorf("schedule: bad tid %q", tok)
	case t > MaxScheduleTid:
		return 0, 0, fmt.Errorf("schedule: tid in %q is above %d", tok, MaxScheduleTid)
	}
	n = 1
	if rep {
		c, ok := parseDecimal(cntS)
		switch {
		case !ok || c < 1:
			return 0, 0, fmt.Errorf("schedule: bad count %q", tok)
		case c > int64(maxLen):
			return 0, 0, fmt.Errorf("schedule: count in %q is above %d (MaxScheduleLen)", tok, maxLen)
		}
		n = int(c)
	}
	return int32(t), n, nil
}

// parseDecimal reads a decimal without sign or leading zero. Values past
// math.MaxInt32 all come back as math.MaxInt32+1, so callers see them as
// out of range and nothing overflows.
func parseDecimal(s string) (int64, bool) {
	if s == "" || len(s) > 1 && s[0] == '0' {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v <= math.MaxInt32 {
			v = v*10 + int64(c-'0')
		}
	}
	if v > math.MaxInt32 {
		v = math.MaxInt32 + 1
	}
	return v, true
}

// Preemptions counts the switches away from a thread that could go on in
// a run's decisions (needs the decisions, so DFS tracks it itself); this
// helper counts context switches in a schedule, an upper bound.
func (s Schedule) Switches() int {
	n := 0
	for i := 1; i < len(s); i++ {
		if s[i] != s[i-1] {
			n++
		}
	}
	return n
}
