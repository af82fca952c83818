// SPDX-License-Identifier: BSD-2-Clause

package model

import (
	"fmt"
	"strconv"
	"strings"
)

// Input is one operation of the specification. Every operation is issued
// by a thread running in a vnet (the field Vnet of each type): the vnet of
// the socket the ioctl goes through, or the jail that acts. The set of
// implementations is closed: the types below.
type Input interface {
	// Caller is the vnet the operation is issued in.
	Caller() VnetID
	// Kind names the operation ("create").
	Kind() string
	String() string
	isInput()
}

// VlanParams is the parameter block of a SIOCIFCREATE2 for vlan (struct
// vlanreq): the parent's name and the tag. Set false means SIOCIFCREATE (no
// parameters). Other cloners ignore it.
type VlanParams struct {
	Set    bool
	Parent string
	Vid    uint16
}

// Create is SIOCIFCREATE(2): if_clone_create(name, params). The output's
// Name is the created interface's name (for epair, the "a" end).
type Create struct {
	Vnet   VnetID
	Name   string
	Params VlanParams
}

// Destroy is SIOCIFDESTROY: if_clone_destroy(name).
type Destroy struct {
	Vnet VnetID
	Name string
}

// ListCloners is SIOCIFGCLONERS: if_clone_list with ifcr_count = Count and
// a buffer, or no buffer when NoBuffer (only the total is returned).
type ListCloners struct {
	Vnet     VnetID
	Count    int
	NoBuffer bool
}

// Rename is SIOCSIFNAME: if_rename of the interface Name to NewName.
type Rename struct {
	Vnet    VnetID
	Name    string
	NewName string
}

// VmoveLoan is SIOCSIFVNET: if_vmove_loan of the interface Name of vnet
// Vnet into the child jail Jail.
type VmoveLoan struct {
	Vnet VnetID
	Name string
	Jail VnetID
}

// VmoveReclaim is SIOCSIFRVNET: if_vmove_reclaim of the interface Name from
// the child jail Jail into the caller's vnet Vnet.
type VmoveReclaim struct {
	Vnet VnetID
	Name string
	Jail VnetID
}

// AttachCloner is a driver's per-vnet initialisation (module load, or the
// VNET_SYSINIT of a new vnet) in vnet Vnet: attaches the driver's cloners,
// and for lo creates lo0.
type AttachCloner struct {
	Vnet   VnetID
	Driver Driver
}

// DetachCloner is a driver's per-vnet uninitialisation in vnet Vnet
// (if_clone_detach of each of its cloners): every interface of those
// cloners is destroyed with IFC_F_FORCE, wherever it is.
type DetachCloner struct {
	Vnet   VnetID
	Driver Driver
}

// VnetCreate creates the jail Child, with a vnet of its own, as a child of
// the caller's jail Vnet, and attaches Drivers there (zero: the
// configuration's boot set) in the configured order.
type VnetCreate struct {
	Vnet    VnetID
	Child   VnetID
	Drivers DriverSet
}

// VnetDestroy removes the jail Jail (a descendant of the caller's) and its
// descendants, deepest first; each vnet's teardown first returns loaned
// interfaces to their home vnets (vnet_if_return), then detaches its
// cloners, which destroy their interfaces wherever they are.
type VnetDestroy struct {
	Vnet VnetID
	Jail VnetID
}

func (Create) isInput()       {}
func (Destroy) isInput()      {}
func (ListCloners) isInput()  {}
func (Rename) isInput()       {}
func (VmoveLoan) isInput()    {}
func (VmoveReclaim) isInput() {}
func (AttachCloner) isInput() {}
func (DetachCloner) isInput() {}
func (VnetCreate) isInput()   {}
func (VnetDestroy) isInput()  {}

func (in Create) Caller() VnetID       { return in.Vnet }
func (in Destroy) Caller() VnetID      { return in.Vnet }
func (in ListCloners) Caller() VnetID  { return in.Vnet }
func (in Rename) Caller() VnetID       { return in.Vnet }
func (in VmoveLoan) Caller() VnetID    { return in.Vnet }
func (in VmoveReclaim) Caller() VnetID { return in.Vnet }
func (in AttachCloner) Caller() VnetID { return in.Vnet }
func (in DetachCloner) Caller() VnetID { return in.Vnet }
func (in VnetCreate) Caller() VnetID   { return in.Vnet }
func (in VnetDestroy) Caller() VnetID  { return in.Vnet }

