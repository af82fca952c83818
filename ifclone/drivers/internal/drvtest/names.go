// SPDX-License-Identifier: BSD-2-Clause

package drvtest

import (
	"testing"

	"kcheck/ifclone"
	"kcheck/kern"
	"kcheck/model"
	"kcheck/vnet"
)

// NameCheck is what a driver's name fuzz target checks for one input: the
// operations run on a kernel booted with Loads and are stepped beside the
// specification booted with Drivers; every answer must be the model's,
// nothing may panic, and once everything left is destroyed and the kernel
// shut down nothing may stay allocated (but the malloc types in Leaks, a
// documented finding).
type NameCheck struct {
	Loads   []func(td *kern.Thread) kern.Errno
	Drivers []model.Driver
	// Create2 is SIOCIFCREATE2 with the operation's parameters; nil: the
	// parameters go in user memory that the driver does not read.
	Create2 func(td *kern.Thread, v *vnet.Vnet, name, parent string, vid uint16) (string, kern.Errno)
	Leaks   []string
}

// Run checks ops (creates and destroys) against the model.
func (c NameCheck) Run(t *testing.T, ops []model.Input) {
	t.Helper()
	k, td, v0 := Boot(t, kern.Config{WitnessRecord: true}, c.Loads...)
	sp := model.New(model.Config{Boot: model.Drivers(c.Drivers...)})
	s := sp.Init()
	create2 := c.Create2
	if create2 == nil {
		create2 = unreadParams
	}
	for i, in := range ops {
		var got model.Output
		switch in := in.(type) {
		case model.Create:
			var name string
			var err kern.Errno
			if in.Params.Set {
				name, err = create2(td, v0, in.Name, in.Params.Parent, in.Params.Vid)
			} else {
				name, err = Create(td, v0, in.Name)
			}
			got = model.Fail(model.Errno(err))
			if err == 0 {
				got = model.Output{Name: model.OutName(name)}
			}
		case model.Destroy:
			got = model.Fail(model.Errno(Destroy(td, v0, in.Name)))
		}
		want, next := sp.Apply(s, in)
		if !got.Equal(want) {
			t.Fatalf("op %d %v: port %v, model %v\noperations: %v", i, in, got, want, ops)
		}
		s = next
	}
	// Destroy what is left; a vlan that is a trunk refuses until the
	// vlans on it are gone, so go round a few times.
	for pass := 0; pass < 4; pass++ {
		for _, n := range Names(td, v0) {
			if n != "lo0" {
				Destroy(td, v0, n)
			}
		}
	}
	if names := Names(td, v0); len(names) > 1 || (len(names) == 1 && names[0] != "lo0") {
		t.Fatalf("interfaces left: %v", names)
	}
	k.Shutdown(td)
	AssertAllFreed(t, k, c.Leaks...)
}

// unreadParams is SIOCIFCREATE2 with parameter bytes in user memory, for
// a driver that does not read them.
func unreadParams(td *kern.Thread, v *vnet.Vnet, name, _ string, _ uint16) (string, kern.Errno) {
	r := Ifreq(name)
	r.IfrData = td.K.UserMap(make([]byte, 20))
	defer td.K.UserUnmap(r.IfrData)
	err := ifclone.Ifioctl(td, &ifclone.Socket{SoVnet: v}, ifclone.SIOCIFCREATE2, r)
	return kern.CString(r.IfrName[:]), err
}
