// SPDX-License-Identifier: BSD-2-Clause

package model

import (
	"sort"
	"strconv"
)

// createPlan is a create resolved up to its unit choice.
type createPlan struct {
	fail     outcome // set (err or never) when the create fails before a unit is chosen
	failed   bool
	c        Cloner
	wildcard bool
	unit     int // the requested unit when !wildcard
	// noUnit: the driver takes no unit from the cloner (a "<parent>.<vid>"
	// vlan, whose if_dunit is IF_DUNIT_NONE); unit is then the interface's
	// key in the specification, a negative number no live vlan has.
	noUnit bool
	// checkName: the unit allocator also refuses units whose default name
	// ("disc3") is taken in the caller's vnet (ifc_alloc_unit_specific);
	// tun, tap and vmnet allocate from their own unrhdr without that check.
	checkName bool
	build     func(u int) outcome
}

// create is if_clone_create (if_clone.c:213) with each driver's create
// method. It returns the possible outcomes (filtered by want if non-nil).
func (sp *Spec) create(s *State, in Create, want *Output) []outcome {
	p := sp.planCreate(s, in)
	if p.failed {
		if want != nil && !want.Equal(p.fail.out) && !p.fail.never {
			return nil
		}
		return []outcome{p.fail}
	}
	if p.noUnit {
		return filterOut([]outcome{p.build(p.unit)}, want)
	}
	used := sp.usedUnits(s, in.Vnet, p.c)
	free := func(u int) bool {
		i := sort.SearchInts(used, u)
		return i == len(used) || used[i] != u
	}
	maxu := sp.cfg.maxUnit(p.c)
	choosable := func(u int) bool {
		return u >= 0 && u <= maxu && free(u) &&
			(!p.checkName || s.lookup(in.Vnet, unitName(p.c, u)) < 0)
	}
	filter := func(ocs []outcome) []outcome { return filterOut(ocs, want) }

	if !p.wildcard {
		// ifc_alloc_unit_specific; tun's alloc_unr_specific fails with
		// EEXIST also above its unrhdr's range.
		u := p.unit
		switch {
		case u > maxu && !isTuntap(p.c):
			return filter([]outcome{fail(ENOSPC)})
		case u > maxu || !free(u):
			return filter([]outcome{fail(EEXIST)})
		case p.checkName && s.lookup(in.Vnet, unitName(p.c, u)) >= 0:
			return filter([]outcome{fail(EEXIST)})
		}
		return filter([]outcome{p.build(u)})
	}

	// A wildcard: the candidates are the choosable units, ascending.
	cands := func(limit int) []int {
		var r []int
		for u := 0; u <= maxu && len(r) < limit; u++ {
			if choosable(u) {
				r = append(r, u)
			}
		}
		return r
	}
	lowest := cands(1)
	if len(lowest) == 0 {
		// ifc_alloc_unit_next: alloc_unr fails, or every unit from the
		// first free one up is taken by name.
		return filter([]outcome{fail(ENOSPC)})
	}
	if sp.cfg.Mode == Strict {
		return filter([]outcome{p.build(lowest[0])})
	}
	// Relaxed: any choosable unit.
	if want != nil && want.Err == 0 && !want.Unknown {
		u, ok := unitOf(p.c, want.Name)
		if !ok || !choosable(u) {
			return nil
		}
		return filter([]outcome{p.build(u)})
	}
	units := cands(sp.cfg.relaxedChoices())
	if want != nil && want.Err == EEXIST && p.c == Epair {
		// epair's own check of the "a" and "b" names can refuse any
		// choosable unit: consider every unit some such name holds.
		units = append(units, sp.epairNamedUnits(s, in.Vnet, choosable)...)
	}
	var r []outcome
	for _, u := range units {
		r = append(r, p.build(u))
	}
	return filter(r)
}

// filterOut keeps the outcomes whose output is *want (all if want is nil).
func filterOut(ocs []outcome, want *Output) []outcome {
	if want == nil {
		return ocs
	}
	var r []outcome
	for _, oc := range ocs {
		if want.Equal(oc.out) {
			r = append(r, oc)
		}
	}
	return r
}

