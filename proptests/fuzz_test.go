package proptests

import (
	"fmt"
	"strings"
	"testing"

	"kcheck/harness"
	"kcheck/model"
)

// fuzzPrelude gives the fuzzed operations parents to name: epair0a and
// epair0b (Ethernet), tap0 (Ethernet), and lo0 from boot.
var fuzzPrelude = []harness.Op{
	{Kind: "create", Name: "epair"},
	{Kind: "create", Name: "tap"},
}

// fuzzOp decodes one fuzzed operation: k%4 picks create, destroy, rename
// (name -> other) or a SIOCIFCREATE2 create with parent other and VID
// k>>2 (0..63, so that 0 and the valid range both occur).
func fuzzOp(k uint8, name, other string) harness.Op {
	switch k % 4 {
	case 0:
		return harness.Op{Kind: "create", Name: name}
	case 1:
		return harness.Op{Kind: "destroy", Name: name}
	case 2:
		return harness.Op{Kind: "rename", Name: name, NewName: other}
	}
	return harness.Op{Kind: "create", Name: name, Params: true, Parent: other, Vid: uint16(k >> 2)}
}

// knownPanic reports a panic of the faithful port that docs/FINDINGS.md
// explains: F14, a tun renamed to the name its cdev will be asked for
// ("bad si_name" in make_dev_s).
func knownPanic(ex *harness.Execution) bool {
	return ex.Kind == harness.Panic && strings.Contains(ex.Details, "bad si_name")
}

// sequentialDiff runs ops on one thread of the port and steps the strict
// model along its history. It returns "" when every output is the model's
// and the run passes, else what went wrong.
func sequentialDiff(ops []harness.Op) (string, *harness.Execution) {
	scn := &harness.Scenario{Name: "fuzz", Threads: [][]harness.Op{ops}}
	ex := harness.Execute(scn, harness.Config{Mode: model.Strict, SkipLinearizability: true})
	sp := harness.Spec(model.Strict)
	s := sp.Init()
	for i, op := range ex.History {
		want, next := sp.Apply(s, op.Input)
		if !op.Output.Equal(want) {
			return fmt.Sprintf("op %d %v: port %v, strict model %v", i, op.Input, op.Output, want), ex
		}
		s = next
	}
	if ex.Kind != harness.Pass {
		return fmt.Sprintf("%s: %s\n%s", ex.Kind, ex.Summary, ex.Details), ex
	}
	return "", ex
}

// FuzzPortMatchesModel: four operations with arbitrary names (and rename
// targets, and SIOCIFCREATE2 parents) on one thread; the port must answer
// each exactly as the strict model does. One thread admits no race, so any
// difference is a model or port bug.
func FuzzPortMatchesModel(f *testing.F) {
	seeds := [][4]string{
		{"lo\x001", "lo1\x00x", "vlan7777777777", "vlan2147483648"},
		{"abcdefghijklmno", "abcdefghijklmnop", "abcdefghijklmnopq", "lo123456789012345"},
		{"lofoo", "epair0c", "vlan0.4096", "tun-1"},
		{"lo01", "disc007", "tun16777216", "tap00"},
		{"epair0a.5", "epair0a.65541", "epair0a.", "epair0a.x"},
		{"vmnet1", "vlan", "epair", "disc"},
	}
	for _, s := range seeds {
		f.Add(uint8(0), s[0], "", uint8(0), s[1], "", uint8(0), s[2], "", uint8(0), s[3], "")
		f.Add(uint8(2), "epair0a", s[0], uint8(0), s[1], "", uint8(1), s[2], "", uint8(2), "epair0b", s[3])
	}
	// A parent renamed to a name with dots, digits or a NUL, then named.
	f.Add(uint8(2), "epair0b", "foo", uint8(0), "foo.5", "", uint8(0), "vlan5", "", uint8(0), "foo.05", "")
	f.Add(uint8(2), "epair0b", "f.o", uint8(0), "f.o.7", "", uint8(1), "f.o.7", "", uint8(0), "f.o.07", "")
	f.Add(uint8(2), "epair0a", "a\x00b", uint8(0), "a.5", "", uint8(0), "a\x00b.5", "", uint8(1), "a", "")
	f.Add(uint8(2), "epair0a", "\xff\xfe", uint8(0), "\xff\xfe.9", "", uint8(1), "\xff\xfe.9", "", uint8(0), "vlan", "")
	f.Add(uint8(3+4*5), "vlan", "epair0a", uint8(3+4*6), "vlan01", "epair0a", uint8(3+4*7), "epair0b.8", "epair0a", uint8(3+4*7), "epair0a.8", "epair0a\x00zz")
	f.Add(uint8(3), "vlan9", "tap0", uint8(3+4*9), "vlan9", "lo0", uint8(3+4*9), "tap0.9", "tap0", uint8(2), "tap0", "abcdefghijklmnop")
	f.Fuzz(func(t *testing.T, k1 uint8, n1, m1 string, k2 uint8, n2, m2 string,
		k3 uint8, n3, m3 string, k4 uint8, n4, m4 string) {
		ops := append(append([]harness.Op(nil), fuzzPrelude...),
			fuzzOp(k1, n1, m1), fuzzOp(k2, n2, m2), fuzzOp(k3, n3, m3), fuzzOp(k4, n4, m4))
		d, ex := sequentialDiff(ops)
		if d == "" {
			return
		}
		if knownPanic(ex) {
			t.Skip("finding F14 (docs/FINDINGS.md): a tun renamed onto its cdev's name")
		}
		t.Fatalf("%s\noperations: %v", d, ops)
	})
}
