// SPDX-License-Identifier: BSD-2-Clause
//
// Kernel invariants of the ifnet and cloning layers, for kern's invariant
// checks (kern/invariant.go). Not ported from FreeBSD: the C states none
// of these as an assertion, but its locking is meant to keep them, and
// each comment below says which lines do.
//
// The observer reads the state directly: no lock, no scheduling point,
// no lockset mark, no net epoch section (each of those is a point or would
// change the lockset state the checker is judging). kern calls it only
// with every other thread parked at a point, where no list is half
// changed: the port, like the C, reaches no point inside a list macro or
// inside subr_unit.c's locked sections.

package ifclone

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"kcheck/kern"
	"kcheck/unrhdr"
	"kcheck/vnet"
)

// Invariant names, as InvariantViolation.Name.
const (
	// InvUniqueName: no two interfaces of one vnet's V_ifnet share
	// if_xname. if_clone_createif (if_clone.c:314), if_rename (if.c
	// SIOCSIFNAME: ifunit) and ifc_alloc_unit_specific (if_clone.c:740)
	// test ifunit() before naming an interface, so that names are unique
	// per vnet; nothing holds a lock from that test to if_attach, so this
	// may be broken by a race, which is what the check is for.
	InvUniqueName = "ifnet-unique-name"
	// InvOneCloner: an interface is on at most one cloner's ifc_iflist,
	// once. ifc_link_ifp (if_clone.c:234) inserts it once per creation;
	// ifc_unlink_ifp (if_clone.c:252) removes it; if_vmove leaves it on
	// its home cloner (if_clone_restoregroup only touches groups).
	InvOneCloner = "ifnet-one-cloner"
	// InvVnet: an interface on vnet v's V_ifnet says if_vnet == v.
	// if_attach_internal sets if_vnet to curvnet before linking it
	// (if.c, if_attach_internal), if_vmove unlinks it (if_detach_internal)
	// before changing it: there is no window in which the two disagree.
	InvVnet = "ifnet-in-its-vnet"
	// InvUnitAllocated: an interface on the list of a cloner whose units
	// come from ifc_unrhdr has its unit (if_dunit) allocated there.
	// Creation allocates the unit (ifc_handle_unit, if_clone.c:318, or the
	// driver's ifc_alloc_unit) before ifc_link_ifp (if_clone.c:327);
	// destruction unlinks (if_clone.c:374) before it frees
	// (if_clone.c:385). So "linked => allocated" holds at every point; the
	// converse does not (see InvUnitLinked).
	InvUnitAllocated = "cloner-unit-allocated"
	// InvUnitLinked: between operations (quiescent), every unit allocated
	// in such a cloner's ifc_unrhdr belongs to an interface on its list.
	// Not checked at points: the C's windows allocate before the interface
	// exists (ifc_alloc_unit at if_clone.c:318/823 and the drivers' own
	// calls, then ifc_create, then if_clone_addif at 327), free after it is
	// gone (if_clone.c:374 unlink, 380 destroy, 385 free), and probe
	// (ifc_alloc_unit_next allocates and frees at 755-759;
	// ifc_alloc_unit_specific allocates, tests ifunit and frees at
	// 736-742). A unit allocated with no linked interface is therefore
	// allowed while any operation is under way, and never between them.
	InvUnitLinked = "cloner-unit-linked"
	// InvRefcount: an attached interface holds if_alloc's reference
	// (refcount_init(1) in if_alloc_domain; if_free's if_rele comes after
	// if_detach), so its if_refcount is at least 1 and not saturated
	// (refcount(9): bit 31 set); a cloner on a vnet's list holds the
	// reference if_clone_alloc takes (if_clone.c:406), released only
	// after if_clone_detach unlinks it (if_clone.c:573, 581), so its
	// ifc_refcnt is at least 1.
	InvRefcount = "refcount-positive"
	// InvClonerModule: between operations (quiescent), every cloner on a
	// vnet's V_if_cloners belongs to a module file that is linked (on
	// linker_files with LINKER_FILE_LINKED). A module's VNET_SYSINIT
	// attaches its cloners in each vnet and its VNET_SYSUNINIT detaches
	// them in every vnet on vnet_head when the module unloads
	// (vnet_deregister_sysuninit, vnet.c); a cloner left after the unload
	// has its match, create and destroy functions in unloaded code. Only
	// checked for the cloners InvariantConfig.ClonerModule names.
	InvClonerModule = "cloner-module-loaded"
)

// maxWalk bounds the observer's list walks: a list that a use after free
// turned into a cycle must not keep the check (which runs inside a
// scheduling point) from returning.
const maxWalk = 4096

// InvListCycle: a list walk did not end within maxWalk elements.
const InvListCycle = "list-terminates"

// refcountSaturated is REFCOUNT_SATURATED of sys/refcount.h: bit 31.
const refcountSaturated = 1 << 31

