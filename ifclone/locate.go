// SPDX-License-Identifier: BSD-2-Clause

package ifclone

import (
	"sort"
	"strings"

	"kcheck/kern"
)

// seedGoFile is the port of the seed as kern.Location names files.
const seedGoFile = "ifclone/if_clone.go"

// InSeedPort reports whether a Go source path, a runtime frame's full path
// or kern.Location's short one, is the seed's port (if_clone.go).
func InSeedPort(file string) bool {
	return file == seedGoFile || strings.HasSuffix(file, "/"+seedGoFile)
}

// SeedFuncIndex is the index in SeedFuncs of the seed function whose port
// is the Go function fn, named as runtime frames name it
// ("kcheck/ifclone.IfCloneCreate.func1") or as kern.Location does
// ("ifclone.IfCloneCreate.func1"); a closure counts as its enclosing
// function. It is -1 for any other function.
func SeedFuncIndex(fn string) int {
	if i := strings.LastIndexByte(fn, '/'); i >= 0 {
		fn = fn[i+1:]
	}
	rest, ok := strings.CutPrefix(fn, "ifclone.")
	if !ok {
		return -1
	}
	name, _, _ := strings.Cut(rest, ".")
	if i, ok := seedFuncIndex[name]; ok {
		return i
	}
	return -1
}

var seedFuncIndex = func() map[string]int {
	m := make(map[string]int, len(SeedFuncs))
	for i, f := range SeedFuncs {
		m[f.GoName] = i
	}
	return m
}()

// SeedFuncAt is the seed function a location is in: loc must be in
// if_clone.go, in a function porting one of the seed's (or a closure of
// one). ok is false otherwise.
func SeedFuncAt(loc kern.Location) (f SeedFunc, ok bool) {
	if !InSeedPort(loc.File) {
		return SeedFunc{}, false
	}
	if i := SeedFuncIndex(loc.Func); i >= 0 {
		return SeedFuncs[i], true
	}
	return SeedFunc{}, false
}

// SeedLine is the seed line making the same call as line goLine of
// if_clone.go (the generated table in clines.go), if there is one.
func SeedLine(goLine int) (int, bool) {
	l, ok := ifCloneCLine[goLine]
	return l, ok
}

// SeedCallLines are the seed lines that make a call the port makes too
// (the values of the clines.go table), ascending.
func SeedCallLines() []int {
	set := map[int]bool{}
	for _, l := range ifCloneCLine {
		set[l] = true
	}
	out := make([]int, 0, len(set))
	for l := range set {
		out = append(out, l)
	}
	sort.Ints(out)
	return out
}

// CLocate returns loc with its C source filled in where the seed's is
// known: a line of if_clone.go that makes a call the seed makes too gets
// if_clone.c and that call's line. Other locations come back unchanged.
func CLocate(loc kern.Location) kern.Location {
	if loc.CFile != "" || !InSeedPort(loc.File) {
		return loc
	}
	if cl, ok := ifCloneCLine[loc.Line]; ok {
		loc.CFile, loc.CLine = "if_clone.c", cl
	}
	return loc
}
