// SPDX-License-Identifier: BSD-2-Clause
//
// A digest of the ifnet and cloning layers' state, for kern's livelock
// probe (kern/cycle.go). Not ported from FreeBSD.

package ifclone

import (
	"encoding/binary"

	"kcheck/internal/mix"
	"kcheck/kern"
	"kcheck/unrhdr"
	"kcheck/vnet"
)

// StateDigest is the ifnet layer's kern.StateDigest: a hash of every vnet's
// V_ifnet (each interface's name, unit, index, flags, references and
// whether its if_vnet is that vnet), its cloner list (each cloner's name,
// references, flags, the names on its ifc_iflist, and the units allocated
// in its ifc_unrhdr) and the linked module files. It hashes
// contents, never addresses, and walks lists as the invariant observer
// does (no lock, bounded by maxWalk); a fault while reading gives a fixed
// value, so that a kernel stuck with a torn list still compares equal to
// itself.
func StateDigest(k *kern.Kernel) (h uint64) {
	defer func() {
		if recover() != nil {
			h = 0xdead
		}
	}()
	g := ifnetOf(k)
	cs := clones(k.Thread0())
	var d digest
	for _, v := range vnet.AppendVnets(k, nil) {
		d.word(0x766e6574) // a vnet starts
		if head := varGet(g.v_ifnet, v); head != nil {
			n := 0
			for ifp := head.first(); ifp != nil && n < maxWalk; ifp = ifp.if_link.stqe_next.Load() {
				n++
				d.ifnet(ifp)
				if ifp.IfVnet != v {
					d.word(1)
				}
			}
		}
		if ch := varGet(cs.if_cloners, v); ch != nil {
			nc := 0
			for ifc := ch.lh_first; ifc != nil && nc < maxWalk; ifc = ifc.ifc_list.le_next {
				nc++
				d.cloner(ifc)
			}
		}
	}
	for _, f := range kern.LinkerFiles(k) {
		d.bytes([]byte(f))
	}
	return d.h
}

type digest struct{ h uint64 }

func (d *digest) word(x uint64) { d.h = mix.Mix64(d.h + 0x9e3779b97f4a7c15 ^ x) }

// bytes hashes b up to its NUL (a C string), eight bytes at a time.
func (d *digest) bytes(b []byte) {
	b = b[:kern.Strlen(b)]
	d.word(uint64(len(b)))
	for len(b) >= 8 {
		d.word(binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	var t [8]byte
	copy(t[:], b)
	d.word(binary.LittleEndian.Uint64(t[:]))
}

func (d *digest) ifnet(ifp *Ifnet) {
	d.bytes(ifp.IfXname[:])
	d.word(uint64(ifp.IfDunit))
	d.word(uint64(ifp.IfIndex))
	d.word(uint64(ifp.IfFlags.Get()))
	d.word(uint64(kern.RefcountLoad(&ifp.IfRefcount)))
}

func (d *digest) cloner(ifc *IfClone) {
	d.bytes(ifc.ifc_name[:])
	d.word(uint64(ifc.ifc_refcnt))
	d.word(uint64(ifc.ifc_flags))
	n := 0
	for ifp := IfnetListFirst(&ifc.ifc_iflist); ifp != nil && n < maxWalk; ifp = IfnetListNext(ifp) {
		n++
		d.bytes(ifp.IfXname[:])
	}
	d.word(uint64(n))
	if uh := ifc.ifc_unrhdr; uh != nil {
		d.unrhdr(uh)
	}
}

func (d *digest) unrhdr(uh *unrhdr.Unrhdr) {
	units, _ := uh.AppendAllocated(nil)
	d.word(uint64(len(units)))
	for _, u := range units {
		d.word(uint64(u))
	}
}
