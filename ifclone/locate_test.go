// SPDX-License-Identifier: BSD-2-Clause

package ifclone

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"kcheck/kern"
)

func TestSeedFuncIndex(t *testing.T) {
	assert.Equal(t, 2, SeedFuncIndex("kcheck/ifclone.IfCloneCreate"))
	assert.Equal(t, 2, SeedFuncIndex("ifclone.IfCloneCreate.func1"), "a closure is its enclosing function's")
	assert.Equal(t, -1, SeedFuncIndex("ifclone.Ifunit"), "if.c's")
	assert.Equal(t, -1, SeedFuncIndex("unrhdr.IfCloneCreate"), "another package")
	assert.Equal(t, -1, SeedFuncIndex(""))
	for i, f := range SeedFuncs {
		assert.Equal(t, i, SeedFuncIndex("kcheck/ifclone."+f.GoName))
	}
}

// TestCLocate: a line of if_clone.go that makes a call the seed makes
// gets the seed's line; other locations are left alone.
func TestCLocate(t *testing.T) {
	var goLine, cLine int
	for g, c := range ifCloneCLine {
		goLine, cLine = g, c
		break
	}
	loc := kern.Location{File: "ifclone/if_clone.go", Line: goLine, Func: "ifclone.IfCloneCreate"}
	got := CLocate(loc)
	assert.Equal(t, "if_clone.c", got.CFile)
	assert.Equal(t, cLine, got.CLine)
	assert.Equal(t, loc.FileLine(), got.FileLine(), "the Go location is kept")

	for _, l := range []kern.Location{
		{File: "ifclone/if.go", Line: goLine, Func: "ifclone.Ifunit"},
		{File: "ifclone/if_clone.go", Line: 1, Func: "ifclone.IfCloneCreate"},
		{},
	} {
		assert.Equal(t, l, CLocate(l), l.String())
	}
	f, ok := SeedFuncAt(loc)
	assert.True(t, ok)
	assert.Equal(t, "if_clone_create", f.CName)
	_, ok = SeedFuncAt(kern.Location{File: "ifclone/if.go", Line: 1, Func: "ifclone.IfCloneCreate"})
	assert.False(t, ok, "only if_clone.go")
}

func TestSeedCallLines(t *testing.T) {
	lines := SeedCallLines()
	assert.NotEmpty(t, lines)
	for i := 1; i < len(lines); i++ {
		assert.Less(t, lines[i-1], lines[i])
	}
	for _, c := range ifCloneCLine {
		assert.Contains(t, lines, c)
	}
}
