// SPDX-License-Identifier: BSD-2-Clause

package epair_test

import (
	"testing"

	"kcheck/ifclone"
	"kcheck/ifclone/drivers/epair"
	"kcheck/ifclone/drivers/internal/drvtest"
	"kcheck/kern"
	"kcheck/model"
	"kcheck/vnet"
)

// FuzzEpairNames gives epair's cloner arbitrary create and destroy names
// (NUL bytes, any length, any bytes) through SIOCIFCREATE, SIOCIFCREATE2
// and SIOCIFDESTROY and steps the specification (package model, booted
// with the same drivers) beside it: every answer must be the model's.
// Nothing may panic or leak. The rules at stake:
// epair_clone_match (if_epair.c:465) and epair_handle_unit
// (if_epair.c:633): no end letter in a create name, both ends named after
// the unit, and destroying either end destroys both.
func FuzzEpairNames(f *testing.F) {
	for _, s := range []string{"epair", "epair0", "epair0a", "epair0b", "epair0c", "epair00", "epair\x000", "epair32767", "epair32768", "epair2147483648", "epair0a.5", "\x00", "x\x00y", "abcdefghijklmno", "abcdefghijklmnop", "abcdefghijklmnopq", "\xff\xfe"} {
		f.Add(s, "epair", "", uint16(5))
		f.Add("epair", s, s, uint16(0))
	}
	f.Fuzz(func(t *testing.T, a, b, c string, vid uint16) {
		k, td, v0 := drvtest.Boot(t, kern.Config{WitnessRecord: true}, epair.Load)
		sp := model.New(model.Config{Boot: model.Drivers(model.DriverEpair)})
		s := sp.Init()
		ops := []model.Input{
			model.Create{Name: a},
			model.Create{Name: b},
			model.Create{Name: c, Params: model.VlanParams{Set: true}},
			model.Destroy{Name: b},
			model.Destroy{Name: a},
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
					name, err = drvtest.Create(td, v0, in.Name)
				}
				got = model.Fail(model.Errno(err))
				if err == 0 {
					got = model.Output{Name: model.OutName(name)}
				}
			case model.Destroy:
				got = model.Fail(model.Errno(drvtest.Destroy(td, v0, in.Name)))
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
			for _, n := range drvtest.Names(td, v0) {
				if n != "lo0" {
					drvtest.Destroy(td, v0, n)
				}
			}
		}
		if names := drvtest.Names(td, v0); len(names) > 1 || (len(names) == 1 && names[0] != "lo0") {
			t.Fatalf("interfaces left: %v", names)
		}
		k.Shutdown(td)
		drvtest.AssertAllFreed(t, k)
	})
}

// create2 is SIOCIFCREATE2 with parameter bytes in user memory, which
// this driver does not read.
func create2(td *kern.Thread, v *vnet.Vnet, name, _ string, _ uint16) (string, kern.Errno) {
	r := drvtest.Ifreq(name)
	r.IfrData = td.K.UserMap(make([]byte, 20))
	defer td.K.UserUnmap(r.IfrData)
	err := ifclone.Ifioctl(td, &ifclone.Socket{SoVnet: v}, ifclone.SIOCIFCREATE2, r)
	return kern.CString(r.IfrName[:]), err
}
