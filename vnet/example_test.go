// SPDX-License-Identifier: BSD-2-Clause

package vnet_test

import (
	"fmt"

	"kcheck/kern"
	"kcheck/vnet"
)

// A per-vnet variable, a per-vnet constructor and a vnet of our own:
// V_ifcount starts from its master value in every vnet, the constructor
// runs in each with curvnet set, and CURVNET_SET/RESTORE switch the vnet
// the V_ accessor sees.
func Example() {
	k := kern.NewKernel(kern.Config{})
	td := k.Thread0()

	ifcount := vnet.Define(td, "ifcount", 1) // VNET_DEFINE(int, ifcount) = 1
	vnet.VNET_SYSINIT(k, "count_lo", kern.SI_SUB_INIT_IF, kern.SI_ORDER_ANY,
		func(td *kern.Thread, _ any) { *ifcount.V(td) += 1 }, nil)
	k.Boot(td) // vnet0 exists from SI_SUB_VNET on

	v := vnet.VnetAlloc(td)
	saved := vnet.CurvnetSet(td, v)
	*ifcount.V(td) += 10 // V_ifcount += 10 in v only
	vnet.CurvnetRestore(td, saved)

	vnet0 := vnet.Of(k).Vnet0()
	fmt.Println("vnet0:", *ifcount.Get(vnet0), "v:", *ifcount.Get(v))
	fmt.Println("state:", v.State() == kern.SI_SUB_VNET_DONE)

	vnet.VnetDestroy(td, v)
	k.Shutdown(td)
	fmt.Println("M_VNET live:", k.MallocType("vnet", "").Live())
	// Output:
	// vnet0: 2 v: 12
	// state: true
	// M_VNET live: 0
}

// CURVNET_SET inside CURVNET_SET is logged once per call site, as
// VNET_DEBUG kernels print it.
func ExampleCurvnetSet() {
	k := kern.NewKernel(kern.Config{})
	td := k.Thread0()
	s := vnet.Of(k) // before Boot: it registers vnet0_init
	k.Boot(td)
	v := vnet.VnetAlloc(td)

	for range 3 {
		outer := vnet.CurvnetSet(td, s.Vnet0())
		inner := vnet.CurvnetSet(td, v) // recursion: logged the first time only
		vnet.CurvnetRestore(td, inner)
		vnet.CurvnetRestore(td, outer)
	}
	for _, r := range s.Recursions() {
		fmt.Println(r.Where_fn, "prev in", r.Prev_fn)
	}
	// Output:
	// vnet_test.ExampleCurvnetSet prev in vnet_test.ExampleCurvnetSet
}
