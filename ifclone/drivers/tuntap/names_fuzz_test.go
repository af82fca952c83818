// SPDX-License-Identifier: BSD-2-Clause

package tuntap_test

import (
	"testing"

	"kcheck/ifclone/drivers/internal/drvtest"
	"kcheck/ifclone/drivers/tuntap"
	"kcheck/kern"
	"kcheck/model"
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
	check := drvtest.NameCheck{
		Loads:   []func(td *kern.Thread) kern.Errno{tuntap.Load},
		Drivers: []model.Driver{model.DriverTuntap},
		Leaks:   []string{"DEVFS1"},
	}
	f.Fuzz(func(t *testing.T, a, b, c string, vid uint16) {
		check.Run(t, []model.Input{
			model.Create{Name: a},
			model.Create{Name: b},
			model.Create{Name: c, Params: model.VlanParams{Set: true}},
			model.Destroy{Name: b},
			model.Destroy{Name: a},
		})
	})
}
