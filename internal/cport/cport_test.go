// SPDX-License-Identifier: BSD-2-Clause

package cport

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func load(t *testing.T) *Table {
	t.Helper()
	tb, err := LoadTable("testdata/drv.c.funcs")
	require.NoError(t, err)
	return tb
}

func TestParseTable(t *testing.T) {
	tb := load(t)
	assert.Equal(t, "drv.c", tb.File)
	assert.Equal(t, "a made-up file", tb.Source)
	assert.Equal(t, []Entry{
		{Name: "foo", Line: 10}, {Name: "bar_baz", Line: 20}, {Name: "QUUX", Line: 40},
		{Name: "eek", Line: 50}, {Name: "odd_one", Line: 60, GoName: "oddName"},
		{Name: "qux", Line: 30, NotPorted: "test files are not looked at"},
		{Name: "zap", NotPorted: "a second reason"},
		{Name: "wrapped_name", Line: 70}, {Name: "AT_MACRO", Line: 80, GoName: "At"},
	}, tb.Entries)
	assert.Len(t, tb.Ported(), 7)

	for _, bad := range []string{
		"== ported\nfoo 1",                      // no file line
		"file a.c\nfoo 1",                       // entry before a section
		"file a.c\n== ported\nfoo",              // ported without a line
		"file a.c\n== ported\nfoo 1\nfoo 2",     // twice
		"file a.c\n== ported\nfoo 0",            // line 0
		"file a.c\n== ported\nfoo-bar 1",        // not an identifier
		"file a.c\n== not ported: x\nfoo 1 Foo", // a Go name for an entry not ported
		"file a.c\n== elsewhere\nfoo 1",         // unknown section
		"file a.c\n== not ported: \nfoo",        // no reason
		"file a.c\nfile b.c\n== ported\nfoo 1",  // two files
		"file a.c\n== ported\nfoo 1 Foo extra",  // too many fields
	} {
		_, err := ParseTable(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestClaims(t *testing.T) {
	claims, err := Claims("testdata/good")
	require.NoError(t, err)
	var got []string
	for _, c := range claims {
		got = append(got, c.GoName+"="+c.CName)
	}
	assert.Equal(t, []string{"Foo=foo", "barBaz=bar_baz", "QUUX=QUUX", "eek=eek", "oddName=odd_one", "WrappedName=wrapped_name", "At=AT_MACRO"}, got,
		"_test.go files, comments that cite no C and shared group comments are not claims")

	claims, err = ClaimsWithTests("testdata/good")
	require.NoError(t, err)
	require.Len(t, claims, 8)
	assert.Equal(t, "qux", claims[7].CName, "ClaimsWithTests reads the _test.go files too")
}

func TestGoName(t *testing.T) {
	for c, g := range map[string]string{
		"if_clone_create": "IfCloneCreate", "_if_delgroup_locked": "IfDelgroupLocked",
		"VNET_ASSERT": "VnetAssert", "tun2ifp": "Tun2ifp", "vnet0": "Vnet0",
	} {
		assert.Equal(t, g, GoName(c), c)
	}
	assert.True(t, followsRule("ifcName", "ifc_name"))
	assert.True(t, followsRule("VNET_MODMIN", "VNET_MODMIN"))
	assert.False(t, followsRule("IfcNames", "ifc_name"))
}

// TestCheck: the good package passes its table, and each kind of mistake
// is reported.
func TestCheck(t *testing.T) {
	probs, err := CheckDir("testdata/good", load(t))
	require.NoError(t, err)
	assert.Empty(t, probs)

	edit := func(f func(tb *Table)) *Table {
		tb := load(t)
		f(tb)
		return tb
	}
	at := func(tb *Table, name string) *Entry {
		for i := range tb.Entries {
			if tb.Entries[i].Name == name {
				return &tb.Entries[i]
			}
		}
		t.Fatalf("no entry %s", name)
		return nil
	}
	for _, tc := range []struct {
		name  string
		table *Table
		want  string
	}{
		{"wrong line", edit(func(tb *Table) { at(tb, "foo").Line = 11 }), "Foo cites drv.c:10, the table says line 11"},
		{"function not ported", edit(func(tb *Table) { at(tb, "qux").NotPorted = "" }), "qux (line 30) has no Go counterpart"},
		{"port not in the table", edit(func(tb *Table) { tb.Entries = tb.Entries[1:] }), "Foo claims foo, which the table does not list"},
		{"ported but listed as not ported", edit(func(tb *Table) { at(tb, "foo").NotPorted = "no" }), "foo is listed as not ported (no), but Foo claims it"},
		{"another C file", edit(func(tb *Table) { tb.File = "other.c" }), "other.c: foo (line 10) has no Go counterpart"},
		{"Go name off the rule", edit(func(tb *Table) { at(tb, "odd_one").GoName = "" }), "odd_one is ported as oddName, the naming rule gives OddOne"},
		{"Go name not the table's", edit(func(tb *Table) { at(tb, "odd_one").GoName = "other" }), "odd_one is ported as oddName, the table says other"},
	} {
		probs, err := CheckDir("testdata/good", tc.table)
		require.NoError(t, err)
		if assert.NotEmpty(t, probs, tc.name) {
			assert.Contains(t, strings.Join(probs, "\n"), tc.want, tc.name)
		}
	}

	bad, err := ParseTable("file drv.c\n== ported\nfoo 10\nbar 20")
	require.NoError(t, err)
	probs, err = CheckDir("testdata/bad", bad)
	require.NoError(t, err)
	all := strings.Join(probs, "\n")
	assert.Contains(t, all, "foo has 2 Go counterparts: Foo")
	assert.Contains(t, all, "the doc comment of Baz names Bar")
}

// recorder is a testing.TB that keeps the failures it is given.
type recorder struct {
	testing.TB
	errs  []string
	fatal bool
}

func (r *recorder) Helper()             {}
func (r *recorder) Logf(string, ...any) {}
func (r *recorder) Error(args ...any)   { r.errs = append(r.errs, strings.TrimSpace(sprint(args))) }
func (r *recorder) Fatal(args ...any)   { r.fatal = true; r.Error(args...) }

func sprint(args []any) string {
	var b strings.Builder
	for _, a := range args {
		if e, ok := a.(error); ok {
			b.WriteString(e.Error())
		} else if s, ok := a.(string); ok {
			b.WriteString(s)
		}
		b.WriteString(" ")
	}
	return b.String()
}

// TestRun: Run fails its test once for each problem.
func TestRun(t *testing.T) {
	r := &recorder{}
	Run(r, "testdata/good", "testdata/drv.c.funcs")
	assert.Empty(t, r.errs)

	r = &recorder{}
	Run(r, "testdata/bad", "testdata/drv.c.funcs")
	assert.NotEmpty(t, r.errs)
	assert.False(t, r.fatal)
}
