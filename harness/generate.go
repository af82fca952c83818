// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"kcheck/model"
)

// names is the small domain random scenarios draw interface names from,
// per driver family, so that operations collide: wildcards next to the
// names they hand out first (disc -> disc0, epair -> epair0a/epair0b),
// explicit units, the forms each driver's match function accepts
// (epairN, epairNa/b; tun/tap/vmnet; vlanN and <parent>.<vid>).
var names = map[string][]string{
	"lo":     {"lo", "lo0", "lo1", "lo2", "lo3"},
	"disc":   {"disc", "disc0", "disc1", "disc5"},
	"epair":  {"epair", "epair0", "epair1", "epair0a", "epair0b", "epair1a", "epair1b"},
	"tuntap": {"tun", "tun0", "tun1", "tap", "tap0", "vmnet", "vmnet0"},
	"vlan":   {"vlan", "vlan0", "vlan1", "epair0a.1", "epair0b.2", "epair0a.100", "lo0.3", "disc0.3"},
}

// vlanTags are the VIDs random vlans ask for, by SIOCIFCREATE2 parameters
// and in "<parent>.<vid>" names alike: a small shared domain, so that two
// vlans meet on one parent and tag (vlan_config answers EEXIST for the
// second), the collision that makes a vlan configured where it should not
// be visible in a history.
var vlanTags = []uint16{1, 2, 3}

// malformed lists, per family, names a driver's match or parse must
// refuse or cut as the C does: trailing letters after the unit, leading
// zeroes, units past IF_MAXUNIT or an int, and names at and past IFNAMSIZ
// (15 bytes and a NUL; longer ones are cut by the ioctl's strlcpy). Names
// with a NUL byte are not drawn: a scenario file cannot carry one
// (Scenario.Validate), and what reaches the kernel is the C string before
// it; FuzzPortMatchesModel covers them.
var malformed = map[string][]string{
	"lo":     {"lofoo", "lo01", "lo99999999999", "lo123456789012", "lo1234567890123"},
	"disc":   {"disc0x", "disc32768", "disc12345678901", "disc123456789012"},
	"epair":  {"epair0c", "epair00a", "epair2147483648", "epair123456789a"},
	"tuntap": {"tun0a", "tun16777216", "tap01", "tun4294967296"},
	"vlan":   {"vlan1q", "vlan7777777777", "epair0a.", "epair0a.70000", "lo0.4096"},
}

// made lists, per family, the names a wildcard create of the family is
// likely to produce: renames onto them race the create's choice, renames
// off them race the create that just made them.
var made = map[string][]string{
	"lo":     {"lo1", "lo2"},
	"disc":   {"disc0", "disc1"},
	"epair":  {"epair0a", "epair0b", "epair1a"},
	"tuntap": {"tun0", "tap0", "vmnet0"},
	"vlan":   {"vlan0", "vlan1"},
}

// driverOfFamily is the module a family's cloners belong to: a family is
// named after its driver (model.DriverNames).
var driverOfFamily = func() map[string]string {
	m := map[string]string{}
	for _, d := range model.DriverNames() {
		m[d] = d
	}
	return m
}()

// Families lists the driver families a random scenario can use: every
// driver of the model's table.
var Families = model.DriverNames()

// OpKinds lists every operation kind a random scenario can draw, in the
// order of DefaultWeights.
var OpKinds = []string{"create", "destroy", "rename", "list_cloners", "vmove_loan", "vmove_reclaim",
	"vnet_create", "vnet_destroy", "kldload", "kldunload"}

// DefaultWeights is how often each operation kind is drawn (relative).
var DefaultWeights = map[string]int{
	"create": 30, "destroy": 20, "rename": 9, "list_cloners": 5, "vmove_loan": 6, "vmove_reclaim": 5,
	"vnet_create": 5, "vnet_destroy": 5, "kldload": 6, "kldunload": 8,
}

