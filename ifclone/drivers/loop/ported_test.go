// SPDX-License-Identifier: BSD-2-Clause

package loop_test

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

// portedFuncs maps each C function named in a doc comment of the
// package's Go files to "file.c:LINE", and fails on a C function claimed
// twice or by a comment on another Go name.
func portedFuncs(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
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

// Every function of if_loop.c (Nevuqe/nqc c74f302d) has one Go counterpart
// citing its line, or is listed as not emulated.
func TestEveryCFunctionPorted(t *testing.T) {
	want := map[string]string{
		"lo_clone_destroy": "if_loop.c:108",
		"lo_clone_create":  "if_loop.c:126",
		"vnet_loif_init":   "if_loop.c:154",
		"vnet_loif_uninit": "if_loop.c:173",
		"loop_modevent":    "if_loop.c:184",
	}
	notEmulated := []string{"looutput", "if_simloop", "loioctl"} // packets, ioctl
	got := portedFuncs(t)
	assert.Equal(t, want, got)
	for _, c := range notEmulated {
		assert.NotContains(t, got, c)
	}
}
