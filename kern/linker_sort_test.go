// SPDX-License-Identifier: BSD-2-Clause

package kern

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func names(s []*Sysinit) []string {
	var out []string
	for _, x := range s {
		out = append(out, x.Name)
	}
	return out
}

// TestLinkerSortIsTheExchangeSort: linker_file_sysinit and
// linker_file_sysuninit (kern_linker.c) sort a file's set with an exchange
// sort that is not stable. if_tuntap.c declares vnet_tun_init's and
// vnet_tun_uninit's pairs at (SI_SUB_PROTO_IF, SI_ORDER_ANY), then the
// module at SI_SUB_PSEUDO: on load the module event comes first and the
// smaller entry swapping past the first tie reverses the ties (the
// destructor is registered before the constructor); on unload, three ties
// and nothing else, the set keeps its order (the constructor is
// deregistered first, then the destructor runs, then tun_uninit).
func TestLinkerSortIsTheExchangeSort(t *testing.T) {
	load := []*Sysinit{
		{Name: "vnet_init_vnet_tun_init", Subsystem: SI_SUB_PROTO_IF, Order: SI_ORDER_ANY},
		{Name: "vnet_uninit_vnet_tun_uninit", Subsystem: SI_SUB_PROTO_IF, Order: SI_ORDER_ANY},
		{Name: "if_tuntapmodule", Subsystem: SI_SUB_PSEUDO, Order: SI_ORDER_ANY},
	}
	linkerSortSysinits(load)
	assert.Equal(t, []string{"if_tuntapmodule", "vnet_uninit_vnet_tun_uninit", "vnet_init_vnet_tun_init"}, names(load))

	unload := []*Sysinit{
		{Name: "vnet_init_vnet_tun_init", Subsystem: SI_SUB_PROTO_IF, Order: SI_ORDER_ANY},
		{Name: "vnet_uninit_vnet_tun_uninit", Subsystem: SI_SUB_PROTO_IF, Order: SI_ORDER_ANY},
		{Name: "tun_uninit", Subsystem: SI_SUB_PROTO_IF, Order: SI_ORDER_ANY},
	}
	linkerSortSysuninits(unload)
	assert.Equal(t, []string{"vnet_init_vnet_tun_init", "vnet_uninit_vnet_tun_uninit", "tun_uninit"}, names(unload))

	// Descending with distinct keys: a plain sort.
	mixed := []*Sysinit{
		{Name: "a", Subsystem: SI_SUB_PSEUDO, Order: SI_ORDER_ANY},
		{Name: "b", Subsystem: SI_SUB_INIT_IF, Order: SI_ORDER_ANY},
		{Name: "c", Subsystem: SI_SUB_PROTO_IF, Order: SI_ORDER_FIRST},
	}
	linkerSortSysuninits(mixed)
	assert.Equal(t, []string{"c", "a", "b"}, names(mixed))
}
