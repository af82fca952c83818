// SPDX-License-Identifier: BSD-2-Clause

package disc_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/ifclone"
	"kcheck/ifclone/drivers/disc"
	"kcheck/ifclone/drivers/internal/drvtest"
	"kcheck/kern"
	"kcheck/vnet"
)

// The disc cloner goes through the if_clone_simple compatibility path:
// AUTOUNIT, ifc_simple_match, the create wrapper that finds the interface
// by name after ifcs_create, and minifs 0 (nothing created at attach,
// unit 0 destroyable).
func TestDiscSimple(t *testing.T) {
	k, td, v0 := drvtest.Boot(t, kern.Config{}, disc.Load)

	c := disc.Cloner(td, v0)
	require.NotNil(t, c)
	assert.Equal(t, "disc", ifclone.IfcName(c))
	assert.Equal(t, ifclone.IFC_F_AUTOUNIT, ifclone.IfcFlagsGet(c))
	assert.Empty(t, drvtest.Names(td, v0), "minifs 0: no interface at attach")
	assert.Zero(t, drvtest.Live(k, "disc"))

	tests := []struct {
		name, want string
		err        kern.Errno
	}{
		{"disc", "disc0", 0},
		{"disc", "disc1", 0},
		{"disc7", "disc7", 0},
		{"disc7", "", kern.EEXIST},
		{"disc07", "", kern.EINVAL},
		{"discx", "", kern.EINVAL}, // ifc_simple_match refuses it
		{"disc99999", "", kern.ENOSPC},
	}
	for _, tc := range tests {
		got, err := drvtest.Create(td, v0, tc.name)
		assert.Equalf(t, tc.err, err, "create %q", tc.name)
		if tc.err == 0 {
			assert.Equalf(t, tc.want, got, "create %q", tc.name)
		}
	}
	assert.ElementsMatch(t, []string{"disc0", "disc1", "disc7"}, drvtest.Names(td, v0))
	assert.Equal(t, int64(3), drvtest.Live(k, "disc"), "one softc per interface")
	d0 := drvtest.Lookup(td, v0, "disc0")
	require.NotNil(t, d0)
	assert.Equal(t, "disc", d0.IfDname)
	assert.Equal(t, 0, d0.IfDunit)
	assert.NotNil(t, d0.IfSoftc)
	assert.Equal(t, ifclone.IFF_LOOPBACK|ifclone.IFF_MULTICAST, d0.IfFlags.Get()&^ifclone.IFF_UP)
	assert.Equal(t, []string{ifclone.IFG_ALL, "disc"}, ifclone.IfGroupNames(td, d0))

	// Unit 0 is below no minifs: destroyable without IFC_F_FORCE.
	assert.Zero(t, drvtest.Destroy(td, v0, "disc0"))
	assert.Equal(t, kern.ENXIO, drvtest.Destroy(td, v0, "disc0"))
	assert.Zero(t, drvtest.Destroy(td, v0, "disc7"))
	assert.Equal(t, int64(1), drvtest.Live(k, "disc"))
	got, err := drvtest.Create(td, v0, "disc")
	assert.Zero(t, err)
	assert.Equal(t, "disc0", got, "the unit was freed")
	assert.Zero(t, drvtest.Destroy(td, v0, "disc0"))
	assert.Zero(t, drvtest.Destroy(td, v0, "disc1"))
	assert.Empty(t, drvtest.Names(td, v0))
	assert.Zero(t, drvtest.Live(k, "disc"))

	drvtest.Shutdown(t, k, "disc")
}

// Every vnet gets its own disc cloner; the vnet's teardown detaches it and
// destroys what it made. Interfaces left in vnet0 go at k.Shutdown.
func TestDiscPerVnet(t *testing.T) {
	k, td, v0 := drvtest.Boot(t, kern.Config{}, disc.Load)
	_, err := drvtest.Create(td, v0, "disc")
	require.Zero(t, err)
	before := drvtest.Snapshot(k)
	beforeDisc := drvtest.Live(k, "disc")

	v := vnet.VnetAlloc(td)
	assert.NotSame(t, disc.Cloner(td, v0), disc.Cloner(td, v))
	for _, n := range []string{"disc", "disc3", "disc"} {
		_, err := drvtest.Create(td, v, n)
		require.Zero(t, err)
	}
	assert.ElementsMatch(t, []string{"disc0", "disc1", "disc3"}, drvtest.Names(td, v))
	assert.Equal(t, []string{"disc0"}, drvtest.Names(td, v0))

	vnet.VnetDestroy(td, v)
	assert.Equal(t, before, drvtest.Snapshot(k))
	assert.Equal(t, beforeDisc, drvtest.Live(k, "disc"))
	assert.Equal(t, []string{"disc0"}, drvtest.Names(td, v0))

	drvtest.Shutdown(t, k, "disc") // detaches vnet0's cloner, destroying disc0
}

func TestLoadTwice(t *testing.T) {
	k, td, _ := drvtest.Boot(t, kern.Config{}, disc.Load)
	assert.Equal(t, kern.EEXIST, disc.Load(td))
	drvtest.Shutdown(t, k, "disc")
}
