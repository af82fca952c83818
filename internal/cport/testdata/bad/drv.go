// SPDX-License-Identifier: BSD-2-Clause

// Package drv is a port for the tests of package cport, with
// the mistakes it catches.
package drv

// Foo is foo (drv.c:10).
func Foo() {}

// Foo2 is foo (drv.c:11).
func Foo2() {}

// Bar is bar (drv.c:20).
func Baz() {}
