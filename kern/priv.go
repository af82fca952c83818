// SPDX-License-Identifier: BSD-2-Clause

package kern

// Privileges the cloning ioctls check (sys/sys/priv.h).
const (
	PRIV_NET_SETIFNAME = 401 // set interface name (SIOCSIFNAME)
	PRIV_NET_IFCREATE  = 411 // create cloned interface
	PRIV_NET_IFDESTROY = 412 // destroy cloned interface
	PRIV_NET_SETIFVNET = 417 // move interface to vnet
)

// Ucred is the part of struct ucred priv_check(9) looks at: a set of
// privileges the credential lacks (an unprivileged user, a jail).
type Ucred struct {
	Denied map[int]bool
}

// PrivCheck is priv_check(9): 0, or EPERM when td's credential lacks priv.
func PrivCheck(td *Thread, priv int) Errno {
	if td.Cred != nil && td.Cred.Denied[priv] {
		return EPERM
	}
	return 0
}
