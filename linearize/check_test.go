// SPDX-License-Identifier: BSD-2-Clause

package linearize

import (
	"bytes"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/model"
)

func op(id, thread int, call, ret int64, in model.Input, out model.Output) Operation {
	return Operation{ID: id, Thread: thread, Call: call, Return: ret, Input: in, Output: out}
}

func TestCheckSmall(t *testing.T) {
	sp := model.New(model.Config{})
	create := model.Create{Name: "disc"}
	// Two concurrent wildcard creates: either may get unit 0.
	legal := History{
		op(0, 0, 0, 10, create, model.Output{Name: "disc1"}),
		op(1, 1, 1, 9, create, model.Output{Name: "disc0"}),
		op(2, 0, 11, 12, model.Destroy{Name: "disc1"}, model.Ok),
	}
	r := Check(sp, legal, Options{Timeout: 5 * time.Second})
	assert.Equal(t, Ok, r.Verdict, r.String())
	assert.True(t, r.Passed())
	assert.False(t, r.Nondeterministic)

	// Sequential creates cannot skip unit 0.
	illegal := History{
		op(0, 0, 0, 1, create, model.Output{Name: "disc1"}),
		op(1, 1, 2, 3, create, model.Output{Name: "disc0"}),
	}
	r = Check(sp, illegal, Options{Timeout: 5 * time.Second})
	assert.Equal(t, Illegal, r.Verdict)
	assert.False(t, r.Passed())
	// ... which the Relaxed mode allows.
	r = Check(model.New(model.Config{Mode: model.Relaxed}), illegal, Options{Timeout: 5 * time.Second})
	assert.Equal(t, Ok, r.Verdict)
	assert.True(t, r.Nondeterministic)
}

func TestCheckUnknownOutcome(t *testing.T) {
	sp := model.New(model.Config{})
	// Thread 0's create was interrupted by a panic: it may have taken
	// unit 0 (then thread 1 got 1) or not.
	for _, got := range []string{"disc0", "disc1"} {
		h := History{
			op(0, 0, 0, Infinity, model.Create{Name: "disc"}, model.UnknownOutput),
			op(1, 1, 5, 6, model.Create{Name: "disc"}, model.Output{Name: got}),
		}
		r := Check(sp, h, Options{Timeout: 5 * time.Second})
		assert.Equal(t, Ok, r.Verdict, got)
		assert.True(t, r.Nondeterministic)
	}
	h := History{
		op(0, 0, 0, Infinity, model.Create{Name: "disc"}, model.UnknownOutput),
		op(1, 1, 5, 6, model.Create{Name: "disc"}, model.Output{Name: "disc2"}),
	}
	assert.Equal(t, Illegal, Check(sp, h, Options{}).Verdict)
}

func TestTimeoutIsUnknown(t *testing.T) {
	sp := model.New(model.Config{})
	h := generate(rand.New(rand.NewSource(3)), sp, 5000, 8, familyPicker(families))
	r := Check(sp, h, Options{Timeout: time.Nanosecond, NoPartition: true})
	assert.Equal(t, Unknown, r.Verdict)
	assert.False(t, r.Passed(), "a timeout is never a pass")
	// porcupine's abandoned searches stop at their next step; let them
	// before goleak looks.
	time.Sleep(50 * time.Millisecond)
}

func TestPartition(t *testing.T) {
	sp := model.New(model.Config{})
	ins := func(in ...model.Input) History {
		h := make(History, len(in))
		for i, x := range in {
			h[i] = op(i, 0, int64(2*i), int64(2*i+1), x, model.Ok)
		}
		return h
	}
	groups, whole := Partition(sp, ins(
		model.Create{Name: "disc"},
		model.Create{Name: "epair"},
		model.Destroy{Name: "disc0"},
		model.Create{Name: "tun"},
		model.Create{Name: "tap"},
	))
	assert.Equal(t, [][]int{{0, 2}, {1}, {3}, {4}}, groups)
	assert.Empty(t, whole)

	// A vlan on an epair joins vlan and epair; a rename joins its names.
	groups, _ = Partition(sp, ins(
		model.Create{Name: "disc"},
		model.Create{Name: "epair"},
		model.Create{Name: "vlan"},
		model.Create{Name: "epair0a.5"},
		model.Rename{Name: "disc0", NewName: "wan"},
		model.Destroy{Name: "wan"},
		model.Create{Name: "tun"},
		model.Rename{Name: "tun0", NewName: "disc9"},
	))
	assert.Equal(t, [][]int{{0, 4, 5, 6, 7}, {1, 2, 3}}, groups)

	groups, whole = Partition(sp, ins(model.Create{Name: "disc"}, model.ListCloners{Count: 3}, model.Create{Name: "epair"}))
	assert.Equal(t, [][]int{{0, 1, 2}}, groups)
	assert.Contains(t, whole, "list_cloners")
}

