// SPDX-License-Identifier: BSD-2-Clause

package model

import "testing"

// TestParseMode: the names round-trip through Mode.String, "" is the
// default (Relaxed, as the command line's --spec), anything else fails.
func TestParseMode(t *testing.T) {
	for _, m := range []Mode{Strict, Relaxed} {
		got, err := ParseMode(m.String())
		if err != nil || got != m {
			t.Errorf("ParseMode(%q) = %v, %v; want %v", m.String(), got, err, m)
		}
	}
	if got, err := ParseMode(""); err != nil || got != Relaxed {
		t.Errorf(`ParseMode("") = %v, %v; want the default, relaxed`, got, err)
	}
	if got, err := ParseMode("STRICT"); err != nil || got != Strict {
		t.Errorf(`ParseMode("STRICT") = %v, %v`, got, err)
	}
	for _, bad := range []string{"lax", "strict ", "0"} {
		if _, err := ParseMode(bad); err == nil {
			t.Errorf("ParseMode(%q) accepted", bad)
		}
	}
}
