// SPDX-License-Identifier: BSD-2-Clause

package disc_test

import (
	"testing"

	"kcheck/ifclone/drivers/disc"
	"kcheck/ifclone/drivers/internal/drvtest"
	"kcheck/kern"
	"kcheck/model"
)

// FuzzDiscNames gives disc's cloner arbitrary create and destroy names
// (NUL bytes, any length, any bytes) through SIOCIFCREATE, SIOCIFCREATE2
// and SIOCIFDESTROY and steps the specification (package model, booted
// with the same drivers) beside it: every answer must be the model's.
// Nothing may panic or leak. The rules at stake:
// ifc_simple_match (if_clone.c:789) and ifc_name2unit (if_clone.c:698).
func FuzzDiscNames(f *testing.F) {
	for _, s := range []string{"disc", "disc0", "disc007", "discx", "disc\x005", "disc2147483648", "disc32768", "disc-1", "dis", "disc99999999999", "\x00", "x\x00y", "abcdefghijklmno", "abcdefghijklmnop", "abcdefghijklmnopq", "\xff\xfe"} {
		f.Add(s, "disc", "", uint16(5))
		f.Add("disc", s, s, uint16(0))
	}
	check := drvtest.NameCheck{
		Loads:   []func(td *kern.Thread) kern.Errno{disc.Load},
		Drivers: []model.Driver{model.DriverDisc},
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
