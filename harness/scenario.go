// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

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

	// The unrhdr target's operations (alloc_unr, alloc_unrl,
	// alloc_unr_specific, free_unr; unr.go) take these; the Vnet field
	// is unused (0) for them.
	Hdr  int `json:"hdr,omitempty"`  // the header: an index in Scenario.Headers
	Unit int `json:"unit,omitempty"` // alloc_unr_specific: the unit asked for
	// Holding lists headers whose mutexes the caller takes, in this
	// order, before the call and releases after it (in reverse order).
	Holding []int `json:"holding,omitempty"`
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
	if unrOpKinds[o.Kind] {
		return o.unrString()
	}
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
	Name string `json:"name"`
	// Target names the port under test (targets.go): "" (or "ifclone")
	// for if_clone.c with the drivers, "unrhdr" for subr_unit.c.
	Target  string `json:"target,omitempty"`
	Jails   []int  `json:"jails,omitempty"` // ifclone: jails created before the threads start
	Threads [][]Op `json:"threads"`
	// Headers are the unrhdr target's unit number spaces, made with
	// new_unrhdr before the threads start (unr.go).
	Headers []UnrHeader `json:"headers,omitempty"`
	// Expect, for named scenarios, lists the verdict kinds other than Pass
	// that the faithful port produces on this scenario under the relaxed
	// spec, each explained by a finding in docs/FINDINGS.md (empty: every
	// explored schedule passes).
	Expect []Kind `json:"expect,omitempty"`
	// Note explains what the scenario exercises.
	Note string `json:"note,omitempty"`
}

// Limits of a scenario, from the kernel's own types and limits, checked
// by Validate before any work.
const (
	// MaxThreads bounds a scenario's threads (the generator draws 1..8).
	MaxThreads = 64
	// MaxNameLen bounds an interface or cloner name in a scenario: the
	// kernel reads at most IFNAMSIZ (16) bytes of one, so 64 leaves room
	// for every truncation case.
	MaxNameLen = 64
	// MaxJailID is JAIL_MAX (sys/jail.h): jail(2) refuses larger ids.
	MaxJailID = 999999
	// MinStepsPerOp is a lower bound on the scheduling points one
	// operation takes (socket reference, ioctl locks, return): a scenario
	// with more operations than MaxSteps/MinStepsPerOp can only end as a
	// Livelock that says nothing about the kernel.
	MinStepsPerOp = 8
)

// Validate checks the scenario's shape (threads, name), that its target
// exists, and then the target's own rules (Target.Validate): for ifclone
// that every operation is well-formed and within the kernel's limits
// (names, jail ids that the scenario creates somewhere before they are
// used, list counts that fit ifcr_count, a C int).
func (s *Scenario) Validate() error {
	if len(s.Threads) == 0 {
		return fmt.Errorf("scenario %q has no threads", s.Name)
	}
	if len(s.Threads) > MaxThreads {
		return fmt.Errorf("scenario %q has %d threads: at most %d", s.Name, len(s.Threads), MaxThreads)
	}
	if len(s.Name) > 200 {
		return fmt.Errorf("scenario name of %d bytes: at most 200", len(s.Name))
	}
	t, err := TargetOf(s.Target)
	if err != nil {
		return err
	}
	return t.Validate(s)
}

// target is the scenario's target (nil if it names none that exists;
// Validate says so).
func (s *Scenario) target() Target {
	t, _ := TargetOf(s.Target)
	return t
}

