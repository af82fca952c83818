// SPDX-License-Identifier: BSD-2-Clause

package linearize

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"kcheck/model"
)

// The JSON form of a history, for failure bundles and saved histories that
// tests re-check: {"operations": [{"id":..,"thread":..,"call":..,
// "return":..,"input":{"op":"create","vnet":0,"name":"epair"},
// "output":{"err":"EEXIST"}}, ...]}. An unknown outcome is
// {"unknown":true} and its return is omitted (Infinity).

type jsonHistory struct {
	Operations []jsonOp `json:"operations"`
}

type jsonOp struct {
	ID     int        `json:"id"`
	Thread int        `json:"thread"`
	Call   int64      `json:"call"`
	Return *int64     `json:"return,omitempty"`
	Input  jsonInput  `json:"input"`
	Output jsonOutput `json:"output"`
}

type jsonParams struct {
	Parent string `json:"parent"`
	Vid    uint16 `json:"vid"`
}

type jsonInput struct {
	Op       string      `json:"op"`
	Vnet     int32       `json:"vnet"`
	Name     string      `json:"name,omitempty"`
	NewName  string      `json:"new_name,omitempty"`
	Params   *jsonParams `json:"params,omitempty"`
	Count    *int        `json:"count,omitempty"`
	NoBuffer bool        `json:"no_buffer,omitempty"`
	Jail     *int32      `json:"jail,omitempty"`
	Driver   string      `json:"driver,omitempty"`
	Drivers  []string    `json:"drivers,omitempty"`
}

type jsonOutput struct {
	Err     string   `json:"err,omitempty"`
	Name    string   `json:"name,omitempty"`
	Total   *int     `json:"total,omitempty"`
	Names   []string `json:"names,omitempty"`
	Unknown bool     `json:"unknown,omitempty"`
}

// WriteJSON writes h as JSON.
func WriteJSON(w io.Writer, h History) error {
	jh := jsonHistory{Operations: make([]jsonOp, len(h))}
	for i, op := range h {
		jo := jsonOp{ID: op.ID, Thread: op.Thread, Call: op.Call, Input: encodeInput(op.Input), Output: encodeOutput(op.Input, op.Output)}
		if op.Return != Infinity {
			ret := op.Return
			jo.Return = &ret
		}
		jh.Operations[i] = jo
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(jh)
}

// ReadJSON reads a history WriteJSON wrote.
func ReadJSON(r io.Reader) (History, error) {
	var jh jsonHistory
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&jh); err != nil {
		return nil, err
	}
	h := make(History, len(jh.Operations))
	for i, jo := range jh.Operations {
		in, err := decodeInput(jo.Input)
		if err != nil {
			return nil, fmt.Errorf("operation %d: %w", jo.ID, err)
		}
		out, err := decodeOutput(in, jo.Output)
		if err != nil {
			return nil, fmt.Errorf("operation %d: %w", jo.ID, err)
		}
		ret := Infinity
		if jo.Return != nil {
			ret = *jo.Return
		}
		h[i] = Operation{ID: jo.ID, Thread: jo.Thread, Call: jo.Call, Return: ret, Input: in, Output: out}
	}
	return h, h.Validate()
}

func i32p(v model.VnetID) *int32 { x := int32(v); return &x }

func encodeInput(in model.Input) jsonInput {
	j := jsonInput{Op: in.Kind(), Vnet: int32(in.Caller())}
	switch in := in.(type) {
	case model.Create:
		j.Name = in.Name
		if in.Params.Set {
			j.Params = &jsonParams{Parent: in.Params.Parent, Vid: in.Params.Vid}
		}
	case model.Destroy:
		j.Name = in.Name
	case model.ListCloners:
		c := in.Count
		j.Count, j.NoBuffer = &c, in.NoBuffer
	case model.Rename:
		j.Name, j.NewName = in.Name, in.NewName
	case model.VmoveLoan:
		j.Name, j.Jail = in.Name, i32p(in.Jail)
	case model.VmoveReclaim:
		j.Name, j.Jail = in.Name, i32p(in.Jail)
	case model.AttachCloner:
		j.Driver = in.Driver.String()
	case model.DetachCloner:
		j.Driver = in.Driver.String()
	case model.KldLoad:
		j.Driver = in.Driver.String()
	case model.KldUnload:
		j.Driver = in.Driver.String()
	case model.VnetCreate:
		j.Jail = i32p(in.Child)
		for d := model.DriverLo; d <= model.DriverVlan; d++ {
			if in.Drivers.Has(d) {
				j.Drivers = append(j.Drivers, d.String())
			}
		}
	case model.VnetDestroy:
		j.Jail = i32p(in.Jail)
	}
	return j
}

