// SPDX-License-Identifier: BSD-2-Clause

package model

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Each row states one naming rule of the C, with the line that makes it.

func TestTruncName(t *testing.T) {
	for _, c := range []struct{ in, want, why string }{
		{"lo\x001", "lo", "strlcpy into ifr_name stops at the NUL (kern StrlcpyString, ifconfig's strlcpy)"},
		{"lo1\x00x", "lo1", "the C string ends at the NUL"},
		{"\x00lo1", "", "an empty C string"},
		{"abcdefghijklmno", "abcdefghijklmno", "15 bytes fit ifr_name[IFNAMSIZ]"},
		{"abcdefghijklmnop", "abcdefghijklmno", "16 bytes: cut to IFNAMSIZ-1"},
		{"abcdefghijklmnopq", "abcdefghijklmno", "17 bytes: cut to IFNAMSIZ-1"},
		{"abcdefghijklmno\x00p", "abcdefghijklmno", "NUL at 15"},
	} {
		assert.Equal(t, c.want, truncName(c.in), c.why)
	}
}

func TestRenameTarget(t *testing.T) {
	for _, c := range []struct {
		in, want string
		err      Errno
		why      string
	}{
		// ifhwioctl SIOCSIFNAME (if.c:2723): copyinstr into new_name[IFNAMSIZ].
		{"abcdefghijklmno", "abcdefghijklmno", 0, "15 bytes and the NUL fit"},
		{"abcdefghijklmnop", "", ENAMETOOLONG, "no NUL within IFNAMSIZ bytes"},
		{"abc\x00defghijklmnopqrs", "abc", 0, "copyinstr stops at the first NUL"},
		{"\x00abc", "", 0, "empty (if_rename then says EINVAL, if.c:3137)"},
	} {
		got, err := renameTarget(c.in)
		assert.Equal(t, c.err, err, c.why)
		assert.Equal(t, c.want, got, c.why)
	}
}

func TestName2unitRules(t *testing.T) {
	// ifc_name2unit (if_clone.c:698).
	for _, c := range []struct {
		in   string
		unit int
		err  Errno
		why  string
	}{
		{"lo", -1, 0, "no digit: a wildcard"},
		{"lo0", 0, 0, "a lone 0 is unit 0"},
		{"lo01", 0, EINVAL, "leading zero"},
		{"lo1x", 0, EINVAL, "a non-digit after the first digit"},
		{"foo.5", 5, 0, "the digits need not follow the driver name: only the first digit counts"},
		{"epair0a.5", 0, EINVAL, "'0' followed by anything is a leading zero"},
		{"lo2147483647", 2147483647, 0, "INT_MAX fits"},
		{"lo2147483648", 0, EINVAL, "INT_MAX+1 overflows (cutoff/cutlim)"},
		{"vlan7777777777", 0, EINVAL, "overflow"},
	} {
		u, err := name2unit(c.in)
		assert.Equal(t, c.err, err, c.why)
		if err == 0 {
			assert.Equal(t, c.unit, u, c.why)
		}
	}
}

func TestMatchRules(t *testing.T) {
	s := New(Config{}).Init()
	for _, c := range []struct {
		name string
		want Cloner
		why  string
	}{
		{"lo", Lo, "ifc_simple_match (if_clone.c:789): the name alone"},
		{"lo12", Lo, "ifc_simple_match: digits only after it"},
		{"lofoo", NoCloner, "ifc_simple_match: a letter after the name"},
		{"lo01", Lo, "ifc_simple_match does not look at leading zeroes (ifc_name2unit does)"},
		{"epair0", Epair, "epair_clone_match (if_epair.c:465)"},
		{"epair0a", NoCloner, "epair_clone_match: an end's name is no create name"},
		{"epair0c", NoCloner, "epair_clone_match"},
		{"tun", Tun, "tuntap_name2info (if_tuntap.c:402): the bare name"},
		{"tun-1", NoCloner, "dev_stdclone (kern_conf.c:1252): a digit must follow"},
		{"tun007", NoCloner, "dev_stdclone: leading zero"},
		{"tun0", Tun, "dev_stdclone: a lone 0"},
		{"tun16777215", Tun, "dev_stdclone: at most 0xffffff"},
		{"tun16777216", NoCloner, "dev_stdclone: u > 0xffffff"},
		{"tun1x", NoCloner, "dev_stdclone returns 2, not 1"},
		{"tap3", Tap, "tap_clone_match (if_tuntap.c:490)"},
		{"vmnet3", Vmnet, "vmnet_clone_match (if_tuntap.c:503)"},
		{"vlan", Vlan, "vlan_clone_match (if_vlan.c:992): the prefix"},
		{"vlan7777777777", Vlan, "vlan_clone_match: digits, however many"},
		{"vlanx", NoCloner, "vlan_clone_match: a non-digit"},
		{"lo0.5", Vlan, "vlan_clone_match_ethervid (if_vlan.c:960): lo0 exists"},
		{"lo9.5", NoCloner, "vlan_clone_match_ethervid: no interface lo9"},
		{"lo0.", NoCloner, "vlan_clone_match_ethervid: empty VID"},
		{"lo0.5x", NoCloner, "vlan_clone_match_ethervid: a non-digit after the VID"},
	} {
		assert.Equal(t, c.want, s.matchCloner(VNET0, c.name), "%q: %s", c.name, c.why)
	}
}

