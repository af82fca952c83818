// SPDX-License-Identifier: BSD-2-Clause

package vnet_test

import (
	"testing"

	"kcheck/internal/cport"
)

// TestEveryCFunctionPorted: every function of vnet.c and every macro of
// vnet.h has one Go counterpart citing its line, or is listed as not
// ported with the reason (testdata/vnet.c.funcs, testdata/vnet.h.funcs).
func TestEveryCFunctionPorted(t *testing.T) {
	cport.Run(t, ".", "testdata/vnet.c.funcs", "testdata/vnet.h.funcs")
}
