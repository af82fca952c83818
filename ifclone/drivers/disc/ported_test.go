// SPDX-License-Identifier: BSD-2-Clause

package disc_test

import (
	"testing"

	"kcheck/internal/cport"
)

// TestEveryCFunctionPorted: every function of if_disc.c has one Go counterpart
// citing its line, or is listed as not ported with the reason
// (testdata/if_disc.c.funcs).
func TestEveryCFunctionPorted(t *testing.T) {
	cport.Run(t, ".", "testdata/if_disc.c.funcs")
}
