// SPDX-License-Identifier: BSD-2-Clause

package drvtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
