// SPDX-License-Identifier: BSD-2-Clause

package drvtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// portedRE matches the first line of a ported function's doc comment:
// "GoName is c_name (file.c:LINE)".
var portedRE = regexp.MustCompile(`^(\w+) is (\w+) \((\w+\.c):(\d+)\)`)

// EveryCFunctionPorted checks a driver's port of its C file cfile. want
// maps each function of cfile that is emulated to the line its definition
// starts on; notEmulated lists the functions of cfile that are not.
//
// The Go files of the current directory (the package under test; its
// _test.go files aside) must have, for each C function of want, exactly
// one function whose doc comment begins "GoName is c_name (cfile:LINE)",
// GoName being that function's own name and LINE the line in want; none
// for a function of notEmulated; and no such comment naming any other C
// function, or a function of another C file.
func EveryCFunctionPorted(t testing.TB, cfile string, want map[string]int, notEmulated []string) {
	t.Helper()
	wantPos := map[string]string{}
	for c, line := range want {
		wantPos[c] = cfile + ":" + strconv.Itoa(line)
	}
	got := portedFuncs(t, ".")
	assert.Equal(t, wantPos, got)
	for _, c := range notEmulated {
		assert.NotContains(t, got, c)
	}
}

// portedFuncs maps each C function named in a doc comment of the Go files
// of dir (not _test.go) to "file.c:LINE", and fails on a C function
// claimed twice or by a comment on another Go name.
func portedFuncs(t testing.TB, dir string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.ParseComments)
		require.NoError(t, err)
		for _, d := range af.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Doc == nil {
				continue
			}
			m := portedRE.FindStringSubmatch(fd.Doc.Text())
			if m == nil {
				continue
			}
			assert.Equalf(t, fd.Name.Name, m[1], "doc comment of %s names %s", fd.Name.Name, m[1])
			_, dup := out[m[2]]
			assert.Falsef(t, dup, "%s ported twice", m[2])
			_, err := strconv.Atoi(m[4])
			require.NoError(t, err)
			out[m[2]] = m[3] + ":" + m[4]
		}
	}
	return out
}
