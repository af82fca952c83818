// SPDX-License-Identifier: BSD-2-Clause

package loop_test

import (
	"testing"

	"kcheck/ifclone/drivers/internal/drvtest"
)

// Every function of if_loop.c (Nevuqe/nqc c74f302d) has one Go counterpart
// citing its line, or is listed as not emulated.
func TestEveryCFunctionPorted(t *testing.T) {
	want := map[string]int{
		"lo_clone_destroy": 108,
		"lo_clone_create":  126,
		"vnet_loif_init":   154,
		"vnet_loif_uninit": 173,
		"loop_modevent":    184,
	}
	notEmulated := []string{"looutput", "if_simloop", "loioctl"} // packets, ioctl
	drvtest.EveryCFunctionPorted(t, "if_loop.c", want, notEmulated)
}
