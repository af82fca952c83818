package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBinaryLinksNoTestLibraries: the property-test and assertion
// libraries are for tests only; the kcheck binary must not link them.
func TestBinaryLinksNoTestLibraries(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"pgregory.net/rapid", "github.com/stretchr/testify", "go.uber.org/goleak"} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("kcheck links %s", dep)
			}
		}
	}
}
