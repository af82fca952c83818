package harness

import (
	"os"
	"strings"
	"testing"

	"kcheck/model"
)

func TestDevWildcard(t *testing.T) {
	if os.Getenv("KCHECK_DEV") == "" {
		t.Skip()
	}
	scn := &Scenario{Name: "WildcardLowest", Threads: [][]Op{{mkC(0, "disc0"), mkD(0, "disc0"), mkC(0, "disc1")}, {mkC(0, "disc")}}}
	e := &Explorer{Kind: DFS, Bound: 2, MaxSchedules: 20000}
	n, bad := 0, 0
	for {
		ch, _, desc, ok := e.Next()
		if !ok {
			break
		}
		n++
		cfg := Config{Chooser: ch, Mode: model.Strict}
		ex := Execute(scn, cfg)
		if ex.Kind == NotLinearizable {
			poison := false
			for _, op := range ex.History {
				if strings.Contains(op.Output.Name, "\xde") || op.Output.Err == model.ENXIO {
					poison = true
				}
			}
			if !poison {
				bad++
				if bad == 1 {
					p, _ := WriteBundle("/tmp/kcheck-wild", ex, cfg, desc)
					t.Logf("first clean strict violation: %s", p)
					rx := Execute(scn, Config{Chooser: nil, Mode: model.Relaxed})
					_ = rx
				}
			}
		}
	}
	t.Logf("%d schedules, %d strict violations without poison, exhausted=%v", n, bad, e.Exhausted())
}
