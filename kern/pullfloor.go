// SPDX-License-Identifier: BSD-2-Clause

package kern

import (
	"iter"
	"time"
)

// PullRoundTrip times n round trips into and out of a bare iter.Pull
// coroutine: the floor a controlled hand-over (two coroutine switches)
// is measured against. Benchmarks and `kcheck bench` time it in the same
// run as what they compare with it, so ratios do not depend on the
// machine or its load.
func PullRoundTrip(n int) time.Duration {
	next, stop := iter.Pull(func(yield func(int) bool) {
		for i := 0; yield(i); i++ {
		}
	})
	defer stop()
	start := time.Now()
	for i := 0; i < n; i++ {
		next()
	}
	return time.Since(start)
}
