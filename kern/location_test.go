// SPDX-License-Identifier: BSD-2-Clause

package kern_test

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/kern"
)

func TestLocationString(t *testing.T) {
	l := kern.Location{File: "ifclone/if_clone.go", Line: 241, Func: "ifclone.IfCloneCreate.func1"}
	assert.Equal(t, "ifclone/if_clone.go:241 (ifclone.IfCloneCreate.func1)", l.String())
	assert.Equal(t, "ifclone/if_clone.go:241", l.FileLine())
	assert.Equal(t, "IfCloneCreate.func1", l.FuncName())
	assert.Equal(t, "ifclone", l.Package())
	assert.Equal(t, "", l.CFileLine())
	l.CFile, l.CLine = "if_clone.c", 231
	assert.Equal(t, "if_clone.c:231", l.CFileLine())
	assert.Equal(t, "ifclone/if_clone.go:241 (ifclone.IfCloneCreate.func1)", l.String(), "the C location is not part of the Go form")
	assert.Equal(t, "?", kern.Location{}.String())
	assert.Equal(t, "?", kern.Location{}.FileLine())
	assert.Equal(t, "ifclone/if.go:3", kern.Location{File: "ifclone/if.go", Line: 3}.String())
}

// TestTraceLocation: a traced scheduling point carries its Go caller as
// structured data (file, line, function), the first frame outside kern.
func TestTraceLocation(t *testing.T) {
	k := kern.NewKernel(kern.Config{Chooser: kern.NewRandom(1), Trace: true})
	var line int
	k.Go("t", func(td *kern.Thread) {
		_, _, line, _ = runtime.Caller(0)
		kern.Preempt(td) // the line after runtime.Caller
	})
	res := k.Run()
	require.True(t, res.OK(), "%v", res)
	var found bool
	for _, ev := range res.Trace {
		if ev.What != "preempt" {
			continue
		}
		found = true
		assert.Equal(t, "kern/location_test.go", ev.Where.File)
		assert.Equal(t, line+1, ev.Where.Line)
		assert.Equal(t, "kern_test.TestTraceLocation.func1", ev.Where.Func)
		assert.Empty(t, ev.Where.CFile, "kern knows no C file")
	}
	assert.True(t, found, "a preempt event in %v", res.Trace)
}
