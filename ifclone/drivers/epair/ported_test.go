// SPDX-License-Identifier: BSD-2-Clause

package epair_test

import (
	"testing"

	"kcheck/internal/cport"
)

// TestEveryCFunctionPorted: every function of if_epair.c has one Go counterpart
// citing its line, or is listed as not ported with the reason
// (testdata/if_epair.c.funcs).
func TestEveryCFunctionPorted(t *testing.T) {
	cport.Run(t, ".", "testdata/if_epair.c.funcs")
}
