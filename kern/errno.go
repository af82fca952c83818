// SPDX-License-Identifier: BSD-2-Clause
//
// Error numbers as sys/sys/errno.h defines them (Copyright (c) 1982, 1986,
// 1989, 1993 The Regents of the University of California).

package kern

import "fmt"

// Errno is a FreeBSD error number. As in the kernel, 0 means success and
// functions return an Errno rather than a Go error; convert with Err at the
// edges of the emulation.
type Errno int32

// The numbers of sys/sys/errno.h. Only names the emulation uses or may
// plausibly return are listed; the values are FreeBSD's, not Linux's.
const (
	EPERM           Errno = 1
	ENOENT          Errno = 2
	ESRCH           Errno = 3
	EINTR           Errno = 4
	EIO             Errno = 5
	ENXIO           Errno = 6
	E2BIG           Errno = 7
	ENOEXEC         Errno = 8
	EBADF           Errno = 9
	ECHILD          Errno = 10
	EDEADLK         Errno = 11
	ENOMEM          Errno = 12
	EACCES          Errno = 13
	EFAULT          Errno = 14
	ENOTBLK         Errno = 15
	EBUSY           Errno = 16
	EEXIST          Errno = 17
	EXDEV           Errno = 18
	ENODEV          Errno = 19
	ENOTDIR         Errno = 20
	EISDIR          Errno = 21
	EINVAL          Errno = 22
	ENFILE          Errno = 23
	EMFILE          Errno = 24
	ENOTTY          Errno = 25
	ETXTBSY         Errno = 26
	EFBIG           Errno = 27
	ENOSPC          Errno = 28
	ESPIPE          Errno = 29
	EROFS           Errno = 30
	EMLINK          Errno = 31
	EPIPE           Errno = 32
	EDOM            Errno = 33
	ERANGE          Errno = 34
	EAGAIN          Errno = 35
	EWOULDBLOCK           = EAGAIN
	EINPROGRESS     Errno = 36
	EALREADY        Errno = 37
	ENOTSOCK        Errno = 38
	EDESTADDRREQ    Errno = 39
	EMSGSIZE        Errno = 40
	EPROTOTYPE      Errno = 41
	ENOPROTOOPT     Errno = 42
	EPROTONOSUPPORT Errno = 43
	ESOCKTNOSUPPORT Errno = 44
	EOPNOTSUPP      Errno = 45
	ENOTSUP               = EOPNOTSUPP
	EPFNOSUPPORT    Errno = 46
	EAFNOSUPPORT    Errno = 47
	EADDRINUSE      Errno = 48
	EADDRNOTAVAIL   Errno = 49
	ENETDOWN        Errno = 50
	ENETUNREACH     Errno = 51
	ENETRESET       Errno = 52
	ECONNABORTED    Errno = 53
	ECONNRESET      Errno = 54
	ENOBUFS         Errno = 55
	EISCONN         Errno = 56
	ENOTCONN        Errno = 57
	ESHUTDOWN       Errno = 58
	ETOOMANYREFS    Errno = 59
	ETIMEDOUT       Errno = 60
	ECONNREFUSED    Errno = 61
	ELOOP           Errno = 62
	ENAMETOOLONG    Errno = 63
	EHOSTDOWN       Errno = 64
	EHOSTUNREACH    Errno = 65
	ENOTEMPTY       Errno = 66
	EPROCLIM        Errno = 67
	EUSERS          Errno = 68
	EDQUOT          Errno = 69
	ESTALE          Errno = 70
	EREMOTE         Errno = 71
	EBADRPC         Errno = 72
	ERPCMISMATCH    Errno = 73
	EPROGUNAVAIL    Errno = 74
	EPROGMISMATCH   Errno = 75
	EPROCUNAVAIL    Errno = 76
	ENOLCK          Errno = 77
	ENOSYS          Errno = 78
	EFTYPE          Errno = 79
	EAUTH           Errno = 80
	ENEEDAUTH       Errno = 81
	EIDRM           Errno = 82
	ENOMSG          Errno = 83
	EOVERFLOW       Errno = 84
	ECANCELED       Errno = 85
	EILSEQ          Errno = 86
	ENOATTR         Errno = 87

	// Kernel-internal pseudo errors (never reach userland).
	ERESTART    Errno = -1
	EJUSTRETURN Errno = -2
	ENOIOCTL    Errno = -3
)

