// SPDX-License-Identifier: BSD-2-Clause

// Package drv is a port for drvtest's tests of EveryCFunctionPorted.
package drv

// Foo is foo (drv.c:10).
func Foo() {}

// barBaz is bar_baz (drv.c:20), with more to say.
func barBaz() {}

// Other has no C counterpart.
func Other() {}
