package ifclone

import (
	"encoding/binary"
	"testing"

	"kcheck/kern"
	"kcheck/unrhdr"
	"kcheck/vnet"

	"github.com/stretchr/testify/require"
)

// The errnos ifioctl (if.c:2918) and what it calls can return for each
// cloning command, with the emulated cloners of FuzzIoctlArgs (tst:
// advanced with IFC_F_AUTOUNIT and maxunit 40; dsc: simple) and no
// privilege denied.
var ioctlErrnos = map[uint64][]kern.Errno{
	// if_clone_create: no cloner matches (EINVAL), ifunit finds the name
	// (EEXIST), ifc_name2unit (EINVAL), ifc_alloc_unit (ENOSPC, EEXIST);
	// kern_ioctl's copyin/copyout (EFAULT).
	SIOCIFCREATE:  {0, kern.EINVAL, kern.EEXIST, kern.ENOSPC, kern.EFAULT},
	SIOCIFCREATE2: {0, kern.EINVAL, kern.EEXIST, kern.ENOSPC, kern.EFAULT},
	// if_clone_destroy: ifunit_ref (ENXIO), ifc_find_cloner_in_vnet
	// (EINVAL), the cloner's destroy.
	SIOCIFDESTROY: {0, kern.ENXIO, kern.EINVAL, kern.EFAULT},
	// ifunit_ref (ENXIO), copyinstr (EFAULT, ENAMETOOLONG), if_rename
	// (EINVAL, EEXIST).
	SIOCSIFNAME: {0, kern.ENXIO, kern.EFAULT, kern.ENAMETOOLONG, kern.EINVAL, kern.EEXIST},
	// if_vmove_loan / if_vmove_reclaim: prison_find_child or the name
	// (ENXIO), the jail's vnet is the interface's or the name is taken
	// there (EEXIST).
	SIOCSIFVNET:  {0, kern.ENXIO, kern.EEXIST, kern.EFAULT},
	SIOCSIFRVNET: {0, kern.ENXIO, kern.EEXIST, kern.EFAULT},
	// if_clone_list: a negative count (EINVAL), the copyout (EFAULT).
	SIOCIFGCLONERS: {0, kern.EINVAL, kern.EFAULT},
}

var fuzzCmds = []uint64{SIOCIFCREATE, SIOCIFCREATE2, SIOCIFDESTROY, SIOCSIFNAME, SIOCSIFVNET, SIOCSIFRVNET, SIOCIFGCLONERS}

