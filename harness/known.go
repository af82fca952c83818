// SPDX-License-Identifier: BSD-2-Clause

package harness

import "strings"

// IsF10 reports whether ex is finding F10 (docs/FINDINGS.md): WITNESS
// sees ifnet_detach_sx and vnet_sysinit_sxlock taken in both orders, once
// by vnet_destroy (ifnet_detach_sx, then vnet_sysinit_sxlock for the
// destructors, vnet.c vnet_destroy) and once by a module unload
// (vnet_deregister_sysuninit holds vnet_sysinit_sxlock while the driver's
// destructor destroys interfaces, whose if_detach takes ifnet_detach_sx).
// Every kldunload that destroys an interface shows it by the end of the
// run at the latest, since teardown destroys the vnets.
func IsF10(ex *Execution) bool {
	return ex.Kind == WitnessReversal &&
		strings.Contains(ex.Details, "ifnet_detach_sx") && strings.Contains(ex.Details, "vnet_sysinit_sxlock")
}
