// SPDX-License-Identifier: BSD-2-Clause

package loop_test

import (
	"testing"

	"kcheck/ifclone/drivers/internal/drvtest"
	"kcheck/ifclone/drivers/loop"
	"kcheck/kern"
	"kcheck/model"
)

// FuzzLoNames gives lo's cloner arbitrary create and destroy names
// (NUL bytes, any length, any bytes) through SIOCIFCREATE, SIOCIFCREATE2
// and SIOCIFDESTROY and steps the specification (package model, booted
// with the same drivers) beside it: every answer must be the model's.
// Nothing may panic or leak. The rules at stake:
// ifc_simple_match (if_clone.c:789) and ifc_name2unit (if_clone.c:698),
// and lo0 refusing a destroy.
func FuzzLoNames(f *testing.F) {
	for _, s := range []string{"lo", "lo0", "lo1", "lo01", "lofoo", "lo\x001", "lo2147483647", "lo2147483648", "lo32767", "lo32768", "lo7777777777", "lo123456789012345", "\x00", "x\x00y", "abcdefghijklmno", "abcdefghijklmnop", "abcdefghijklmnopq", "\xff\xfe"} {
		f.Add(s, "lo", "", uint16(5))
		f.Add("lo", s, s, uint16(0))
	}
	check := drvtest.NameCheck{
		Loads:   []func(td *kern.Thread) kern.Errno{loop.Load},
		Drivers: []model.Driver{model.DriverLo},
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
