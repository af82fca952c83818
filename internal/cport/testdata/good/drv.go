// SPDX-License-Identifier: BSD-2-Clause

// Package drv is a port for the tests of package cport.
package drv

// Foo is foo (drv.c:10).
func Foo() {}

// barBaz is bar_baz (drv.c:20), with more to say.
func barBaz() {}

// Other has no C counterpart.
func Other() {}

// QUUX is QUUX (drv.c:40): a macro kept in capitals.
const QUUX = 1

// Grouped declarations' shared comments are not claims.
var (
	// eek is eek (drv.c:50).
	eek int
)

// oddName is odd_one (drv.c:60), named by the table.
func oddName() {}

// WrappedName is
// wrapped_name (drv.c:70): a first sentence over two lines.
func WrappedName() {}

// At is AT_MACRO(a, b) (drv.c:80): a macro named with its arguments.
func At() {}
