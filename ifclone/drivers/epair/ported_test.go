// SPDX-License-Identifier: BSD-2-Clause

package epair_test

import (
	"testing"

	"kcheck/ifclone/drivers/internal/drvtest"
)

// Every function of if_epair.c (freebsd-src 4d846d260e2b) has one Go
// counterpart citing its line, or is listed as not emulated.
func TestEveryCFunctionPorted(t *testing.T) {
	want := map[string]int{
		"epair_clone_match":   465,
		"epair_clone_add":     489,
		"epair_alloc_sc":      504,
		"epair_setup_ifp":     536,
		"epair_generate_mac":  559,
		"epair_free_sc":       605,
		"epair_set_state":     621,
		"epair_handle_unit":   633,
		"epair_clone_create":  691,
		"epair_drain_rings":   757,
		"epair_clone_destroy": 776,
		"vnet_epair_init":     823,
		"vnet_epair_uninit":   836,
		"epair_mod_init":      845,
		"epair_mod_cleanup":   890,
		"epair_modevent":      900,
	}
	notEmulated := []string{ // the packet path, media and ioctl
		"epair_clear_mbuf", "epair_tx_start_deferred", "epair_select_queue",
		"epair_prepare_mbuf", "epair_menq", "epair_start", "epair_transmit",
		"epair_qflush", "epair_media_change", "epair_media_status",
		"epair_ioctl", "epair_init",
	}
	drvtest.EveryCFunctionPorted(t, "if_epair.c", want, notEmulated)
}
