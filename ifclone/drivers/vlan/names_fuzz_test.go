// SPDX-License-Identifier: BSD-2-Clause

package vlan_test

import (
	"testing"

	"kcheck/ifclone/drivers/epair"
	"kcheck/ifclone/drivers/internal/drvtest"
	"kcheck/ifclone/drivers/vlan"
	"kcheck/kern"
	"kcheck/model"
)

// FuzzVlanNames gives vlan's cloner arbitrary create and destroy names
// (NUL bytes, any length, any bytes) through SIOCIFCREATE, SIOCIFCREATE2
// and SIOCIFDESTROY and steps the specification (package model, booted
// with the same drivers) beside it: every answer must be the model's.
// Nothing may panic or leak. The rules at stake:
// vlan_clone_match (if_vlan.c:992), vlan_clone_match_ethervid
// (if_vlan.c:960) and vlan_clone_create (if_vlan.c:1014): ifc_name2unit
// first, then <parent>.<vid> split at the last dot, else ENXIO; with
// SIOCIFCREATE2, the vlanreq parent first.
func FuzzVlanNames(f *testing.F) {
	for _, s := range []string{"vlan", "vlan0", "vlan01", "vlan7777777777", "vlan2147483648", "vlan32768", "vlanx", "epair0a.5", "epair0a.0", "epair0a.4095", "epair0a.4096", "epair0a.65541", "epair0a.", "epair0b.x", "epair0a.5.6", "epair9a.5", "vlan0.4096", "epair0a\x00.5", "\x00", "x\x00y", "abcdefghijklmno", "abcdefghijklmnop", "abcdefghijklmnopq", "\xff\xfe"} {
		f.Add(s, "vlan", "epair0a", uint16(5))
		f.Add("vlan", s, s, uint16(0))
	}
	f.Fuzz(func(t *testing.T, a, b, c string, vid uint16) {
		k, td, v0 := drvtest.Boot(t, kern.Config{WitnessRecord: true}, epair.Load, vlan.Load)
		sp := model.New(model.Config{Boot: model.Drivers(model.DriverEpair, model.DriverVlan)})
		s := sp.Init()
		ops := []model.Input{
			model.Create{Name: "epair"},
			model.Create{Name: a},
			model.Create{Name: b, Params: model.VlanParams{Set: true, Parent: c, Vid: vid}},
			model.Create{Name: c},
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
