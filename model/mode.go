// SPDX-License-Identifier: BSD-2-Clause

package model

import (
	"fmt"
	"strings"
)

// DefaultMode is the spec mode used when none is named: Relaxed, the mode
// every finding in docs/FINDINGS.md is judged under and the command
// line's --spec default. The zero Mode value is Strict; only the
// empty name means the default.
const DefaultMode = Relaxed

// ParseMode reads a spec mode's name: "strict" or "relaxed" (any case),
// and "" for DefaultMode. It is the one parser of mode names (the
// command's --spec, bundle.json's "mode", triage's requests). No bundle
// was ever written with an empty mode (bundles record Mode.String(),
// which is never empty), so reading "" as the default changes the
// meaning of no saved bundle.
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(s) {
	case "":
		return DefaultMode, nil
	case "strict":
		return Strict, nil
	case "relaxed":
		return Relaxed, nil
	}
	return 0, fmt.Errorf("unknown spec mode %q (want strict or relaxed)", s)
}
