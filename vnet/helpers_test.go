// SPDX-License-Identifier: BSD-2-Clause

package vnet_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"kcheck/kern"
	"kcheck/vnet"
)

// boot makes a kernel, sets up its vnet state and boots it on thread0.
func boot(t testing.TB, cfg kern.Config) (*kern.Kernel, *kern.Thread, *vnet.State) {
	t.Helper()
	k := kern.NewKernel(cfg)
	s := vnet.Of(k)
	td := k.Thread0()
	k.Boot(td)
	require.NotNil(t, s.Vnet0(), "vnet0 after boot")
	require.Nil(t, vnet.Curvnet(td), "vnet_init_done clears the boot thread's curvnet")
	return k, td, s
}

// live is the number of live objects of a malloc type.
func live(k *kern.Kernel, shortdesc string) int64 { return k.MallocType(shortdesc, "").Live() }

// shutdown runs the SYSUNINITs and checks that no vnet memory is left.
func shutdown(t testing.TB, k *kern.Kernel) {
	t.Helper()
	k.Shutdown(k.Thread0())
	require.Zero(t, live(k, "vnet"), "M_VNET objects left")
	require.Zero(t, live(k, "vnet_data"), "M_VNET_DATA objects left")
}

// mustPanic runs fn and returns the *kern.Panic it raised; the message must
// contain every one of want.
func mustPanic(t testing.TB, fn func(), want ...string) (p *kern.Panic) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		require.NotNil(t, r, "expected a kernel panic")
		var ok bool
		p, ok = r.(*kern.Panic)
		require.Truef(t, ok, "panic value is %T (%v), not *kern.Panic", r, r)
		for _, w := range want {
			require.Containsf(t, p.Msg, w, "panic message %q", p.Msg)
		}
	}()
	fn()
	return nil
}

// vnets lists the kernel's vnets (VNET_FOREACH under VNET_LIST_RLOCK).
func vnets(td *kern.Thread) []*vnet.Vnet {
	var out []*vnet.Vnet
	vnet.VnetListRlock(td)
	for v := range vnet.VnetForeach(td.K) {
		out = append(out, v)
	}
	vnet.VnetListRunlock(td)
	return out
}

func inList(td *kern.Thread, v *vnet.Vnet) bool {
	for _, x := range vnets(td) {
		if x == v {
			return true
		}
	}
	return false
}

func hasAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
