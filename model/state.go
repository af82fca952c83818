// SPDX-License-Identifier: BSD-2-Clause

package model

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Groups is an interface's group membership, as far as cloning decides it.
type Groups uint8

const (
	// GroupAll is IFG_ALL ("all"), joined by if_attach_internal.
	GroupAll Groups = 1 << iota
	// GroupCloner is the group named after the interface's cloner, joined
	// at creation (ifc_link_ifp) and after a move only if the destination
	// vnet has a cloner of that name (if_clone_restoregroup).
	GroupCloner
)

// IfKey identifies an interface for its whole life: its home vnet, cloner,
// unit and, for epair, its end ('a' or 'b'). No two live interfaces share a
// key (units are unique per cloner — for tun, tap and vmnet per unit space —
// and the home vnet is where the cloner that owns the unit lives).
type IfKey struct {
	Home   VnetID
	Cloner Cloner
	Unit   int32
	End    byte
}

func (k IfKey) String() string {
	s := fmt.Sprintf("%s%d", k.Cloner, k.Unit)
	if k.End != 0 {
		s += string(k.End)
	}
	return fmt.Sprintf("%s@v%d", s, k.Home)
}

func keyLess(a, b IfKey) bool {
	if a.Home != b.Home {
		return a.Home < b.Home
	}
	if a.Cloner != b.Cloner {
		return a.Cloner < b.Cloner
	}
	if a.Unit != b.Unit {
		return a.Unit < b.Unit
	}
	return a.End < b.End
}

// Iface is one interface of the specification's state.
type Iface struct {
	Key  IfKey
	Name string // if_xname; changed by Rename
	Vnet VnetID // the vnet it is attached to now (if_vnet)
	// Rank orders interfaces of the same name in the same vnet by the time
	// they joined the vnet's interface list: ifunit finds Rank 0. Names are
	// unique unless a tun/tap/vmnet wildcard create or a reclaim or a
	// jail's teardown produced a duplicate (neither checks).
	Rank   uint8
	Groups Groups
	// Vlan only: the parent (trunk) and tag, while configured. A vlan loses
	// its parent when the parent is destroyed or leaves its vnet.
	HasParent bool
	Parent    IfKey
	Vid       uint16
}

// Vnet is one vnet of the specification's state. Dead vnets stay in the
// state (their ids are never reused).
type Vnet struct {
	ID     VnetID
	Parent VnetID // the parent jail's vnet; vnet0 is its own parent
	Alive  bool
	// Dying marks a live vnet whose jail a jail_remove has killed but
	// whose teardown has not run yet (kern_jail.c: the prison stays on
	// allprison, dying, until its last reference goes). Its own callers
	// get EBUSY; prison_find_child still finds it, so loans into it,
	// reclaims from it and a second removal (answered 0) go on.
	Dying bool
	// Cloners is the vnet's V_if_cloners list, head first: the most
	// recently attached cloner first, as ListCloners reports them.
	Cloners []Cloner
}

func (v *Vnet) has(c Cloner) bool {
	for _, x := range v.Cloners {
		if x == c {
			return true
		}
	}
	return false
}

// State is a state of the specification. It is immutable: Step and Apply
// return new states and never modify their argument. The zero State is not
// meaningful; get one from Spec.Init.
type State struct {
	vnets  []Vnet  // sorted by ID
	ifaces []Iface // sorted by Key
	hash   uint64
	// modsXor is the set of drivers whose module is loaded, as its
	// difference from the boot set (zero: the boot set; see module.go).
	modsXor DriverSet
	// ctor is the order of the loaded drivers' vnet constructors
	// (vnet.c's vnet_constructors) when it is not the boot order
	// restricted to them (nil): a module loaded again is inserted after
	// every constructor of its (subsystem, order) or a lower one.
	ctor []Driver
}

// clone returns a copy that may be modified. Vnet cloner lists are shared
// and must be replaced, not modified in place.
func (s *State) clone() *State {
	n := &State{
		vnets:   make([]Vnet, len(s.vnets)),
		ifaces:  make([]Iface, len(s.ifaces), len(s.ifaces)+2),
		modsXor: s.modsXor,
		ctor:    s.ctor,
	}
	copy(n.vnets, s.vnets)
	copy(n.ifaces, s.ifaces)
	return n
}

// Vnets returns a copy of the vnets, dead ones included.
func (s *State) Vnets() []Vnet {
	out := make([]Vnet, len(s.vnets))
	for i, v := range s.vnets {
		out[i] = v
		out[i].Cloners = append([]Cloner(nil), v.Cloners...)
	}
	return out
}

// Interfaces returns a copy of the live interfaces, sorted by key.
func (s *State) Interfaces() []Iface { return append([]Iface(nil), s.ifaces...) }

// Alive reports whether vnet v exists and has not been destroyed.
func (s *State) Alive(v VnetID) bool {
	x := s.vnet(v)
	return x != nil && x.Alive
}