func (Create) Kind() string       { return "create" }
func (Destroy) Kind() string      { return "destroy" }
func (ListCloners) Kind() string  { return "list_cloners" }
func (Rename) Kind() string       { return "rename" }
func (VmoveLoan) Kind() string    { return "vmove_loan" }
func (VmoveReclaim) Kind() string { return "vmove_reclaim" }
func (AttachCloner) Kind() string { return "attach_cloner" }
func (DetachCloner) Kind() string { return "detach_cloner" }
func (VnetCreate) Kind() string   { return "vnet_create" }
func (VnetDestroy) Kind() string  { return "vnet_destroy" }

func (in Create) String() string {
	if in.Params.Set {
		return fmt.Sprintf("v%d create(%q, parent=%q vid=%d)", in.Vnet, in.Name, in.Params.Parent, in.Params.Vid)
	}
	return fmt.Sprintf("v%d create(%q)", in.Vnet, in.Name)
}
func (in Destroy) String() string { return fmt.Sprintf("v%d destroy(%q)", in.Vnet, in.Name) }
func (in ListCloners) String() string {
	if in.NoBuffer {
		return fmt.Sprintf("v%d list_cloners(count=%d, nobuf)", in.Vnet, in.Count)
	}
	return fmt.Sprintf("v%d list_cloners(count=%d)", in.Vnet, in.Count)
}
func (in Rename) String() string {
	return fmt.Sprintf("v%d rename(%q -> %q)", in.Vnet, in.Name, in.NewName)
}
func (in VmoveLoan) String() string {
	return fmt.Sprintf("v%d vmove_loan(%q -> jail %d)", in.Vnet, in.Name, in.Jail)
}
func (in VmoveReclaim) String() string {
	return fmt.Sprintf("v%d vmove_reclaim(%q <- jail %d)", in.Vnet, in.Name, in.Jail)
}
func (in AttachCloner) String() string {
	return fmt.Sprintf("v%d attach(%s)", in.Vnet, in.Driver)
}
func (in DetachCloner) String() string {
	return fmt.Sprintf("v%d detach(%s)", in.Vnet, in.Driver)
}
func (in VnetCreate) String() string {
	if in.Drivers == 0 {
		return fmt.Sprintf("v%d vnet_create(%d)", in.Vnet, in.Child)
	}
	return fmt.Sprintf("v%d vnet_create(%d, %s)", in.Vnet, in.Child, in.Drivers)
}
func (in VnetDestroy) String() string {
	return fmt.Sprintf("v%d vnet_destroy(%d)", in.Vnet, in.Jail)
}

// Output is what an operation returned. Err is the errno (0: success). Name
// is set by a successful Create; Total and Names by ListCloners (Names only
// when it had a buffer). Unknown marks an operation whose outcome was not
// observed — it was interrupted by a kernel panic, or never returned —
// which may or may not have taken effect.
type Output struct {
	Err     Errno
	Name    string
	Total   int
	Names   []string
	Unknown bool
}

// Ok is the output of a successful operation that returns nothing else.
var Ok = Output{}

// Fail is the output of an operation that failed with e.
func Fail(e Errno) Output { return Output{Err: e} }

// UnknownOutput is the output of an operation with an unobserved outcome.
var UnknownOutput = Output{Unknown: true}

// Equal reports whether two outputs are the same observation.
func (o Output) Equal(p Output) bool {
	if o.Unknown || p.Unknown {
		return o.Unknown == p.Unknown
	}
	if o.Err != p.Err || o.Name != p.Name || o.Total != p.Total || len(o.Names) != len(p.Names) {
		return false
	}
	for i := range o.Names {
		if o.Names[i] != p.Names[i] {
			return false
		}
	}
	return true
}

func (o Output) String() string {
	switch {
	case o.Unknown:
		return "?"
	case o.Err != 0:
		return o.Err.String()
	case o.Name != "":
		return strconv.Quote(o.Name)
	case o.Total != 0 || o.Names != nil:
		return fmt.Sprintf("total=%d [%s]", o.Total, strings.Join(o.Names, " "))
	}
	return "OK"
}

// DescribeOperation renders an operation and its output on one line, for
// visualisations and reports.
func DescribeOperation(in Input, out Output) string {
	return in.String() + " -> " + out.String()
}