// GenConfig shapes random scenarios.
type GenConfig struct {
	Threads  int      // 2..8
	Ops      int      // per thread
	Families []string // driver families (default all)
	// Kinds narrows the operation kinds drawn (default: all of OpKinds).
	Kinds []string `json:",omitempty"`
	// Jails, Renames and Lists are the flags of the time when only
	// creates and destroys were drawn by default: with Kinds set they add
	// their kinds to it (jails: vnet_create, vnet_destroy, vmove_loan,
	// vmove_reclaim; renames: rename; lists: list_cloners); with Kinds
	// empty every kind is drawn anyway.
	Jails   bool `json:",omitempty"`
	Renames bool `json:",omitempty"`
	Lists   bool `json:",omitempty"`
	// Weights overrides DefaultWeights for some kinds (coverage feedback
	// uses it to steer the mix); a weight of 0 leaves a kind out.
	Weights map[string]int `json:",omitempty"`
	// VaryThreads lets coverage feedback try one thread more or fewer
	// than Threads (the command line sets it when --threads is not given).
	VaryThreads bool `json:",omitempty"`
	// Focus is the percentage of scenarios drawn focused (focusedScenario):
	// 0 means DefaultFocus, a negative value none.
	Focus int `json:",omitempty"`
}

// DefaultFocus is the default percentage of focused scenarios.
const DefaultFocus = 50

// focusPercent is gc's share of focused scenarios.
func (gc GenConfig) focusPercent() int {
	switch {
	case gc.Focus < 0:
		return 0
	case gc.Focus == 0:
		return DefaultFocus
	}
	return min(gc.Focus, 100)
}

// EffectiveKinds is the set of operation kinds gc draws, in OpKinds order.
func (gc GenConfig) EffectiveKinds() []string {
	if len(gc.Kinds) == 0 {
		return append([]string(nil), OpKinds...)
	}
	set := map[string]bool{}
	for _, k := range gc.Kinds {
		set[k] = true
	}
	if gc.Jails {
		for _, k := range []string{"vnet_create", "vnet_destroy", "vmove_loan", "vmove_reclaim"} {
			set[k] = true
		}
	}
	if gc.Renames {
		set["rename"] = true
	}
	if gc.Lists {
		set["list_cloners"] = true
	}
	var out []string
	for _, k := range OpKinds {
		if set[k] {
			out = append(out, k)
		}
	}
	return out
}

// ParseKinds checks a comma-separated list of operation kinds.
func ParseKinds(s string) ([]string, error) {
	if s == "" || s == "all" {
		return nil, nil
	}
	known := map[string]bool{}
	for _, k := range OpKinds {
		known[k] = true
	}
	var out []string
	for _, k := range strings.Split(s, ",") {
		k = strings.TrimSpace(k)
		if !known[k] {
			return nil, fmt.Errorf("unknown operation kind %q (want some of %s)", k, strings.Join(OpKinds, ","))
		}
		out = append(out, k)
	}
	return out, nil
}

// usesJails reports whether a kind set needs jails to mean anything.
func usesJails(kinds []string) bool {
	for _, k := range kinds {
		switch k {
		case "vmove_loan", "vmove_reclaim", "vnet_create", "vnet_destroy":
			return true
		}
	}
	return false
}

