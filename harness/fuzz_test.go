package harness

import (
	"encoding/json"
	"hash/fnv"

	"kcheck/kern"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func fuzzSeedsScenarios(f *testing.F) {
	for _, s := range Named() {
		b, err := jsonMarshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"name":"x","threads":[[{"op":"list_cloners","vnet":0,"count":2147483647}]]}`))
	f.Add([]byte(`{"name":"x","jails":[1],"threads":[[{"op":"vnet_destroy","vnet":0,"jail":1}],[{"op":"create","vnet":1,"name":"lo"}]]}`))
	f.Add([]byte(`{"name":"x","threads":[[{"op":"list_cloners","vnet":0,"count":-1,"no_buffer":true}]]}`))
}

// FuzzScenarioJSON: decoding and validating any bytes never panics, and a
// scenario that validates runs (small ones: one execution) without a
// failure of the harness itself.
func FuzzScenarioJSON(f *testing.F) {
	fuzzSeedsScenarios(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeScenario(b)
		if err != nil {
			if s != nil {
				t.Fatalf("error %v with a scenario", err)
			}
			return
		}
		if err := s.ValidateBudget(20_000); err != nil || len(s.Threads) > 4 || s.Ops() > 12 || len(s.Jails) > 3 {
			return // keep each input cheap
		}
		ex := Execute(s, Config{Chooser: newFuzzChooser(b), MaxSteps: 20_000, CheckTimeout: time.Second})
		if ex.Kind == InternalError || ex.Kind == "" {
			t.Fatalf("scenario %s: verdict %q: %s\n%s", b, ex.Kind, ex.Summary, ex.Details)
		}
	})
}

// FuzzBundleDir: ReadBundle on any bundle.json, scenario.json and
// schedule never panics; an error leaves no bundle, success a complete one.
func FuzzBundleDir(f *testing.F) {
	for _, d := range []string{"testdata/bundles/F2-minimized", "testdata/bundles/F6-minimized"} {
		meta, err1 := os.ReadFile(filepath.Join(d, fileMeta))
		scn, err2 := os.ReadFile(filepath.Join(d, fileScenario))
		sched, err3 := os.ReadFile(filepath.Join(d, fileSchedule))
		if err1 != nil || err2 != nil || err3 != nil {
			f.Fatal(err1, err2, err3)
		}
		f.Add(meta, scn, sched)
	}
	f.Add([]byte(`{"kind":"Bogus","mode":"relaxed"}`), []byte(`{"name":"x","threads":[[]]}`), []byte("0*99999999999"))
	f.Fuzz(func(t *testing.T, meta, scn, sched []byte) {
		dir := t.TempDir()
		for name, b := range map[string][]byte{fileMeta: meta, fileScenario: scn, fileSchedule: sched} {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		lb, err := ReadBundle(dir)
		if err != nil {
			if lb != nil {
				t.Fatalf("error %v with a bundle", err)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if lb.Scenario == nil || lb.Schedule == nil {
			t.Fatalf("bundle without scenario or schedule: %+v", lb)
		}
		if _, err := ParseKind(string(lb.Meta.Kind)); err != nil {
			t.Fatalf("accepted kind %q", lb.Meta.Kind)
		}
	})
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// newFuzzChooser draws a PCT seed from the input.
func newFuzzChooser(b []byte) kern.Chooser {
	h := fnv.New64a()
	h.Write(b)
	e := &Explorer{Kind: PCT, Seed: h.Sum64()}
	ch, _, _, _ := e.Next()
	return ch
}
