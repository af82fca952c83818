// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRepositoryFindingsParse checks the parser on the real findings file.
func TestRepositoryFindingsParse(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "FINDINGS.md"))
	require.NoError(t, err, "docs/FINDINGS.md is part of the repository")
	fs := ParseFindings(string(b))
	require.NotEmpty(t, fs)
	for i, f := range fs {
		assert.Equal(t, "F"+strconv.Itoa(i+1), f.ID, "findings are numbered in order")
		if f.Bundle != "" {
			assert.DirExists(t, filepath.Join("..", f.Bundle), f.ID)
		}
	}
}

// TestParseFindings: sections, bundle lines in their spellings, test
// lines, and other sections ending a finding.
func TestParseFindings(t *testing.T) {
	doc := "# Findings\n\n## F1: one\n\n**Bundle:** `testdata/findings/F1-x`\n\n## F2: two\n\n- Test: unrhdr TestX\n\n## Notes\n\nBundle: nope\n"
	fs := ParseFindings(doc)
	require.Len(t, fs, 2)
	assert.Equal(t, Finding{ID: "F1", Title: "one", Bundle: "testdata/findings/F1-x"}, fs[0])
	assert.Equal(t, Finding{ID: "F2", Title: "two", Test: "unrhdr TestX"}, fs[1])
}
