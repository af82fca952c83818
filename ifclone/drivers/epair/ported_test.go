// SPDX-License-Identifier: BSD-2-Clause

package epair_test

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

// Every function of if_epair.c (freebsd-src 4d846d260e2b) has one Go
// counterpart citing its line, or is listed as not emulated.
func TestEveryCFunctionPorted(t *testing.T) {
	want := map[string]string{
		"epair_clone_match":   "if_epair.c:465",
		"epair_clone_add":     "if_epair.c:489",
		"epair_alloc_sc":      "if_epair.c:504",
		"epair_setup_ifp":     "if_epair.c:536",
		"epair_generate_mac":  "if_epair.c:559",
		"epair_free_sc":       "if_epair.c:605",
		"epair_set_state":     "if_epair.c:621",
		"epair_handle_unit":   "if_epair.c:633",
		"epair_clone_create":  "if_epair.c:691",
		"epair_drain_rings":   "if_epair.c:757",
		"epair_clone_destroy": "if_epair.c:776",
		"vnet_epair_init":     "if_epair.c:823",
		"vnet_epair_uninit":   "if_epair.c:836",
		"epair_mod_init":      "if_epair.c:845",
		"epair_mod_cleanup":   "if_epair.c:890",
		"epair_modevent":      "if_epair.c:900",
	}
	notEmulated := []string{ // the packet path, media and ioctl
		"epair_clear_mbuf", "epair_tx_start_deferred", "epair_select_queue",
		"epair_prepare_mbuf", "epair_menq", "epair_start", "epair_transmit",
		"epair_qflush", "epair_media_change", "epair_media_status",
		"epair_ioctl", "epair_init",
	}
	got := portedFuncs(t)
	assert.Equal(t, want, got)
	for _, c := range notEmulated {
		assert.NotContains(t, got, c)
	}
}
