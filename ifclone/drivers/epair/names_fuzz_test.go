// SPDX-License-Identifier: BSD-2-Clause

package epair_test

import (
	"testing"

	"kcheck/ifclone/drivers/epair"
	"kcheck/ifclone/drivers/internal/drvtest"
	"kcheck/kern"
	"kcheck/model"
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
	check := drvtest.NameCheck{
		Loads:   []func(td *kern.Thread) kern.Errno{epair.Load},
		Drivers: []model.Driver{model.DriverEpair},
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
