// SPDX-License-Identifier: BSD-2-Clause

package disc_test

import (
	"testing"

	"kcheck/ifclone/drivers/internal/drvtest"
)

// Every function of if_disc.c (Nevuqe/nqc c74f302d) has one Go counterpart
// citing its line, or is listed as not emulated.
func TestEveryCFunctionPorted(t *testing.T) {
	want := map[string]int{
		"disc_clone_create":  83,
		"disc_clone_destroy": 122,
		"vnet_disc_init":     136,
		"vnet_disc_uninit":   146,
		"disc_modevent":      155,
	}
	notEmulated := []string{"discoutput", "discioctl"} // packets, ioctl
	drvtest.EveryCFunctionPorted(t, "if_disc.c", want, notEmulated)
}
