// SPDX-License-Identifier: BSD-3-Clause
//
// Copyright (c) 1980, 1986, 1993
//	The Regents of the University of California.  All rights reserved.
//
// The cloning paths of ifioctl() and ifhwioctl() (sys/net/if.c, FreeBSD
// 14) and the part of sys_ioctl()/kern_ioctl() (sys/kern/sys_generic.c)
// that moves the argument between user and kernel memory. Line numbers
// cite the stored if.c of the era.

package ifclone

import (
	"encoding/binary"

	"kcheck/kern"
	"kcheck/vnet"
)

// ioctl command encoding of sys/sys/ioccom.h.
const (
	IOCPARM_MASK uint64 = 0x1fff
	IOC_VOID     uint64 = 0x20000000
	IOC_OUT      uint64 = 0x40000000
	IOC_IN       uint64 = 0x80000000
	IOC_INOUT           = IOC_IN | IOC_OUT
)

// Sizes of the ioctl arguments on amd64.
const (
	sizeofIfreq      = 32 // char ifr_name[IFNAMSIZ] + a 16-byte union
	sizeofIfClonereq = 16 // int ifcr_total, int ifcr_count, char *ifcr_buffer
)

// The cloning ioctls (sys/sys/sockio.h), encoded as _IOW/_IOWR do:
// direction | (size << 16) | (group << 8) | number.
const (
	SIOCSIFNAME    = IOC_IN | (sizeofIfreq&IOCPARM_MASK)<<16 | 'i'<<8 | 40
	SIOCSIFVNET    = IOC_INOUT | (sizeofIfreq&IOCPARM_MASK)<<16 | 'i'<<8 | 90
	SIOCSIFRVNET   = IOC_INOUT | (sizeofIfreq&IOCPARM_MASK)<<16 | 'i'<<8 | 91
	SIOCIFGCLONERS = IOC_INOUT | (sizeofIfClonereq&IOCPARM_MASK)<<16 | 'i'<<8 | 120
	SIOCIFDESTROY  = IOC_IN | (sizeofIfreq&IOCPARM_MASK)<<16 | 'i'<<8 | 121
	SIOCIFCREATE   = IOC_INOUT | (sizeofIfreq&IOCPARM_MASK)<<16 | 'i'<<8 | 122
	SIOCIFCREATE2  = IOC_INOUT | (sizeofIfreq&IOCPARM_MASK)<<16 | 'i'<<8 | 124
)

// Ifreq is struct ifreq with the union members the cloning ioctls use:
// ifr_data (a user pointer) and ifr_jid share the union's first bytes.
type Ifreq struct {
	IfrName [IFNAMSIZ]byte
	IfrData kern.UserAddr // ifr_data / ifr_ifru.ifru_data
	IfrJid  int32         // ifr_jid, the low 4 bytes of the same union
}

// Marshal lays the request out as amd64 does.
func (r *Ifreq) Marshal() []byte {
	b := make([]byte, sizeofIfreq)
	copy(b, r.IfrName[:])
	if r.IfrData != 0 {
		binary.LittleEndian.PutUint64(b[16:], uint64(r.IfrData))
	} else {
		binary.LittleEndian.PutUint32(b[16:], uint32(r.IfrJid))
	}
	return b
}

// UnmarshalIfreq decodes an amd64 struct ifreq.
func UnmarshalIfreq(b []byte) *Ifreq {
	r := &Ifreq{}
	copy(r.IfrName[:], b[:IFNAMSIZ])
	r.IfrData = kern.UserAddr(binary.LittleEndian.Uint64(b[16:]))
	r.IfrJid = int32(binary.LittleEndian.Uint32(b[16:]))
	return r
}

// Marshal lays the request out as amd64 does.
func (r *IfClonereq) Marshal() []byte {
	b := make([]byte, sizeofIfClonereq)
	binary.LittleEndian.PutUint32(b[0:], uint32(r.IfcrTotal))
	binary.LittleEndian.PutUint32(b[4:], uint32(r.IfcrCount))
	binary.LittleEndian.PutUint64(b[8:], uint64(r.IfcrBuffer))
	return b
}

// UnmarshalIfClonereq decodes an amd64 struct if_clonereq.
func UnmarshalIfClonereq(b []byte) *IfClonereq {
	return &IfClonereq{
		IfcrTotal:  int32(binary.LittleEndian.Uint32(b[0:])),
		IfcrCount:  int32(binary.LittleEndian.Uint32(b[4:])),
		IfcrBuffer: kern.UserAddr(binary.LittleEndian.Uint64(b[8:])),
	}
}

// Socket is the part of struct socket ifioctl looks at: the vnet it was
// created in (so_vnet).
type Socket struct {
	SoVnet *vnet.Vnet
}

