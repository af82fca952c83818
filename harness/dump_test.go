package harness

import (
	"os"
	"testing"

	"kcheck/model"
)

// TestDumpFirstFailure writes the first failing bundle of the scenario
// named by KCHECK_DUMP (development aid).
func TestDumpFirstFailure(t *testing.T) {
	name := os.Getenv("KCHECK_DUMP")
	if name == "" {
		t.Skip("set KCHECK_DUMP=<scenario> [KCHECK_KIND=<kind>]")
	}
	scn, err := NamedScenario(name)
	if err != nil {
		t.Fatal(err)
	}
	e := &Explorer{Kind: DFS, Bound: 1, MaxSchedules: 3000}
	for {
		ch, _, desc, ok := e.Next()
		if !ok {
			break
		}
		mode := model.Strict
		if os.Getenv("KCHECK_MODE") == "relaxed" {
			mode = model.Relaxed
		}
		cfg := Config{Chooser: ch, Mode: mode}
		ex := Execute(scn, cfg)
		if ex.Failed() && (os.Getenv("KCHECK_KIND") == "" || string(ex.Kind) == os.Getenv("KCHECK_KIND")) {
			p, err := WriteBundle("/tmp/kcheck-bundles", ex, cfg, desc)
			t.Logf("%s -> %s (%v)", ex.Summary, p, err)
			lb, err := ReadBundle(p)
			if err != nil {
				t.Fatal(err)
			}
			rex, div, err := Replay(lb)
			t.Logf("replay: %s %s div=%q err=%v", rex.Kind, rex.Summary, div, err)
			p2, _ := WriteBundle("/tmp/kcheck-bundles", rex, Config{Mode: mode, MaxSteps: lb.Meta.MaxSteps}, "replay of "+desc)
			t.Logf("replay bundle with trace: %s", p2)
			return
		}
	}
}
