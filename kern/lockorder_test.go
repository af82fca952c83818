package kern

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLockOrderCheck(t *testing.T) {
	o := MergeLockOrders(
		LockOrder{After: map[string][]string{"a": {}, "b": {"a"}}},
		LockOrder{After: map[string][]string{"c": {"b"}}, Reversals: map[string]string{"c -> a": "F99"}},
	)
	v, k := o.Check([]string{"a -> b", "a -> c", "b -> c"})
	assert.Empty(t, v, "direct and transitive orders are allowed")
	assert.Empty(t, k)
	v, k = o.Check([]string{"b -> a", "c -> a", "a -> z"})
	assert.Equal(t, []string{`a -> z: class "z" is in no lock-order table`, `b -> a: the tables do not order "b" before "a"`}, v)
	assert.Equal(t, []string{"c -> a (reversal reported as F99)"}, k)
	assert.Nil(t, o.Cycle())
	o.After["a"] = []string{"c"}
	assert.NotNil(t, o.Cycle(), "a -> b -> c -> a is not a partial order")
}