// Lookup returns the interface ifunit(name) finds in vnet v.
func (s *State) Lookup(v VnetID, name string) (Iface, bool) {
	if i := s.lookup(v, name); i >= 0 {
		return s.ifaces[i], true
	}
	return Iface{}, false
}

// Names returns the names of the interfaces attached to vnet v, sorted.
func (s *State) Names(v VnetID) []string {
	var out []string
	for i := range s.ifaces {
		if s.ifaces[i].Vnet == v {
			out = append(out, s.ifaces[i].Name)
		}
	}
	sort.Strings(out)
	return out
}

// Units returns the units held in cloner c's unit space as seen from vnet
// v, ascending. For tun, tap and vmnet the space is global.
func (s *State) Units(cfg Config, v VnetID, c Cloner) []int {
	var out []int
	for i := range s.ifaces {
		k := s.ifaces[i].Key
		if k.End == 'b' || k.Unit < 0 || !sameSpace(cfg, v, c, k) {
			continue // k.Unit < 0: a "<parent>.<vid>" vlan holds no unit
		}
		out = append(out, int(k.Unit))
	}
	sort.Ints(out)
	return out
}

func sameSpace(cfg Config, v VnetID, c Cloner, k IfKey) bool {
	if isTuntap(c) {
		if cfg.Tuntap == TuntapUnitsShared {
			return isTuntap(k.Cloner)
		}
		return k.Cloner == c
	}
	return k.Cloner == c && k.Home == v
}

func isTuntap(c Cloner) bool { return c == Tun || c == Tap || c == Vmnet }

func (s *State) vnet(id VnetID) *Vnet {
	i := sort.Search(len(s.vnets), func(i int) bool { return s.vnets[i].ID >= id })
	if i < len(s.vnets) && s.vnets[i].ID == id {
		return &s.vnets[i]
	}
	return nil
}

// usable reports whether vnet v can make a call: alive and not dying.
func (s *State) usable(v VnetID) bool {
	x := s.vnet(v)
	return x != nil && x.Alive && !x.Dying
}

// Dying reports whether vnet v is alive and its jail is being removed.
func (s *State) Dying(v VnetID) bool {
	x := s.vnet(v)
	return x != nil && x.Alive && x.Dying
}

// descendant reports whether d is a live (possibly dying) strict
// descendant of a: what prison_find_child finds.
func (s *State) descendant(d, a VnetID) bool {
	x := s.vnet(d)
	if x == nil || !x.Alive || d == a {
		return false
	}
	for x.ID != VNET0 {
		if x.Parent == a {
			return true
		}
		x = s.vnet(x.Parent)
		if x == nil {
			return false
		}
	}
	return false
}

// lookup is ifunit: the index of the interface of vnet v named name that
// joined the vnet's list first, or -1.
func (s *State) lookup(v VnetID, name string) int {
	for i := range s.ifaces {
		f := &s.ifaces[i]
		if f.Vnet == v && f.Rank == 0 && f.Name == name {
			return i
		}
	}
	return -1
}

func (s *State) index(k IfKey) int {
	i := sort.Search(len(s.ifaces), func(i int) bool { return !keyLess(s.ifaces[i].Key, k) })
	if i < len(s.ifaces) && s.ifaces[i].Key == k {
		return i
	}
	return -1
}

// namesakes counts the interfaces of vnet v named name.
func (s *State) namesakes(v VnetID, name string) int {
	n := 0
	for i := range s.ifaces {
		if s.ifaces[i].Vnet == v && s.ifaces[i].Name == name {
			n++
		}
	}
	return n
}

// unlinkName takes interface i out of its vnet's name order: namesakes
// behind it move up.
func (s *State) unlinkName(i int) {
	f := s.ifaces[i]
	for j := range s.ifaces {
		g := &s.ifaces[j]
		if j != i && g.Vnet == f.Vnet && g.Name == f.Name && g.Rank > f.Rank {
			g.Rank--
		}
	}
}

// insert adds f (whose Rank is computed here: behind its namesakes).
func (s *State) insert(f Iface) {
	f.Rank = uint8(s.namesakes(f.Vnet, f.Name))
	i := sort.Search(len(s.ifaces), func(i int) bool { return !keyLess(s.ifaces[i].Key, f.Key) })
	s.ifaces = append(s.ifaces, Iface{})
	copy(s.ifaces[i+1:], s.ifaces[i:])
	s.ifaces[i] = f
}

// remove destroys the interfaces with the given keys: each leaves its
// vnet's name order, and vlans configured on any of them lose their parent
// (vlan_ifdetach on the parent's departure).
func (s *State) remove(keys ...IfKey) {
	for _, k := range keys {
		i := s.index(k)
		if i < 0 {
			continue
		}
		s.unlinkName(i)
		s.ifaces = append(s.ifaces[:i], s.ifaces[i+1:]...)
		s.orphan(k)
	}
}

