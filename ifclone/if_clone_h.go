// SPDX-License-Identifier: BSD-3-Clause
//
// Copyright (c) 1982, 1986, 1989, 1993
//	The Regents of the University of California.  All rights reserved.
//
// The declarations of sys/net/if_clone.h as the seed's era (FreeBSD
// 14-CURRENT, mid-2023, CLONE_COMPAT_13 defined) has them. The stored copy
// of the header is older, so this is reconstructed from the seed's uses and
// the era's layout (see docs/DIVERGENCES.md).

package ifclone

import (
	"kcheck/kern"
	"kcheck/vnet"
)

// IFCLOSIZ is the longest cloner name plus its NUL: IF_MAXUNIT takes up
// to five digits of IFNAMSIZ (if_clone.c:56).
const IFCLOSIZ = IFNAMSIZ - 5

// Cloner flags (if_clone.h of the era).
const (
	IFC_F_NOGROUP  = 0x01 // do not add the interface to the cloner's group
	IFC_F_AUTOUNIT = 0x02 // if_clone allocates the unit
	IFC_F_SYSSPACE = 0x04 // params point to kernel memory
	IFC_F_FORCE    = 0x08 // destroy even protected interfaces

	// IFC_NOGROUP is the older spelling the seed still uses.
	IFC_NOGROUP = IFC_F_NOGROUP
)

// Caddr is caddr_t for cloning parameters: a user address, or with
// IFC_F_SYSSPACE a kernel buffer. The zero value is NULL.
type Caddr struct {
	User   kern.UserAddr
	Kernel []byte
}

// IsNull reports a NULL parameter pointer.
func (c Caddr) IsNull() bool { return c.User == 0 && c.Kernel == nil }

// IfcData is struct ifc_data: what a create callback receives.
type IfcData struct {
	Flags  uint32
	Unit   uint32
	Params Caddr
	Vnet   *vnet.Vnet
}

// Callbacks of the current API (ifc_match_f, ifc_create_f, ifc_destroy_f).
type (
	IfcMatchF   func(td *kern.Thread, ifc *IfClone, name []byte) bool
	IfcCreateF  func(td *kern.Thread, ifc *IfClone, name []byte, maxlen int, ifd *IfcData, ifpp **Ifnet) kern.Errno
	IfcDestroyF func(td *kern.Thread, ifc *IfClone, ifp *Ifnet, flags uint32) kern.Errno
)

// Callbacks of the FreeBSD 13 API kept by CLONE_COMPAT_13.
type (
	IfcMatchT    = IfcMatchF
	IfcCreateT   func(td *kern.Thread, ifc *IfClone, name []byte, maxlen int, params Caddr) kern.Errno
	IfcDestroyT  func(td *kern.Thread, ifc *IfClone, ifp *Ifnet) kern.Errno
	IfcsCreateT  func(td *kern.Thread, ifc *IfClone, unit int, params Caddr) kern.Errno
	IfcsDestroyT func(td *kern.Thread, ifp *Ifnet)
)

// IfCloneAddreq is struct if_clone_addreq.
type IfCloneAddreq struct {
	Version  uint16
	Spare    uint16
	Flags    uint32
	Maxunit  uint32
	MatchF   IfcMatchF
	CreateF  IfcCreateF
	DestroyF IfcDestroyF
}

// IfClonereq is struct if_clonereq (net/if.h), SIOCIFGCLONERS' argument.
type IfClonereq struct {
	IfcrTotal  int32         // total cloners (out)
	IfcrCount  int32         // room for this many names in the buffer (in)
	IfcrBuffer kern.UserAddr // buffer for cloner names, IFNAMSIZ each
}

// IfCloneEventHandler is if_clone_event_handler_t.
type IfCloneEventHandler func(td *kern.Thread, ifc *IfClone)
