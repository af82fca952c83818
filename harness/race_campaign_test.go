//go:build race

package harness

import (
	"context"
	"testing"
	"time"
)

// TestNativeCampaignUnderRace runs the named scenarios natively (real
// goroutines) under the race detector: a data race in the harness or the
// emulation fails the test binary. `make race` runs it.
func TestNativeCampaignUnderRace(t *testing.T) {
	d := 20 * time.Second
	if testing.Short() {
		d = 5 * time.Second
	}
	// The C's own unlocked accesses are data races in Go, and so is every
	// use after free the port finds natively (the emulation's poisoning
	// writes the freed object while the C's late reader reads it: F2's
	// strlcpy of a freed name, for one). if_flags is an atomic word in the
	// port (IfFlagsWord); the rest are not hidden. So the campaign runs
	// the named scenarios the faithful port passes (no Expect) and that
	// do not rename (if_rename rewrites if_xname while ifunit compares it
	// in the net epoch, the C's own race): a race there is the harness's
	// or the emulation's.
	var scns []*Scenario
	for _, scn := range Named() {
		renames := false
		for _, th := range scn.Threads {
			for _, op := range th {
				renames = renames || op.Kind == "rename"
			}
		}
		if !renames && len(scn.Expect) == 0 {
			scns = append(scns, scn)
		}
	}
	if len(scns) == 0 {
		t.Fatal("no named scenario is expected to pass")
	}
	c, err := NewCampaign(CampaignConfig{Scenarios: scns, Strategy: Native, Duration: d, Workers: 2,
		TraceEvery: -1, NativeTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	res := c.Run(context.Background())
	if res.Executions == 0 {
		t.Fatal("no execution ran")
	}
	if res.Verdicts[InternalError] > 0 || res.Abandoned > 0 || len(res.Errors) > 0 {
		t.Fatalf("internal errors %d, abandoned %d, errors %v", res.Verdicts[InternalError], res.Abandoned, res.Errors)
	}
	t.Logf("%d executions: %v", res.Executions, res.Verdicts)
}
