package kern

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCopyinCopyoutFault(t *testing.T) {
	k := NewKernel(Config{})
	td := k.Thread0()
	ubuf := []byte("hello, kernel\x00....")
	ua := k.UserMap(ubuf)
	kbuf := make([]byte, 5)
	assert.Zero(t, Copyin(td, ua, kbuf))
	assert.Equal(t, "hello", string(kbuf))
	assert.Zero(t, Copyout(td, []byte("HE"), ua))
	assert.Equal(t, "HEllo", string(ubuf[:5]))

	assert.Equal(t, EFAULT, Copyin(td, 0, kbuf), "NULL")
	assert.Equal(t, EFAULT, Copyin(td, ua+UserAddr(len(ubuf))-2, kbuf), "runs off the end of the mapping")
	assert.Equal(t, EFAULT, Copyout(td, kbuf, ua+1<<20), "unmapped")

	var s [16]byte
	var done int
	assert.Zero(t, Copyinstr(td, ua, s[:], &done))
	assert.Equal(t, "HEllo, kernel", CString(s[:]))
	assert.Equal(t, 14, done)
	var small [4]byte
	assert.Equal(t, ENAMETOOLONG, Copyinstr(td, ua, small[:], nil))

	k.SetCopyFault(func(a UserAddr, n int, write bool) bool { return write })
	assert.Zero(t, Copyin(td, ua, kbuf))
	assert.Equal(t, EFAULT, Copyout(td, kbuf, ua))
	k.SetCopyFault(nil)
	k.UserUnmap(ua)
	assert.Equal(t, EFAULT, Copyin(td, ua, kbuf))
}

func TestCStringTruncation(t *testing.T) {
	var name [16]byte // IFNAMSIZ
	assert.Equal(t, 3, StrlcpyString(name[:], "lo0"))
	assert.Equal(t, "lo0", CString(name[:]))
	n := StrlcpyString(name[:], "averyveryverylongname")
	assert.Equal(t, 21, n, "strlcpy returns strlen(src)")
	assert.Equal(t, "averyveryverylo", CString(name[:]), "15 bytes and a NUL")
	assert.Equal(t, byte(0), name[15])

	var small [11]byte // IFCLOSIZ
	assert.Equal(t, 10, Strlcpy(small[:], []byte("0123456789\x00junk")))
	assert.Equal(t, "0123456789", CString(small[:]))

	// snprintf "%s%d" as ifc_name2unit's callers use it.
	var buf [16]byte
	assert.Equal(t, 6, Snprintf(buf[:], "%s%d", []byte("epair\x00"), 3))
	assert.Equal(t, "epair3", CString(buf[:]))
	assert.Equal(t, 20, Snprintf(buf[:], "%s%d", "fifteencharsnam", 32767))
	assert.Equal(t, "fifteencharsnam", CString(buf[:]), "truncated to 15 and NUL-terminated")
	assert.Equal(t, 0, Snprintf(nil, ""))

	// strncpy pads and does not terminate on overflow.
	var d [4]byte
	Strncpy(d[:], []byte("ab"), 4)
	assert.Equal(t, [4]byte{'a', 'b', 0, 0}, d)
	Strncpy(d[:], []byte("abcdef"), 4)
	assert.Equal(t, [4]byte{'a', 'b', 'c', 'd'}, d)
	assert.Equal(t, 4, Strnlen(d[:], 16))

	assert.Zero(t, Strcmp([]byte("lo0\x00x"), []byte("lo0")))
	assert.Negative(t, Strcmp([]byte("lo0"), []byte("lo1")))
	assert.Positive(t, Strcmp([]byte("lo10"), []byte("lo1")))
	assert.Zero(t, Strncmp([]byte("epair0a"), []byte("epair0b"), 6))
	assert.Zero(t, StrcmpString([]byte("tun1\x00"), "tun1"))
}

func TestErrnoNames(t *testing.T) {
	assert.Equal(t, "EEXIST (File exists)", EEXIST.Error())
	assert.Equal(t, "EOPNOTSUPP", ENOTSUP.Name(), "ENOTSUP is an alias")
	assert.Equal(t, Errno(45), EOPNOTSUPP)
	assert.Equal(t, Errno(28), ENOSPC)
	assert.Nil(t, Errno(0).Err())
	assert.ErrorIs(t, EBUSY.Err(), EBUSY)
	e, ok := ErrnoByName("ENXIO")
	assert.True(t, ok)
	assert.Equal(t, ENXIO, e)
}
