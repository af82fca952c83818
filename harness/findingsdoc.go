// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Finding is one "## F<N>: title" section of docs/FINDINGS.md: its
// bundle (or the test that pins it instead) and, once replayed, what the
// replay gave.
type Finding struct {
	ID         string `json:"id"`
	Title      string `json:"title"`
	Bundle     string `json:"bundle,omitempty"`
	Test       string `json:"test,omitempty"` // the test that pins a finding without a bundle
	Recorded   Kind   `json:"recorded,omitempty"`
	Replayed   Kind   `json:"replayed,omitempty"`
	Reproduced bool   `json:"reproduced"`
	Problem    string `json:"problem,omitempty"`
}

var (
	findingHead = regexp.MustCompile(`^##\s+(F\d+)\s*:\s*(.*?)\s*$`)
	bundleLine  = regexp.MustCompile("^\\s*(?:[-*]\\s*)?(?:\\*\\*)?Bundle(?:\\*\\*)?\\s*:\\s*(?:\\*\\*)?\\s*`?([^`\\s]+)`?")
	testLine    = regexp.MustCompile(`^\s*(?:[-*]\s*)?(?:\*\*)?Tests?(?:\*\*)?\s*:\s*(?:\*\*)?\s*(.+?)\s*$`)
)

// ParseFindings reads the findings of a FINDINGS.md: "## F<N>: title"
// sections, each with a "Bundle: path" or a "Test: name" line.
func ParseFindings(text string) []Finding {
	var out []Finding
	cur := -1
	for _, line := range strings.Split(text, "\n") {
		if m := findingHead.FindStringSubmatch(line); m != nil {
			out = append(out, Finding{ID: m[1], Title: m[2]})
			cur = len(out) - 1
			continue
		}
		if strings.HasPrefix(line, "## ") || strings.HasPrefix(line, "# ") {
			cur = -1 // another section
			continue
		}
		if cur >= 0 && out[cur].Bundle == "" {
			if m := bundleLine.FindStringSubmatch(line); m != nil {
				out[cur].Bundle = m[1]
			}
		}
		if cur >= 0 && out[cur].Test == "" {
			if m := testLine.FindStringSubmatch(line); m != nil {
				out[cur].Test = m[1]
			}
		}
	}
	return out
}

// FindFindingsFile finds path (docs/FINDINGS.md) from the working
// directory up, unless explicit (a path the user gave) or absolute.
func FindFindingsFile(path string, explicit bool) (string, error) {
	if _, err := os.Stat(path); err == nil || explicit || filepath.IsAbs(path) {
		return path, err
	}
	wd, err := os.Getwd()
	if err != nil {
		return path, err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		p := filepath.Join(dir, path)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		if filepath.Dir(dir) == dir {
			return path, fmt.Errorf("%s: not found in %s or any parent directory", path, wd)
		}
	}
}

// ResolveFindingBundle finds a finding's bundle: as written, or relative to the
// findings file's directory or its parent (the repository root for
// docs/FINDINGS.md).
func ResolveFindingBundle(file, bundle string) string {
	if filepath.IsAbs(bundle) {
		return bundle
	}
	base := filepath.Dir(file)
	for _, p := range []string{filepath.Join(filepath.Dir(base), bundle), filepath.Join(base, bundle), bundle} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return filepath.Join(filepath.Dir(base), bundle)
}