type errnoInfo struct{ name, text string }

// errnoTable gives the symbolic name and strerror(3) text of each number.
var errnoTable = map[Errno]errnoInfo{
	EPERM: {"EPERM", "Operation not permitted"}, ENOENT: {"ENOENT", "No such file or directory"},
	ESRCH: {"ESRCH", "No such process"}, EINTR: {"EINTR", "Interrupted system call"},
	EIO: {"EIO", "Input/output error"}, ENXIO: {"ENXIO", "Device not configured"},
	E2BIG: {"E2BIG", "Argument list too long"}, ENOEXEC: {"ENOEXEC", "Exec format error"},
	EBADF: {"EBADF", "Bad file descriptor"}, ECHILD: {"ECHILD", "No child processes"},
	EDEADLK: {"EDEADLK", "Resource deadlock avoided"}, ENOMEM: {"ENOMEM", "Cannot allocate memory"},
	EACCES: {"EACCES", "Permission denied"}, EFAULT: {"EFAULT", "Bad address"},
	ENOTBLK: {"ENOTBLK", "Block device required"}, EBUSY: {"EBUSY", "Device busy"},
	EEXIST: {"EEXIST", "File exists"}, EXDEV: {"EXDEV", "Cross-device link"},
	ENODEV: {"ENODEV", "Operation not supported by device"}, ENOTDIR: {"ENOTDIR", "Not a directory"},
	EISDIR: {"EISDIR", "Is a directory"}, EINVAL: {"EINVAL", "Invalid argument"},
	ENFILE: {"ENFILE", "Too many open files in system"}, EMFILE: {"EMFILE", "Too many open files"},
	ENOTTY: {"ENOTTY", "Inappropriate ioctl for device"}, ETXTBSY: {"ETXTBSY", "Text file busy"},
	EFBIG: {"EFBIG", "File too large"}, ENOSPC: {"ENOSPC", "No space left on device"},
	ESPIPE: {"ESPIPE", "Illegal seek"}, EROFS: {"EROFS", "Read-only file system"},
	EMLINK: {"EMLINK", "Too many links"}, EPIPE: {"EPIPE", "Broken pipe"},
	EDOM: {"EDOM", "Numerical argument out of domain"}, ERANGE: {"ERANGE", "Result too large"},
	EAGAIN: {"EAGAIN", "Resource temporarily unavailable"}, EINPROGRESS: {"EINPROGRESS", "Operation now in progress"},
	EALREADY: {"EALREADY", "Operation already in progress"}, ENOTSOCK: {"ENOTSOCK", "Socket operation on non-socket"},
	EDESTADDRREQ: {"EDESTADDRREQ", "Destination address required"}, EMSGSIZE: {"EMSGSIZE", "Message too long"},
	EPROTOTYPE: {"EPROTOTYPE", "Protocol wrong type for socket"}, ENOPROTOOPT: {"ENOPROTOOPT", "Protocol not available"},
	EPROTONOSUPPORT: {"EPROTONOSUPPORT", "Protocol not supported"}, ESOCKTNOSUPPORT: {"ESOCKTNOSUPPORT", "Socket type not supported"},
	EOPNOTSUPP: {"EOPNOTSUPP", "Operation not supported"}, EPFNOSUPPORT: {"EPFNOSUPPORT", "Protocol family not supported"},
	EAFNOSUPPORT: {"EAFNOSUPPORT", "Address family not supported by protocol family"}, EADDRINUSE: {"EADDRINUSE", "Address already in use"},
	EADDRNOTAVAIL: {"EADDRNOTAVAIL", "Can't assign requested address"}, ENETDOWN: {"ENETDOWN", "Network is down"},
	ENETUNREACH: {"ENETUNREACH", "Network is unreachable"}, ENETRESET: {"ENETRESET", "Network dropped connection on reset"},
	ECONNABORTED: {"ECONNABORTED", "Software caused connection abort"}, ECONNRESET: {"ECONNRESET", "Connection reset by peer"},
	ENOBUFS: {"ENOBUFS", "No buffer space available"}, EISCONN: {"EISCONN", "Socket is already connected"},
	ENOTCONN: {"ENOTCONN", "Socket is not connected"}, ESHUTDOWN: {"ESHUTDOWN", "Can't send after socket shutdown"},
	ETOOMANYREFS: {"ETOOMANYREFS", "Too many references: can't splice"}, ETIMEDOUT: {"ETIMEDOUT", "Operation timed out"},
	ECONNREFUSED: {"ECONNREFUSED", "Connection refused"}, ELOOP: {"ELOOP", "Too many levels of symbolic links"},
	ENAMETOOLONG: {"ENAMETOOLONG", "File name too long"}, EHOSTDOWN: {"EHOSTDOWN", "Host is down"},
	EHOSTUNREACH: {"EHOSTUNREACH", "No route to host"}, ENOTEMPTY: {"ENOTEMPTY", "Directory not empty"},
	EPROCLIM: {"EPROCLIM", "Too many processes"}, EUSERS: {"EUSERS", "Too many users"},
	EDQUOT: {"EDQUOT", "Disc quota exceeded"}, ESTALE: {"ESTALE", "Stale NFS file handle"},
	EREMOTE: {"EREMOTE", "Too many levels of remote in path"}, EBADRPC: {"EBADRPC", "RPC struct is bad"},
	ERPCMISMATCH: {"ERPCMISMATCH", "RPC version wrong"}, EPROGUNAVAIL: {"EPROGUNAVAIL", "RPC prog. not avail"},
	EPROGMISMATCH: {"EPROGMISMATCH", "Program version wrong"}, EPROCUNAVAIL: {"EPROCUNAVAIL", "Bad procedure for program"},
	ENOLCK: {"ENOLCK", "No locks available"}, ENOSYS: {"ENOSYS", "Function not implemented"},
	EFTYPE: {"EFTYPE", "Inappropriate file type or format"}, EAUTH: {"EAUTH", "Authentication error"},
	ENEEDAUTH: {"ENEEDAUTH", "Need authenticator"}, EIDRM: {"EIDRM", "Identifier removed"},
	ENOMSG: {"ENOMSG", "No message of desired type"}, EOVERFLOW: {"EOVERFLOW", "Value too large to be stored in data type"},
	ECANCELED: {"ECANCELED", "Operation canceled"}, EILSEQ: {"EILSEQ", "Illegal byte sequence"},
	ENOATTR:  {"ENOATTR", "Attribute not found"},
	ERESTART: {"ERESTART", "restart syscall"}, EJUSTRETURN: {"EJUSTRETURN", "don't modify regs, just return"},
	ENOIOCTL: {"ENOIOCTL", "ioctl not handled by this layer"},
}

// Name is the symbolic name ("EEXIST"), "0" for success, or "errno N".
func (e Errno) Name() string {
	if e == 0 {
		return "0"
	}
	if i, ok := errnoTable[e]; ok {
		return i.name
	}
	return fmt.Sprintf("errno %d", int32(e))
}

// Error gives the symbolic name and the strerror text: "EEXIST (File exists)".
func (e Errno) Error() string {
	if e == 0 {
		return "0 (success)"
	}
	if i, ok := errnoTable[e]; ok {
		return i.name + " (" + i.text + ")"
	}
	return fmt.Sprintf("errno %d (Unknown error)", int32(e))
}

// Err converts at the edge of the emulation: nil for 0, the Errno otherwise.
func (e Errno) Err() error {
	if e == 0 {
		return nil
	}
	return e
}

// ErrnoByName returns the Errno whose symbolic name is s ("EEXIST"), for
// decoding saved histories. "0" is success.
func ErrnoByName(s string) (Errno, bool) {
	if s == "0" {
		return 0, true
	}
	for e, i := range errnoTable {
		if i.name == s {
			return e, true
		}
	}
	return 0, false
}
