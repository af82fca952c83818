// SPDX-License-Identifier: BSD-2-Clause

package triage

import (
	"kcheck/kern"
	"kcheck/model"
)

func parseSchedule(s string) (kern.Schedule, error) { return kern.ParseSchedule(s) }
func relaxedMode() model.Mode                       { return model.Relaxed }
