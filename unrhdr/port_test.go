// SPDX-License-Identifier: BSD-2-Clause

package unrhdr

import (
	"testing"

	"kcheck/internal/cport"

	"github.com/stretchr/testify/require"
)

// TestEveryCFunctionPorted: every function of subr_unit.c has exactly one
// Go counterpart whose doc comment begins "GoName is c_name
// (subr_unit.c:LINE).", with the C's line and the naming rule's name, or
// is listed as not ported with the reason (testdata/subr_unit.c.funcs).
// The C file's userland driver is ported in driver_test.go, so the test
// files are read too.
func TestEveryCFunctionPorted(t *testing.T) {
	claims, err := cport.ClaimsWithTests(".")
	require.NoError(t, err)
	cport.Report(t, claims, cport.MustLoad(t, "testdata/subr_unit.c.funcs")...)
}
