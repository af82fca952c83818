package kern_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"kcheck/kern"
)

type node struct{ n int }

// secondVisitorPanics is a bug: whichever thread comes second after a
// scheduling point panics, naming its own object and counter.
func secondVisitorPanics(td *kern.Thread, seen *int, obj *node) {
	kern.Preempt(td)
	*seen++
	obj.n = *seen
	if *seen == 2 {
		kern.Panicf(td, "Bad link elm %p next->prev != elm (%s, seen %d)", obj, td.Name, obj.n)
	}
}

func otherBug(td *kern.Thread, obj *node) {
	kern.Panicf(td, "Bad link elm %p next->prev != elm (%s, seen %d)", obj, td.Name, obj.n)
}

func runIdentity(seed uint64, f func(td *kern.Thread, seen *int, obj *node)) *kern.Panic {
	k := kern.NewKernel(kern.Config{Chooser: kern.NewRandom(seed)})
	seen := 0
	for i := 0; i < 3; i++ {
		k.Go(fmt.Sprintf("t%d", i), func(td *kern.Thread) {
			kern.Preempt(td)
			f(td, &seen, &node{})
		})
	}
	return k.Run().Panic
}

func TestPanicIdentityStableAcrossSchedules(t *testing.T) {
	first := runIdentity(1, secondVisitorPanics)
	require.NotNil(t, first)
	var other *kern.Panic
	for seed := uint64(2); seed < 200 && other == nil; seed++ {
		p := runIdentity(seed, secondVisitorPanics)
		require.NotNil(t, p)
		if p.Thread != first.Thread && p.Step != first.Step {
			other = p
		}
	}
	require.NotNil(t, other, "no schedule made another thread panic at another step")
	require.NotEqual(t, first.Error(), other.Error())
	require.NotEqual(t, first.Msg, other.Msg)
	require.Equal(t, first.Identity(), other.Identity())
	id := first.Identity()
	require.Contains(t, id, "kern_test.secondVisitorPanics")
	require.Contains(t, id, "kern/identity_test.go:")
	require.Contains(t, id, "Bad link elm 0xADDR next->prev != elm (tN, seen N)")
	t.Log(id)

	// Another function with the same message is another bug.
	p := runIdentity(1, func(td *kern.Thread, _ *int, obj *node) { otherBug(td, obj) })
	require.NotNil(t, p)
	require.NotEqual(t, id, p.Identity())

	// A fault (nil dereference) is located at the faulting line.
	p = runIdentity(1, func(td *kern.Thread, _ *int, _ *node) {
		var o *node
		o.n++
	})
	require.NotNil(t, p)
	require.Equal(t, kern.PanicFault, p.Kind)
	require.Contains(t, p.Identity(), "kern/identity_test.go:")
}
