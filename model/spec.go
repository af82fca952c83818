// SPDX-License-Identifier: BSD-2-Clause

package model

import (
	"slices"
	"sort"
	"sync"
)

// Spec is the sequential specification with one configuration. It holds no
// mutable state (its initial state is made once, on first use); its
// methods may be called from many goroutines.
type Spec struct {
	cfg Config

	initOnce sync.Once
	init     *State // the initial state, made once (states are never changed once made)
}

// New returns the specification for cfg.
func New(cfg Config) *Spec {
	cfg.BootOrder = append([]Driver(nil), cfg.bootOrder()...)
	return &Spec{cfg: cfg}
}

// Config returns the configuration.
func (sp *Spec) Config() Config { return sp.cfg }

// Mode returns the configuration's mode.
func (sp *Spec) Mode() Mode { return sp.cfg.Mode }

// Init returns the boot state: vnet0 with the boot drivers attached (and
// so lo0, if lo is one of them).
func (sp *Spec) Init() *State {
	sp.initOnce.Do(func() {
		s := &State{vnets: []Vnet{{ID: VNET0, Parent: VNET0, Alive: true}}}
		sp.attachDrivers(s, VNET0, sp.cfg.boot())
		sp.init = s.rehash()
	})
	return sp.init
}

// outcome is one way an operation can complete: its output and how to
// build the state after it (nil: unchanged), which is deferred until the
// output is known to match. never marks an operation that cannot complete
// at all in this state (the code loops forever).
type outcome struct {
	out   Output
	apply func() *State
	never bool
}

func fail(e Errno) outcome { return outcome{out: Output{Err: e}} }

// Apply runs in on s as the code would run it alone (the Strict choice in
// either mode) and returns its output and the next state. An operation
// that cannot complete in s (a forced detach blocked by a vlan stacked on
// one of its vlans, which the code retries forever) returns UnknownOutput
// and s.
func (sp *Spec) Apply(s *State, in Input) (Output, *State) {
	oc := sp.strict(s, in)
	if oc.never {
		return UnknownOutput, s
	}
	return oc.out, nextOf(s, oc)
}

// StepAll returns every state the system can be in after in returned out
// from state s, deduplicated; none if out is impossible. An Unknown output
// admits s itself (the operation did not take effect) and the state after
// each way the operation could have completed. In Relaxed mode a jail
// removal may leave the jail dying, and any dying jail may be torn down
// before in (see State.reaps). It never modifies s.
func (sp *Spec) StepAll(s *State, in Input, out Output) []*State {
	if !s.anyDying() {
		return sp.stepFrom(nil, s, in, out)
	}
	var res []*State
	for _, p := range s.reaps() {
		res = sp.stepFrom(res, p, in, out)
	}
	return res
}

// stepFrom appends to res the states in can leave from s having
// returned out.
func (sp *Spec) stepFrom(res []*State, s *State, in Input, out Output) []*State {
	if out.Unknown {
		res = appendUnique(res, s)
		for _, oc := range sp.outcomes(s, in, nil) {
			if !oc.never {
				res = appendUnique(res, nextOf(s, oc))
			}
		}
		return res
	}
	for _, oc := range sp.outcomes(s, in, &out) {
		if !oc.never {
			res = appendUnique(res, nextOf(s, oc))
		}
	}
	return res
}

// Step is StepAll for outputs that determine the next state, which is
// always so in Strict mode for observed outputs: it reports whether out is
// possible and returns the next state. It panics if out leaves more than
// one state possible (Relaxed mode or an Unknown output): use StepAll then.
func (sp *Spec) Step(s *State, in Input, out Output) (bool, *State) {
	r := sp.StepAll(s, in, out)
	switch len(r) {
	case 0:
		return false, s
	case 1:
		return true, r[0]
	}
	panic("model: Step with a nondeterministic outcome; use StepAll")
}

// changed is a successful outcome whose next state is s changed by f
// (applied to a copy, only when the outcome is taken).
func changed(s *State, f func(n *State)) outcome {
	return outcome{apply: func() *State {
		n := s.clone()
		f(n)
		return n.rehash()
	}}
}

