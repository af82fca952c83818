//go:build race

package stress

// raceEnabled reports a -race build.
const raceEnabled = true
