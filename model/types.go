// SPDX-License-Identifier: BSD-2-Clause

package model

import "strings"

// Limits of sys/net/if.h and if_clone.c that the specification's naming
// rules depend on.
const (
	IFNAMSIZ   = 16     // bytes of an interface name, NUL included
	IF_MAXUNIT = 0x7fff // highest unit a cloner hands out by default
	VNET0      = VnetID(0)
)

// VnetID names a vnet (and the jail that owns it: the specification gives
// every jail its own vnet, so a jail id and a vnet id are the same number).
// vnet0 is the host's.
type VnetID int32

// Cloner is one interface cloner, identified by its name. The zero value is
// no cloner.
type Cloner uint8

// The cloners the specification knows. Their order is only an encoding.
const (
	NoCloner Cloner = iota
	Lo
	Disc
	Epair
	Tun
	Tap
	Vmnet
	Vlan
	numCloners
)

var clonerNames = [numCloners]string{"", "lo", "disc", "epair", "tun", "tap", "vmnet", "vlan"}

// String returns the cloner's name ("epair"), which is also the name of the
// interface group its interfaces join and the if_dname of its interfaces.
func (c Cloner) String() string {
	if c < numCloners {
		return clonerNames[c]
	}
	return "cloner?"
}

// ClonerByName returns the cloner called name.
func ClonerByName(name string) (Cloner, bool) {
	for c := Lo; c < numCloners; c++ {
		if clonerNames[c] == name {
			return c, true
		}
	}
	return NoCloner, false
}

// Cloners lists every cloner, in encoding order.
func Cloners() []Cloner {
	return []Cloner{Lo, Disc, Epair, Tun, Tap, Vmnet, Vlan}
}

// Driver is a unit of loading: the code whose per-vnet initialisation
// attaches one or more cloners. tuntap attaches three (tun, tap, vmnet).
type Driver uint8

// The drivers.
const (
	NoDriver Driver = iota
	DriverLo
	DriverDisc
	DriverEpair
	DriverTuntap
	DriverVlan
	numDrivers
)

var driverNames = [numDrivers]string{"", "lo", "disc", "epair", "tuntap", "vlan"}

func (d Driver) String() string {
	if d < numDrivers {
		return driverNames[d]
	}
	return "driver?"
}

// DriverList lists every driver (the members of AllDrivers) in encoding
// order: the one table the driver and cloner name lists of the harness and
// the command derive from.
func DriverList() []Driver {
	return []Driver{DriverLo, DriverDisc, DriverEpair, DriverTuntap, DriverVlan}
}

// DriverNames are the names of DriverList, in its order.
func DriverNames() []string {
	out := make([]string, 0, numDrivers-1)
	for _, d := range DriverList() {
		out = append(out, d.String())
	}
	return out
}

// DriverByName returns the driver called name ("tuntap").
func DriverByName(name string) (Driver, bool) {
	for d := DriverLo; d < numDrivers; d++ {
		if driverNames[d] == name {
			return d, true
		}
	}
	return NoDriver, false
}

// Cloners returns the cloners the driver attaches, in the order its vnet
// initialisation attaches them (each one goes to the head of the vnet's
// cloner list, so the last one listed is listed first by ListCloners).
func (d Driver) Cloners() []Cloner {
	switch d {
	case DriverLo:
		return []Cloner{Lo}
	case DriverDisc:
		return []Cloner{Disc}
	case DriverEpair:
		return []Cloner{Epair}
	case DriverTuntap:
		// vnet_tun_init walks tuntap_drivers[] = {tun, tap, vmnet}.
		return []Cloner{Tun, Tap, Vmnet}
	case DriverVlan:
		return []Cloner{Vlan}
	}
	return nil
}

// DriverOf returns the driver that attaches c.
func DriverOf(c Cloner) Driver {
	switch c {
	case Lo:
		return DriverLo
	case Disc:
		return DriverDisc
	case Epair:
		return DriverEpair
	case Tun, Tap, Vmnet:
		return DriverTuntap
	case Vlan:
		return DriverVlan
	}
	return NoDriver
}

// DriverSet is a set of drivers. The zero value in VnetCreate means "the
// configuration's boot set".
type DriverSet uint8

