// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"fmt"

	"kcheck/model"
)

// DefaultSpec is the specification the commands check histories against
// unless told otherwise (--spec).
const DefaultSpec = "relaxed"

// ParseSpec reads a --spec value with ParseMode, but refuses the empty
// string, which ParseMode reads as strict for bundles written before
// they recorded their mode: a user who gives no mode gets DefaultSpec.
func ParseSpec(s string) (model.Mode, error) {
	if s != "" {
		if m, err := ParseMode(s); err == nil {
			return m, nil
		}
	}
	return 0, fmt.Errorf("--spec %q: want relaxed or strict", s)
}
