// SPDX-License-Identifier: BSD-2-Clause

package tuntap_test

import (
	"testing"

	"kcheck/internal/cport"
)

// TestEveryCFunctionPorted: every function of if_tuntap.c has one Go
// counterpart citing its line, or is listed as not ported with the reason
// (testdata/if_tuntap.c.funcs). The kern_conf.c functions the package
// also ports (kern_conf.go) are a subset of a file that is not a driver's
// and have no table.
func TestEveryCFunctionPorted(t *testing.T) {
	cport.Run(t, ".", "testdata/if_tuntap.c.funcs")
}