// unitOf extracts the unit from a wildcard create's result name ("disc3",
// "epair3a", "vlan3", "tun3").
func unitOf(c Cloner, name string) (int, bool) {
	p := c.String()
	if len(name) <= len(p) || name[:len(p)] != p {
		return 0, false
	}
	rest := name[len(p):]
	if c == Epair {
		if rest == "" || rest[len(rest)-1] != 'a' {
			return 0, false
		}
		rest = rest[:len(rest)-1]
	}
	if rest == "" || !allDigits(rest) || (rest[0] == '0' && len(rest) > 1) {
		return 0, false
	}
	u, err := strconv.Atoi(rest)
	return u, err == nil
}

// epairNamedUnits lists the choosable units N for which an interface named
// "epairNa" or "epairNb" exists in vnet v.
func (sp *Spec) epairNamedUnits(s *State, v VnetID, choosable func(int) bool) []int {
	var r []int
	for i := range s.ifaces {
		f := &s.ifaces[i]
		if f.Vnet != v || len(f.Name) < 7 {
			continue
		}
		last := f.Name[len(f.Name)-1]
		if last != 'a' && last != 'b' {
			continue
		}
		if u, ok := unitOf(Epair, f.Name[:len(f.Name)-1]+"a"); ok && choosable(u) {
			r = append(r, u)
		}
	}
	return r
}

// usedUnits lists the units held in c's unit space for a create in v.
func (sp *Spec) usedUnits(s *State, v VnetID, c Cloner) []int {
	var used []int
	for i := range s.ifaces {
		k := s.ifaces[i].Key
		if k.End != 'b' && k.Unit >= 0 && sameSpace(sp.cfg, v, c, k) {
			used = append(used, int(k.Unit))
		}
	}
	sort.Ints(used)
	return used
}

// matchCloner is ifc_find_cloner_match (if_clone.c:265): the first cloner
// of the caller's vnet, in list order, whose match function accepts name.
func (s *State) matchCloner(v VnetID, name string) Cloner {
	vn := s.vnet(v)
	for _, c := range vn.Cloners {
		switch c {
		case Lo, Disc:
			if simpleMatch(c, name) {
				return c
			}
		case Epair:
			if epairMatch(name) {
				return c
			}
		case Tun, Tap, Vmnet:
			if _, ok := tuntapMatch(c, name); ok {
				return c
			}
		case Vlan:
			if _, _, ok := s.etherVid(v, name); ok || vlanPrefixMatch(name) {
				return c
			}
		}
	}
	return NoCloner
}

