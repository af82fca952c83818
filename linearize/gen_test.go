// SPDX-License-Identifier: BSD-2-Clause

package linearize

import (
	"fmt"
	"math/rand"
	"strings"

	"kcheck/model"
)

// Histories for tests and benchmarks are made by running the model itself
// sequentially: operation i takes effect at time 10*(i+1) (its
// linearization point), and each thread's operations get intervals around
// their points that do not overlap each other. Such a history is
// linearizable by construction; perturbed copies may not be.

// picker draws the next operation given the state.
type picker func(r *rand.Rand, s *model.State) model.Input

// generate runs n operations of pick on threads threads.
func generate(r *rand.Rand, sp *model.Spec, n, threads int, pick picker) History {
	s := sp.Init()
	h := make(History, 0, n)
	last := make([]int, threads) // index in h of each thread's last operation, -1: none
	for i := range last {
		last[i] = -1
	}
	for len(h) < n {
		in := pick(r, s)
		out, next := sp.Apply(s, in)
		if out.Unknown {
			continue // an operation that cannot complete here
		}
		s = next
		lp := int64(10 * (len(h) + 1))
		th := r.Intn(threads)
		lo := int64(1)
		if p := last[th]; p >= 0 {
			lo = h[p].Return + 1 // h[p].Return holds its linearization point for now
		}
		call := lo + r.Int63n(lp-lo+1)
		if p := last[th]; p >= 0 {
			plp := h[p].Return
			h[p].Return = plp + r.Int63n(call-plp)
		}
		h = append(h, Operation{ID: len(h), Thread: th, Call: call, Return: lp, Input: in, Output: out})
		last[th] = len(h) - 1
	}
	for _, p := range last {
		if p >= 0 {
			h[p].Return += r.Int63n(30)
		}
	}
	return h
}

var families = []string{"disc", "epair", "tun", "tap", "vmnet", "lo", "vlan"}