func nextOf(s *State, oc outcome) *State {
	if oc.apply == nil {
		return s
	}
	return oc.apply()
}

func appendUnique(l []*State, x *State) []*State {
	for _, y := range l {
		if y.Equal(x) {
			return l
		}
	}
	return append(l, x)
}

// outcomes lists the ways in can complete from s; with want non-nil only
// those whose output is *want (under the mode's relaxations).
func (sp *Spec) outcomes(s *State, in Input, want *Output) []outcome {
	if c, ok := in.(Create); ok && s.usable(c.Vnet) {
		return sp.create(s, c, want)
	}
	exp := sp.strict(s, in)
	if d, ok := in.(VnetDestroy); ok && sp.cfg.Mode == Relaxed && exp.out.Err == 0 && !exp.never && (want == nil || want.Equal(exp.out)) && s.usable(d.Vnet) && !s.Dying(d.Jail) {
		// The removal may also return with the jail only killed: its
		// teardown runs later (reap).
		return []outcome{exp, {out: exp.out, apply: func() *State {
			n := s.clone()
			n.doom(d.Jail)
			return n.rehash()
		}}}
	}
	if want == nil || exp.never {
		return []outcome{exp}
	}
	if want.Equal(exp.out) {
		return []outcome{exp}
	}
	if sp.cfg.Mode == Relaxed && sp.relaxedMatch(in, exp.out, *want) {
		if _, ok := in.(KldUnload); ok {
			// The ENOENT of a kldunload that lost the file to another
			// unload in flight changes nothing (see relaxedMatch).
			return []outcome{{out: *want}}
		}
		return []outcome{{out: *want, apply: exp.apply}}
	}
	return nil
}

// relaxedMatch states the Relaxed mode's tolerances for operations other
// than Create (whose tolerance is its unit choice).
func (sp *Spec) relaxedMatch(in Input, exp, got Output) bool {
	switch in.(type) {
	case ListCloners:
		// if_clone_list sizes its buffer under one hold of if_cloners_mtx
		// and fills it under another: a cloner attached in between is
		// counted in the total but may push the list past the buffer.
		if got.Err != exp.Err || got.Total != exp.Total || len(got.Names) > len(exp.Names) {
			return false
		}
		for i := range got.Names {
			if got.Names[i] != exp.Names[i] {
				return false
			}
		}
		return true
	case VmoveLoan:
		// if_vmove_loan finds the interface, then unlinks it; if it went
		// away in between the unlink fails with ENODEV.
		return exp.Err == ENXIO && got.Err == ENODEV
	case KldUnload:
		// kern_kldunload looks the file up with linker_find_file_by_id,
		// which skips a file without LINKER_FILE_LINKED (kern_linker.c).
		// linker_file_unload clears that flag after MOD_UNLOAD and only
		// then runs the file's SYSUNINITs with kld_sx dropped, the
		// if_clone_detach of every vnet among them; a kldload sets it
		// only after its SYSINITs. A second kldunload in either window
		// finds the file by name (kldfind) but not by id: ENOENT, with
		// the cloners still attached. The unload that is running
		// linearizes later; the loser changes nothing.
		return exp.Err == 0 && got.Err == ENOENT
	}
	return false
}

// strict is the outcome of in when it runs alone.
func (sp *Spec) strict(s *State, in Input) outcome {
	if !s.usable(in.Caller()) {
		// ifioctl refuses with EBUSY while the caller's vnet shuts down;
		// the specification extends that to vnets that are gone and to
		// jails being removed (no new socket there).
		return fail(EBUSY)
	}
	switch in := in.(type) {
	case Create:
		ocs := sp.create(s, in, nil)
		return ocs[0]
	case Destroy:
		return sp.destroy(s, in)
	case ListCloners:
		return sp.listCloners(s, in)
	case Rename:
		return sp.rename(s, in)
	case VmoveLoan:
		return sp.vmoveLoan(s, in)
	case VmoveReclaim:
		return sp.vmoveReclaim(s, in)
	case AttachCloner:
		return sp.attachCloner(s, in)
	case DetachCloner:
		return sp.detachCloner(s, in)
	case VnetCreate:
		return sp.vnetCreate(s, in)
	case VnetDestroy:
		return sp.vnetDestroy(s, in)
	case KldLoad:
		return sp.kldload(s, in)
	case KldUnload:
		return sp.kldunload(s, in)
	}
	panic("model: unknown input type")
}

