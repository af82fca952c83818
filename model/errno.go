// SPDX-License-Identifier: BSD-2-Clause

package model

import "strconv"

// Errno is a FreeBSD error number as an operation of the specification
// returns it: 0 is success. The values are FreeBSD's (sys/sys/errno.h); the
// harness converts the port's kern.Errno with a plain integer conversion.
type Errno int32

// The error numbers the specification can produce.
const (
	EPERM           Errno = 1
	ENOENT          Errno = 2
	ENXIO           Errno = 6
	ENOMEM          Errno = 12
	EFAULT          Errno = 14
	EBUSY           Errno = 16
	EEXIST          Errno = 17
	ENODEV          Errno = 19
	EINVAL          Errno = 22
	ENOSPC          Errno = 28
	EPROTONOSUPPORT Errno = 43
	EOPNOTSUPP      Errno = 45
	ENAMETOOLONG    Errno = 63
)

var errnoNames = map[Errno]string{
	0:               "OK",
	EPERM:           "EPERM",
	ENOENT:          "ENOENT",
	ENXIO:           "ENXIO",
	ENOMEM:          "ENOMEM",
	EFAULT:          "EFAULT",
	EBUSY:           "EBUSY",
	EEXIST:          "EEXIST",
	ENODEV:          "ENODEV",
	EINVAL:          "EINVAL",
	ENOSPC:          "ENOSPC",
	EPROTONOSUPPORT: "EPROTONOSUPPORT",
	EOPNOTSUPP:      "EOPNOTSUPP",
	ENAMETOOLONG:    "ENAMETOOLONG",
}

// String returns the symbolic name ("EEXIST"), "OK" for 0, or the number.
func (e Errno) String() string {
	if s, ok := errnoNames[e]; ok {
		return s
	}
	return "errno(" + strconv.Itoa(int(e)) + ")"
}

// ParseErrno is the inverse of String.
func ParseErrno(s string) (Errno, bool) {
	for e, n := range errnoNames {
		if n == s {
			return e, true
		}
	}
	if len(s) > 7 && s[:6] == "errno(" && s[len(s)-1] == ')' {
		n, err := strconv.Atoi(s[6 : len(s)-1])
		if err == nil {
			return Errno(n), true
		}
	}
	return 0, false
}
