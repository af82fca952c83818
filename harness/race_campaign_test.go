//go:build race

package harness

import (
	"context"
	"testing"
	"time"
)

// TestNativeCampaignUnderRace runs every named scenario natively (real
// goroutines) under the race detector: a data race in the harness or the
// emulation fails the test binary. `make race` runs it.
func TestNativeCampaignUnderRace(t *testing.T) {
	d := 20 * time.Second
	if testing.Short() {
		d = 5 * time.Second
	}
	c, err := NewCampaign(CampaignConfig{Scenarios: Named(), Strategy: Native, Duration: d, Workers: 2,
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