// destroy is if_clone_destroy (if_clone.c:338) with the drivers' destroy
// methods.
func (sp *Spec) destroy(s *State, in Destroy) outcome {
	i := s.lookup(in.Vnet, truncName(in.Name))
	if i < 0 {
		return fail(ENXIO)
	}
	f := s.ifaces[i]
	// The cloner is looked up by if_dname in the interface's home vnet.
	if home := s.vnet(f.Key.Home); home == nil || !home.Alive || !home.has(f.Key.Cloner) {
		return fail(EINVAL)
	}
	switch f.Key.Cloner {
	case Lo:
		// lo's minimum of one interface: unit 0 goes only with IFC_F_FORCE.
		if f.Key.Unit == 0 {
			return fail(EINVAL)
		}
	case Vlan:
		// A vlan that is itself a trunk (802.1ad stacking) refuses.
		if s.isParent(f.Key) {
			return fail(EBUSY)
		}
	}
	keys := []IfKey{f.Key}
	if f.Key.Cloner == Epair {
		// Destroying either end destroys both; the unit goes once.
		other := f.Key
		other.End = 'a' + 'b' - f.Key.End
		keys = append(keys, other)
	}
	return changed(s, func(n *State) { n.remove(keys...) })
}

// listCloners is if_clone_list (if_clone.c:600).
func (sp *Spec) listCloners(s *State, in ListCloners) outcome {
	if in.Count < 0 {
		return fail(EINVAL)
	}
	v := s.vnet(in.Vnet)
	out := Output{Total: len(v.Cloners)}
	if !in.NoBuffer {
		k := len(v.Cloners)
		if in.Count < k {
			k = in.Count
		}
		out.Names = make([]string, k)
		for i := 0; i < k; i++ {
			out.Names[i] = v.Cloners[i].String()
		}
	}
	return outcome{out: out}
}

// rename is SIOCSIFNAME: ifunit_ref, copyinstr of the new name, if_rename.
func (sp *Spec) rename(s *State, in Rename) outcome {
	i := s.lookup(in.Vnet, truncName(in.Name))
	if i < 0 {
		return fail(ENXIO)
	}
	nm, err := renameTarget(in.NewName)
	if err != 0 {
		return fail(err)
	}
	// if_rename (if.c:3137): an empty name is EINVAL, the interface's own
	// name is a no-op, another interface's is EEXIST.
	if nm == "" {
		return fail(EINVAL)
	}
	if nm == s.ifaces[i].Name {
		return outcome{}
	}
	if s.lookup(in.Vnet, nm) >= 0 {
		return fail(EEXIST)
	}
	return changed(s, func(n *State) {
		n.unlinkName(i)
		n.ifaces[i].Name = nm
		n.ifaces[i].Rank = uint8(n.namesakes(in.Vnet, nm) - 1)
	})
}

// vmoveLoan is SIOCSIFVNET: ifunit_ref in the caller's vnet, then
// if_vmove_loan.
func (sp *Spec) vmoveLoan(s *State, in VmoveLoan) outcome {
	name := truncName(in.Name)
	i := s.lookup(in.Vnet, name)
	if i < 0 {
		return fail(ENXIO)
	}
	// prison_find_child: a descendant of the caller's jail. The C also
	// finds one being removed; a move that does is linearized before the
	// removal, which returns the interface home (vnet_if_return).
	if !s.descendant(in.Jail, in.Vnet) {
		return fail(ENXIO)
	}
	if s.lookup(in.Jail, name) >= 0 {
		return fail(EEXIST)
	}
	return changed(s, func(n *State) { n.move(i, in.Jail) })
}

