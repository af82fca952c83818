// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"os/exec"
	"strings"
	"testing"
)

// bannedDeps are packages the kcheck binary must not link: the standard
// library's testing (bench measures with its own loop), the
// property-test and assertion libraries, and the tests' rapid scheduler.
var bannedDeps = []string{"testing", "pgregory.net/rapid", "github.com/stretchr/testify", "go.uber.org/goleak", "kcheck/harness/rapidsched"}

// bannedModules are modules whose code must not be in the binary at all
// (what `go version -m` lists).
var bannedModules = []string{"pgregory.net/rapid", "github.com/stretchr/testify", "go.uber.org/goleak"}

// TestBinaryLinksNoTestLibraries: the property-test and assertion
// libraries and package testing are for tests only; the kcheck binary
// must not link them, neither as packages nor as modules.
func TestBinaryLinksNoTestLibraries(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{with .Module}}{{.Path}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 10 {
		t.Fatalf("go list -deps listed %d packages: %q", len(lines), out)
	}
	sawHarness := false
	for _, line := range lines {
		pkg, mod, _ := strings.Cut(line, " ")
		sawHarness = sawHarness || pkg == "kcheck/harness"
		for _, banned := range bannedDeps {
			if pkg == banned || strings.HasPrefix(pkg, banned+"/") {
				t.Errorf("kcheck links package %s", pkg)
			}
		}
		for _, banned := range bannedModules {
			if mod == banned {
				t.Errorf("kcheck links module %s (package %s)", mod, pkg)
			}
		}
	}
	if !sawHarness {
		t.Errorf("the dependency list lacks kcheck/harness: %q", out)
	}
}