func (sp *Spec) planCreate(s *State, in Create) createPlan {
	v := in.Vnet
	name := truncName(in.Name)
	failWith := func(e Errno) createPlan { return createPlan{failed: true, fail: fail(e)} }

	c := s.matchCloner(v, name)
	if c == NoCloner {
		return failWith(EINVAL)
	}
	// if_clone_createif: the requested name must not exist.
	if s.lookup(v, name) >= 0 {
		return failWith(EEXIST)
	}
	p := createPlan{c: c, checkName: true}
	newIface := func(u int, nm string) Iface {
		return Iface{Key: IfKey{Home: v, Cloner: c, Unit: int32(u)}, Name: nm, Vnet: v, Groups: GroupAll | GroupCloner}
	}
	switch c {
	case Lo, Disc:
		// IFC_F_AUTOUNIT: ifc_handle_unit, then the simple create.
		u, err := name2unit(name)
		if err != 0 {
			return failWith(err)
		}
		p.unit, p.wildcard = u, u < 0
		p.build = func(u int) outcome {
			nm := name
			if p.wildcard {
				nm = unitName(c, u)
			}
			oc := changed(s, func(n *State) { n.insert(newIface(u, nm)) })
			oc.out = Output{Name: OutName(nm)}
			return oc
		}
	case Epair:
		// epair_handle_unit: the unit, then both end names must be free
		// (EEXIST otherwise; no other unit is tried).
		u, err := name2unit(name)
		if err != 0 {
			return failWith(err)
		}
		p.unit, p.wildcard = u, u < 0
		p.build = func(u int) outcome {
			a, b := unitName(Epair, u)+"a", unitName(Epair, u)+"b"
			if len(a) > IFNAMSIZ-1 {
				// epair_handle_unit (if_epair.c:633): no room left in
				// the IFNAMSIZ buffer for the end letter.
				return fail(ENOSPC)
			}
			if s.lookup(v, b) >= 0 || s.lookup(v, a) >= 0 {
				return fail(EEXIST)
			}
			oc := changed(s, func(n *State) {
				fa, fb := newIface(u, a), newIface(u, b)
				fa.Key.End, fb.Key.End = 'a', 'b'
				n.insert(fa)
				n.insert(fb)
			})
			oc.out = Output{Name: a}
			return oc
		}
	case Tun, Tap, Vmnet:
		// tun_clone_create: a cloner without AUTOUNIT; the unit comes from
		// the driver's unrhdr and the name is not checked again.
		u, _ := tuntapMatch(c, name)
		p.unit, p.wildcard, p.checkName = u, u < 0, false
		p.build = func(u int) outcome {
			nm := unitName(c, u)
			oc := changed(s, func(n *State) { n.insert(newIface(u, nm)) })
			oc.out = Output{Name: nm}
			return oc
		}
	case Vlan:
		// vlan_clone_create (if_vlan.c:1014).
		parent := -1
		var vid uint16
		var u int
		if in.Params.Set {
			// The parameters' parent first, by ifunit_ref of the
			// vlanreq's vlr_parent (filled with strlcpy): ENXIO if none.
			parent = s.lookup(v, truncName(in.Params.Parent))
			if parent < 0 {
				return failWith(ENXIO)
			}
			vid = in.Params.Vid
		}
		if un, err := name2unit(name); err == 0 {
			// ifc_name2unit accepts the name: "vlanN" or "vlan", but
			// also any name whose only digits end it ("foo.5" is the
			// unconfigured vlan unit 5 named "foo.5").
			u = un
			p.wildcard = u < 0
		} else if pi, pvid, ok := s.etherVid(v, name); ok {
			// Otherwise "<parent>.<vid>": no unit, and the name's VID
			// wins over the parameters'; a parameter parent that is
			// another interface is EINVAL.
			if parent >= 0 && pi != parent {
				return failWith(EINVAL)
			}
			parent, vid = pi, pvid
			p.noUnit, p.checkName = true, false
			u = s.freeNoUnitKey(v)
		} else {
			// Neither form: ENXIO, whatever ifc_name2unit said
			// ("vlan7777777777" overflows it).
			return failWith(ENXIO)
		}
		p.unit = u
		var pkey IfKey
		var pcloner Cloner
		if parent >= 0 {
			pkey = s.ifaces[parent].Key
			pcloner = pkey.Cloner
		}
		p.build = func(u int) outcome {
			nm := name
			if p.wildcard {
				nm = name + strconv.Itoa(u)
			}
			f := newIface(u, nm)
			if parent >= 0 {
				// vlan_config.
				switch {
				case !vlanCanParent(pcloner):
					return fail(EPROTONOSUPPORT)
				case badVid(vid):
					return fail(EINVAL)
				case s.vidTaken(pkey, vid):
					return fail(EEXIST)
				}
				f.HasParent, f.Parent, f.Vid = true, pkey, vid
			}
			oc := changed(s, func(n *State) { n.insert(f) })
			oc.out = Output{Name: OutName(nm)}
			return oc
		}
	}
	return p
}

// vidTaken: vlan_inshash refuses a second vlan with the same tag on a trunk.
func (s *State) vidTaken(parent IfKey, vid uint16) bool {
	for i := range s.ifaces {
		f := &s.ifaces[i]
		if f.HasParent && f.Parent == parent && f.Vid == vid {
			return true
		}
	}
	return false
}

// freeNoUnitKey is the key unit of a new "<parent>.<vid>" vlan in home
// vnet v: the C gives it if_dunit IF_DUNIT_NONE (-1) and no unit of the
// cloner, so it never collides with vlanN; the specification numbers such
// vlans -1, -2, ... (the highest free one) only to keep keys unique.
func (s *State) freeNoUnitKey(v VnetID) int {
	for u := -1; ; u-- {
		if s.index(IfKey{Home: v, Cloner: Vlan, Unit: int32(u)}) < 0 {
			return u
		}
	}
}