// vmoveReclaim is SIOCSIFRVNET: if_vmove_reclaim. It does not check the
// name in the destination: a reclaim can make two interfaces of the same
// name.
func (sp *Spec) vmoveReclaim(s *State, in VmoveReclaim) outcome {
	if !s.descendant(in.Jail, in.Vnet) {
		return fail(ENXIO)
	}
	i := s.lookup(in.Jail, truncName(in.Name))
	if i < 0 {
		return fail(ENXIO)
	}
	return changed(s, func(n *State) { n.move(i, in.Vnet) })
}

func (sp *Spec) attachCloner(s *State, in AttachCloner) outcome {
	if in.Driver == NoDriver || in.Driver >= numDrivers {
		return fail(EINVAL)
	}
	v := s.vnet(in.Vnet)
	for _, c := range in.Driver.Cloners() {
		if v.has(c) {
			// if_clone_attach refuses a second cloner of the same name.
			return fail(EEXIST)
		}
	}
	return changed(s, func(n *State) { sp.attachDrivers(n, in.Vnet, Drivers(in.Driver)) })
}

// attachDrivers runs the per-vnet initialisation of the drivers in set, in
// the order of n's vnet constructors, in vnet v of n (which is modified).
func (sp *Spec) attachDrivers(n *State, v VnetID, set DriverSet) {
	order := sp.ctorOrder(n)
	for _, d := range sp.cfg.bootOrder() {
		// A driver that is not loaded (a VnetCreate or AttachCloner
		// naming it anyway) keeps its boot-order place after them.
		if !slices.Contains(order, d) {
			order = append(order[:len(order):len(order)], d)
		}
	}
	for _, d := range order {
		if !set.Has(d) {
			continue
		}
		vn := n.vnet(v)
		for _, c := range d.Cloners() {
			if vn.has(c) {
				continue
			}
			vn.Cloners = append([]Cloner{c}, vn.Cloners...)
		}
		if d == DriverLo && n.lookup(v, "lo0") < 0 {
			// if_clone_simple(.., minifs 1) creates lo0. If a renamed
			// interface already holds the name, the create fails and only
			// a KASSERT (INVARIANTS) notices: the specification follows a
			// kernel without INVARIANTS and leaves the vnet without lo0.
			n.insert(Iface{Key: IfKey{Home: v, Cloner: Lo, Unit: 0}, Name: "lo0", Vnet: v, Groups: GroupAll | GroupCloner})
		}
	}
}

func (sp *Spec) detachCloner(s *State, in DetachCloner) outcome {
	if in.Driver == NoDriver || in.Driver >= numDrivers {
		return fail(EINVAL)
	}
	v := s.vnet(in.Vnet)
	attached := false
	for _, c := range in.Driver.Cloners() {
		attached = attached || v.has(c)
	}
	if !attached {
		return fail(ENOENT)
	}
	n := s.clone()
	if !n.detach(in.Vnet, func(c Cloner) bool { return DriverOf(c) == in.Driver }) {
		return outcome{never: true}
	}
	n.rehash()
	return outcome{apply: func() *State { return n }}
}

// detach is if_clone_detach of vnet v's cloners that sel selects: each
// interface of theirs, wherever it is, is destroyed with IFC_F_FORCE (lo0
// included). It reports false if that cannot finish: a vlan among them
// that is the parent of a vlan that is not among them refuses even a forced
// destroy, and if_clone_detach retries it forever.
func (n *State) detach(v VnetID, sel func(Cloner) bool) bool {
	doomed := make(map[IfKey]bool)
	var keys []IfKey
	for i := range n.ifaces {
		k := n.ifaces[i].Key
		if k.Home == v && sel(k.Cloner) {
			doomed[k] = true
			keys = append(keys, k)
		}
	}
	for i := range n.ifaces {
		f := &n.ifaces[i]
		if f.HasParent && f.Parent.Cloner == Vlan && doomed[f.Parent] && !doomed[f.Key] {
			return false
		}
	}
	n.remove(keys...)
	vn := n.vnet(v)
	var keep []Cloner
	for _, c := range vn.Cloners {
		if !sel(c) {
			keep = append(keep, c)
		}
	}
	vn.Cloners = keep
	return true
}