// FuzzIoctlArgs sends one cloning ioctl with arbitrary argument bytes
// through ioctl(2)'s copyin/copyout to a kernel with two cloners, three
// interfaces and a jail: ifr_name is any 16 bytes (no NUL needed),
// ifr_data points to fuzzed bytes, to nothing or anywhere, ifr_jid and
// ifcr_count are any int32, ifcr_buffer any size. The kernel must not
// panic, must answer an errno the C can give for that command, and must
// leak nothing.
func FuzzIoctlArgs(f *testing.F) {
	f.Add(uint8(0), []byte("tst"), []byte(nil), uint8(0), int32(0), uint16(0))
	f.Add(uint8(1), []byte("tst7"), []byte("dsc0\x00"), uint8(1), int32(0), uint16(0))
	f.Add(uint8(2), []byte("dsc0"), []byte(nil), uint8(0), int32(0), uint16(0))
	f.Add(uint8(3), []byte("tst0"), []byte("abcdefghijklmnopq"), uint8(1), int32(0), uint16(0))
	f.Add(uint8(3), []byte("tst0"), []byte("x\x00"), uint8(1), int32(0), uint16(0))
	f.Add(uint8(3), []byte("tst0"), []byte(nil), uint8(2), int32(0x7777), uint16(0))
	f.Add(uint8(4), []byte("dsc0"), []byte(nil), uint8(0), int32(1), uint16(0))
	f.Add(uint8(4), []byte("abcdefghijklmnop"), []byte(nil), uint8(0), int32(-1), uint16(0))
	f.Add(uint8(5), []byte("jl0"), []byte(nil), uint8(0), int32(1), uint16(0))
	f.Add(uint8(6), []byte(nil), []byte(nil), uint8(1), int32(2), uint16(32))
	f.Add(uint8(6), []byte(nil), []byte(nil), uint8(1), int32(1<<31-1), uint16(16))
	f.Add(uint8(6), []byte(nil), []byte(nil), uint8(0), int32(-5), uint16(0))
	f.Add(uint8(7), []byte("tst0"), []byte{1, 2, 3}, uint8(1), int32(0), uint16(0))
	f.Fuzz(func(t *testing.T, sel uint8, name, data []byte, dataMode uint8, num int32, bufLen uint16) {
		k, td := bootIf(t, kern.Config{})
		var tst *tstCloner
		dsc := &simpleCloner{}
		v0 := vnet0(k)
		v1 := vnet.VnetAlloc(td)
		require.Zero(t, PrisonCreate(td, 1, v1))
		inVnet0(td, func() {
			tst = attachTst(t, td, "tst", 40, IFC_F_AUTOUNIT)
			dsc.ifc = IfCloneSimple(td, cname("dsc"), dsc.create, dsc.destroy, 0)
			for _, n := range []string{"tst0", "dsc0"} {
				_, err := create(td, n)
				require.Zero(t, err)
			}
		})
		// An interface in the jail, for SIOCSIFRVNET.
		jl := mkif(td, v1, "jl", 0)

		// The socket's vnet: the host's, or the jail's (bit 3 of sel).
		so := &Socket{SoVnet: v0}
		if sel&8 != 0 {
			so.SoVnet = v1
		}
		var cmd uint64
		if i := int(sel&7) % (len(fuzzCmds) + 1); i < len(fuzzCmds) {
			cmd = fuzzCmds[i]
		} else {
			// Any other command word, from the data.
			var w [8]byte
			copy(w[:], data)
			cmd = binary.LittleEndian.Uint64(w[:])
			for _, c := range fuzzCmds {
				if c == cmd {
					return
				}
			}
		}

		// ifr_data / ifcr_buffer: NULL, a mapping of data, or any address.
		var ptr kern.UserAddr
		switch dataMode % 3 {
		case 1:
			if cmd == SIOCIFGCLONERS {
				ptr = k.UserMap(make([]byte, int(bufLen)%(8*IFNAMSIZ+1)))
			} else {
				ptr = k.UserMap(append([]byte(nil), data...))
			}
		case 2:
			ptr = kern.UserAddr(uint32(num))<<12 | kern.UserAddr(bufLen)
		}
		var arg []byte
		if cmd == SIOCIFGCLONERS || (cmd>>16)&IOCPARM_MASK == sizeofIfClonereq {
			arg = (&IfClonereq{IfcrCount: num, IfcrBuffer: ptr}).Marshal()
		} else {
			r := &Ifreq{}
			copy(r.IfrName[:], name) // any 16 bytes, NUL or not
			if cmd == SIOCSIFVNET || cmd == SIOCSIFRVNET {
				r.IfrJid = num
			} else {
				r.IfrData = ptr
			}
			arg = r.Marshal()
		}
		if len(arg) < 32 {
			arg = append(arg, make([]byte, 32-len(arg))...) // room for any size up to an ifreq
		}
		ua := k.UserMap(arg)

		var err kern.Errno
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("ioctl %#x name %q data %q mode %d num %d buf %d panicked: %v", cmd, name, data, dataMode, num, bufLen, p)
				}
			}()
			err = Ioctl(td, so, cmd, ua)
		}()
		allowed, known := ioctlErrnos[cmd]
		if !known {
			// ioctl(2) with an argument size ifioctl does not take, or a
			// command it does not handle: ENOTTY; a copyin may fault
			// first, and an ifreq command looks the name up first.
			allowed = []kern.Errno{kern.ENOTTY, kern.EFAULT, kern.ENXIO}
		}
		ok := false
		for _, e := range allowed {
			ok = ok || e == err
		}
		if !ok {
			t.Fatalf("ioctl %#x: errno %v is not one the C returns (%v)", cmd, err, allowed)
		}
		if cmd == SIOCIFGCLONERS && err == 0 {
			got := UnmarshalIfClonereq(arg)
			want := int32(2)
			if so.SoVnet == v1 {
				want = 0
			}
			if got.IfcrTotal != want {
				t.Fatalf("SIOCIFGCLONERS total %d, want %d", got.IfcrTotal, want)
			}
		}

		// Teardown: everything goes, nothing is left.
		inVnet0(td, func() {
			IfcDetachCloner(td, tst.ifc)
			IfcDetachCloner(td, dsc.ifc)
		})
		rmif(td, jl) // wherever a reclaim or rename left it
		require.Zero(t, PrisonRemove(td, 1))
		vnet.VnetDestroy(td, v1)
		k.EpochDrainCallbacks()
		if n := MClone(k).Live(); n != 0 {
			t.Fatalf("M_CLONE objects left: %d", n)
		}
		if n := unrhdr.MUnit(k).Live(); n != 0 {
			t.Fatalf("M_UNIT objects left: %d", n)
		}
		shutdownIf(t, k)
	})
}
