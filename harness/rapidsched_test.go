package harness

import (
	"flag"
	"fmt"
	"testing"

	"kcheck/harness/rapidsched"
	"kcheck/kern"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"pgregory.net/rapid"
)

func TestMain(m *testing.M) {
	registerTestDrivers()
	// Before MaybeWorker: the isolation workers apply it to their Hangs.
	SetSignatureMatcher(testSignatures)
	MaybeWorker() // this test binary serves as its own isolation worker
	goleak.VerifyTestMain(m)
}

// recordTB lets a test run a property that is expected to fail: rapid's
// failure is recorded instead of failing the enclosing test.
type recordTB struct {
	*testing.T
	failed bool
	msgs   []string
}

func (r *recordTB) Errorf(f string, a ...any) {
	r.failed = true
	r.msgs = append(r.msgs, fmt.Sprintf(f, a...))
}
func (r *recordTB) Error(a ...any)            { r.failed = true; r.msgs = append(r.msgs, fmt.Sprint(a...)) }
func (r *recordTB) Fatalf(f string, a ...any) { r.Errorf(f, a...) }
func (r *recordTB) Fatal(a ...any)            { r.Error(a...) }
func (r *recordTB) Fail()                     { r.failed = true }
func (r *recordTB) FailNow()                  { r.failed = true }
func (r *recordTB) Failed() bool              { return r.failed }
func (r *recordTB) Logf(string, ...any)       {}
func (r *recordTB) Log(...any)                {}

// noFailFile keeps rapid from writing testdata/rapid/ fail files for
// properties that are meant to fail.
func noFailFile(t *testing.T) {
	f := flag.Lookup("rapid.nofailfile")
	require.NotNil(t, f)
	old := f.Value.String()
	require.NoError(t, f.Value.Set("true"))
	t.Cleanup(func() { _ = f.Value.Set(old) })
}

// TestRapidChooserShrinksSchedule: rapid finds the ABBA deadlock by drawing
// every scheduling choice, and the shrunk counterexample is the minimal
// one: each thread takes its first lock, with a single preemption.
func TestRapidChooserShrinksSchedule(t *testing.T) {
	noFailFile(t)
	var last kern.Schedule
	var lastDeadlock *kern.Deadlock
	rec := &recordTB{T: t}
	rapid.Check(rec, func(rt *rapid.T) {
		k := kern.NewKernel(kern.Config{Chooser: rapidsched.Chooser(rt), WitnessRecord: true})
		var a, b kern.Mtx
		a.Init(k, "a", "", kern.MTX_DEF)
		b.Init(k, "b", "", kern.MTX_DEF)
		k.Go("ab", func(td *kern.Thread) { a.Lock(td); b.Lock(td); b.Unlock(td); a.Unlock(td) })
		k.Go("ba", func(td *kern.Thread) { b.Lock(td); a.Lock(td); a.Unlock(td); b.Unlock(td) })
		res := k.Run()
		if res.Deadlock != nil {
			last, lastDeadlock = res.Schedule, res.Deadlock
			rt.Fatalf("deadlock: %v", res.Deadlock)
		}
	})
	require.True(t, rec.failed, "rapid never drew a deadlocking schedule")
	require.NotNil(t, lastDeadlock)
	// rapid re-runs the shrunk case last. It must be short (the deadlock
	// needs one preemption between the two first acquisitions) and it
	// must replay to the same deadlock.
	assert.LessOrEqual(t, len(last), 6, "shrunk schedule %v", last)
	assert.Len(t, lastDeadlock.Blocked, 2)
	k := kern.NewKernel(kern.Config{Chooser: kern.NewReplay(last), WitnessRecord: true})
	var a, b kern.Mtx
	a.Init(k, "a", "", kern.MTX_DEF)
	b.Init(k, "b", "", kern.MTX_DEF)
	k.Go("ab", func(td *kern.Thread) { a.Lock(td); b.Lock(td); b.Unlock(td); a.Unlock(td) })
	k.Go("ba", func(td *kern.Thread) { b.Lock(td); a.Lock(td); a.Unlock(td); b.Unlock(td) })
	res := k.Run()
	require.NotNil(t, res.Deadlock, "the shrunk schedule %v does not replay the deadlock", last)
}
