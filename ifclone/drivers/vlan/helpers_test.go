// SPDX-License-Identifier: BSD-2-Clause

package vlan_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/ifclone"
	"kcheck/ifclone/drivers/vlan"
	"kcheck/kern"
	"kcheck/vnet"
)

// boot makes a kernel with if_vlan compiled in and boots it. WITNESS
// records its reports; shutdown and the concurrent tests check them.
func boot(t testing.TB, cfg kern.Config) (*kern.Kernel, *kern.Thread) {
	t.Helper()
	cfg.WitnessRecord = true
	k := kern.NewKernel(cfg)
	td := k.Thread0()
	require.Equal(t, kern.Errno(0), vlan.Load(td))
	k.Boot(td)
	require.NotNil(t, vnet.Of(k).Vnet0())
	return k, td
}

func vnet0(k *kern.Kernel) *vnet.Vnet { return vnet.Of(k).Vnet0() }

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
	ifp.IfFlags = flags
	ifclone.IfAttach(td, ifp)
	vnet.CurvnetRestore(td, saved)
	return ifp
}

// rmif detaches and frees a stand-in interface.
func rmif(td *kern.Thread, ifp *ifclone.Ifnet) {
	ifclone.IfDetach(td, ifp)
	ifclone.IfFree(td, ifp)
}

func ifreq(name string) *ifclone.Ifreq {
	r := &ifclone.Ifreq{}
	copy(r.IfrName[:ifclone.IFNAMSIZ-1], name)
	return r
}

// create is SIOCIFCREATE on a socket of v.
func create(td *kern.Thread, v *vnet.Vnet, name string) (string, kern.Errno) {
	r := ifreq(name)
	err := ifclone.Ifioctl(td, &ifclone.Socket{SoVnet: v}, ifclone.SIOCIFCREATE, r)
	return kern.CString(r.IfrName[:]), err
}

// create2 is SIOCIFCREATE2 with a struct vlanreq in user memory, as
// ifconfig vlanN create vlan VID vlandev PARENT sends it.
func create2(td *kern.Thread, v *vnet.Vnet, name, parent string, vid uint16) (string, kern.Errno) {
	var vlr vlan.Vlanreq
	copy(vlr.VlrParent[:ifclone.IFNAMSIZ-1], parent)
	vlr.VlrTag = vid
	r := ifreq(name)
	r.IfrData = td.K.UserMap(vlr.Marshal())
	defer td.K.UserUnmap(r.IfrData)
	err := ifclone.Ifioctl(td, &ifclone.Socket{SoVnet: v}, ifclone.SIOCIFCREATE2, r)
	return kern.CString(r.IfrName[:]), err
}

// destroy is SIOCIFDESTROY on a socket of v.
func destroy(td *kern.Thread, v *vnet.Vnet, name string) kern.Errno {
	return ifclone.Ifioctl(td, &ifclone.Socket{SoVnet: v}, ifclone.SIOCIFDESTROY, ifreq(name))
}

// rename is SIOCSIFNAME on a socket of v.
func rename(td *kern.Thread, v *vnet.Vnet, name, newname string) kern.Errno {
	r := ifreq(name)
	r.IfrData = td.K.UserMap(append([]byte(newname), 0))
	defer td.K.UserUnmap(r.IfrData)
	return ifclone.Ifioctl(td, &ifclone.Socket{SoVnet: v}, ifclone.SIOCSIFNAME, r)
}

func names(td *kern.Thread, v *vnet.Vnet) []string {
	out := []string{}
	for _, s := range ifclone.VnetIfnets(td, v) {
		out = append(out, s.Name)
	}
	return out
}

func lookup(td *kern.Thread, v *vnet.Vnet, name string) *ifclone.Ifnet {
	for _, s := range ifclone.VnetIfnets(td, v) {
		if s.Name == name {
			return s.Ifp
		}
	}
	return nil
}

// config is the parent's name and the VID of vlan <name> in v.
func config(t testing.TB, td *kern.Thread, v *vnet.Vnet, name string) (string, uint16) {
	t.Helper()
	ifp := lookup(td, v, name)
	require.NotNilf(t, ifp, "no interface %s", name)
	p, vid := vlan.Config(td, ifp)
	if p == nil {
		return "", vid
	}
	return kern.CString(p.IfXname[:]), vid
}

func live(k *kern.Kernel, shortdesc string) int64 { return k.MallocType(shortdesc, "").Live() }

// shutdown tears the kernel down (the caller has destroyed its vlans and
// stand-ins) and checks that WITNESS saw nothing and nothing leaked.
func shutdown(t testing.TB, k *kern.Kernel) {
	t.Helper()
	td := k.Thread0()
	require.Empty(t, names(td, vnet0(k)), "interfaces left before unloading")
	k.Shutdown(td)
	assert.Empty(t, k.WitnessReports())
	for _, mt := range k.MallocTypes() {
		assert.Zerof(t, mt.Live(), "malloc type %s: %d objects left", mt.Shortdesc, mt.Live())
	}
	assert.Zero(t, vlan.Trunks(k))
}

func mustPanic(t testing.TB, fn func(), want string) {
	t.Helper()
	var p *kern.Panic
	func() {
		defer func() {
			r := recover()
			require.NotNil(t, r, "expected a kernel panic")
			var ok bool
			p, ok = r.(*kern.Panic)
			require.Truef(t, ok, "panic value %T (%v)", r, r)
		}()
		fn()
	}()
	require.Contains(t, p.Msg, want)
}