// Ioctl is ioctl(2) on a socket as kern_ioctl() runs it: copy the argument
// in from user address uaddr, run ifioctl on the kernel copy, copy it back
// out for commands that return data.
func Ioctl(td *kern.Thread, so *Socket, cmd uint64, uaddr kern.UserAddr) kern.Errno {
	size := int((cmd >> 16) & IOCPARM_MASK)
	data := make([]byte, size)
	if cmd&IOC_IN != 0 {
		if err := kern.Copyin(td, uaddr, data); err != 0 {
			return err
		}
	}
	var arg any
	switch size {
	case sizeofIfreq:
		arg = UnmarshalIfreq(data)
	case sizeofIfClonereq:
		arg = UnmarshalIfClonereq(data)
	default:
		return kern.ENOTTY
	}
	err := Ifioctl(td, so, cmd, arg)
	if err == 0 && cmd&IOC_OUT != 0 {
		switch a := arg.(type) {
		case *Ifreq:
			data = a.Marshal()
		case *IfClonereq:
			data = a.Marshal()
		}
		err = kern.Copyout(td, data, uaddr)
	}
	return err
}

// Ifioctl is ifioctl (if.c:2918), reduced to the cloning commands: data is the
// kernel copy of the argument (*Ifreq or *IfClonereq). Other commands are
// ENOTTY here (the emulation has no protocol layer).
func Ifioctl(td *kern.Thread, so *Socket, cmd uint64, data any) kern.Errno {
	var ifp *Ifnet
	var err kern.Errno

	saved := vnet.CurvnetSet(td, so.SoVnet)
	// The vnet must not be on its way out.
	if vnetIsShuttingDown(so.SoVnet) {
		vnet.CurvnetRestore(td, saved)
		return kern.EBUSY
	}

	switch cmd {
	case SIOCSIFRVNET:
		ifr := data.(*Ifreq)
		err = kern.PrivCheck(td, kern.PRIV_NET_SETIFVNET)
		if err == 0 {
			err = IfVmoveReclaim(td, ifr.IfrName[:], int(ifr.IfrJid))
		}
		goto out_noref
	case SIOCIFCREATE, SIOCIFCREATE2:
		ifr := data.(*Ifreq)
		err = kern.PrivCheck(td, kern.PRIV_NET_IFCREATE)
		if err == 0 {
			var params Caddr
			if cmd == SIOCIFCREATE2 {
				params = Caddr{User: ifr.IfrData}
			}
			err = IfCloneCreate(td, ifr.IfrName[:], IFNAMSIZ, params)
		}
		goto out_noref
	case SIOCIFDESTROY:
		ifr := data.(*Ifreq)
		err = kern.PrivCheck(td, kern.PRIV_NET_IFDESTROY)

		if err == 0 {
			IfnetDetachSxlock(td.K).Xlock(td)
			err = IfCloneDestroy(td, ifr.IfrName[:])
			IfnetDetachSxlock(td.K).Xunlock(td)
		}
		goto out_noref

	case SIOCIFGCLONERS:
		err = IfCloneList(td, data.(*IfClonereq))
		goto out_noref
	}

	{
		ifr, ok := data.(*Ifreq)
		if !ok {
			err = kern.ENOTTY
			goto out_noref
		}
		ifp = IfunitRef(td, ifr.IfrName[:])
		if ifp == nil {
			err = kern.ENXIO
			goto out_noref
		}

		err = Ifhwioctl(td, cmd, ifp, ifr)
		if err == kern.ENOIOCTL {
			err = kern.ENOTTY // no protocol layer below
		}
	}

	IfRele(td, ifp)
out_noref:
	vnet.CurvnetRestore(td, saved)
	return err
}

// Ifhwioctl is ifhwioctl (if.c:2457), reduced to SIOCSIFNAME (if.c:2723) and
// SIOCSIFVNET (if.c:2735).
func Ifhwioctl(td *kern.Thread, cmd uint64, ifp *Ifnet, ifr *Ifreq) kern.Errno {
	var err kern.Errno
	var newName [IFNAMSIZ]byte

	switch cmd {
	case SIOCSIFNAME:
		err = kern.PrivCheck(td, kern.PRIV_NET_SETIFNAME)
		if err != 0 {
			return err
		}
		err = kern.Copyinstr(td, ifr.IfrData, newName[:], nil)
		if err != 0 {
			return err
		}
		err = IfRename(td, ifp, kern.CString(newName[:]))

	case SIOCSIFVNET:
		err = kern.PrivCheck(td, kern.PRIV_NET_SETIFVNET)
		if err != 0 {
			return err
		}
		err = IfVmoveLoan(td, ifp, ifr.IfrName[:], int(ifr.IfrJid))

	default:
		err = kern.ENOIOCTL
	}
	return err
}
