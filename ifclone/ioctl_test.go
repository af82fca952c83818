package ifclone

import (
	"testing"

	"kcheck/kern"
	"kcheck/unrhdr"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// userIfreq maps an ifreq into user memory and returns its address and a
// reader for the (possibly updated) name.
func userIfreq(k *kern.Kernel, r *Ifreq) (kern.UserAddr, func() *Ifreq) {
	buf := r.Marshal()
	ua := k.UserMap(buf)
	return ua, func() *Ifreq { return UnmarshalIfreq(buf) }
}

func TestIoctlCreateDestroyThroughUserMemory(t *testing.T) {
	k, td := bootIf(t, kern.Config{})
	so := &Socket{SoVnet: vnet0(k)}
	var c *tstCloner
	inVnet0(td, func() { c = attachTst(t, td, "tst", 0, IFC_F_AUTOUNIT) })

	r := &Ifreq{}
	copy(r.IfrName[:], "tst")
	ua, read := userIfreq(k, r)
	require.Zero(t, Ioctl(td, so, SIOCIFCREATE, ua))
	assert.Equal(t, "tst0", kern.CString(read().IfrName[:]), "the new name is copied out")

	// SIOCIFGCLONERS through user memory.
	names := make([]byte, 4*IFNAMSIZ)
	cr := &IfClonereq{IfcrCount: 4, IfcrBuffer: k.UserMap(names)}
	crb := cr.Marshal()
	require.Zero(t, Ioctl(td, so, SIOCIFGCLONERS, k.UserMap(crb)))
	assert.EqualValues(t, 1, UnmarshalIfClonereq(crb).IfcrTotal)
	assert.Equal(t, "tst", kern.CString(names))

	// SIOCSIFNAME reads the new name from ifr_data.
	newName := append([]byte("mytst"), 0)
	rn := &Ifreq{IfrData: k.UserMap(newName)}
	copy(rn.IfrName[:], "tst0")
	uan, _ := userIfreq(k, rn)
	require.Zero(t, Ioctl(td, so, SIOCSIFNAME, uan))
	inVnet0(td, func() { assert.NotNil(t, Ifunit(td, cname("mytst"))) })

	rd := &Ifreq{}
	copy(rd.IfrName[:], "mytst")
	uad, _ := userIfreq(k, rd)
	require.Zero(t, Ioctl(td, so, SIOCIFDESTROY, uad))
	assert.Equal(t, kern.ENXIO, Ioctl(td, so, SIOCIFDESTROY, uad), "already gone")
	assert.Equal(t, kern.EFAULT, Ioctl(td, so, SIOCIFDESTROY, 0), "NULL argument")

	inVnet0(td, func() { assert.EqualValues(t, 1, c.ifc.ifc_refcnt) })
	teardown(t, k, c.ifc)
}

func TestIoctlPrivileges(t *testing.T) {
	k, td := bootIf(t, kern.Config{})
	so := &Socket{SoVnet: vnet0(k)}
	var c *tstCloner
	inVnet0(td, func() {
		c = attachTst(t, td, "tst", 0, IFC_F_AUTOUNIT)
		_, err := create(td, "tst0")
		require.Zero(t, err)
	})
	td.Cred = &kern.Ucred{Denied: map[int]bool{
		kern.PRIV_NET_IFCREATE: true, kern.PRIV_NET_IFDESTROY: true,
		kern.PRIV_NET_SETIFNAME: true, kern.PRIV_NET_SETIFVNET: true,
	}}
	defer func() { td.Cred = nil }()

	r := &Ifreq{}
	copy(r.IfrName[:], "tst")
	assert.Equal(t, kern.EPERM, Ifioctl(td, so, SIOCIFCREATE, r))
	assert.Equal(t, kern.EPERM, Ifioctl(td, so, SIOCIFCREATE2, r))
	copy(r.IfrName[:], "tst0")
	assert.Equal(t, kern.EPERM, Ifioctl(td, so, SIOCIFDESTROY, r))
	r.IfrData = k.UserMap([]byte("x\x00"))
	assert.Equal(t, kern.EPERM, Ifioctl(td, so, SIOCSIFNAME, r))
	assert.Equal(t, kern.EPERM, Ifioctl(td, so, SIOCSIFVNET, r))
	assert.Equal(t, kern.EPERM, Ifioctl(td, so, SIOCSIFRVNET, r))
	// Listing cloners needs no privilege.
	req := &IfClonereq{}
	assert.Zero(t, Ifioctl(td, so, SIOCIFGCLONERS, req))
	assert.EqualValues(t, 1, req.IfcrTotal)
	inVnet0(td, func() { assert.NotNil(t, Ifunit(td, cname("tst0")), "nothing was destroyed") })
	td.Cred = nil
	teardown(t, k, c.ifc)
}

// FuzzIoctlCreateName sends any name bytes through SIOCIFCREATE2 (and
// destroys what it created): the answer is an errno or success, never a
// panic, and nothing leaks.
func FuzzIoctlCreateName(f *testing.F) {
	for _, s := range []string{"tst", "tst0", "tst00", "tst2147483648", "dsc", "dsc12", "tst\xff", "", "lo0", "tstabcdefghijklmnop", "tst-1"} {
		f.Add([]byte(s), uint8(0))
	}
	f.Fuzz(func(t *testing.T, name []byte, params uint8) {
		k, td := bootIf(t, kern.Config{})
		so := &Socket{SoVnet: vnet0(k)}
		var c *tstCloner
		s := &simpleCloner{}
		inVnet0(td, func() {
			c = attachTst(t, td, "tst", 40, IFC_F_AUTOUNIT)
			s.ifc = IfCloneSimple(td, cname("dsc"), s.create, s.destroy, 0)
		})
		r := &Ifreq{}
		copy(r.IfrName[:], name) // the kernel sees at most IFNAMSIZ bytes
		if params != 0 {
			r.IfrData = k.UserMap(make([]byte, int(params)))
		}
		var err kern.Errno
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("SIOCIFCREATE2 %q panicked: %v", name, p)
				}
			}()
			err = Ifioctl(td, so, SIOCIFCREATE2, r)
		}()
		switch err {
		case 0:
			inVnet0(td, func() {
				require.NotNil(t, Ifunit(td, r.IfrName[:]), "created %q but cannot find it", kern.CString(r.IfrName[:]))
			})
			require.Zero(t, Ifioctl(td, so, SIOCIFDESTROY, r))
		case kern.EINVAL, kern.EEXIST, kern.ENOSPC:
		default:
			t.Fatalf("unexpected errno %v for %q", err, name)
		}
		teardown(t, k, c.ifc, s.ifc)
		require.Zero(t, unrhdr.MUnit(k).Live())
	})
}