func (sp *Spec) vnetCreate(s *State, in VnetCreate) outcome {
	if in.Child <= VNET0 {
		return fail(EINVAL)
	}
	if s.vnet(in.Child) != nil {
		return fail(EEXIST)
	}
	n := s.clone()
	n.vnets = append(n.vnets, Vnet{ID: in.Child, Parent: in.Vnet, Alive: true})
	sort.Slice(n.vnets, func(i, j int) bool { return n.vnets[i].ID < n.vnets[j].ID })
	set := in.Drivers
	if set == 0 {
		set = sp.Loaded(s) // the modules loaded now (module.go)
	}
	sp.attachDrivers(n, in.Child, set)
	n.rehash()
	return outcome{apply: func() *State { return n }}
}

func (sp *Spec) vnetDestroy(s *State, in VnetDestroy) outcome {
	if in.Jail == VNET0 {
		return fail(EPERM)
	}
	if !s.descendant(in.Jail, in.Vnet) {
		return fail(EINVAL)
	}
	if s.Dying(in.Jail) {
		// sys_jail_remove: a prison already dying is left alone, and
		// the call answers 0.
		return outcome{}
	}
	n := s.clone()
	if !n.teardown(in.Jail) {
		return outcome{never: true}
	}
	n.rehash()
	return outcome{apply: func() *State { return n }}
}

// doom kills jail j and its live descendants (prison_deref with
// PD_KILL): each becomes dying, to be torn down by a later reap.
func (n *State) doom(j VnetID) {
	for i := range n.vnets {
		if v := &n.vnets[i]; v.Alive && v.ID != j && v.Parent == j {
			n.doom(v.ID)
		}
	}
	if v := n.vnet(j); v != nil && v.Alive {
		v.Dying = true
	}
}

// anyDying reports whether a jail of s is dying.
func (s *State) anyDying() bool {
	for i := range s.vnets {
		if s.vnets[i].Dying {
			return true
		}
	}
	return false
}

// reaps returns s and every state that tearing down some of s's dying
// jails (each with its live children first) leads to: the teardowns of
// killed jails, which run when their last reference goes, at no
// operation's call. s alone when no jail is dying.
func (s *State) reaps() []*State {
	states := []*State{s}
	for i := 0; i < len(states); i++ {
		for _, v := range states[i].vnets {
			if !v.Alive || !v.Dying {
				continue
			}
			n := states[i].clone()
			if !n.teardown(v.ID) {
				continue
			}
			states = appendUnique(states, n.rehash())
		}
	}
	return states
}

// teardown destroys vnet j of n after its live children (in ascending id
// order, each recursively).
func (n *State) teardown(j VnetID) bool {
	var children []VnetID
	for i := range n.vnets {
		if v := &n.vnets[i]; v.Alive && v.Parent == j && v.ID != j {
			children = append(children, v.ID)
		}
	}
	for _, c := range children {
		if !n.teardown(c) {
			return false
		}
	}
	// vnet_if_return: interfaces whose home is elsewhere go home, in the
	// order of the vnet's interface list (only the order among namesakes
	// is kept by the state, and only it matters).
	type ret struct {
		key  IfKey
		rank uint8
	}
	var rets []ret
	for i := range n.ifaces {
		if f := &n.ifaces[i]; f.Vnet == j && f.Key.Home != j {
			rets = append(rets, ret{f.Key, f.Rank})
		}
	}
	sort.SliceStable(rets, func(a, b int) bool { return rets[a].rank < rets[b].rank })
	for _, r := range rets {
		i := n.index(r.key)
		if home := n.vnet(r.key.Home); home != nil && home.Alive {
			n.move(i, r.key.Home)
		} else {
			n.remove(r.key)
		}
	}
	// The cloners' SYSUNINITs: every interface of j's cloners goes.
	if !n.detach(j, func(Cloner) bool { return true }) {
		return false
	}
	v := n.vnet(j)
	v.Alive = false
	v.Dying = false
	v.Cloners = nil
	return true
}