// InvariantConfig says which cloners take their units from ifc_unrhdr
// although they are not IFC_F_AUTOUNIT (their drivers call
// ifc_alloc_unit themselves: epair, vlan). Cloners that manage units
// elsewhere (tun/tap: their own unrhdr) are left out of the unit checks.
type InvariantConfig struct {
	UnitCloners map[string]bool // read once, at the first check
	// ClonerModule maps a cloner's name to the module file its driver is
	// linked in ("tap" -> "if_tuntap"), for InvClonerModule; nil: not
	// checked.
	ClonerModule map[string]string

	// Scratch state reused from check to check (one kernel's checks never
	// run at once): the check runs at every lock release, and in the
	// usual case, nothing broken, it allocates nothing.
	names       smallMap[[IFNAMSIZ]byte, *Ifnet]
	linkedTo    smallMap[*Ifnet, *IfClone]
	linkedUnits []int
	vnets       []*vnet.Vnet
	units       []int

	// The checked kernel's if.c and if_clone.c globals, looked up once
	// (they live as long as the kernel).
	k  *kern.Kernel
	g  *ifnetGlobals
	cs *cloneState
	// unitNames are UnitCloners' names with a true value, compared
	// linearly (a couple of names: cheaper than hashing per cloner).
	unitNames []string
	unitOK    bool
}

// unitCloner reports UnitCloners[name].
func (cfg *InvariantConfig) unitCloner(name []byte) bool {
	if !cfg.unitOK {
		for n, ok := range cfg.UnitCloners {
			if ok {
				cfg.unitNames = append(cfg.unitNames, n)
			}
		}
		cfg.unitOK = true
	}
	for _, n := range cfg.unitNames {
		if string(name) == n {
			return true
		}
	}
	return false
}

// smallMapMax is how many keys a smallMap scans linearly before it moves
// them to a Go map.
const smallMapMax = 32

// smallMap is a map for the check's few keys (the interfaces of a vnet,
// of a cloner): a linear scan while they are few, cheaper than hashing,
// and a Go map past smallMapMax, so that a long list costs no quadratic
// time.
type smallMap[K comparable, V any] struct {
	keys []K
	vals []V
	m    map[K]V // in use when non-empty
}

func (s *smallMap[K, V]) reset() {
	clear(s.vals) // hold no pointer past the check
	s.keys, s.vals = s.keys[:0], s.vals[:0]
	clear(s.m)
}

func (s *smallMap[K, V]) get(k K) (v V) {
	if len(s.m) > 0 {
		return s.m[k]
	}
	for i := range s.keys {
		if s.keys[i] == k {
			return s.vals[i]
		}
	}
	return v
}

func (s *smallMap[K, V]) put(k K, v V) {
	if len(s.m) > 0 {
		s.m[k] = v
		return
	}
	for i := range s.keys {
		if s.keys[i] == k {
			s.vals[i] = v
			return
		}
	}
	if len(s.keys) < smallMapMax {
		s.keys, s.vals = append(s.keys, k), append(s.vals, v)
		return
	}
	if s.m == nil {
		s.m = make(map[K]V, 2*smallMapMax)
	}
	for i := range s.keys {
		s.m[s.keys[i]] = s.vals[i]
	}
	s.m[k] = v
}

// hasUnit reports whether the ascending list us holds u.
func hasUnit(us []int, u int) bool {
	i := sort.SearchInts(us, u)
	return i < len(us) && us[i] == u
}

// invCheck is one run of CheckInvariants: the violations found so far.
type invCheck struct {
	k   *kern.Kernel
	out []kern.InvariantViolation
}

// want reports whether a violation of name found now would be reported
// (kern keeps the first report of each invariant): the check builds the
// text of the others for nothing, and a broken invariant stays broken at
// every later release, where that text was most of the check's cost.
// Within one run, only the first violation of each name can be kept,
// for the same reason (a cycle in a list repeats one violation up to
// maxWalk times).
func (c *invCheck) want(name string) bool {
	for i := range c.out {
		if c.out[i].Name == name {
			return false
		}
	}
	return c.k.InvariantWanted(name)
}

func (c *invCheck) bad(name, msg, state string) {
	c.out = append(c.out, kern.InvariantViolation{Name: name, Msg: msg, State: state})
}

