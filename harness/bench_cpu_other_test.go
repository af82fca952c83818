//go:build !unix

package harness

import "time"

// processCPU is not measured here.
func processCPU() time.Duration { return 0 }
