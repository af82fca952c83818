// SPDX-License-Identifier: BSD-2-Clause

package model

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