// TestPartitionedAgreesWithWhole checks 1,000 random histories both ways:
// generated ones (linearizable by construction), perturbed ones (often
// not), ones with unknown outcomes, in both modes, and ones with
// operations that forbid partitioning.
func TestPartitionedAgreesWithWhole(t *testing.T) {
	r := rand.New(rand.NewSource(42))
	strictSpec := model.New(model.Config{})
	relaxedSpec := model.New(model.Config{Mode: model.Relaxed})
	counts := map[string]int{}
	for i := 0; i < 1000; i++ {
		sp := strictSpec
		if i%5 == 4 {
			sp = relaxedSpec
		}
		threads := 2 + r.Intn(7)
		n := 20 + r.Intn(40)
		var pick picker
		if i%4 == 3 {
			pick = globalPicker()
		} else {
			k := 1 + r.Intn(len(families))
			fams := append([]string(nil), families...)
			r.Shuffle(len(fams), func(a, b int) { fams[a], fams[b] = fams[b], fams[a] })
			pick = familyPicker(fams[:k])
		}
		h := generate(r, sp, n, threads, pick)
		mutated := false
		switch r.Intn(4) {
		case 0, 1:
			h = perturb(r, h)
			mutated = true
		case 2:
			h = withUnknown(r, h)
		}
		require.NoError(t, h.Validate())
		opts := Options{Timeout: 20 * time.Second}
		part := Check(sp, h, opts)
		opts.NoPartition = true
		whole := Check(sp, h, opts)
		require.NotEqual(t, Unknown, part.Verdict)
		require.NotEqual(t, Unknown, whole.Verdict)
		require.Equal(t, whole.Verdict, part.Verdict, "history %d (%s, %d partitions)", i, sp.Mode(), part.Partitions)
		if !mutated {
			require.Equal(t, Ok, part.Verdict, "history %d generated by the model itself", i)
		}
		counts[string(part.Verdict)]++
		if part.Partitions > 1 {
			counts["partitioned"]++
		}
	}
	t.Logf("verdicts: %v", counts)
	assert.Greater(t, counts["illegal"], 100, "perturbations should break many histories")
	assert.Greater(t, counts["partitioned"], 300)
}

func TestWriteHTML(t *testing.T) {
	sp := model.New(model.Config{})
	create := model.Create{Name: "disc"}
	h := History{
		op(0, 0, 0, 10, create, model.Output{Name: "disc0"}),
		op(1, 1, 12, 20, create, model.Output{Name: "disc0"}),
		op(2, 0, 11, 14, model.Create{Name: "epair"}, model.Output{Name: "epair0a"}),
	}
	r := Check(sp, h, Options{Timeout: 5 * time.Second})
	require.Equal(t, Illegal, r.Verdict)
	dir := t.TempDir()
	path := filepath.Join(dir, "history.html")
	ann := []Annotation{
		{Kind: Panic, Thread: 1, Start: 19, Text: "panic: bogus refcnt"},
		{Kind: Witness, Thread: -1, Start: 13, End: 15, Text: "lock order reversal", Details: "if_clone lock -> if_cloners lock"},
	}
	ann = append(ann, RunAnnotations([]Switch{{At: 0, Thread: 0}, {At: 11, Thread: 1}, {At: 15, Thread: 0}}, 20)...)
	require.NoError(t, r.WriteHTML(path, ann))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	html := string(b)
	for _, s := range []string{"panic: bogus refcnt", "lock order reversal", "WITNESS", "v0 create(\\\"disc\\\") -\\u003e \\\"disc0\\\""} {
		assert.Contains(t, html, s)
	}

	// A legal history can be drawn too.
	h[1].Output = model.Output{Name: "disc1"}
	_, err = Visualize(sp, h, Options{Timeout: 5 * time.Second}, filepath.Join(dir, "ok.html"), nil)
	require.NoError(t, err)
}

