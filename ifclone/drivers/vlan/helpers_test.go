// SPDX-License-Identifier: BSD-2-Clause

package vlan_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/ifclone"
	"kcheck/ifclone/drivers/internal/drvtest"
	"kcheck/ifclone/drivers/vlan"
	"kcheck/kern"
	"kcheck/vnet"
)

// mkether attaches a stand-in Ethernet interface <name><unit> to v, as a
// NIC driver would: IFT_ETHER, broadcast, multicast, simplex.
func mkether(td *kern.Thread, v *vnet.Vnet, name string, unit int) *ifclone.Ifnet {
	return mkif(td, v, ifclone.IFT_ETHER, name, unit,
		ifclone.IFF_BROADCAST|ifclone.IFF_MULTICAST|ifclone.IFF_SIMPLEX)
}

func mkif(td *kern.Thread, v *vnet.Vnet, typ uint8, name string, unit int, flags int) *ifclone.Ifnet {
	saved := vnet.CurvnetSetQuiet(td, v)
	ifp := ifclone.IfAlloc(td, typ)
	ifclone.IfInitname(ifp, name, unit)
	ifp.IfFlags.Set(flags)
	ifclone.IfAttach(td, ifp)
	vnet.CurvnetRestore(td, saved)
	return ifp
}

// rmif detaches and frees a stand-in interface.
func rmif(td *kern.Thread, ifp *ifclone.Ifnet) {
	ifclone.IfDetach(td, ifp)
	ifclone.IfFree(td, ifp)
}

// create2 is SIOCIFCREATE2 with a struct vlanreq in user memory, as
// ifconfig vlanN create vlan VID vlandev PARENT sends it.
func create2(td *kern.Thread, v *vnet.Vnet, name, parent string, vid uint16) (string, kern.Errno) {
	var vlr vlan.Vlanreq
	copy(vlr.VlrParent[:ifclone.IFNAMSIZ-1], parent)
	vlr.VlrTag = vid
	r := drvtest.Ifreq(name)
	r.IfrData = td.K.UserMap(vlr.Marshal())
	defer td.K.UserUnmap(r.IfrData)
	err := ifclone.Ifioctl(td, &ifclone.Socket{SoVnet: v}, ifclone.SIOCIFCREATE2, r)
	return kern.CString(r.IfrName[:]), err
}

// config is the parent's name and the VID of vlan <name> in v.
func config(t testing.TB, td *kern.Thread, v *vnet.Vnet, name string) (string, uint16) {
	t.Helper()
	ifp := drvtest.Lookup(td, v, name)
	require.NotNilf(t, ifp, "no interface %s", name)
	p, vid := vlan.Config(td, ifp)
	if p == nil {
		return "", vid
	}
	return kern.CString(p.IfXname[:]), vid
}

// shutdown tears the kernel down (the caller has destroyed its vlans and
// stand-ins) and checks that WITNESS saw nothing and nothing leaked. The
// tests boot with kern.Config.WitnessRecord, so that WITNESS records its
// reports for this and the concurrent tests to check.
func shutdown(t testing.TB, k *kern.Kernel) {
	t.Helper()
	td := k.Thread0()
	require.Empty(t, drvtest.Names(td, drvtest.Vnet0(k)), "interfaces left before unloading")
	k.Shutdown(td)
	assert.Empty(t, k.WitnessReports())
	drvtest.AssertAllFreed(t, k)
	assert.Zero(t, vlan.Trunks(k))
}
