// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/kern"
	"kcheck/model"
)

// sessionOps is a sequence of creates and destroys in vnet0 with
// successes and failures of both.
var sessionOps = []model.Input{
	model.Create{Vnet: model.VNET0, Name: "lo"},
	model.Create{Vnet: model.VNET0, Name: "lo5"},
	model.Create{Vnet: model.VNET0, Name: "lo5"},
	model.Create{Vnet: model.VNET0, Name: "epair"},
	model.Destroy{Vnet: model.VNET0, Name: "lo5"},
	model.Destroy{Vnet: model.VNET0, Name: "lo5"},
	model.Create{Vnet: model.VNET0, Name: "disc"},
	model.Destroy{Vnet: model.VNET0, Name: "epair0a"},
	model.Create{Vnet: model.VNET0, Name: "bogus0"},
}

// TestSessionMatchesExecute: one thread's operations through a Session
// (Op, and Caller for the creates and destroys) give the history and the
// verdict Execute gives for the same scenario.
func TestSessionMatchesExecute(t *testing.T) {
	var th []Op
	for _, in := range sessionOps {
		switch in := in.(type) {
		case model.Create:
			th = append(th, Op{Kind: "create", Name: in.Name})
		case model.Destroy:
			th = append(th, Op{Kind: "destroy", Name: in.Name})
		}
	}
	scn := &Scenario{Name: "session", Threads: [][]Op{th}}
	want := Execute(scn, Config{Native: true, Mode: model.Strict})
	require.Equal(t, Pass, want.Kind, want.Summary)

	for _, viaCaller := range []bool{false, true} {
		s := NewSession("session", Config{Native: true, Mode: model.Strict})
		c := s.Caller(0)
		s.Kernel().Go("t0", func(td *kern.Thread) {
			for _, in := range sessionOps {
				var err error
				if viaCaller {
					_, err = c.Op(td, in, true)
				} else {
					_, err = s.Op(td, 0, in, true)
				}
				require.NoError(t, err)
			}
		})
		require.False(t, s.Run("workload"))
		ex := s.Finish()
		assert.Equal(t, Pass, ex.Kind, "caller %v: %s", viaCaller, ex.Summary)
		assert.EqualValues(t, len(sessionOps), s.Recorded())
		require.Len(t, ex.History, len(want.History))
		for i := range ex.History {
			assert.Equal(t, want.History[i].Input.String(), ex.History[i].Input.String())
			assert.True(t, want.History[i].Output.Equal(ex.History[i].Output), "caller %v, op %d: %v vs %v",
				viaCaller, i, want.History[i].Output, ex.History[i].Output)
		}
	}
}

// TestSessionJudges: a session reports what Execute would: a panic at
// boot, a leak after teardown, and a history the spec refuses.
func TestSessionJudges(t *testing.T) {
	s := NewSession("boom", Config{Native: true, LoadDrivers: func(td *kern.Thread) { kern.Panicf(td, "boot fails") }})
	assert.True(t, s.Stopped())
	ex := s.Finish()
	assert.Equal(t, Panic, ex.Kind, ex.Summary)
	assert.Equal(t, "boot", ex.Verdicts[0].Phase)

	s = NewSession("leak", Config{Native: true})
	mt := s.Kernel().MallocType("LEAKY", "test")
	s.Kernel().Go("t0", func(td *kern.Thread) { kern.Malloc[int](td, mt, kern.M_WAITOK) })
	require.False(t, s.Run("workload"))
	ex = s.Finish()
	assert.Equal(t, Leak, ex.Kind, ex.Summary)
	assert.Contains(t, ex.Summary, "LEAKY: 1 live")

	// Recording an output the kernel never gave: a destroy of an
	// interface that does not exist recorded as a success.
	s = NewSession("lie", Config{Native: true, Mode: model.Strict})
	s.Kernel().Go("t0", func(td *kern.Thread) {
		id := s.call(0, model.Destroy{Vnet: model.VNET0, Name: "lo7"})
		s.rec.Return(id, model.Ok)
	})
	require.False(t, s.Run("workload"))
	ex = s.Finish()
	assert.Equal(t, NotLinearizable, ex.Kind, ex.Summary)

	// Caller refuses what it does not do.
	s = NewSession("refuse", Config{Native: true})
	c := s.Caller(0)
	s.Kernel().Go("t0", func(td *kern.Thread) {
		_, err := c.Op(td, model.Rename{Vnet: model.VNET0, Name: "lo0", NewName: "x"}, false)
		assert.Error(t, err)
		_, err = c.Op(td, model.Create{Vnet: 1, Name: "lo"}, false)
		assert.Error(t, err)
	})
	s.Run("workload")
	assert.Equal(t, Pass, s.Finish().Kind)
}