// RandomScenario draws a scenario from rng.
func RandomScenario(rng *rand.Rand, gc GenConfig) *Scenario {
	fams := gc.Families
	if len(fams) == 0 {
		fams = Families
	}
	var pool, fresh []string
	var drivers []string
	for _, f := range fams {
		pool = append(pool, names[f]...)
		pool = append(pool, malformed[f]...)
		fresh = append(fresh, made[f]...)
		drivers = append(drivers, driverOfFamily[f])
	}
	kinds := gc.EffectiveKinds()
	var wkinds []string
	var cum []int
	total := 0
	for _, k := range kinds {
		w, ok := gc.Weights[k]
		if !ok {
			w = DefaultWeights[k]
		}
		if w <= 0 {
			continue
		}
		total += w
		wkinds = append(wkinds, k)
		cum = append(cum, total)
	}
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	if total > 0 && rng.IntN(100) < gc.focusPercent() {
		return focusedScenario(rng, gc, fams, wkinds, cum)
	}
	scn := &Scenario{Name: fmt.Sprintf("random-%dx%d-%s", gc.Threads, gc.Ops, strings.Join(fams, "+"))}
	if total == 0 {
		for t := 0; t < gc.Threads; t++ {
			scn.Threads = append(scn.Threads, nil)
		}
		return scn
	}
	jails := usesJails(wkinds) || (len(gc.Kinds) == 0 && gc.Jails)
	if jails && rng.IntN(3) != 0 {
		scn.Jails = []int{1}
	}
	// vnet: mostly the host, sometimes the jail of the setup or the one a
	// vnet_create may make (2, a child of 1 or of the host).
	vnetFor := func() int {
		if !jails {
			return 0
		}
		switch r := rng.IntN(8); {
		case r < 5:
			return 0
		case r < 7:
			return 1
		default:
			return 2
		}
	}
	nameFor := func() string {
		// Half the time a name a wildcard create hands out: where renames,
		// destroys and explicit creates collide with it.
		if rng.IntN(2) == 0 {
			return pick(fresh)
		}
		return pick(pool)
	}
	for t := 0; t < gc.Threads; t++ {
		var ops []Op
		for i := 0; i < gc.Ops; i++ {
			r := rng.IntN(total)
			kind := wkinds[sort.SearchInts(cum, r+1)]
			v := vnetFor()
			switch kind {
			case "create":
				op := Op{Kind: "create", Vnet: v, Name: pick(pool)}
				if strings.HasPrefix(op.Name, "vlan") && rng.IntN(2) == 0 {
					// SIOCIFCREATE2 with a struct vlanreq.
					op.Params, op.Parent, op.Vid = true, pick([]string{"epair0a", "epair0b", "lo0", "disc0"}), vlanTags[rng.IntN(len(vlanTags))]
				}
				ops = append(ops, op)
			case "destroy":
				ops = append(ops, Op{Kind: "destroy", Vnet: v, Name: nameFor()})
			case "rename":
				to := nameFor()
				if rng.IntN(5) == 0 {
					to = pick([]string{"net0", "renamed", "disc", "epair0"})
				}
				ops = append(ops, Op{Kind: "rename", Vnet: v, Name: nameFor(), NewName: to})
			case "list_cloners":
				ops = append(ops, Op{Kind: "list_cloners", Vnet: v, Count: rng.IntN(10)})
			case "vmove_loan":
				// From the host (or jail 1) into a child jail.
				from, to := 0, 1+rng.IntN(2)
				if to == 2 && rng.IntN(2) == 0 {
					from = 1
				}
				ops = append(ops, Op{Kind: "vmove_loan", Vnet: from, Name: nameFor(), Jail: to})
			case "vmove_reclaim":
				from, to := 0, 1+rng.IntN(2)
				if to == 2 && rng.IntN(2) == 0 {
					from = 1
				}
				ops = append(ops, Op{Kind: "vmove_reclaim", Vnet: from, Name: nameFor(), Jail: to})
			case "vnet_create":
				// Jail 1 (if the setup made none) or jail 2, a child of the
				// host or of jail 1.
				parent, child := 0, 2
				if len(scn.Jails) == 0 && rng.IntN(2) == 0 {
					child = 1
				} else if rng.IntN(2) == 0 {
					parent = 1
				}
				ops = append(ops, Op{Kind: "vnet_create", Vnet: parent, Jail: child})
			case "vnet_destroy":
				ops = append(ops, Op{Kind: "vnet_destroy", Vnet: 0, Jail: 1 + rng.IntN(2)})
			case "kldload", "kldunload":
				d := pick(drivers)
				if d == "lo" && rng.IntN(3) != 0 {
					d = pick(drivers) // lo never unloads: mostly another
				}
				ops = append(ops, Op{Kind: kind, Vnet: 0, Driver: d})
			}
		}
		scn.Threads = append(scn.Threads, ops)
	}
	defineJails(scn)
	return scn
}