// AllDrivers holds every driver.
const AllDrivers = DriverSet(1<<DriverLo | 1<<DriverDisc | 1<<DriverEpair | 1<<DriverTuntap | 1<<DriverVlan)

// Drivers builds a set.
func Drivers(ds ...Driver) DriverSet {
	var s DriverSet
	for _, d := range ds {
		s |= 1 << d
	}
	return s
}

// Has reports whether d is in the set.
func (s DriverSet) Has(d Driver) bool { return s&(1<<d) != 0 }

func (s DriverSet) String() string {
	var parts []string
	for d := DriverLo; d < numDrivers; d++ {
		if s.Has(d) {
			parts = append(parts, d.String())
		}
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// Mode selects how strictly a wildcard create ("disc", "epair", "vlan") may
// choose its unit.
type Mode uint8

const (
	// Strict: the unit is the one the code picks when it runs alone — the
	// lowest unit that is free and whose name is not taken (for tun, tap and
	// vmnet simply the lowest free unit). Also: ListCloners returns exactly
	// min(count, total) names.
	Strict Mode = iota
	// Relaxed: any free unit whose name is not taken (for tun, tap and vmnet
	// any free unit). ListCloners may return a shorter prefix of the list
	// (if_clone_list sizes its buffer before it re-takes the lock), and a
	// loan that lost its interface to a concurrent operation may report
	// ENODEV where the atomic specification says ENXIO, and a kldunload
	// racing another unload (or the load) of its file may report ENOENT
	// with nothing changed. A jail removal may return with the jail only
	// killed (dying: its callers get EBUSY, loans into it and reclaims
	// from it still work, a second removal answers 0, as sys_jail_remove
	// does for a dying prison); its teardown happens later, between any
	// two operations.
	Relaxed
)

func (m Mode) String() string {
	if m == Relaxed {
		return "relaxed"
	}
	return "strict"
}

// TuntapUnits says which unit numbers tun, tap and vmnet interfaces share.
type TuntapUnits uint8

const (
	// TuntapUnitsPerDriver: tun, tap and vmnet each own one unit space
	// (tuntap_drivers[i].unrhdr), global to all vnets. This is what
	// if_tuntap.c does.
	TuntapUnitsPerDriver TuntapUnits = iota
	// TuntapUnitsShared: one unit space, global to all vnets, for all three
	// (tun0 and tap0 cannot coexist). For a port that chose so.
	TuntapUnitsShared
)

// Config parameterises a Spec.
type Config struct {
	// Mode is Strict or Relaxed.
	Mode Mode
	// Boot is the set of drivers attached in vnet0 at boot and, unless a
	// VnetCreate names its own, in every new vnet. Zero means AllDrivers.
	Boot DriverSet
	// BootOrder is the order in which a vnet's drivers are attached (SYSINIT
	// order); it decides the order of ListCloners' names. Empty means lo,
	// disc, epair, tuntap, vlan.
	BootOrder []Driver
	// MaxUnit overrides a cloner's maxunit (0 keeps IF_MAXUNIT). Small values
	// let tests reach ENOSPC.
	MaxUnit [numCloners]int
	// Tuntap selects the tun/tap/vmnet unit spaces.
	Tuntap TuntapUnits
	// RelaxedChoices bounds how many wildcard units the Relaxed mode
	// considers where the outcome does not name the unit: a "<parent>.<vid>"
	// vlan create (its vlan unit is invisible) and any create whose outcome
	// is unknown. The lowest RelaxedChoices eligible units are considered.
	// Zero means 3.
	RelaxedChoices int
}

func (c Config) maxUnit(cl Cloner) int {
	if m := c.MaxUnit[cl]; m > 0 {
		return m
	}
	return IF_MAXUNIT
}

func (c Config) boot() DriverSet {
	if c.Boot == 0 {
		return AllDrivers
	}
	return c.Boot
}

func (c Config) bootOrder() []Driver {
	if len(c.BootOrder) == 0 {
		return []Driver{DriverLo, DriverDisc, DriverEpair, DriverTuntap, DriverVlan}
	}
	return c.BootOrder
}

func (c Config) relaxedChoices() int {
	if c.RelaxedChoices <= 0 {
		return 3
	}
	return c.RelaxedChoices
}