// CheckInvariants is the ifnet layer's kern.InvariantCheck. It returns
// the first violation of each invariant it finds, and none of those that
// k already reported (kern keeps only the first report of each).
func CheckInvariants(k *kern.Kernel, quiescent bool, cfg *InvariantConfig) []kern.InvariantViolation {
	c := invCheck{k: k}
	if cfg == nil {
		cfg = &InvariantConfig{}
	}
	if cfg.k != k {
		cfg.k = k
		cfg.g = ifnetOf(k)
		cfg.cs = clones(k.Thread0()) // made at boot, when the first cloner attached
	}
	g, cs := cfg.g, cfg.cs
	linkedTo := &cfg.linkedTo
	linkedTo.reset()
	cfg.vnets = vnet.AppendVnets(k, cfg.vnets[:0])
	var linked []string
	if quiescent && cfg.ClonerModule != nil {
		linked = kern.LinkerFiles(k)
	}
	for _, v := range cfg.vnets {
		c.ifnets(g, v, cfg)
		c.cloners(cs, v, cfg, linkedTo, quiescent)
		if linked != nil {
			c.clonerModules(cs, v, cfg, linked)
		}
	}
	clear(cfg.vnets) // hold no vnet past the check
	linkedTo.reset()
	cfg.names.reset()
	return c.out
}

// ifnets checks vnet v's V_ifnet.
func (c *invCheck) ifnets(g *ifnetGlobals, v *vnet.Vnet, cfg *InvariantConfig) {
	head := varGet(g.v_ifnet, v)
	if head == nil {
		return // a vnet whose slots are not yet (or no longer) there
	}
	names := &cfg.names
	names.reset()
	n := 0
	for ifp := head.first(); ifp != nil; ifp = ifp.if_link.stqe_next.Load() {
		if n++; n > maxWalk {
			if c.want(InvListCycle) {
				c.bad(InvListCycle, fmt.Sprintf("V_ifnet of vnet %p has more than %d elements: a cycle", v, maxWalk), "")
			}
			break
		}
		key := nameKey(&ifp.IfXname)
		if o := names.get(key); o != nil {
			if c.want(InvUniqueName) {
				c.bad(InvUniqueName, fmt.Sprintf("two interfaces named %s on V_ifnet of vnet %p (%p and %p)", kern.CString(ifp.IfXname[:]), v, o, ifp),
					describeIfnets(head))
			}
		}
		names.put(key, ifp)
		if ifp.IfVnet != v {
			if c.want(InvVnet) {
				c.bad(InvVnet, fmt.Sprintf("%s is on V_ifnet of vnet %p but its if_vnet is %p", kern.CString(ifp.IfXname[:]), v, ifp.IfVnet), describeIfnets(head))
			}
		}
		if rc := kern.RefcountLoad(&ifp.IfRefcount); rc == 0 || rc&refcountSaturated != 0 {
			if c.want(InvRefcount) {
				c.bad(InvRefcount, fmt.Sprintf("attached interface %s has if_refcount %#x", kern.CString(ifp.IfXname[:]), rc), describeIfnets(head))
			}
		}
	}
}

// cloners checks the cloners on vnet v's list and their ifc_iflists.
func (c *invCheck) cloners(cs *cloneState, v *vnet.Vnet, cfg *InvariantConfig, linkedTo *smallMap[*Ifnet, *IfClone], quiescent bool) {
	ch := varGet(cs.if_cloners, v)
	if ch == nil {
		return
	}
	nc := 0
	for ifc := ch.lh_first; ifc != nil; ifc = ifc.ifc_list.le_next {
		if nc++; nc > maxWalk {
			if c.want(InvListCycle) {
				c.bad(InvListCycle, fmt.Sprintf("the cloner list of vnet %p has more than %d elements: a cycle", v, maxWalk), "")
			}
			break
		}
		cname := ifc.ifc_name[:kern.Strlen(ifc.ifc_name[:])]
		if ifc.ifc_refcnt < 1 {
			if c.want(InvRefcount) {
				c.bad(InvRefcount, fmt.Sprintf("cloner %s is on the cloner list of vnet %p with ifc_refcnt %d", cname, v, ifc.ifc_refcnt), "")
			}
		}
		units := ifc.ifc_flags&IFC_F_AUTOUNIT != 0 || cfg.unitCloner(cname)
		// alloc: the units allocated in ifc_unrhdr, ascending (nil: not
		// a cloner whose units are checked).
		var alloc []int
		if units && ifc.ifc_unrhdr != nil {
			us, ok := ifc.ifc_unrhdr.AppendAllocated(cfg.units[:0])
			cfg.units = us
			alloc = us[:len(us):len(us)]
			if alloc == nil {
				alloc = []int{}
			}
			if !ok {
				if c.want(InvUnitAllocated) {
					var pb strings.Builder
					unrhdr.PrintUnrhdr(&pb, ifc.ifc_unrhdr)
					c.bad(InvUnitAllocated, fmt.Sprintf("cloner %s's ifc_unrhdr layout does not fit its range [%d, %d]", cname, ifc.ifc_unrhdr.Low(), ifc.ifc_unrhdr.High()), pb.String())
				}
			}
			if !sort.IntsAreSorted(alloc) { // a torn layout AppendAllocated did not see
				alloc = append([]int(nil), alloc...)
				sort.Ints(alloc)
			}
		}
		linkedUnits := cfg.linkedUnits[:0]
		ni := 0
		for ifp := IfnetListFirst(&ifc.ifc_iflist); ifp != nil; ifp = IfnetListNext(ifp) {
			if ni++; ni > maxWalk {
				if c.want(InvListCycle) {
					c.bad(InvListCycle, fmt.Sprintf("cloner %s's ifc_iflist has more than %d elements: a cycle", cname, maxWalk), "")
				}
				break
			}
			if o := linkedTo.get(ifp); o != nil {
				if c.want(InvOneCloner) {
					c.bad(InvOneCloner, fmt.Sprintf("%s (%p) is on the ifc_iflist of cloner %s and of cloner %s", kern.CString(ifp.IfXname[:]), ifp, kern.CString(o.ifc_name[:]), cname),
						describeCloner(ifc, alloc))
				}
			}
			linkedTo.put(ifp, ifc)
			if alloc != nil && ifp.IfDunit != IF_DUNIT_NONE {
				linkedUnits = append(linkedUnits, ifp.IfDunit)
				if !hasUnit(alloc, ifp.IfDunit) {
					if c.want(InvUnitAllocated) {
						c.bad(InvUnitAllocated, fmt.Sprintf("%s is on cloner %s's list with unit %d, which its ifc_unrhdr does not hold", kern.CString(ifp.IfXname[:]), cname, ifp.IfDunit),
							describeCloner(ifc, alloc))
					}
				}
			}
		}
		cfg.linkedUnits = linkedUnits
		if quiescent && alloc != nil {
			sort.Ints(linkedUnits)
			for _, u := range alloc {
				if !hasUnit(linkedUnits, u) {
					if c.want(InvUnitLinked) {
						c.bad(InvUnitLinked, fmt.Sprintf("cloner %s's ifc_unrhdr holds unit %d, but no interface on its list has it, and no operation is under way", cname, u),
							describeCloner(ifc, alloc))
					}
					break
				}
			}
		}
	}
}