func decodeInput(j jsonInput) (model.Input, error) {
	v := model.VnetID(j.Vnet)
	jail := func() (model.VnetID, error) {
		if j.Jail == nil {
			return 0, fmt.Errorf("%s without jail", j.Op)
		}
		return model.VnetID(*j.Jail), nil
	}
	driver := func(name string) (model.Driver, error) {
		d, ok := model.DriverByName(name)
		if !ok {
			return 0, fmt.Errorf("unknown driver %q", name)
		}
		return d, nil
	}
	switch j.Op {
	case "create":
		c := model.Create{Vnet: v, Name: j.Name}
		if j.Params != nil {
			c.Params = model.VlanParams{Set: true, Parent: j.Params.Parent, Vid: j.Params.Vid}
		}
		return c, nil
	case "destroy":
		return model.Destroy{Vnet: v, Name: j.Name}, nil
	case "list_cloners":
		if j.Count == nil {
			return nil, fmt.Errorf("list_cloners without count")
		}
		return model.ListCloners{Vnet: v, Count: *j.Count, NoBuffer: j.NoBuffer}, nil
	case "rename":
		return model.Rename{Vnet: v, Name: j.Name, NewName: j.NewName}, nil
	case "vmove_loan", "vmove_reclaim":
		jl, err := jail()
		if err != nil {
			return nil, err
		}
		if j.Op == "vmove_loan" {
			return model.VmoveLoan{Vnet: v, Name: j.Name, Jail: jl}, nil
		}
		return model.VmoveReclaim{Vnet: v, Name: j.Name, Jail: jl}, nil
	case "attach_cloner", "detach_cloner":
		d, err := driver(j.Driver)
		if err != nil {
			return nil, err
		}
		if j.Op == "attach_cloner" {
			return model.AttachCloner{Vnet: v, Driver: d}, nil
		}
		return model.DetachCloner{Vnet: v, Driver: d}, nil
	case "kldload", "kldunload":
		d, err := driver(j.Driver)
		if err != nil {
			return nil, err
		}
		if j.Op == "kldload" {
			return model.KldLoad{Vnet: v, Driver: d}, nil
		}
		return model.KldUnload{Vnet: v, Driver: d}, nil
	case "vnet_create":
		jl, err := jail()
		if err != nil {
			return nil, err
		}
		var set model.DriverSet
		for _, n := range j.Drivers {
			d, err := driver(n)
			if err != nil {
				return nil, err
			}
			set |= model.Drivers(d)
		}
		return model.VnetCreate{Vnet: v, Child: jl, Drivers: set}, nil
	case "vnet_destroy":
		jl, err := jail()
		if err != nil {
			return nil, err
		}
		return model.VnetDestroy{Vnet: v, Jail: jl}, nil
	}
	return nil, fmt.Errorf("unknown operation %q", j.Op)
}

func encodeOutput(in model.Input, o model.Output) jsonOutput {
	if o.Unknown {
		return jsonOutput{Unknown: true}
	}
	j := jsonOutput{Name: o.Name, Names: o.Names}
	if o.Err != 0 {
		j.Err = o.Err.String()
	}
	if _, ok := in.(model.ListCloners); ok && o.Err == 0 {
		t := o.Total
		j.Total = &t
		if o.Names == nil {
			j.Names = nil
		} else if len(o.Names) == 0 {
			j.Names = []string{}
		}
	}
	return j
}

func decodeOutput(in model.Input, j jsonOutput) (model.Output, error) {
	if j.Unknown {
		return model.UnknownOutput, nil
	}
	if _, list := in.(model.ListCloners); j.Total != nil && (!list || j.Err != "") {
		// Only a successful SIOCIFGCLONERS has a total (encodeOutput
		// writes it nowhere else), so anything else would not round-trip.
		return model.Output{}, fmt.Errorf("\"total\" on an output that is not a successful list_cloners")
	}
	o := model.Output{Name: j.Name, Names: j.Names}
	if j.Err != "" {
		e, ok := model.ParseErrno(strings.TrimSpace(j.Err))
		if !ok {
			return o, fmt.Errorf("unknown errno %q", j.Err)
		}
		o.Err = e
	}
	if j.Total != nil {
		o.Total = *j.Total
		if o.Names == nil && j.Names != nil {
			o.Names = []string{}
		}
	}
	return o, nil
}
