// SPDX-License-Identifier: BSD-2-Clause
//
// Read-only views of the ifnet layer for tests, the harness and reports.
// Not ported from FreeBSD (the C has sysctls and SIOCGIFGROUP for this);
// each view is taken in the net epoch, as the C's readers do, and returns
// copies, so nothing it returns points into freeable memory.

package ifclone

import (
	"kcheck/kern"
	"kcheck/vnet"
)

// IfnetSnapshot describes one interface of a vnet's list.
type IfnetSnapshot struct {
	Ifp      *Ifnet // for identity only: do not dereference after the call
	Name     string // if_xname
	Dname    string // if_dname
	Dunit    int    // if_dunit
	Index    int    // if_index
	Flags    int    // if_flags
	Refcount uint32 // if_refcount
	Home     *vnet.Vnet
	Groups   []string
}

// VnetIfnets lists the interfaces on v's V_ifnet, in list order.
func VnetIfnets(td *kern.Thread, v *vnet.Vnet) []IfnetSnapshot {
	g := ifnetOf(td.K)
	var out []IfnetSnapshot
	kern.NetEpochEnter(td)
	kern.Read(td, &g.v_ifnet.Get(v).sh)
	for ifp := g.v_ifnet.Get(v).first(); ifp != nil; ifp = ifp.if_link.stqe_next.Load() {
		out = append(out, IfnetSnapshot{
			Ifp:      ifp,
			Name:     kern.CString(ifp.IfXname[:]),
			Dname:    ifp.IfDname,
			Dunit:    ifp.IfDunit,
			Index:    ifp.IfIndex,
			Flags:    ifp.IfFlags.Get(),
			Refcount: kern.RefcountLoad(&ifp.IfRefcount),
			Home:     ifp.IfHomeVnet,
			Groups:   ifGroupNames(td, ifp),
		})
	}
	kern.NetEpochExit(td)
	return out
}

// IfGroupNames lists the groups ifp belongs to, in the order it joined.
func IfGroupNames(td *kern.Thread, ifp *Ifnet) []string {
	kern.NetEpochEnter(td)
	defer kern.NetEpochExit(td)
	return ifGroupNames(td, ifp)
}

func ifGroupNames(td *kern.Thread, ifp *Ifnet) []string {
	var out []string
	kern.Read(td, &ifp.IfGroups.sh)
	for ifgl := ifp.IfGroups.first(); ifgl != nil; ifgl = ifgl.ifgl_next.stqe_next.Load() {
		out = append(out, kern.CString(ifgl.IfglGroup.IfgGroup[:]))
	}
	return out
}

// VnetGroups maps each group of v's V_ifg_head to its members' names.
func VnetGroups(td *kern.Thread, v *vnet.Vnet) map[string][]string {
	g := ifnetOf(td.K)
	out := map[string][]string{}
	kern.NetEpochEnter(td)
	kern.Read(td, &g.v_ifg_head.Get(v).sh)
	for ifg := g.v_ifg_head.Get(v).first(); ifg != nil; ifg = ifg.ifg_next.stqe_next.Load() {
		members := []string{}
		kern.Read(td, &ifg.ifg_members.sh)
		for ifgm := ifg.ifg_members.first(); ifgm != nil; ifgm = ifgm.ifgm_next.stqe_next.Load() {
			members = append(members, kern.CString(ifgm.IfgmIfp.IfXname[:]))
		}
		out[kern.CString(ifg.IfgGroup[:])] = members
	}
	kern.NetEpochExit(td)
	return out
}