// clonerModules checks InvClonerModule on vnet v: linked lists the
// module files on linker_files that are linked.
func (c *invCheck) clonerModules(cs *cloneState, v *vnet.Vnet, cfg *InvariantConfig, linked []string) {
	ch := varGet(cs.if_cloners, v)
	if ch == nil {
		return
	}
	nc := 0
	for ifc := ch.lh_first; ifc != nil && nc < maxWalk; ifc = ifc.ifc_list.le_next {
		nc++
		cname := kern.CString(ifc.ifc_name[:])
		file, ok := cfg.ClonerModule[cname]
		if !ok || slices.Contains(linked, file) {
			continue
		}
		c.bad(InvClonerModule, fmt.Sprintf("cloner %s is attached in vnet %p, but its module %s is not linked, and no operation is under way", cname, v, file), "")
	}
}

// nameKey is if_xname up to its NUL, zero-filled: the bytes a rename to a
// shorter name leaves after the NUL are not part of the name.
func nameKey(x *[IFNAMSIZ]byte) (k [IFNAMSIZ]byte) {
	for i, c := range x {
		if c == 0 {
			break
		}
		k[i] = c
	}
	return k
}

// varGet is vnet.Var.Get for an observer: a vnet without the variable's
// slot (under construction or destruction) gives nil instead of a panic.
func varGet[T any](v *vnet.Var[T], vn *vnet.Vnet) (p *T) {
	defer func() {
		if recover() != nil {
			p = nil
		}
	}()
	return v.Get(vn)
}

func describeIfnets(head *ifnethead) string {
	var b strings.Builder
	b.WriteString("  V_ifnet:")
	n := 0
	for ifp := head.first(); ifp != nil && n < 64; ifp = ifp.if_link.stqe_next.Load() {
		n++
		fmt.Fprintf(&b, " %s(%p, dunit %d, refs %d, flags %#x)", kern.CString(ifp.IfXname[:]), ifp, ifp.IfDunit, ifp.IfRefcount, ifp.IfFlags.Get())
	}
	b.WriteString("\n")
	return b.String()
}

func describeCloner(ifc *IfClone, alloc []int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  cloner %s: ifc_refcnt %d, ifc_flags %#x, ifc_iflist:", kern.CString(ifc.ifc_name[:]), ifc.ifc_refcnt, ifc.ifc_flags)
	n := 0
	for ifp := IfnetListFirst(&ifc.ifc_iflist); ifp != nil && n < 64; ifp = IfnetListNext(ifp) {
		n++
		fmt.Fprintf(&b, " %s(dunit %d)", kern.CString(ifp.IfXname[:]), ifp.IfDunit)
	}
	if alloc != nil {
		fmt.Fprintf(&b, "; units allocated: %v", alloc)
	}
	b.WriteString("\n")
	return b.String()
}
