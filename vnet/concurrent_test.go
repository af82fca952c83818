// SPDX-License-Identifier: BSD-2-Clause

package vnet_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"kcheck/kern"
	"kcheck/vnet"
)

// lifecycle runs vnet creation and destruction against run-time
// registration of constructors and destructors and a global iterator, and
// returns the run's outcome and the kernel.
func lifecycle(cfg kern.Config) (*kern.Kernel, *kern.RunResult) {
	k := kern.NewKernel(cfg)
	td0 := k.Thread0()
	counter := vnet.Define(td0, "counter", 0)
	k.Boot(td0)
	var ctor, dtor atomic.Int64
	for i := range 2 {
		k.Go(fmt.Sprintf("life%d", i), func(td *kern.Thread) {
			for range 2 {
				v := vnet.VnetAlloc(td)
				saved := vnet.CurvnetSet(td, v)
				*counter.V(td)++
				vnet.CurvnetRestore(td, saved)
				vnet.VnetDestroy(td, v)
			}
		})
	}
	k.Go("module", func(td *kern.Thread) {
		vs := &vnet.VnetSysinit{Subsystem: kern.SI_SUB_PSEUDO, Name: "mod_init",
			Func: func(td *kern.Thread, _ any) { ctor.Add(1); *counter.V(td) += 10 }}
		vu := &vnet.VnetSysinit{Subsystem: kern.SI_SUB_PSEUDO, Name: "mod_uninit",
			Func: func(td *kern.Thread, _ any) { dtor.Add(1) }}
		vnet.VnetRegisterSysinit(td, vs)
		vnet.VnetRegisterSysuninit(td, vu)
		vnet.VnetDeregisterSysuninit(td, vu)
		vnet.VnetDeregisterSysinit(td, vs)
	})
	k.Go("iterator", func(td *kern.Thread) {
		vnet.VnetGlobalEventhandlerIteratorFunc(td, func(td *kern.Thread) {
			if vnet.Curvnet(td).Vnet_shutdown.Load() {
				kern.Panicf(td, "iterator reached a vnet in shutdown")
			}
		})
	})
	res := k.Run()
	if res.OK() && dtor.Load() < 1 {
		res.Panic = &kern.Panic{Msg: "the module's destructor never ran on vnet0"}
	}
	return k, res
}

// TestVnetLifecycleConcurrent: under random and PCT schedules, and free
// running, the life cycle never panics, deadlocks or reverses a lock
// order, and leaves no memory behind.
func TestVnetLifecycleConcurrent(t *testing.T) {
	seeds := uint64(60)
	if testing.Short() {
		seeds = 20
	}
	var cfgs []kern.Config
	for seed := range seeds {
		cfgs = append(cfgs, kern.Config{Chooser: kern.NewRandom(seed)}, kern.Config{Chooser: kern.NewPCT(seed, 3, 400)})
	}
	cfgs = append(cfgs, kern.Config{Native: true})
	for i, cfg := range cfgs {
		k, res := lifecycle(cfg)
		require.Truef(t, res.OK(), "config %d: %v", i, res)
		require.Len(t, vnets(k.Thread0()), 1, "config %d", i)
		shutdown(t, k)
	}
}