func TestEtherVidRules(t *testing.T) {
	sp := New(Config{})
	s := sp.Init()
	_, s = sp.Apply(s, Create{Name: "epair"})
	_, s = sp.Apply(s, Rename{Name: "epair0a", NewName: "a.b"})
	for _, c := range []struct {
		name   string
		parent string
		vid    uint16
		ok     bool
		why    string
	}{
		{"epair0b.5", "epair0b", 5, true, "if_vlan.c:960"},
		{"a.b.7", "a.b", 7, true, "strrchr: the parent is everything before the last dot"},
		{"a.7", "", 0, false, "no interface \"a\""},
		{"epair0b.65542", "epair0b", 6, true, "int VID passed as uint16_t to vlan_config (if_vlan.c:1470)"},
		{"epair0b.0005", "epair0b", 5, true, "leading zeroes are fine in a VID"},
	} {
		p, vid, ok := s.etherVid(VNET0, c.name)
		assert.Equal(t, c.ok, ok, "%q: %s", c.name, c.why)
		if ok {
			assert.Equal(t, c.parent, s.ifaces[p].Name, c.why)
			assert.Equal(t, c.vid, vid, c.why)
		}
	}
}

// TestCreateNameRules runs whole creates: the order of the checks in
// vlan_clone_create (if_vlan.c:1014) and epair_handle_unit
// (if_epair.c:633).
func TestCreateNameRules(t *testing.T) {
	sp := strict()
	p := func(parent string, vid uint16) VlanParams { return VlanParams{Set: true, Parent: parent, Vid: vid} }
	runSteps(t, sp, sp.Init(), []step{
		{in: Create{Name: "lo\x001"}, want: named("lo1")},            // truncName: "lo", a wildcard
		{in: Create{Name: "vlan7777777777"}, want: Fail(ENXIO)},      // name2unit fails, no <parent>.<vid>
		{in: Create{Name: "vlan2147483648"}, want: Fail(ENXIO)},      // the same, just past INT_MAX
		{in: Create{Name: "lo7777777777"}, want: Fail(EINVAL)},       // ifc_handle_unit passes name2unit's EINVAL
		{in: Create{Name: "epair7777777777"}, want: Fail(EINVAL)},    // epair_handle_unit too
		{in: Create{Name: "vlan32768"}, want: Fail(ENOSPC)},          // ifc_alloc_unit_specific: above ifc_maxunit
		{in: Create{Name: "lo0123456789abcdef"}, want: Fail(EINVAL)}, // cut to "lo0123456789abc": no match
		{in: Create{Name: "epair"}, want: named("epair0a")},
		{in: Create{Name: "epair0a.70000"}, want: Fail(EINVAL)}, // VID 70000 as uint16_t is 4464, above 0xFFF (vlan_config)
		{in: Rename{Name: "epair0b", NewName: "foo"}, want: Ok},
		{in: Create{Name: "foo.5"}, want: named("foo.5")},   // name2unit accepts it: vlan unit 5, no parent
		{in: Create{Name: "vlan5"}, want: Fail(EEXIST)},     // unit 5 is held
		{in: Create{Name: "foo.06"}, want: named("foo.06")}, // name2unit refuses (leading zero): <parent>.<vid>
		{in: Create{Name: "vlan", Params: p("epair0a", 9)}, want: named("vlan0")},
		{in: Create{Name: "vlan01", Params: p("epair0a", 9)}, want: Fail(ENXIO)},
		{in: Create{Name: "foo.07", Params: p("epair0a", 9)}, want: Fail(EINVAL)},           // names another parent
		{in: Create{Name: "foo.07", Params: p("foo", 9)}, want: named("foo.07")},            // same parent: VID 7 from the name
		{in: Create{Name: "vlan", Params: p("lo0\x00foo", 9)}, want: Fail(EPROTONOSUPPORT)}, // the parent is the C string "lo0"
		{in: Rename{Name: "vlan0", NewName: "abcdefghijklmnop"}, want: Fail(ENAMETOOLONG)},
		{in: Rename{Name: "vlan0", NewName: "\x00x"}, want: Fail(EINVAL)},
		{in: Rename{Name: "vlan0", NewName: "v\x00x"}, want: Ok},
		{in: Destroy{Name: "v\x00y"}, want: Ok},
		{in: Destroy{Name: "foo.5\x00"}, want: Ok},
	})
}

func TestEpairNoRoomForEnd(t *testing.T) {
	// epair_handle_unit (if_epair.c:633): with a maxunit that allows
	// 10-digit units, "epair" + unit + end letter overflows IFNAMSIZ.
	var mu [numCloners]int
	mu[Epair] = 1<<31 - 1
	sp := New(Config{MaxUnit: mu})
	runSteps(t, sp, sp.Init(), []step{
		{in: Create{Name: "epair999999999"}, want: named("epair999999999a")},
		{in: Create{Name: "epair1000000000"}, want: Fail(ENOSPC)},
	})
}

func TestOutName(t *testing.T) {
	assert.Equal(t, "epair0a", OutName("epair0a"))
	assert.Equal(t, `"a\xff.5"`, OutName("a\xff.5"))
}
