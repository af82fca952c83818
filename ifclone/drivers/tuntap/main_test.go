// SPDX-License-Identifier: BSD-2-Clause

package tuntap_test

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