func TestRecorder(t *testing.T) {
	var clock int64
	var mu sync.Mutex
	rec := NewRecorder(func() int64 { mu.Lock(); defer mu.Unlock(); clock++; return clock })
	sp := model.New(model.Config{})
	var wg sync.WaitGroup
	for th := 0; th < 4; th++ {
		wg.Add(1)
		go func(th int) {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				id := rec.Call(th, model.Create{Name: "disc"})
				rec.Return(id, model.Output{Name: "disc" + string(rune('0'+th))})
			}
		}(th)
	}
	wg.Wait()
	id := rec.Call(5, model.Destroy{Name: "disc0"})
	rec.Interrupted(id)
	pending := rec.Call(6, model.Destroy{Name: "disc1"})
	h := rec.History()
	require.NoError(t, h.Validate())
	require.Len(t, h, 42)
	assert.True(t, h[id].Output.Unknown)
	assert.Equal(t, Infinity, h[id].Return)
	assert.True(t, h[pending].Output.Unknown)
	assert.Panics(t, func() { rec.Return(id, model.Ok) })
	assert.Panics(t, func() { rec.Return(99, model.Ok) })
	// Not linearizable (everyone got disc0..3 ten times), and said so.
	assert.Equal(t, Illegal, Check(sp, h, Options{Timeout: 10 * time.Second}).Verdict)

	native := NewRecorder(nil)
	a := native.Call(0, model.Create{Name: "disc"})
	native.Return(a, model.Output{Name: "disc0"})
	hn := native.History()
	assert.LessOrEqual(t, hn[0].Call, hn[0].Return)
	assert.Equal(t, Ok, Check(sp, hn, Options{}).Verdict)
}