// existing returns the names of the interfaces of vnet v with the prefix.
func existing(s *model.State, v model.VnetID, prefix string) []string {
	var out []string
	for _, n := range s.Names(v) {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out
}

func pickOne(r *rand.Rand, l []string, def string) string {
	if len(l) == 0 {
		return def
	}
	return l[r.Intn(len(l))]
}

// familyPicker makes workloads that stay within cloner families (vlans on
// epairs join those two): partitionable histories.
func familyPicker(fams []string) picker {
	return func(r *rand.Rand, s *model.State) model.Input {
		f := fams[r.Intn(len(fams))]
		switch f {
		case "vlan":
			ends := existing(s, 0, "epair")
			k := r.Intn(6)
			if len(existing(s, 0, "vlan"))+len(ends) >= 10 {
				k = 5
			}
			switch {
			case k == 0:
				return model.Create{Name: "vlan"}
			case k == 1 && len(ends) > 0:
				return model.Create{Name: "vlan", Params: model.VlanParams{Set: true, Parent: pickOne(r, ends, "epair0a"), Vid: uint16(r.Intn(6))}}
			case k == 2:
				return model.Create{Name: fmt.Sprintf("%s.%d", pickOne(r, ends, "epair0a"), 1+r.Intn(4))}
			case k == 3:
				return model.Create{Name: "epair"}
			default:
				return model.Destroy{Name: pickOne(r, existing(s, 0, "vlan"), pickOne(r, existing(s, 0, "epair"), "vlan9"))}
			}
		case "lo":
			if r.Intn(2) == 0 && len(existing(s, 0, "lo")) < 6 {
				return model.Create{Name: "lo"}
			}
			return model.Destroy{Name: pickOne(r, existing(s, 0, "lo"), "lo3")}
		}
		k := r.Intn(10)
		if len(existing(s, 0, f)) >= 6 && k < 5 {
			k += 5 // keep the family small: destroy rather than create
		}
		switch {
		case k < 4:
			return model.Create{Name: f}
		case k < 5:
			return model.Create{Name: fmt.Sprintf("%s%d", f, r.Intn(6))}
		case k < 9:
			names := existing(s, 0, f)
			if f == "epair" && r.Intn(3) == 0 {
				return model.Destroy{Name: fmt.Sprintf("epair%db", r.Intn(4))}
			}
			return model.Destroy{Name: pickOne(r, names, fmt.Sprintf("%s%d", f, r.Intn(6)))}
		default:
			// A rename inside the family, or to a name of its own.
			names := existing(s, 0, f)
			to := fmt.Sprintf("%s%d", f, r.Intn(8))
			if r.Intn(3) == 0 {
				to = fmt.Sprintf("%sx%d", f, r.Intn(3))
			}
			return model.Rename{Name: pickOne(r, names, f+"0"), NewName: to}
		}
	}
}

// globalPicker adds operations that touch every family: the vnet life
// cycle, ListCloners, moves and renames across families.
func globalPicker() picker {
	base := familyPicker(families)
	return func(r *rand.Rand, s *model.State) model.Input {
		v := model.VnetID(r.Intn(3))
		switch r.Intn(12) {
		case 0:
			return model.ListCloners{Vnet: v, Count: r.Intn(9)}
		case 1:
			if r.Intn(2) == 0 {
				return model.VnetCreate{Vnet: 0, Child: model.VnetID(1 + r.Intn(6))}
			}
			return model.VnetDestroy{Vnet: 0, Jail: model.VnetID(1 + r.Intn(6))}
		case 2:
			return model.VmoveLoan{Vnet: 0, Name: pickOne(r, s.Names(0), "disc0"), Jail: model.VnetID(1 + r.Intn(3))}
		case 3:
			j := model.VnetID(1 + r.Intn(3))
			return model.VmoveReclaim{Vnet: 0, Name: pickOne(r, s.Names(j), "disc0"), Jail: j}
		case 4:
			d := model.Driver(1 + r.Intn(5))
			if r.Intn(2) == 0 {
				return model.DetachCloner{Vnet: v, Driver: d}
			}
			return model.AttachCloner{Vnet: v, Driver: d}
		case 5:
			return model.Rename{Vnet: v, Name: pickOne(r, s.Names(v), "lo0"), NewName: families[r.Intn(len(families))] + fmt.Sprint(r.Intn(3))}
		case 6:
			return model.Create{Vnet: v, Name: families[r.Intn(len(families))]}
		case 7:
			return model.Destroy{Vnet: v, Name: pickOne(r, s.Names(v), "x")}
		}
		return base(r, s)
	}
}

// perturb returns a copy of h with one operation's output or interval
// changed; the result may or may not be linearizable.
func perturb(r *rand.Rand, h History) History {
	p := append(History(nil), h...)
	i := r.Intn(len(p))
	op := &p[i]
	switch k := r.Intn(5); {
	case k == 0 && op.Output.Name != "":
		// Another unit in a created name.
		n := op.Output.Name
		j := strings.LastIndexAny(n, "0123456789")
		if j >= 0 {
			op.Output.Name = n[:j] + string('0'+byte((int(n[j]-'0')+1+r.Intn(3))%10)) + n[j+1:]
		}
	case k <= 1:
		errs := []model.Errno{0, model.EEXIST, model.ENXIO, model.EINVAL, model.ENOSPC, model.EBUSY}
		op.Output = model.Output{Err: errs[r.Intn(len(errs))]}
		if op.Output.Err == 0 {
			if c, ok := op.Input.(model.Create); ok {
				op.Output.Name = c.Name
			}
		}
	case k == 2:
		// Two operations' outputs swapped.
		j := r.Intn(len(p))
		p[i].Output, p[j].Output = p[j].Output, p[i].Output
	case k == 3:
		// An interval shrunk to its call.
		op.Return = op.Call
	default:
		// An interval shifted late inside its thread's gap.
		op.Call = op.Return
	}
	return p
}

// withUnknown marks the last operation of some threads as interrupted.
func withUnknown(r *rand.Rand, h History) History {
	p := append(History(nil), h...)
	last := map[int]int{}
	for i, op := range p {
		if j, ok := last[op.Thread]; !ok || p[j].Call < op.Call {
			last[op.Thread] = i
		}
	}
	for _, i := range last {
		if r.Intn(2) == 0 {
			p[i].Output, p[i].Return = model.UnknownOutput, Infinity
		}
	}
	return p
}
