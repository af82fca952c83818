package kern

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// mustPanic runs f on a fresh thread0 and returns the *Panic it raised.
func mustPanic(t *testing.T, f func()) *Panic {
	t.Helper()
	var got *Panic
	func() {
		defer func() {
			r := recover()
			require.NotNil(t, r, "expected a kernel panic")
			p, ok := r.(*Panic)
			require.True(t, ok, "panic value %T is not *kern.Panic: %v", r, r)
			got = p
		}()
		f()
	}()
	return got
}
