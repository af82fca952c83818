// SPDX-License-Identifier: BSD-2-Clause

package cport

import "testing"

// MustLoad loads table files, failing t on an error.
func MustLoad(t testing.TB, tableFiles ...string) []*Table {
	t.Helper()
	var tables []*Table
	for _, p := range tableFiles {
		tb, err := LoadTable(p)
		if err != nil {
			t.Fatal(err)
		}
		tables = append(tables, tb)
	}
	return tables
}

// Run checks the Go package in dir against the tables in tableFiles and
// fails t with each problem. Only tests call it.
func Run(t testing.TB, dir string, tableFiles ...string) {
	t.Helper()
	RunTables(t, dir, MustLoad(t, tableFiles...)...)
}

// RunTables is Run with tables in hand.
func RunTables(t testing.TB, dir string, tables ...*Table) {
	t.Helper()
	claims, err := Claims(dir)
	if err != nil {
		t.Fatal(err)
	}
	Report(t, claims, tables...)
}

// Report fails t with each problem Check finds in claims.
func Report(t testing.TB, claims []Claim, tables ...*Table) {
	t.Helper()
	probs := Check(claims, tables...)
	for _, p := range probs {
		t.Error(p)
	}
	for _, tb := range tables {
		t.Logf("%s (%s): %d functions ported, %d not", tb.File, tb.Source, len(tb.Ported()), len(tb.Entries)-len(tb.Ported()))
	}
}
