// SPDX-License-Identifier: BSD-2-Clause

package unrhdr

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// cFunctions are the functions of the stored subr_unit.c (commit
// 337f05dd3fec) and the line each starts on. Left out: the userland stubs
// mtx_lock, mtx_unlock, mtx_assert and _Malloc (kern provides the real
// ones), usage (the driver's command line), and alloc_unr64, compiled only
// with UNR64_LOCKED, which amd64 does not define.
var cFunctions = map[string]int{
	"ub_empty": 212, "ub_full": 221, "check_unrhdr": 238,
	"new_unr": 285, "delete_unr": 303, "clean_unrhdrl": 313,
	"clean_unrhdr": 331, "init_unrhdr": 342, "new_unrhdr": 371,
	"delete_unrhdr": 381, "clear_unrhdr": 393, "is_bitmap": 413,
	"optimize_unr": 428, "collapse_unr": 541, "alloc_unrl": 613,
	"alloc_unr": 662, "alloc_unr_specificl": 676, "alloc_unr_specific": 779,
	"free_unrl": 809, "free_unr": 917, "print_unr": 947,
	"print_unrhdr": 971, "test_alloc_unr": 991,
	"test_alloc_unr_specific": 1011, "main": 1033,
}

// cMacros are macros of subr_unit.c that a Go function stands for.
var cMacros = map[string]int{"UNR_NO_MTX": 146}

// TestEveryCFunctionPorted: each C function has exactly one Go function
// whose doc comment begins "GoName is c_name (subr_unit.c:LINE).", with the
// C's line, and GoName follows the mechanical naming rule.
func TestEveryCFunctionPorted(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", nil, parser.ParseComments)
	require.NoError(t, err)
	re := regexp.MustCompile(`^(\w+) is (\w+) \(subr_unit\.c:(\d+)\)\.`)
	found := map[string][]string{}
	for _, pkg := range pkgs {
		for _, f := range pkg.Files {
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Doc == nil {
					continue
				}
				m := re.FindStringSubmatch(fd.Doc.Text())
				if m == nil {
					continue
				}
				require.Equal(t, fd.Name.Name, m[1], "doc comment names another function")
				line, _ := strconv.Atoi(m[3])
				if l, ok := cMacros[m[2]]; ok {
					require.Equal(t, l, line, "%s: line of %s", m[1], m[2])
					continue
				}
				want, ok := cFunctions[m[2]]
				require.True(t, ok, "%s claims unknown C function %s", m[1], m[2])
				require.Equal(t, want, line, "%s: line of %s", m[1], m[2])
				found[m[2]] = append(found[m[2]], m[1])
				if m[2] != "main" {
					require.Equal(t, goName(m[2]), lowerFirstIfUnexported(m[1], goName(m[2])), "naming rule for %s", m[2])
				}
			}
		}
	}
	for c := range cFunctions {
		require.Len(t, found[c], 1, "Go counterparts of %s: %v", c, found[c])
	}
}

// goName applies the naming rule: alloc_unr_specific -> AllocUnrSpecific.
func goName(c string) string {
	out := []byte{}
	up := true
	for i := 0; i < len(c); i++ {
		switch {
		case c[i] == '_':
			up = true
		case up:
			out = append(out, c[i]-'a'+'A')
			up = false
		default:
			out = append(out, c[i])
		}
	}
	return string(out)
}

// lowerFirstIfUnexported maps an unexported Go name back to the exported
// form of the rule (static C functions are unexported in Go).
func lowerFirstIfUnexported(g, exported string) string {
	if g != "" && g[0] >= 'a' && g[0] <= 'z' && len(g) == len(exported) {
		return string(g[0]-'a'+'A') + g[1:]
	}
	return g
}