// orphan unconfigures the vlans whose parent is k.
func (s *State) orphan(k IfKey) {
	for j := range s.ifaces {
		g := &s.ifaces[j]
		if g.HasParent && g.Parent == k {
			g.HasParent, g.Parent, g.Vid = false, IfKey{}, 0
		}
	}
}

// move is if_vmove of interface i to vnet dst: it leaves its old vnet's
// list, joins the tail of dst's, its vlans lose it as a parent, and its
// groups are rebuilt (IFG_ALL, plus its cloner's group if dst has a cloner
// of that name).
func (s *State) move(i int, dst VnetID) {
	s.unlinkName(i)
	f := &s.ifaces[i]
	s.orphan(f.Key)
	f.Vnet = dst
	f.Rank = 0
	f.Rank = uint8(s.namesakes(dst, f.Name) - 1)
	f.Groups = GroupAll
	if v := s.vnet(dst); v != nil && v.has(f.Key.Cloner) {
		f.Groups |= GroupCloner
	}
}

func (s *State) isParent(k IfKey) bool {
	for i := range s.ifaces {
		if s.ifaces[i].HasParent && s.ifaces[i].Parent == k {
			return true
		}
	}
	return false
}

// rehash computes the state's hash; it must be called once a new state is
// complete.
func (s *State) rehash() *State {
	h := uint64(14695981039346656037)
	mix := func(x uint64) {
		h ^= x
		h *= 1099511628211
	}
	str := func(x string) {
		for i := 0; i < len(x); i++ {
			mix(uint64(x[i]))
		}
		mix(0xff)
	}
	for i := range s.vnets {
		v := &s.vnets[i]
		mix(uint64(v.ID)<<2 | b2u(v.Dying)<<1 | b2u(v.Alive))
		mix(uint64(v.Parent))
		for _, c := range v.Cloners {
			mix(uint64(c))
		}
		mix(0xfe)
	}
	for i := range s.ifaces {
		f := &s.ifaces[i]
		mix(uint64(f.Key.Home)<<32 | uint64(f.Key.Cloner)<<24 | uint64(f.Key.End)<<16)
		mix(uint64(f.Key.Unit))
		str(f.Name)
		mix(uint64(f.Vnet)<<16 | uint64(f.Rank)<<8 | uint64(f.Groups))
		if f.HasParent {
			mix(uint64(f.Parent.Home)<<32 | uint64(f.Parent.Cloner)<<24 | uint64(f.Parent.End)<<16 | uint64(f.Vid))
			mix(uint64(f.Parent.Unit))
		}
	}
	mix(uint64(s.modsXor))
	for _, d := range s.ctor {
		mix(uint64(d) + 1)
	}
	s.hash = h
	return s
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// Hash returns a hash of the state: equal states have equal hashes.
func (s *State) Hash() uint64 { return s.hash }

// Equal reports whether two states are the same.
func (s *State) Equal(o *State) bool {
	if s == o {
		return true
	}
	if s.hash != o.hash || s.modsXor != o.modsXor || len(s.vnets) != len(o.vnets) || len(s.ifaces) != len(o.ifaces) || !slices.Equal(s.ctor, o.ctor) {
		return false
	}
	for i := range s.vnets {
		a, b := &s.vnets[i], &o.vnets[i]
		if a.ID != b.ID || a.Parent != b.Parent || a.Alive != b.Alive || a.Dying != b.Dying || len(a.Cloners) != len(b.Cloners) {
			return false
		}
		for j := range a.Cloners {
			if a.Cloners[j] != b.Cloners[j] {
				return false
			}
		}
	}
	for i := range s.ifaces {
		if s.ifaces[i] != o.ifaces[i] {
			return false
		}
	}
	return true
}

// String renders the state compactly: per live vnet its cloners and its
// interfaces, e.g. "v0[vlan,epair,lo]{epair0a epair0b lo0}".
func (s *State) String() string {
	var b strings.Builder
	for i := range s.vnets {
		v := &s.vnets[i]
		if !v.Alive {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "v%d[", v.ID)
		if v.Dying {
			b.WriteString("dying:")
		}
		for j, c := range v.Cloners {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(c.String())
		}
		b.WriteString("]{")
		first := true
		for j := range s.ifaces {
			f := &s.ifaces[j]
			if f.Vnet != v.ID {
				continue
			}
			if !first {
				b.WriteByte(' ')
			}
			first = false
			b.WriteString(f.Name)
			if f.Rank > 0 {
				fmt.Fprintf(&b, "#%d", f.Rank)
			}
			if f.Key.Home != v.ID || f.Name != defaultName(f.Key) {
				fmt.Fprintf(&b, "(%s)", f.Key)
			}
			if f.HasParent {
				fmt.Fprintf(&b, "<%s.%d>", f.Parent, f.Vid)
			}
		}
		b.WriteByte('}')
	}
	return b.String()
}

func defaultName(k IfKey) string {
	s := fmt.Sprintf("%s%d", k.Cloner, k.Unit)
	if k.End != 0 {
		s += string(k.End)
	}
	return s
}
