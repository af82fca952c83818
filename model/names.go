// SPDX-License-Identifier: BSD-2-Clause

package model

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// The naming rules of the cloners, as specification. Each function cites
// the C whose documented behaviour it states.

// cString is what C code sees of a Go string: the bytes before the first
// NUL.
func cString(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return s[:i]
		}
	}
	return s
}

// truncName is what a name becomes in a struct ifreq's ifr_name
// ([IFNAMSIZ]char, NUL included) when userland fills it with strlcpy, as
// ifconfig does: the C string, cut to IFNAMSIZ-1 bytes. Every name the
// kernel then reads from ifr_name (ifunit_ref's strncmp over IFNAMSIZ at
// if.c:2267, if_clone_create at if_clone.c:212, the drivers' match and
// create functions) is this string.
func truncName(name string) string {
	name = cString(name)
	if len(name) > IFNAMSIZ-1 {
		return name[:IFNAMSIZ-1]
	}
	return name
}

// renameTarget is SIOCSIFNAME's copyinstr of ifr_data into a
// char[IFNAMSIZ] (ifhwioctl, if.c:2723): the C string up to its NUL, and
// ENAMETOOLONG when no NUL comes within IFNAMSIZ bytes, i.e. when the C
// string is longer than IFNAMSIZ-1.
func renameTarget(newName string) (string, Errno) {
	nm := cString(newName)
	if len(nm) > IFNAMSIZ-1 {
		return "", ENAMETOOLONG
	}
	return nm, 0
}

// OutName is how an interface name appears in an Output: as it is when it
// is valid UTF-8, else quoted with strconv.Quote. The ifclone target
// reports the names it reads back from ifr_name that way (so that histories
// stay printable JSON), and the specification must answer in the same
// form.
func OutName(name string) string {
	if utf8.ValidString(name) {
		return name
	}
	return strconv.Quote(name)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// name2unit is ifc_name2unit (if_clone.c:698): the unit is the decimal
// number that starts at the name's first digit and runs to its end; -1 if
// the name has no digit. EINVAL for a leading zero (other than "0" itself),
// a non-digit after the first digit, or a number above INT_MAX.
func name2unit(name string) (int, Errno) {
	i := 0
	for i < len(name) && !isDigit(name[i]) {
		i++
	}
	if i == len(name) {
		return -1, 0
	}
	if name[i] == '0' && i+1 < len(name) {
		return 0, EINVAL
	}
	u := 0
	for ; i < len(name); i++ {
		if !isDigit(name[i]) {
			return 0, EINVAL
		}
		d := int(name[i] - '0')
		if u > (1<<31-1)/10 || (u == (1<<31-1)/10 && d > (1<<31-1)%10) {
			return 0, EINVAL
		}
		u = u*10 + d
	}
	return u, 0
}

// simpleMatch is ifc_simple_match (if_clone.c:789), which lo and disc use:
// the cloner's name followed by nothing but digits.
func simpleMatch(c Cloner, name string) bool {
	p := c.String()
	return len(name) >= len(p) && name[:len(p)] == p && allDigits(name[len(p):])
}

// epairMatch is epair_clone_match (if_epair.c:465): "epair" followed by
// nothing but digits; "epair0a" is not a create name.
func epairMatch(name string) bool { return simpleMatch(Epair, name) }

// stdclone is dev_stdclone (kern_conf.c:1252) as tuntap_name2info uses it: the
// stem, at least one digit, no leading zero, a unit of at most 0xffffff, and
// nothing after. The unit is returned; ok false means "no match". A digit
// run whose value passes 0xffffff never matches: the C's int would wrap
// (undefined behaviour) after ten digits, which a 15-byte name allows, and
// the port (kern_conf.go devStdclone) stops at 0xffffff; the specification
// follows the port there.
func stdclone(stem, name string) (int, bool) {
	if len(name) <= len(stem) || name[:len(stem)] != stem {
		return 0, false
	}
	rest := name[len(stem):]
	if !isDigit(rest[0]) || (rest[0] == '0' && len(rest) > 1 && isDigit(rest[1])) {
		return 0, false
	}
	if !allDigits(rest) {
		return 0, false
	}
	u, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || u > 0xffffff {
		return 0, false
	}
	return int(u), true
}

// tuntapMatch is tun_clone_match / tap_clone_match / vmnet_clone_match
// through tuntap_name2info (if_tuntap.c:402): the bare driver name (unit -1) or
// dev_stdclone's form.
func tuntapMatch(c Cloner, name string) (int, bool) {
	if name == c.String() {
		return -1, true
	}
	return stdclone(c.String(), name)
}

// vlanPrefixMatch is the second half of vlan_clone_match (if_vlan.c:992):
// "vlan" followed by nothing but digits.
func vlanPrefixMatch(name string) bool { return simpleMatch(Vlan, name) }

// etherVid is vlan_clone_match_ethervid (if_vlan.c:960): "<parent>.<vid>",
// split at the last '.' (strrchr), where parent names an interface of vnet
// v and vid is a non-empty run of digits with nothing after it. The C
// accumulates the vid in an int with no range check (it wraps: a 15-byte
// name has room for 14 digits) and vlan_config takes it as uint16_t; both
// truncations are kept, so "epair0a.65537" asks for VID 1.
func (s *State) etherVid(v VnetID, name string) (parent int, vid uint16, ok bool) {
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 {
		return -1, 0, false
	}
	p := s.lookup(v, name[:dot])
	if p < 0 {
		return -1, 0, false
	}
	digits := name[dot+1:]
	if digits == "" || !allDigits(digits) {
		return -1, 0, false
	}
	var x int32
	for i := 0; i < len(digits); i++ {
		x = x*10 + int32(digits[i]-'0')
	}
	return p, uint16(x), true
}

// vlanCanParent is vlan_config's parent check (if_vlan.c:1470): the parent must
// be an Ethernet (IFT_ETHER: epair, tap, vmnet) or a vlan (IFT_L2VLAN,
// 802.1ad stacking) with IFF_BROADCAST|IFF_MULTICAST. lo and disc are
// IFT_LOOP and tun is IFT_PROPVIRTUAL and point-to-point.
func vlanCanParent(c Cloner) bool {
	return c == Epair || c == Tap || c == Vmnet || c == Vlan
}

// badVid is vlan_config's tag check: 0 and 0xFFF are reserved, and only 12
// bits are a VID.
func badVid(vid uint16) bool { return vid == 0 || vid == 0xFFF || vid&^0xFFF != 0 }

func unitName(c Cloner, u int) string { return c.String() + strconv.Itoa(u) }
