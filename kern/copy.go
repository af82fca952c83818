// SPDX-License-Identifier: BSD-2-Clause

package kern

import (
	"cmp"
	"slices"
	"sync"
)

// UserAddr is an address in the emulated user address space. 0 is NULL.
type UserAddr uint64

type userMapping struct {
	base UserAddr
	buf  []byte
}

type userSpace struct {
	mu    sync.Mutex
	maps  []userMapping // sorted by base
	next  UserAddr
	fault func(addr UserAddr, n int, write bool) bool
}

const userBase UserAddr = 0x10000

// UserMap maps buf into the user address space at a fresh page-aligned
// address and returns it. Copyout writes into buf itself.
func (k *Kernel) UserMap(buf []byte) UserAddr {
	u := &k.uva
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.next == 0 {
		u.next = userBase
	}
	a := u.next
	size := UserAddr(len(buf)+4095) &^ 4095
	u.next += size + 4096 // leave an unmapped guard page
	if u.maps == nil {
		u.maps = make([]userMapping, 0, 8) // an ioctl maps one or two buffers
	}
	u.maps = append(u.maps, userMapping{base: a, buf: buf})
	slices.SortFunc(u.maps, func(x, y userMapping) int { return cmp.Compare(x.base, y.base) })
	return a
}

// UserUnmap removes the mapping that starts at a.
func (k *Kernel) UserUnmap(a UserAddr) {
	u := &k.uva
	u.mu.Lock()
	defer u.mu.Unlock()
	for i, m := range u.maps {
		if m.base == a {
			u.maps = append(u.maps[:i], u.maps[i+1:]...)
			return
		}
	}
}

// SetCopyFault installs a fault-injection hook: when it returns true the
// copy fails with EFAULT as if the page were unmapped.
func (k *Kernel) SetCopyFault(f func(addr UserAddr, n int, write bool) bool) {
	k.uva.mu.Lock()
	k.uva.fault = f
	k.uva.mu.Unlock()
}

// resolve finds the bytes [a, a+n) inside one mapping.
func (u *userSpace) resolve(a UserAddr, n int, write bool) ([]byte, Errno) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if a == 0 {
		return nil, EFAULT
	}
	if u.fault != nil && u.fault(a, n, write) {
		return nil, EFAULT
	}
	for _, m := range u.maps {
		if a >= m.base && a < m.base+UserAddr(len(m.buf)) || n == 0 && a == m.base {
			off := int(a - m.base)
			if off+n > len(m.buf) || off+n < off {
				return nil, EFAULT
			}
			return m.buf[off : off+n], 0
		}
	}
	return nil, EFAULT
}

// Copyin is copyin(9): len(kaddr) bytes from user address uaddr. A copy
// may fault and sleep, so it is a scheduling point and a WITNESS sleep.
func Copyin(td *Thread, uaddr UserAddr, kaddr []byte) Errno {
	td.K.witness.warnSleep(td, "copyin")
	td.point("copyin", nil)
	src, err := td.K.uva.resolve(uaddr, len(kaddr), false)
	if err != 0 {
		return err
	}
	copy(kaddr, src)
	return 0
}

// Copyout is copyout(9): kaddr to user address uaddr.
func Copyout(td *Thread, kaddr []byte, uaddr UserAddr) Errno {
	td.K.witness.warnSleep(td, "copyout")
	td.point("copyout", nil)
	dst, err := td.K.uva.resolve(uaddr, len(kaddr), true)
	if err != 0 {
		return err
	}
	copy(dst, kaddr)
	return 0
}

// Copyinstr is copyinstr(9): a NUL-terminated string of at most
// len(kaddr) bytes (NUL included); ENAMETOOLONG when no NUL fits. done,
// when not nil, receives the bytes copied including the NUL.
func Copyinstr(td *Thread, uaddr UserAddr, kaddr []byte, done *int) Errno {
	td.K.witness.warnSleep(td, "copyinstr")
	td.point("copyinstr", nil)
	for i := range kaddr {
		b, err := td.K.uva.resolve(uaddr+UserAddr(i), 1, false)
		if err != 0 {
			return err
		}
		kaddr[i] = b[0]
		if b[0] == 0 {
			if done != nil {
				*done = i + 1
			}
			return 0
		}
	}
	if done != nil {
		*done = len(kaddr)
	}
	return ENAMETOOLONG
}
