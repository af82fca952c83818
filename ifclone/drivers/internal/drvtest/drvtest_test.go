// SPDX-License-Identifier: BSD-2-Clause

package drvtest

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder is a testing.TB that records the failures of the checks it is
// handed to instead of failing the test. Only the methods testify calls
// are implemented; any other panics on the nil TB.
type recorder struct {
	testing.TB
	msgs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Name() string { return "recorded" }

func (r *recorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func (r *recorder) FailNow() { runtime.Goexit() }

// record runs check on a recorder, in a goroutine of its own so that
// FailNow can end it, and returns the failures.
func record(check func(tb testing.TB)) []string {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		check(r)
	}()
	<-done
	return r.msgs
}

func TestPortedFuncs(t *testing.T) {
	var got map[string]string
	msgs := record(func(tb testing.TB) { got = portedFuncs(tb, "testdata/ported/good") })
	assert.Empty(t, msgs)
	assert.Equal(t, map[string]string{"foo": "drv.c:10", "bar_baz": "drv.c:20"}, got,
		"_test.go files and other doc comments are not looked at")

	msgs = record(func(tb testing.TB) { portedFuncs(tb, "testdata/ported/bad") })
	require.Len(t, msgs, 2)
	assert.Contains(t, msgs[0], "foo ported twice")
	assert.Contains(t, msgs[1], "doc comment of Baz names Bar")
}

func TestEveryCFunctionPorted(t *testing.T) {
	t.Chdir("testdata/ported/good")
	want := map[string]int{"foo": 10, "bar_baz": 20}
	assert.Empty(t, record(func(tb testing.TB) {
		EveryCFunctionPorted(tb, "drv.c", want, []string{"qux"})
	}))

	for _, tc := range []struct {
		name        string
		cfile       string
		want        map[string]int
		notEmulated []string
	}{
		{"wrong line", "drv.c", map[string]int{"foo": 11, "bar_baz": 20}, nil},
		{"function not ported", "drv.c", map[string]int{"foo": 10, "bar_baz": 20, "qux": 30}, nil},
		{"port not expected", "drv.c", map[string]int{"foo": 10}, nil},
		{"ported but listed as not emulated", "drv.c", want, []string{"foo"}},
		{"another C file", "other.c", want, nil},
	} {
		msgs := record(func(tb testing.TB) {
			EveryCFunctionPorted(tb, tc.cfile, tc.want, tc.notEmulated)
		})
		assert.NotEmpty(t, msgs, tc.name)
	}
}

// TestOnlyTestsImportDrvtest: no non-test Go file of the drivers imports
// this package.
func TestOnlyTestsImportDrvtest(t *testing.T) {
	const self = "kcheck/ifclone/drivers/internal/drvtest"
	fset := token.NewFileSet()
	seen := 0
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		seen++
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			require.NoError(t, err)
			assert.NotEqualf(t, self, p, "%s imports drvtest, which is for tests only", path)
		}
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, seen, 5, "the walk found the drivers' sources")
}
