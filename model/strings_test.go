// SPDX-License-Identifier: BSD-2-Clause

package model

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNamesAndStrings(t *testing.T) {
	for _, e := range []Errno{0, EPERM, ENOENT, ENXIO, ENOMEM, EFAULT, EBUSY, EEXIST, ENODEV, EINVAL, ENOSPC, EPROTONOSUPPORT, EOPNOTSUPP, ENAMETOOLONG, 99} {
		got, ok := ParseErrno(e.String())
		assert.True(t, ok, e.String())
		assert.Equal(t, e, got)
	}
	_, ok := ParseErrno("EWHAT")
	assert.False(t, ok)
	for _, c := range Cloners() {
		got, ok := ClonerByName(c.String())
		assert.True(t, ok)
		assert.Equal(t, c, got)
		assert.NotEqual(t, NoDriver, DriverOf(c))
	}
	for d := DriverLo; d < numDrivers; d++ {
		got, ok := DriverByName(d.String())
		assert.True(t, ok)
		assert.Equal(t, d, got)
	}
	assert.Equal(t, "{lo,tuntap}", Drivers(DriverLo, DriverTuntap).String())
	assert.Equal(t, "strict", Strict.String())
	assert.Equal(t, "relaxed", Relaxed.String())

	for in, want := range map[Input]string{
		Create{Name: "epair"}: `v0 create("epair") -> "epair0a"`,
		Create{Vnet: 1, Name: "vlan", Params: VlanParams{Set: true, Parent: "epair0a", Vid: 5}}: `v1 create("vlan", parent="epair0a" vid=5) -> EEXIST`,
		Destroy{Name: "disc0"}:                    `v0 destroy("disc0") -> OK`,
		ListCloners{Count: 2}:                     `v0 list_cloners(count=2) -> total=7 [vlan vmnet]`,
		ListCloners{NoBuffer: true}:               `v0 list_cloners(count=0, nobuf) -> ?`,
		Rename{Name: "a", NewName: "b"}:           `v0 rename("a" -> "b") -> OK`,
		VmoveLoan{Name: "a", Jail: 2}:             `v0 vmove_loan("a" -> jail 2) -> OK`,
		VmoveReclaim{Name: "a", Jail: 2}:          `v0 vmove_reclaim("a" <- jail 2) -> OK`,
		AttachCloner{Driver: DriverVlan}:          `v0 attach(vlan) -> OK`,
		DetachCloner{Driver: DriverTuntap}:        `v0 detach(tuntap) -> OK`,
		VnetCreate{Child: 3}:                      `v0 vnet_create(3) -> OK`,
		VnetCreate{Child: 3, Drivers: AllDrivers}: `v0 vnet_create(3, {lo,disc,epair,tuntap,vlan}) -> OK`,
		VnetDestroy{Jail: 3}:                      `v0 vnet_destroy(3) -> OK`,
	} {
		out := Ok
		switch in.(type) {
		case Create:
			out = named("epair0a")
			if in.Caller() == 1 {
				out = Fail(EEXIST)
			}
		case ListCloners:
			out = Output{Total: 7, Names: []string{"vlan", "vmnet"}}
			if in.(ListCloners).NoBuffer {
				out = UnknownOutput
			}
		}
		assert.Equal(t, want, DescribeOperation(in, out))
		assert.NotEmpty(t, in.Kind())
	}
	sp := strict()
	s := sp.Init()
	_, s = sp.Apply(s, Create{Name: "epair"})
	_, s = sp.Apply(s, Create{Name: "epair0a.5"})
	_, s = sp.Apply(s, VnetCreate{Child: 1})
	_, s = sp.Apply(s, VmoveLoan{Name: "epair0b", Jail: 1})
	assert.Equal(t, "v0[vlan,vmnet,tap,tun,epair,disc,lo]{lo0 epair0a epair0a.5(vlan-1@v0)<epair0a@v0.5>} v1[vlan,vmnet,tap,tun,epair,disc,lo]{epair0b(epair0b@v0) lo0}", s.String())
	assert.Len(t, s.Vnets(), 2)
	assert.Equal(t, Strict, sp.Mode())
	_, ok = s.Lookup(0, "epair0b")
	assert.False(t, ok)
}
