// SPDX-License-Identifier: BSD-2-Clause

package model

import "strings"

// Footprint describes the part of the state an operation may read or
// write, for partitioning a history: two operations whose footprints share
// no key commute and cannot observe each other, and neither can any two
// sets of operations closed under key sharing. Global operations (the vnet
// life cycle, ListCloners) touch everything.
//
// Keys are the cloner families an operation's names belong to ("disc";
// "vlan" plus the family of a vlan's parent) and, for names no cloner
// produces, the name itself ("name:foo"). A Rename joins the keys of both
// names, so a family-shaped name given to an interface of another family
// merges the two.
type Footprint struct {
	Global bool
	Keys   []string
}

// Footprint returns in's footprint under the configuration.
func (sp *Spec) Footprint(in Input) Footprint {
	switch in := in.(type) {
	case Create:
		keys := sp.nameKeys(in.Name, nil)
		if in.Params.Set {
			keys = append(keys, "vlan")
			keys = sp.nameKeys(in.Params.Parent, keys)
		}
		return Footprint{Keys: keys}
	case Destroy:
		return Footprint{Keys: sp.nameKeys(in.Name, nil)}
	case Rename:
		return Footprint{Keys: sp.nameKeys(in.NewName, sp.nameKeys(in.Name, nil))}
	case VmoveLoan:
		return Footprint{Keys: sp.nameKeys(in.Name, nil)}
	case VmoveReclaim:
		return Footprint{Keys: sp.nameKeys(in.Name, nil)}
	case AttachCloner:
		return Footprint{Keys: sp.driverKeys(in.Driver)}
	case DetachCloner:
		return Footprint{Keys: sp.driverKeys(in.Driver)}
	}
	return Footprint{Global: true}
}

func (sp *Spec) family(c Cloner) string {
	if isTuntap(c) && sp.cfg.Tuntap == TuntapUnitsShared {
		return "tuntap"
	}
	return c.String()
}

func (sp *Spec) driverKeys(d Driver) []string {
	var keys []string
	for _, c := range d.Cloners() {
		keys = append(keys, sp.family(c))
	}
	if len(keys) == 0 {
		keys = []string{"driver:" + d.String()}
	}
	return keys
}

// familyPrefixes is checked longest first so that no prefix shadows
// another.
var familyPrefixes = []Cloner{Vmnet, Epair, Disc, Vlan, Tun, Tap, Lo}

// nameKeys appends the keys of an interface name. Any name that starts
// with a cloner's name belongs to that family (coarser than the cloners'
// match rules, which is safe); a name with a '.' is a vlan name and also
// belongs to its parent's keys.
func (sp *Spec) nameKeys(name string, keys []string) []string {
	name = truncName(name)
	if i := strings.IndexByte(name, '.'); i >= 0 {
		keys = append(keys, "vlan")
		return sp.nameKeys(name[:i], keys)
	}
	for _, c := range familyPrefixes {
		if strings.HasPrefix(name, c.String()) {
			return append(keys, sp.family(c))
		}
	}
	return append(keys, "name:"+name)
}