func TestValidate(t *testing.T) {
	in := model.Create{Name: "disc"}
	for name, h := range map[string]History{
		"dup id":      {op(0, 0, 0, 1, in, model.Ok), op(0, 1, 0, 1, in, model.Ok)},
		"neg thread":  {op(0, -1, 0, 1, in, model.Ok)},
		"no input":    {op(0, 0, 0, 1, nil, model.Ok)},
		"backwards":   {op(0, 0, 5, 1, in, model.Ok)},
		"unknown ret": {op(0, 0, 0, 1, in, model.UnknownOutput)},
		"overlap":     {op(0, 0, 0, 5, in, model.Ok), op(1, 0, 3, 8, in, model.Ok)},
	} {
		assert.Error(t, h.Validate(), name)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	sp := model.New(model.Config{})
	h := withUnknown(r, generate(r, sp, 400, 5, globalPicker()))
	h = append(h,
		op(len(h), 7, 1, 2, model.Create{Name: "vlan", Params: model.VlanParams{Set: true, Parent: "epair0a", Vid: 7}}, model.Fail(model.ENXIO)),
		op(len(h)+1, 7, 3, 4, model.VnetCreate{Vnet: 0, Child: 9, Drivers: model.Drivers(model.DriverLo, model.DriverVlan)}, model.Ok),
		op(len(h)+2, 7, 5, 6, model.ListCloners{Count: 0}, model.Output{Total: 3, Names: []string{}}),
		op(len(h)+3, 7, 7, 8, model.ListCloners{Count: 2, NoBuffer: true}, model.Output{Total: 3}),
	)
	var buf bytes.Buffer
	require.NoError(t, WriteJSON(&buf, h))
	got, err := ReadJSON(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	require.Len(t, got, len(h))
	kinds := map[string]bool{}
	for i := range h {
		assert.Equal(t, h[i].Input, got[i].Input, "op %d", i)
		assert.True(t, h[i].Output.Equal(got[i].Output), "op %d: %s vs %s", i, h[i].Output, got[i].Output)
		assert.Equal(t, h[i].Call, got[i].Call)
		assert.Equal(t, h[i].Return, got[i].Return)
		kinds[h[i].Input.Kind()] = true
	}
	assert.Len(t, kinds, 10, "every operation kind round-trips")
	_, err = ReadJSON(strings.NewReader(`{"operations":[{"id":0,"thread":0,"call":0,"return":1,"input":{"op":"frob","vnet":0},"output":{}}]}`))
	assert.Error(t, err)
}

// TestSavedHistories re-checks the histories kept in testdata, as etcd's
// robustness tests re-check saved reports.
func TestSavedHistories(t *testing.T) {
	for file, want := range map[string]Verdict{
		"epair_vlan_ok.json":       Ok,
		"disc_skipped_unit.json":   Illegal,
		"panic_during_create.json": Ok,
	} {
		f, err := os.Open(filepath.Join("testdata", file))
		require.NoError(t, err)
		h, err := ReadJSON(f)
		f.Close()
		require.NoError(t, err, file)
		r := Check(model.New(model.Config{}), h, Options{Timeout: 10 * time.Second})
		assert.Equal(t, want, r.Verdict, file)
	}
}

// TestMemoryBudget: a whole-history check estimated over the budget runs
// partitioned when the footprints allow it, and otherwise does not run and
// is Unknown, never a pass, whatever the history.
func TestMemoryBudget(t *testing.T) {
	sp := model.New(model.Config{})
	r := rand.New(rand.NewSource(5))
	h := generate(r, sp, 400, 8, familyPicker(families))
	parts, _ := Partition(sp, h)
	require.Greater(t, len(parts), 1)
	partCost := estimateParts(parts)
	require.Less(t, partCost, EstimateMemory(len(h)))

	// Whole over the budget, partitions within it: checked partitioned.
	res := Check(sp, h, Options{NoPartition: true, MemoryBudget: partCost})
	assert.Equal(t, Ok, res.Verdict)
	assert.Equal(t, len(parts), res.Partitions)
	assert.Contains(t, res.Limit, "checked partitioned")

	// Within the budget: whole as asked, no limit applied.
	res = Check(sp, h, Options{NoPartition: true, MemoryBudget: EstimateMemory(len(h))})
	assert.Equal(t, Ok, res.Verdict)
	assert.Equal(t, 1, res.Partitions)
	assert.Empty(t, res.Limit)

	// Both over the budget: not checked, Unknown, no picture.
	for _, opts := range []Options{{NoPartition: true, MemoryBudget: partCost - 1}, {MemoryBudget: partCost - 1}} {
		res = Check(sp, h, opts)
		assert.Equal(t, Unknown, res.Verdict)
		assert.False(t, res.Passed())
		assert.Contains(t, res.Limit, "not checked")
		assert.Error(t, res.WriteHTML(filepath.Join(t.TempDir(), "h.html"), nil))
	}

	// A broken history over the budget is Unknown too (not a pass), and
	// Illegal once the budget allows the check.
	var bad History
	for i := 0; i < 50 && bad == nil; i++ {
		p := perturb(r, h)
		if Check(sp, p, Options{MemoryBudget: -1}).Verdict == Illegal {
			bad = p
		}
	}
	require.NotNil(t, bad, "no perturbation broke the history")
	assert.Equal(t, Unknown, Check(sp, bad, Options{MemoryBudget: 1}).Verdict)
	assert.Equal(t, Illegal, Check(sp, bad, Options{NoPartition: true, MemoryBudget: -1}).Verdict)
}

// TestFastPathAgreesWithPorcupine: the return-order fast path never
// changes a verdict (it only answers Ok where porcupine would), on
// generated, perturbed and interrupted histories, partitioned and whole,
// in both modes.
func TestFastPathAgreesWithPorcupine(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	strictSpec := model.New(model.Config{})
	relaxedSpec := model.New(model.Config{Mode: model.Relaxed})
	counts := map[string]int{}
	for i := 0; i < 1000; i++ {
		sp := strictSpec
		if i%3 == 2 {
			sp = relaxedSpec
		}
		var pick picker
		if i%4 == 3 {
			pick = globalPicker()
		} else {
			fams := append([]string(nil), families...)
			r.Shuffle(len(fams), func(a, b int) { fams[a], fams[b] = fams[b], fams[a] })
			pick = familyPicker(fams[:1+r.Intn(len(fams))])
		}
		h := generate(r, sp, 5+r.Intn(40), 2+r.Intn(6), pick)
		switch r.Intn(4) {
		case 0, 1:
			h = perturb(r, h)
		case 2:
			h = withUnknown(r, h)
		}
		require.NoError(t, h.Validate())
		for _, whole := range []bool{false, true} {
			opts := Options{Timeout: 20 * time.Second, NoPartition: whole}
			fast := Check(sp, h, opts)
			opts.NoFastPath = true
			slow := Check(sp, h, opts)
			require.False(t, slow.FastPath)
			require.NotEqual(t, Unknown, slow.Verdict)
			require.Equal(t, slow.Verdict, fast.Verdict, "history %d (%s, whole %v)", i, sp.Mode(), whole)
			require.Equal(t, slow.Partitions, fast.Partitions)
			if fast.FastPath {
				require.Equal(t, Ok, fast.Verdict)
				counts["fast"]++
			} else {
				counts["porcupine "+string(fast.Verdict)]++
			}
		}
	}
	t.Logf("%v", counts)
	assert.Greater(t, counts["fast"], 500, "most linearizable histories should take the fast path")
	assert.Greater(t, counts["porcupine ok"], 10, "some linearizable histories need porcupine's search")
	assert.Greater(t, counts["porcupine illegal"], 100)
}
