// SPDX-License-Identifier: BSD-2-Clause

package tuntap_test

import (
	"testing"

	"kcheck/ifclone"
	"kcheck/ifclone/drivers/internal/drvtest"
	"kcheck/ifclone/drivers/tuntap"
	"kcheck/kern"
	"kcheck/model"
	"kcheck/vnet"
)

// FuzzTuntapNames gives tun, tap and vmnet's cloner arbitrary create and destroy names
// (NUL bytes, any length, any bytes) through SIOCIFCREATE, SIOCIFCREATE2
// and SIOCIFDESTROY and steps the specification (package model, booted
// with the same drivers) beside it: every answer must be the model's.
// Nothing may panic or leak. The rules at stake:
// tuntap_name2info (if_tuntap.c:402) with dev_stdclone (kern_conf.c:1252):
// the bare name, or a unit without leading zero up to 0xffffff.
func FuzzTuntapNames(f *testing.F) {
	for _, s := range []string{"tun", "tap", "vmnet", "tun0", "tun-1", "tun007", "tap00", "vmnet1", "tun16777215", "tun16777216", "tun4294967296", "tun1x", "tu", "tun\x001", "\x00", "x\x00y", "abcdefghijklmno", "abcdefghijklmnop", "abcdefghijklmnopq", "\xff\xfe"} {
		f.Add(s, "tun", "", uint16(5))
		f.Add("tun", s, s, uint16(0))
	}
	f.Fuzz(func(t *testing.T, a, b, c string, vid uint16) {
		k, td, v0 := drvtest.Boot(t, kern.Config{WitnessRecord: true}, tuntap.Load)
		sp := model.New(model.Config{Boot: model.Drivers(model.DriverTuntap)})
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
		drvtest.AssertAllFreed(t, k, "DEVFS1")
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