// lifecycle orders operation kinds as one interface lives: a focused
// thread sorted by it creates a name, lends it to a jail, takes it back and
// destroys it, the chains the known jail races need.
var lifecycle = map[string]int{"kldload": 0, "vnet_create": 1, "create": 2, "rename": 3, "vmove_loan": 4,
	"list_cloners": 5, "vmove_reclaim": 6, "destroy": 7, "vnet_destroy": 8, "kldunload": 9}

// stackedOn lists, per family whose interfaces are configured on another
// interface (a vlan on its parent, vlan_config), the families that make
// such parents (Ethernet interfaces: epair, tap and vmnet). A focused
// scenario on vlan mostly brings one of them along: a vlan is configured
// on a parent that exists, and what races it is the parent's own life
// (its creation, its destroy and the vlan_ifdetach that follows).
var stackedOn = map[string][]string{"vlan": {"epair", "tuntap"}}

// refusedParents are parents vlan_config refuses (not Ethernet:
// EPROTONOSUPPORT, and the creation is backed out).
var refusedParents = []string{"lo0", "disc0"}

// etherNames are the interfaces a family's subject names make that a
// vlan accepts as its parent: both ends of an epair, tap and vmnet units;
// none for the other families (and none for a vlan's own names).
func etherNames(fam string, subj []string) []string {
	var out []string
	add := func(n string) {
		if !containsStr(out, n) {
			out = append(out, n)
		}
	}
	for _, n := range subj {
		switch {
		case strings.Contains(n, "."):
		case fam == "epair" && (strings.HasSuffix(n, "a") || strings.HasSuffix(n, "b")):
			add(n)
		case fam == "epair":
			add(n + "a")
			add(n + "b")
		case fam == "tuntap" && (strings.HasPrefix(n, "tap") || strings.HasPrefix(n, "vmnet")):
			add(n)
		}
	}
	return out
}

// subjects are, per family, the explicit names a focused scenario makes
// its operations collide on: beyond the units a wildcard hands out first,
// so that an explicit create and a wildcard one race for different
// reasons than two explicit ones. A vlan's are a vlanN and a
// "<parent>.<tag>" on one of parents (the Ethernet subjects of the
// families it is stacked on, if any) with the scenario's tag, and a
// quarter of the time "vlanN.<tag>" stacked on the vlanN (QinQ) between
// them.
func subjects(rng *rand.Rand, fam string, parents []string, tag uint16) (wild string, subj []string) {
	u := func() int { return rng.IntN(5) }
	switch fam {
	case "epair":
		n := u()
		return "epair", []string{fmt.Sprintf("epair%d", n), fmt.Sprintf("epair%da", n), fmt.Sprintf("epair%db", n)}
	case "tuntap":
		p := []string{"tun", "tap", "vmnet"}[rng.IntN(3)]
		return p, []string{fmt.Sprintf("%s%d", p, u()), fmt.Sprintf("%s%d", p, u())}
	case "vlan":
		parent := "epair0a"
		if len(parents) > 0 {
			parent = parents[0]
		}
		v := fmt.Sprintf("vlan%d", u())
		if rng.IntN(4) == 0 {
			// QinQ: a vlan on the vlan (vlan_config takes an
			// IFT_L2VLAN parent), which vlan_clone_destroy then
			// refuses to destroy while the inner one is on it (F29).
			return "vlan", []string{v, fmt.Sprintf("%s.%d", v, tag), fmt.Sprintf("%s.%d", parent, tag)}
		}
		return "vlan", []string{v, fmt.Sprintf("%s.%d", parent, tag)}
	}
	return fam, []string{fmt.Sprintf("%s%d", fam, u()), fmt.Sprintf("%s%d", fam, u())}
}