// Validate checks an ifclone scenario's jails and operations.
func (ifcloneTarget) Validate(s *Scenario) error {
	if len(s.Headers) > 0 {
		return fmt.Errorf("headers apply to the unrhdr target only")
	}
	// Jails that exist before the threads start, and those some thread
	// creates: an op may name either (whether a jail created by another
	// thread exists yet is up to the schedule, and a test).
	known := map[int]bool{0: true}
	for _, j := range s.Jails {
		if j <= 0 || j > MaxJailID {
			return fmt.Errorf("jail id %d: must be 1..%d (JAIL_MAX)", j, MaxJailID)
		}
		if known[j] {
			return fmt.Errorf("jail id %d listed twice in jails", j)
		}
		known[j] = true
	}
	created := map[int]bool{}
	for _, th := range s.Threads {
		for _, op := range th {
			if op.Kind == "vnet_create" {
				created[op.Jail] = true
			}
		}
	}
	for i, th := range s.Threads {
		for j, op := range th {
			if err := op.validate(known, created); err != nil {
				return fmt.Errorf("thread %d op %d (%s): %w", i, j, op.Kind, err)
			}
		}
	}
	return nil
}

// ValidateBudget checks that the scenario can finish within maxSteps
// scheduling points per phase (0: the default 200,000).
func (s *Scenario) ValidateBudget(maxSteps int64) error {
	if maxSteps == 0 {
		maxSteps = DefaultMaxSteps
	}
	if n := int64(s.Ops()); n*MinStepsPerOp > maxSteps {
		return fmt.Errorf("scenario %q has %d operations: with at least %d scheduling points each they cannot finish within the step budget of %d (--max-steps), so every execution would end as a false Livelock", s.Name, n, MinStepsPerOp, maxSteps)
	}
	return nil
}

func (o Op) validate(known, created map[int]bool) error {
	if _, err := o.Input(); err != nil {
		return err
	}
	if o.Hdr != 0 || o.Unit != 0 || len(o.Holding) > 0 {
		return fmt.Errorf("hdr, unit and holding apply to unrhdr operations only")
	}
	idOK := func(what string, id int) error {
		if id < 0 || id > MaxJailID {
			return fmt.Errorf("%s %d: must be 0..%d (JAIL_MAX)", what, id, MaxJailID)
		}
		if !known[id] && !created[id] {
			return fmt.Errorf("%s %d: no such jail in this scenario (not in jails, and no vnet_create makes it)", what, id)
		}
		return nil
	}
	if err := idOK("vnet", o.Vnet); err != nil {
		return err
	}
	for _, n := range []struct{ what, s string }{{"name", o.Name}, {"new_name", o.NewName}, {"parent", o.Parent}} {
		if len(n.s) > MaxNameLen {
			return fmt.Errorf("%s of %d bytes: at most %d (the kernel reads %d)", n.what, len(n.s), MaxNameLen, 16)
		}
		if strings.IndexByte(n.s, 0) >= 0 {
			return fmt.Errorf("%s %q contains a NUL byte: a C string cannot carry it", n.what, n.s)
		}
	}
	switch o.Kind {
	case "list_cloners":
		if o.Count < math.MinInt32 || o.Count > math.MaxInt32 {
			return fmt.Errorf("count %d does not fit ifcr_count, a C int (%d..%d)", o.Count, math.MinInt32, math.MaxInt32)
		}
	case "vmove_loan", "vmove_reclaim", "vnet_destroy":
		if err := idOK("jail", o.Jail); err != nil {
			return err
		}
	case "vnet_create":
		if o.Jail < math.MinInt32 || o.Jail > math.MaxInt32 {
			return fmt.Errorf("jail %d does not fit a jail id, a C int", o.Jail)
		}
	}
	if o.Kind != "list_cloners" && (o.Count != 0 || o.NoBuffer) {
		return fmt.Errorf("count and no_buffer apply to list_cloners only")
	}
	if o.Kind != "create" && (o.Params || o.Parent != "" || o.Vid != 0) {
		return fmt.Errorf("params, parent and vid apply to create only")
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
	s, err := DecodeScenario(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// DecodeScenario decodes a scenario strictly (unknown fields and
// trailing data are errors) and validates it.
func DecodeScenario(b []byte) (*Scenario, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s Scenario
	if err := dec.Decode(&s); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the scenario object")
	}
	for _, k := range s.Expect {
		if _, err := ParseKind(string(k)); err != nil {
			return nil, fmt.Errorf("expect: %w", err)
		}
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}
