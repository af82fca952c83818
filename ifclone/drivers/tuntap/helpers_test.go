// SPDX-License-Identifier: BSD-2-Clause

package tuntap_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"kcheck/ifclone/drivers/internal/drvtest"
	"kcheck/ifclone/drivers/tuntap"
	"kcheck/kern"
	"kcheck/unrhdr"
)

func busy(k *kern.Kernel, dname string) uint32 { return tuntap.Unrhdr(k, dname).Busy() }

// shutdown destroys the interfaces left in vnet0, tears the kernel down
// and checks that WITNESS saw nothing (the tests boot with
// kern.Config.WitnessRecord, so that reports are recorded for this and
// Run to check rather than panicking) and that everything but the cdevs
// that if_tuntap.c leaves referenced (deadCdevs, see TestCdevLeak) was
// freed. The interfaces go first because unloading the module with
// interfaces left makes WITNESS report a reversal of vnet_sysinit_sxlock
// and ifnet_detach_sx, which the C has too (see the loop driver's
// TestUnloadLockOrderReversal).
func shutdown(t testing.TB, k *kern.Kernel, deadCdevs int) {
	t.Helper()
	td := k.Thread0()
	v0 := drvtest.Vnet0(k)
	for _, n := range drvtest.Names(td, v0) {
		assert.Equal(t, kern.Errno(0), drvtest.Destroy(td, v0, n), n)
	}
	k.Shutdown(td)
	assert.Empty(t, k.WitnessReports())
	drvtest.AssertAllFreed(t, k, "DEVFS1")
	assert.Zero(t, unrhdr.MUnit(k).Live(), "M_UNIT")
	assert.Equal(t, deadCdevs, tuntap.DeadCdevs(td), "cdevs on dead_cdevsw")
	assert.EqualValues(t, deadCdevs, tuntap.MCdevp(k).Live(), "DEVFS1 objects are exactly the dead cdevs")
	assert.Empty(t, tuntap.Devices(td), "devfs is empty")
}
