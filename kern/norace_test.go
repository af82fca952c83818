//go:build !race

package kern

// raceEnabled reports a test binary built with -race.
const raceEnabled = false