// withLowerFamilies returns ff with, mostly, a family that makes parents
// for each stacked family of ff that has none in it (stackedOn; only
// families of fams): in place of the other family when ff has two, so
// that a focused scenario keeps to two families, and first, so that its
// subjects are drawn before the stacked family's.
func withLowerFamilies(rng *rand.Rand, ff, fams []string) []string {
	for _, f := range ff {
		lowers := stackedOn[f]
		if len(lowers) == 0 || rng.IntN(4) == 0 {
			continue
		}
		have := false
		var can []string
		for _, l := range lowers {
			have = have || containsStr(ff, l)
			if containsStr(fams, l) {
				can = append(can, l)
			}
		}
		if have || len(can) == 0 {
			continue
		}
		return []string{can[rng.IntN(len(can))], f}
	}
	// Lower families first.
	sort.SliceStable(ff, func(i, j int) bool { return len(stackedOn[ff[i]]) < len(stackedOn[ff[j]]) })
	return ff
}

// stacked reports whether op creates an interface configured on another
// (a vlan with parameters or a "<parent>.<vid>" name).
func stacked(op Op) bool {
	return op.Kind == "create" && (op.Params || strings.Contains(op.Name, "."))
}

// focusedScenario draws a scenario on one driver family (sometimes two)
// and two to five operation kinds (create among them when it is drawn at
// all), a third of the time an interface's trip to a jail (create, loan,
// and reclaim or destroy on one name); a vlan mostly with the family of
// its parents, and then two thirds of the time a parent's life under its
// vlans (the parent made first, vlans on it sharing one tag, the parent
// destroyed in another thread); on one or two explicit names per
// family plus the family's wildcard, with two or three threads of one to
// Ops operations (with VaryThreads; else Threads x Ops), each thread
// often in lifecycle order, and destroys and renames sometimes in
// the jail an interface is lent to. The default mix spreads a dozen
// operations over ten kinds, five families and thirty names: the known
// races (a loan and a destroy of one interface, a create racing a loan
// of the name it makes, creates only on one family for the strict spec)
// need operations that collide.
func focusedScenario(rng *rand.Rand, gc GenConfig, fams, wkinds []string, cum []int) *Scenario {
	nf := 1
	if len(fams) > 1 && rng.IntN(4) == 0 {
		nf = 2
	}
	perm := rng.Perm(len(fams))
	var ff []string
	for _, i := range perm[:nf] {
		ff = append(ff, fams[i])
	}
	ff = withLowerFamilies(rng, ff, fams)
	// Kinds: create (if drawable) and one to three more, by weight.
	kset := map[string]bool{}
	hasCreate := false
	for _, k := range wkinds {
		if k == "create" {
			hasCreate = true
		}
	}
	if hasCreate {
		kset["create"] = true
	}
	total := cum[len(cum)-1]
	lend := hasCreate && containsStr(wkinds, "vmove_loan") && rng.IntN(3) == 0
	if lend {
		// An interface's trip to a jail and what can meet it there: a
		// create and a loan of one name, with a reclaim, a destroy (on
		// either side), both, or a rename (F28: a rename in the source
		// vnet racing the loan).
		kset["vmove_loan"] = true
		for _, k := range [][]string{{"vmove_reclaim"}, {"destroy"}, {"vmove_reclaim", "destroy"}, {"rename"}}[rng.IntN(4)] {
			if containsStr(wkinds, k) {
				kset[k] = true
			}
		}
	}
	// A parent's life under its vlans: the parent's create, vlans
	// configured on it (by "<parent>.<tag>" and by parameters, on one
	// tag) and the parent's destroy, which unconfigures them
	// (vlan_ifdetach), and at most one kind more. Two thirds of the
	// focused scenarios that have a stacked family and its parents'
	// family.
	stack := !lend && hasCreate && containsStr(wkinds, "destroy") && len(ff) == 2 &&
		containsStr(stackedOn[ff[1]], ff[0]) && rng.IntN(3) != 0
	want := 1 + rng.IntN(3)
	if stack {
		kset["destroy"] = true
		want = rng.IntN(2)
	}
	for ; want > 0 && !lend; want-- {
		k := wkinds[sort.SearchInts(cum, rng.IntN(total)+1)]
		kset[k] = true
		if k == "vmove_loan" && rng.IntN(2) == 0 && containsStr(wkinds, "vmove_reclaim") {
			kset["vmove_reclaim"] = true
		}
	}
	var kinds []string
	for _, k := range wkinds {
		if kset[k] {
			kinds = append(kinds, k)
		}
	}
	// The vlan tag of the scenario, and the parents its vlans are
	// configured on: the Ethernet subjects of the families drawn before.
	tag := vlanTags[rng.IntN(len(vlanTags))]
	var parents []string
	var wilds, subj, fresh, drivers []string
	var lowerName string // the parents' cloner name (epairN), in a parent's life
	for _, f := range ff {
		w, s := subjects(rng, f, parents, tag)
		if f == ff[0] && stack {
			lowerName = s[0]
		}
		if ps := etherNames(f, s); len(ps) > 0 {
			// The parent the stacked family's subjects use first.
			k := rng.IntN(len(ps))
			ps[0], ps[k] = ps[k], ps[0]
			parents = append(parents, ps...)
		}
		wilds = append(wilds, w)
		switch {
		case lend:
			s = s[:1] // one interface for every operation to meet on
		case stack:
			// every name: the parent's, its ends, both vlans
		default:
			s = s[:1+rng.IntN(len(s))]
		}
		subj = append(subj, s...)
		fresh = append(fresh, made[f]...)
		drivers = append(drivers, driverOfFamily[f])
	}
	// What creates name: in a parent's life the stacked family's names
	// and wildcard; the parent's create is placed below (its ends no
	// cloner matches), and no other create of the parents' family comes
	// in: the scenario is the parent's life, not its cloner's.
	creatable := subj
	if stack {
		creatable = nil
		for _, n := range subj {
			if !containsStr(parents, n) && n != lowerName {
				creatable = append(creatable, n)
			}
		}
	}
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	nameFor := func() string {
		if rng.IntN(5) == 0 {
			return pick(fresh)
		}
		return pick(subj)
	}
	jails := usesJails(kinds)
	// The shape: two or three threads of one to Ops operations, or
	// exactly Threads x Ops when the user fixed it (VaryThreads off).
	threads := gc.Threads
	if gc.VaryThreads {
		threads = 2
		if gc.Threads > 2 && rng.IntN(2) == 0 {
			threads = 3
		}
	}
	scn := &Scenario{Name: fmt.Sprintf("focused-%dx%d-%s", gc.Threads, gc.Ops, strings.Join(fams, "+"))}
	if jails {
		scn.Jails = []int{1}
	}
	inJail := func() int {
		if jails && rng.IntN(2) == 0 {
			return 1
		}
		return 0
	}
	for t := 0; t < threads; t++ {
		var ops []Op
		n := gc.Ops
		if gc.VaryThreads {
			n = 1 + rng.IntN(max(1, gc.Ops))
		}
		for i := 0; i < n; i++ {
			switch kind := pick(kinds); kind {
			case "create":
				name := pick(creatable)
				if rng.IntN(3) == 0 {
					name = pick(wilds)
					if stack {
						name = wilds[len(wilds)-1] // the stacked family's
					}
				}
				op := Op{Kind: "create", Name: name}
				if rng.IntN(5) == 0 {
					op.Vnet = inJail()
				}
				if strings.HasPrefix(name, "vlan") && (rng.IntN(2) == 0 || stack && rng.IntN(2) == 0) {
					// SIOCIFCREATE2: mostly on a parent of the
					// scenario with its tag, where it meets the
					// "<parent>.<tag>" subject and the parent's
					// destroy; sometimes on a parent vlan_config
					// refuses.
					op.Params, op.Parent, op.Vid = true, pick(refusedParents), vlanTags[rng.IntN(len(vlanTags))]
					if len(parents) > 0 && rng.IntN(5) != 0 {
						// Mostly the parent and tag of the
						// "<parent>.<tag>" subject.
						op.Parent = parents[0]
						if rng.IntN(3) == 0 {
							op.Parent = pick(parents)
						}
						if rng.IntN(4) != 0 {
							op.Vid = tag
						}
					} else if rng.IntN(3) == 0 {
						op.Parent = "epair0a"
					}
				}
				ops = append(ops, op)
			case "destroy":
				name := nameFor()
				if stack && len(parents) > 0 && rng.IntN(2) == 0 {
					name = pick(parents)
				}
				ops = append(ops, Op{Kind: "destroy", Vnet: inJail(), Name: name})
			case "rename":
				to := nameFor()
				if rng.IntN(3) == 0 {
					to = pick([]string{"net0", "renamed"})
				}
				ops = append(ops, Op{Kind: "rename", Vnet: inJail(), Name: nameFor(), NewName: to})
			case "list_cloners":
				ops = append(ops, Op{Kind: "list_cloners", Vnet: inJail(), Count: rng.IntN(10)})
			case "vmove_loan", "vmove_reclaim":
				to := 1
				if rng.IntN(5) == 0 {
					to = 2
				}
				ops = append(ops, Op{Kind: kind, Name: nameFor(), Jail: to})
			case "vnet_create":
				ops = append(ops, Op{Kind: "vnet_create", Jail: 2})
			case "vnet_destroy":
				ops = append(ops, Op{Kind: "vnet_destroy", Jail: 1 + rng.IntN(2)})
			case "kldload", "kldunload":
				ops = append(ops, Op{Kind: kind, Driver: pick(drivers)})
			}
		}
		if rng.IntN(3) != 0 {
			// Lifecycle order; among creates, parents before the
			// vlans stacked on them.
			sort.SliceStable(ops, func(i, j int) bool {
				if li, lj := lifecycle[ops[i].Kind], lifecycle[ops[j].Kind]; li != lj {
					return li < lj
				}
				return !stacked(ops[i]) && stacked(ops[j])
			})
		}
		scn.Threads = append(scn.Threads, ops)
	}
	if stack && len(parents) > 0 && len(scn.Threads) > 1 {
		// The parent's life around its vlans: the first operation of
		// the first thread creates it, the last of another destroys one
		// of its ends (in place of what was drawn there, so that the
		// shape stays).
		scn.Threads[0][0] = Op{Kind: "create", Name: lowerName}
		th := scn.Threads[1+rng.IntN(len(scn.Threads)-1)]
		th[len(th)-1] = Op{Kind: "destroy", Name: pick(parents)}
	}
	defineJails(scn)
	return scn
}

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// defineJails adds to the setup every jail an operation names that
// neither the setup nor a vnet_create makes, so that the scenario is
// valid (Scenario.Validate): such an operation then meets a jail that
// exists, or one a concurrent vnet_destroy removes.
func defineJails(scn *Scenario) {
	defined := map[int]bool{}
	for _, j := range scn.Jails {
		defined[j] = true
	}
	need := map[int]bool{}
	for _, th := range scn.Threads {
		for _, op := range th {
			if op.Vnet != 0 {
				need[op.Vnet] = true
			}
			switch op.Kind {
			case "vnet_create":
				defined[op.Jail] = true
			case "vmove_loan", "vmove_reclaim", "vnet_destroy":
				need[op.Jail] = true
			}
		}
	}
	var add []int
	for j := range need {
		if !defined[j] {
			add = append(add, j)
		}
	}
	sort.Ints(add)
	scn.Jails = append(scn.Jails, add...)
}

// StandardScenario is the benchmark workload: 3 threads x 4 random
// create/destroy operations over lo and epair, drawn as the generator drew
// them before every operation kind was on by default (so that benchmark
// figures stay comparable across versions).
func StandardScenario(seed uint64) *Scenario {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	pool := []string{"lo", "lo0", "lo1", "lo2", "lo3", "epair", "epair0", "epair1", "epair0a", "epair0b", "epair1a"}
	s := &Scenario{Name: fmt.Sprintf("standard-%d", seed)}
	for t := 0; t < 3; t++ {
		var ops []Op
		for i := 0; i < 4; i++ {
			name := pool[rng.IntN(len(pool))]
			if rng.IntN(100) < 45 {
				ops = append(ops, Op{Kind: "create", Name: name})
			} else {
				ops = append(ops, Op{Kind: "destroy", Name: name})
			}
		}
		s.Threads = append(s.Threads, ops)
	}
	return s
}
