// SPDX-License-Identifier: BSD-2-Clause

package drv

// Qux is qux (drv.c:30); test files are not looked at.
func Qux() {}
