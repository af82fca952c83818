// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"encoding/json"
	"fmt"
	"os"

	"kcheck/model"
)

// Op is one operation of a scenario in a flat, JSON-friendly form; Input
// turns it into the model's typed input.
type Op struct {
	Kind     string `json:"op"` // create, destroy, list_cloners, rename, vmove_loan, vmove_reclaim, vnet_create, vnet_destroy, kldload, kldunload
	Vnet     int    `json:"vnet"`
	Name     string `json:"name,omitempty"`
	NewName  string `json:"new_name,omitempty"`
	Jail     int    `json:"jail,omitempty"` // vmove target/source, vnet_create child, vnet_destroy jail
	Count    int    `json:"count,omitempty"`
	NoBuffer bool   `json:"no_buffer,omitempty"`
	Params   bool   `json:"params,omitempty"` // SIOCIFCREATE2 with a struct vlanreq
	Parent   string `json:"parent,omitempty"`
	Vid      uint16 `json:"vid,omitempty"`
	Driver   string `json:"driver,omitempty"` // kldload, kldunload: lo, disc, epair, tuntap, vlan
}

// Input is the model's view of the operation.
func (o Op) Input() (model.Input, error) {
	v := model.VnetID(o.Vnet)
	switch o.Kind {
	case "create":
		return model.Create{Vnet: v, Name: o.Name, Params: model.VlanParams{Set: o.Params, Parent: o.Parent, Vid: o.Vid}}, nil
	case "destroy":
		return model.Destroy{Vnet: v, Name: o.Name}, nil
	case "list_cloners":
		return model.ListCloners{Vnet: v, Count: o.Count, NoBuffer: o.NoBuffer}, nil
	case "rename":
		return model.Rename{Vnet: v, Name: o.Name, NewName: o.NewName}, nil
	case "vmove_loan":
		return model.VmoveLoan{Vnet: v, Name: o.Name, Jail: model.VnetID(o.Jail)}, nil
	case "vmove_reclaim":
		return model.VmoveReclaim{Vnet: v, Name: o.Name, Jail: model.VnetID(o.Jail)}, nil
	case "vnet_create":
		return model.VnetCreate{Vnet: v, Child: model.VnetID(o.Jail)}, nil
	case "vnet_destroy":
		return model.VnetDestroy{Vnet: v, Jail: model.VnetID(o.Jail)}, nil
	case "kldload", "kldunload":
		return moduleInput(o) // module.go
	}
	return nil, fmt.Errorf("unknown operation %q", o.Kind)
}

func (o Op) String() string {
	in, err := o.Input()
	if err != nil {
		return err.Error()
	}
	return in.String()
}

// Scenario is one workload: the jails that exist before the threads
// start, and each thread's operations, run in order. Every scenario boots
// a kernel with all five drivers (lo, disc, epair, tun/tap/vmnet, vlan)
// loaded, as a GENERIC kernel with the modules would have them.
type Scenario struct {
	Name    string `json:"name"`
	Jails   []int  `json:"jails,omitempty"`
	Threads [][]Op `json:"threads"`
	// Expect, for named scenarios, lists the verdict kinds other than Pass
	// that the faithful port produces on this scenario under the relaxed
	// spec, each explained by a finding in docs/FINDINGS.md (empty: every
	// explored schedule passes).
	Expect []Kind `json:"expect,omitempty"`
	// Note explains what the scenario exercises.
	Note string `json:"note,omitempty"`
}

// Validate checks that every operation is well-formed.
func (s *Scenario) Validate() error {
	if len(s.Threads) == 0 {
		return fmt.Errorf("scenario %q has no threads", s.Name)
	}
	for i, th := range s.Threads {
		for j, op := range th {
			if _, err := op.Input(); err != nil {
				return fmt.Errorf("thread %d op %d: %w", i, j, err)
			}
		}
	}
	for _, j := range s.Jails {
		if j <= 0 {
			return fmt.Errorf("jail id %d: must be positive", j)
		}
	}
	return nil
}

// Ops is the total number of operations.
func (s *Scenario) Ops() int {
	n := 0
	for _, th := range s.Threads {
		n += len(th)
	}
	return n
}

// Inputs lists every operation's model input (setup jails first).
func (s *Scenario) Inputs() []model.Input {
	var out []model.Input
	for _, j := range s.Jails {
		out = append(out, model.VnetCreate{Vnet: model.VNET0, Child: model.VnetID(j)})
	}
	for _, th := range s.Threads {
		for _, op := range th {
			in, _ := op.Input()
			out = append(out, in)
		}
	}
	return out
}

// LoadScenario reads a scenario from JSON.
func LoadScenario(path string) (*Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s Scenario
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &s, nil
}
