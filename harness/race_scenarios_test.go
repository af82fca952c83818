package harness

import "testing"

// raceScenarios are the named scenarios the race campaign runs.
func raceScenarios(t *testing.T) []*Scenario {
	return Named()
}
