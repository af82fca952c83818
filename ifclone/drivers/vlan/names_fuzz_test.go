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
	check := drvtest.NameCheck{
		Loads:   []func(td *kern.Thread) kern.Errno{epair.Load, vlan.Load},
		Drivers: []model.Driver{model.DriverEpair, model.DriverVlan},
		Create2: create2,
	}
	f.Fuzz(func(t *testing.T, a, b, c string, vid uint16) {
		check.Run(t, []model.Input{
			model.Create{Name: "epair"},
			model.Create{Name: a},
			model.Create{Name: b, Params: model.VlanParams{Set: true, Parent: c, Vid: vid}},
			model.Create{Name: c},
			model.Destroy{Name: b},
			model.Destroy{Name: a},
		})
	})
}
