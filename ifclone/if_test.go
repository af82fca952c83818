// SPDX-License-Identifier: BSD-2-Clause

package ifclone

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kcheck/kern"
	"kcheck/vnet"
)

// bootIf makes a controlled kernel with the ifnet layer and boots it.
func bootIf(t testing.TB, cfg kern.Config) (*kern.Kernel, *kern.Thread) {
	t.Helper()
	k := kern.NewKernel(cfg)
	IfnetInit(k)
	td := k.Thread0()
	k.Boot(td)
	require.NotNil(t, vnet.Of(k).Vnet0())
	return k, td
}

func vnet0(k *kern.Kernel) *vnet.Vnet { return vnet.Of(k).Vnet0() }

func live(k *kern.Kernel, shortdesc string) int64 { return k.MallocType(shortdesc, "").Live() }

// mkif allocates, names and attaches an interface in v, as a driver's
// create routine does.
func mkif(td *kern.Thread, v *vnet.Vnet, name string, unit int) *Ifnet {
	saved := vnet.CurvnetSetQuiet(td, v)
	ifp := IfAlloc(td, IFT_OTHER)
	IfInitname(ifp, name, unit)
	IfAttach(td, ifp)
	vnet.CurvnetRestore(td, saved)
	return ifp
}

// rmif detaches and frees an interface, as a driver's destroy routine does.
func rmif(td *kern.Thread, ifp *Ifnet) {
	IfDetach(td, ifp)
	IfFree(td, ifp)
}

// inVnet runs fn with curvnet set to v.
func inVnet(td *kern.Thread, v *vnet.Vnet, fn func()) {
	saved := vnet.CurvnetSetQuiet(td, v)
	defer vnet.CurvnetRestore(td, saved)
	fn()
}

func names(td *kern.Thread, v *vnet.Vnet) []string {
	out := []string{}
	for _, s := range VnetIfnets(td, v) {
		out = append(out, s.Name)
	}
	return out
}

func lookup(td *kern.Thread, v *vnet.Vnet, name string) *Ifnet {
	var ifp *Ifnet
	inVnet(td, v, func() { ifp = Ifunit(td, cstr(name)) })
	return ifp
}

// shutdownIf tears the kernel down and checks that the ifnet layer left
// nothing behind.
func shutdownIf(t testing.TB, k *kern.Kernel) {
	t.Helper()
	k.Shutdown(k.Thread0())
	assert.Zero(t, live(k, "ifnet"), "M_IFNET objects left")
	assert.Zero(t, live(k, "temp"), "M_TEMP objects left")
	assert.Zero(t, live(k, "vnet"), "M_VNET objects left")
}

func mustPanic(t testing.TB, fn func(), want string) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		require.NotNil(t, r, "expected a kernel panic")
		p, ok := r.(*kern.Panic)
		require.Truef(t, ok, "panic value %T (%v)", r, r)
		require.Contains(t, p.Msg, want)
	}()
	fn()
}

func TestIfAllocAttachDetachFree(t *testing.T) {
	k, td := bootIf(t, kern.Config{})
	v0 := vnet0(k)
	base := v0.Vnet_ifcnt.Load()

	// Enough interfaces to make the index table grow past if_indexlim (8).
	var ifps []*Ifnet
	for i := 0; i < 12; i++ {
		ifps = append(ifps, mkif(td, v0, "foo", i))
	}
	assert.Equal(t, base+12, v0.Vnet_ifcnt.Load(), "vnet_ifcnt")
	assert.Equal(t, 16, ifnetOf(k).if_indexlim, "the table doubled once")
	assert.Equal(t, int32(12), ifnetOf(k).if_index.Load())
	for i, ifp := range ifps {
		assert.Equal(t, i+1, ifp.IfIndex, "indexes are handed out in order")
		assert.Equal(t, fmt.Sprintf("foo%d", i), kern.CString(ifp.IfXname[:]))
		assert.Equal(t, v0, ifp.IfVnet)
		assert.Equal(t, v0, ifp.IfHomeVnet)
		assert.Equal(t, uint32(1), ifp.IfRefcount)
		assert.Equal(t, []string{IFG_ALL}, IfGroupNames(td, ifp))
	}
	kern.NetEpochEnter(td)
	assert.Equal(t, ifps[4], IfnetByindex(td, 5))
	assert.Nil(t, IfnetByindex(td, 13), "past if_index")
	kern.NetEpochExit(td)
	// Only the current table is live: the first was freed after the epoch wait.
	assert.Equal(t, int64(12+1), live(k, "ifnet"))

	// A freed index slot is reused, with a new generation.
	gen := ifps[2].if_idxgen
	rmif(td, ifps[2])
	assert.True(t, kern.IsFreed(k, ifps[2]), "no reader: freed at once")
	again := mkif(td, v0, "bar", 0)
	assert.Equal(t, 3, again.IfIndex)
	assert.Equal(t, gen+1, again.if_idxgen)
	kern.NetEpochEnter(td)
	assert.Nil(t, IfnetByindexgen(td, 3, gen), "stale generation")
	assert.Equal(t, again, IfnetByindexgen(td, 3, gen+1))
	kern.NetEpochExit(td)

	// Freeing the top slots lowers if_index.
	rmif(td, ifps[11])
	rmif(td, ifps[10])
	assert.Equal(t, int32(10), ifnetOf(k).if_index.Load())

	rest := []*Ifnet{ifps[0], ifps[1], again}
	rest = append(rest, ifps[3:10]...)
	for _, ifp := range rest {
		rmif(td, ifp)
	}
	assert.Equal(t, base, v0.Vnet_ifcnt.Load())
	assert.Empty(t, names(td, v0))
	assert.Equal(t, int64(1), live(k, "ifnet"), "the index table only")
	shutdownIf(t, k)
}

func TestIfunitRefSkipsDying(t *testing.T) {
	k, td := bootIf(t, kern.Config{})
	v0 := vnet0(k)

	dying := mkif(td, v0, "foo", 0)
	// Marked as if_unlink_ifnet / if_free mark it, while it is still on the
	// list where a reader can meet it.
	dying.IfFlags.Set(dying.IfFlags.Get() | IFF_DYING)
	inVnet(td, v0, func() {
		assert.Same(t, dying, Ifunit(td, cstr("foo0")), "ifunit matches dying interfaces")
		assert.Nil(t, IfunitRef(td, cstr("foo0")), "ifunit_ref skips them")
	})
	assert.Equal(t, uint32(1), dying.IfRefcount, "no reference taken")

	// A new interface of the same name, as a create racing a destroy makes.
	fresh := mkif(td, v0, "foo", 0)
	inVnet(td, v0, func() {
		assert.Same(t, dying, Ifunit(td, cstr("foo0")), "ifunit returns the first on the list")
		got := IfunitRef(td, cstr("foo0"))
		require.Same(t, fresh, got, "ifunit_ref returns the live one")
		assert.Equal(t, uint32(2), fresh.IfRefcount)
		IfRele(td, got)
		assert.Equal(t, uint32(1), fresh.IfRefcount)
		assert.Nil(t, IfunitRef(td, cstr("foo1")))
		// The name is compared over IFNAMSIZ bytes as a C string.
		assert.Same(t, fresh, IfunitRef(td, []byte("foo0\x00garbage")))
		IfRele(td, fresh)
	})

	// ifnet_byindex_ref also skips it.
	kern.NetEpochEnter(td)
	assert.Nil(t, IfnetByindexRef(td, dying.IfIndex))
	got := IfnetByindexRef(td, fresh.IfIndex)
	kern.NetEpochExit(td)
	assert.Same(t, fresh, got)
	IfRele(td, got)

	dying.IfFlags.Set(dying.IfFlags.Get() &^ IFF_DYING)
	rmif(td, dying)
	rmif(td, fresh)
	shutdownIf(t, k)
}

func TestIfRelFreesAfterEpoch(t *testing.T) {
	// if_rele of the last reference frees at once when no reader is in the
	// epoch, and not before if_free dropped the index reference.
	k, td := bootIf(t, kern.Config{})
	v0 := vnet0(k)
	ifp := mkif(td, v0, "foo", 0)
	IfRef(td, ifp)
	IfDetach(td, ifp)
	IfFree(td, ifp)
	assert.False(t, kern.IsFreed(k, ifp), "a reference is left")
	assert.NotZero(t, ifp.IfFlags.Get()&IFF_DYING)
	IfRele(td, ifp)
	assert.True(t, kern.IsFreed(k, ifp), "last reference, no reader")
	mustPanic(t, func() { IfRef(td, ifp) }, "wraparound")
	shutdownIf(t, k)

	// A reader inside the epoch keeps the memory alive past the last
	// reference; it goes when the reader leaves.
	for seed := uint64(0); seed < 20; seed++ {
		k, td := bootIf(t, kern.Config{Chooser: kern.NewRandom(seed)})
		v0 := vnet0(k)
		ifp := mkif(td, v0, "foo", 0)
		IfDetach(td, ifp) // off the list, index reference still held
		idx := ifp.IfIndex

		var stage int // 1: reader holds ifp; 2: last reference dropped
		var sawAlive, freedEarly bool
		k.Go("reader", func(td *kern.Thread) {
			kern.NetEpochEnter(td)
			p := IfnetByindex(td, idx)
			kern.KASSERT(td, p == ifp, "reader: index %d not found", idx)
			stage = 1
			for stage != 2 {
				kern.Preempt(td)
			}
			sawAlive = !kern.IsFreed(td.K, p) && kern.CString(p.IfXname[:]) == "foo0"
			kern.NetEpochExit(td)
		})
		k.Go("destroyer", func(td *kern.Thread) {
			for stage != 1 {
				kern.Preempt(td)
			}
			IfFree(td, ifp)
			freedEarly = kern.IsFreed(td.K, ifp)
			stage = 2
		})
		res := k.Run()
		require.Truef(t, res.OK(), "seed %d: %v", seed, res)
		assert.True(t, sawAlive, "seed %d: the reader saw a freed ifnet", seed)
		assert.False(t, freedEarly, "seed %d: freed while a reader was in the epoch", seed)
		assert.True(t, kern.IsFreed(k, ifp), "seed %d: freed once the reader left", seed)
		shutdownIf(t, k)
	}
}

func TestGroups(t *testing.T) {
	k, td := bootIf(t, kern.Config{})
	v0 := vnet0(k)
	var attached, detached, changed []string
	GroupAttachEvent(k).Register(func(td *kern.Thread, ifg *IfgGroup) {
		attached = append(attached, kern.CString(ifg.IfgGroup[:]))
	}, kern.EVENTHANDLER_PRI_ANY)
	GroupDetachEvent(k).Register(func(td *kern.Thread, ifg *IfgGroup) {
		detached = append(detached, kern.CString(ifg.IfgGroup[:]))
	}, kern.EVENTHANDLER_PRI_ANY)
	GroupChangeEvent(k).Register(func(td *kern.Thread, name string) {
		changed = append(changed, name)
	}, kern.EVENTHANDLER_PRI_ANY)

	a := mkif(td, v0, "foo", 0)
	b := mkif(td, v0, "foo", 1)
	assert.Equal(t, []string{"all", "all"}, changed)
	assert.Equal(t, []string{"all"}, attached, "the group is created once")
	assert.Equal(t, map[string][]string{"all": {"foo0", "foo1"}}, VnetGroups(td, v0))
	temp := live(k, "temp") // 1 group + 2 x (list + member)
	assert.Equal(t, int64(5), temp)

	inVnet(td, v0, func() {
		assert.Equal(t, kern.EINVAL, IfAddgroup(td, a, "grp1"), "name ends in a digit")
		assert.Equal(t, kern.Errno(0), IfAddgroup(td, a, "grp"))
		assert.Equal(t, kern.EEXIST, IfAddgroup(td, a, "grp"), "already a member")
		assert.Equal(t, kern.Errno(0), IfAddgroup(td, b, "grp"))
		assert.Equal(t, kern.EEXIST, IfAddgroup(td, a, IFG_ALL))
	})
	assert.Equal(t, []string{"all", "grp"}, IfGroupNames(td, a))
	assert.Equal(t, []string{"foo0", "foo1"}, VnetGroups(td, v0)["grp"])
	assert.Equal(t, temp+1+4, live(k, "temp"))
	assert.Equal(t, []string{"all", "grp"}, attached)

	// A failing M_NOWAIT allocation is ENOMEM and leaves nothing behind.
	k.SetMallocFail(func(mt *kern.MallocType, flags int) bool { return mt.Shortdesc == "temp" })
	inVnet(td, v0, func() { assert.Equal(t, kern.ENOMEM, IfAddgroup(td, a, "other")) })
	k.SetMallocFail(nil)
	assert.Equal(t, temp+5, live(k, "temp"))

	inVnet(td, v0, func() {
		assert.Equal(t, kern.ENOENT, IfDelgroup(td, a, "nope"))
		assert.Equal(t, kern.Errno(0), IfDelgroup(td, a, "grp"))
		assert.Equal(t, kern.ENOENT, IfDelgroup(td, a, "grp"), "not a member any more")
	})
	assert.Equal(t, []string{"foo1"}, VnetGroups(td, v0)["grp"], "the group stays while b is in it")
	assert.Empty(t, detached)
	inVnet(td, v0, func() { assert.Equal(t, kern.Errno(0), IfDelgroup(td, b, "grp")) })
	_, ok := VnetGroups(td, v0)["grp"]
	assert.False(t, ok, "the last member gone, the group goes")
	assert.Equal(t, []string{"grp"}, detached)
	assert.Equal(t, temp, live(k, "temp"))

	// if_delgroups leaves every group, "all" included.
	inVnet(td, v0, func() { require.Equal(t, kern.Errno(0), IfAddgroup(td, a, "grp")) })
	inVnet(td, v0, func() { IfDelgroups(td, a) })
	assert.Empty(t, IfGroupNames(td, a))
	assert.Equal(t, map[string][]string{"all": {"foo1"}}, VnetGroups(td, v0))

	rmif(td, a)
	rmif(td, b)
	assert.Empty(t, VnetGroups(td, v0))
	assert.Zero(t, live(k, "temp"))
	shutdownIf(t, k)
}

func TestIfRename(t *testing.T) {
	k, td := bootIf(t, kern.Config{})
	v0 := vnet0(k)
	var departures, arrivals int
	IfnetDepartureEvent(k).Register(func(td *kern.Thread, ifp *Ifnet) { departures++ }, kern.EVENTHANDLER_PRI_ANY)
	IfnetArrivalEvent(k).Register(func(td *kern.Thread, ifp *Ifnet) { arrivals++ }, kern.EVENTHANDLER_PRI_ANY)

	ifp := mkif(td, v0, "foo", 0)
	other := mkif(td, v0, "bar", 0)
	arrivals = 0

	inVnet(td, v0, func() {
		assert.Equal(t, kern.EINVAL, IfRename(td, ifp, ""))
		assert.Equal(t, kern.EEXIST, IfRename(td, ifp, "bar0"))
		assert.Equal(t, kern.Errno(0), IfRename(td, ifp, "foo0"), "same name: nothing to do")
		assert.Zero(t, departures+arrivals)

		assert.Equal(t, kern.Errno(0), IfRename(td, ifp, "wan"))
		assert.Equal(t, "wan", kern.CString(ifp.IfXname[:]))
		assert.Equal(t, "foo", ifp.IfDname, "if_dname unchanged")
		assert.Equal(t, 0, ifp.IfDunit, "if_dunit unchanged")
		assert.Zero(t, ifp.IfFlags.Get()&IFF_RENAMING)
		assert.Nil(t, Ifunit(td, cstr("foo0")))
		assert.Same(t, ifp, Ifunit(td, cstr("wan")))
		assert.Equal(t, 1, departures)
		assert.Equal(t, 1, arrivals)

		// The old name is free again.
		assert.Equal(t, kern.Errno(0), IfRename(td, other, "foo0"))
		// strlcpy truncates a name too long for if_xname.
		assert.Equal(t, kern.Errno(0), IfRename(td, ifp, "abcdefghijklmnopqrst"))
		assert.Equal(t, "abcdefghijklmno", kern.CString(ifp.IfXname[:]))
	})
	assert.Contains(t, IfMessages(k), "foo0: changing name to 'wan'\n")
	assert.Equal(t, []string{"abcdefghijklmno", "foo0"}, names(td, v0))

	rmif(td, ifp)
	rmif(td, other)
	shutdownIf(t, k)
}

func TestIfInitname(t *testing.T) {
	var ifp Ifnet
	IfInitname(&ifp, "vlan", 4094)
	assert.Equal(t, "vlan4094", kern.CString(ifp.IfXname[:]))
	IfInitname(&ifp, "lo", IF_DUNIT_NONE)
	assert.Equal(t, "lo", kern.CString(ifp.IfXname[:]))
	assert.Equal(t, IF_DUNIT_NONE, ifp.IfDunit)
	// snprintf truncates at IFNAMSIZ-1 bytes.
	IfInitname(&ifp, "averyverylongname", IF_MAXUNIT)
	assert.Equal(t, "averyverylongna", kern.CString(IfName(&ifp)))
	assert.Equal(t, "averyverylongname", ifp.IfDname)
}

// loanSetup boots a kernel with a vnet jail 1 (vnet v1).
func loanSetup(t *testing.T) (*kern.Kernel, *kern.Thread, *vnet.Vnet, *vnet.Vnet) {
	k, td := bootIf(t, kern.Config{})
	v1 := vnet.VnetAlloc(td)
	require.Equal(t, kern.Errno(0), PrisonCreate(td, 1, v1))
	return k, td, vnet0(k), v1
}

func ifname(s string) []byte {
	b := make([]byte, IFNAMSIZ)
	kern.StrlcpyString(b, s)
	return b
}

func TestIfVmoveLoanReclaim(t *testing.T) {
	k, td, v0, v1 := loanSetup(t)
	c0, c1 := v0.Vnet_ifcnt.Load(), v1.Vnet_ifcnt.Load()

	ifp := mkif(td, v0, "foo", 0)
	inVnet(td, v0, func() { require.Equal(t, kern.Errno(0), IfAddgroup(td, ifp, "grp")) })
	require.Equal(t, c0+1, v0.Vnet_ifcnt.Load())

	loan := func(jid int) kern.Errno {
		var err kern.Errno
		buf := ifname("foo0")
		inVnet(td, v0, func() { err = IfVmoveLoan(td, ifp, buf, jid) })
		return err
	}

	// Errors of if_vmove_loan.
	assert.Equal(t, kern.ENXIO, loan(99), "no such jail")
	require.Equal(t, kern.Errno(0), PrisonCreate(td, 2, v0))
	assert.Equal(t, kern.EEXIST, loan(2), "the jail shares the interface's vnet")
	clash := mkif(td, v1, "foo", 0)
	assert.Equal(t, kern.EEXIST, loan(1), "the name is taken in the jail")
	rmif(td, clash)
	assert.Equal(t, v0, ifp.IfVnet, "failed loans leave it in place")
	assert.Equal(t, c0+1, v0.Vnet_ifcnt.Load())

	// The loan.
	buf := ifname("foo0")
	inVnet(td, v0, func() { require.Equal(t, kern.Errno(0), IfVmoveLoan(td, ifp, buf, 1)) })
	assert.Equal(t, "foo0", kern.CString(buf), "the name reported back")
	assert.Equal(t, v1, ifp.IfVnet)
	assert.Equal(t, v0, ifp.IfHomeVnet, "the home vnet is set once")
	assert.Nil(t, lookup(td, v0, "foo0"))
	assert.Same(t, ifp, lookup(td, v1, "foo0"))
	assert.Equal(t, []string{IFG_ALL}, IfGroupNames(td, ifp), "groups are not carried over, except the cloner's")
	assert.Equal(t, map[string][]string{"all": {"foo0"}}, VnetGroups(td, v1))
	assert.NotContains(t, VnetGroups(td, v0), "grp", "the emptied group went")
	assert.Equal(t, c0, v0.Vnet_ifcnt.Load())
	assert.Equal(t, c1+1, v1.Vnet_ifcnt.Load())
	assert.Zero(t, ifp.IfFlags.Get()&IFF_DYING, "a move is not a destroy")
	assert.Nil(t, ifp.IfIoctl, "a move does not kill the driver routines")

	// Lending it to where it already is.
	assert.Equal(t, kern.EEXIST, loan(1))

	reclaim := func(name string, jid int) (kern.Errno, []byte) {
		var err kern.Errno
		b := ifname(name)
		inVnet(td, v0, func() { err = IfVmoveReclaim(td, b, jid) })
		return err, b
	}
	// Errors of if_vmove_reclaim.
	err, _ := reclaim("foo0", 99)
	assert.Equal(t, kern.ENXIO, err, "no such jail")
	err, _ = reclaim("nope0", 1)
	assert.Equal(t, kern.ENXIO, err, "no such interface in the jail")
	stay := mkif(td, v0, "stay", 0)
	err, _ = reclaim("stay0", 2)
	assert.Equal(t, kern.EEXIST, err, "the jail's vnet is the caller's")
	rmif(td, stay)

	// The reclaim.
	err, b := reclaim("foo0", 1)
	require.Equal(t, kern.Errno(0), err)
	assert.Equal(t, "foo0", kern.CString(b))
	assert.Equal(t, v0, ifp.IfVnet)
	assert.Equal(t, v0, ifp.IfHomeVnet)
	assert.Same(t, ifp, lookup(td, v0, "foo0"))
	assert.Nil(t, lookup(td, v1, "foo0"))
	assert.Equal(t, []string{IFG_ALL}, IfGroupNames(td, ifp))
	assert.Equal(t, c0+1, v0.Vnet_ifcnt.Load())
	assert.Equal(t, c1, v1.Vnet_ifcnt.Load())

	// An interface born in the jail keeps the jail as its home when the
	// host takes it.
	native := mkif(td, v1, "bar", 0)
	err, _ = reclaim("bar0", 1)
	require.Equal(t, kern.Errno(0), err)
	assert.Equal(t, v0, native.IfVnet)
	assert.Equal(t, v1, native.IfHomeVnet)

	// EBUSY while the source vnet is being torn down: vnet_destroy has set
	// vnet_shutdown and its destructors have not reached SI_SUB_VNET_DONE.
	state0, state1 := v0.Vnet_state.Load(), v1.Vnet_state.Load()
	v0.Vnet_shutdown.Store(true)
	v0.Vnet_state.Store(uint32(kern.SI_SUB_INIT_IF))
	assert.Equal(t, kern.EBUSY, loan(1))
	v0.Vnet_shutdown.Store(false)
	v0.Vnet_state.Store(state0)
	inVnet(td, v0, func() { require.Equal(t, kern.Errno(0), IfVmoveLoan(td, native, ifname("bar0"), 1)) })
	v1.Vnet_shutdown.Store(true)
	v1.Vnet_state.Store(uint32(kern.SI_SUB_INIT_IF))
	err, _ = reclaim("bar0", 1)
	assert.Equal(t, kern.EBUSY, err)
	v1.Vnet_shutdown.Store(false)
	v1.Vnet_state.Store(state1)
	assert.Equal(t, v1, native.IfVnet)

	// A removed jail is not found once its last reference is gone.
	require.Equal(t, kern.Errno(0), PrisonRemove(td, 2))
	assert.Equal(t, kern.ENXIO, loan(2))
	assert.Equal(t, kern.ENOENT, PrisonRemove(td, 2), "a second removal")

	// A dying jail that something still references is found, as
	// kern_jail.c's prison_find_child finds it: lending to it and
	// reclaiming from it both work until its last reference goes.
	pr1 := PrisonFind(td, 1)
	PrisonHold(td, pr1)
	require.Equal(t, kern.Errno(0), PrisonRemove(td, 1))
	require.Equal(t, kern.Errno(0), loan(1), "lent to a dying jail")
	assert.Equal(t, v1, ifp.IfVnet)
	err, _ = reclaim("foo0", 1)
	require.Equal(t, kern.Errno(0), err, "reclaimed from a dying jail")
	assert.Equal(t, v0, ifp.IfVnet)
	PrisonFree(td, pr1)
	assert.Equal(t, kern.ENXIO, loan(1), "unreferenced: no longer found")
	assert.Nil(t, PrisonFindHold(td, 1), "no socket in a dying jail")
	PrisonDelist(td, pr1)
	assert.Nil(t, PrisonFind(td, 1))

	rmif(td, native)
	rmif(td, ifp)
	assert.Equal(t, c0, v0.Vnet_ifcnt.Load())
	assert.Equal(t, c1, v1.Vnet_ifcnt.Load())
	vnet.VnetDestroy(td, v1)
	shutdownIf(t, k)
}

func TestIfUnlinkIfnetCountDefect(t *testing.T) {
	// if.c:471 decrements vnet_ifcnt even when the interface was not on
	// the list. if_vmove_loan's ENODEV path shows it: the interface was
	// taken off by someone else (here by hand, as a racing move would),
	// the loan finds nothing to unlink and still counts it out.
	k, td, v0, v1 := loanSetup(t)
	c0 := v0.Vnet_ifcnt.Load()
	ifp := mkif(td, v0, "foo", 0)
	inVnet(td, v0, func() {
		require.True(t, ifUnlinkIfnet(td, ifp, true))
		assert.Equal(t, kern.ENODEV, IfVmoveLoan(td, ifp, ifname("foo0"), 1))
	})
	assert.Equal(t, c0-1, v0.Vnet_ifcnt.Load(), "one short: the era's defect")

	// if_detach of an interface that is no longer listed does the same,
	// and skips the detach.
	IfDetach(td, ifp)
	assert.Equal(t, c0-2, v0.Vnet_ifcnt.Load())
	assert.Zero(t, ifp.IfFlags.Get()&IFF_DYING, "not found, so not marked dying")
	assert.Equal(t, []string{IFG_ALL}, IfGroupNames(td, ifp), "if_detach_internal did not run")

	// Put it back and destroy it properly: the count stays two short.
	inVnet(td, v0, func() { ifLinkIfnet(td, ifp) })
	rmif(td, ifp)
	assert.Equal(t, c0-2, v0.Vnet_ifcnt.Load())

	v0.Vnet_ifcnt.Store(c0)
	vnet.VnetDestroy(td, v1)
	shutdownIf(t, k)
}

func TestVnetDestroyReturnsLoanedInterfaces(t *testing.T) {
	k, td, v0, v1 := loanSetup(t)
	require.Same(t, IfnetDetachSxlock(k), vnet.Of(k).IfnetDetachSxlock.Load(),
		"vnet_destroy takes if.c's ifnet_detach_sxlock")
	c0, c1 := v0.Vnet_ifcnt.Load(), v1.Vnet_ifcnt.Load()

	a := mkif(td, v0, "foo", 0)
	b := mkif(td, v0, "bar", 0)
	for _, p := range []struct {
		ifp  *Ifnet
		name string
	}{{a, "foo0"}, {b, "bar0"}} {
		inVnet(td, v0, func() { require.Equal(t, kern.Errno(0), IfVmoveLoan(td, p.ifp, ifname(p.name), 1)) })
	}
	require.Equal(t, []string{"foo0", "bar0"}, names(td, v1))
	require.Equal(t, c1+2, v1.Vnet_ifcnt.Load())
	// The host reuses a lent name meanwhile: if_vmove does not check.
	dup := mkif(td, v0, "foo", 0)

	// vnet_if_return runs at SI_SUB_VNET_DONE, where VNET_IS_SHUTTING_DOWN
	// is still false: the moves take the full (non-shutdown) detach path.
	var departed []string
	var shuttingDown []bool
	IfnetDepartureEvent(k).Register(func(td *kern.Thread, ifp *Ifnet) {
		departed = append(departed, kern.CString(ifp.IfXname[:]))
		shuttingDown = append(shuttingDown, vnetIsShuttingDown(ifp.IfVnet))
	}, kern.EVENTHANDLER_PRI_ANY)

	vnet.VnetDestroy(td, v1)

	assert.Equal(t, []string{"foo0", "bar0"}, departed)
	assert.Equal(t, []bool{false, false}, shuttingDown)

	assert.Equal(t, v0, a.IfVnet)
	assert.Equal(t, v0, b.IfVnet)
	assert.Equal(t, []string{"foo0", "foo0", "bar0"}, names(td, v0), "both came home, at the tail")
	assert.Same(t, dup, lookup(td, v0, "foo0"), "ifunit finds the first of two equal names")
	assert.Equal(t, c0+3, v0.Vnet_ifcnt.Load())
	assert.Equal(t, []string{IFG_ALL}, IfGroupNames(td, a))
	assert.Equal(t, []string{"foo0", "foo0", "bar0"}, VnetGroups(td, v0)["all"])
	assert.Contains(t, k.WitnessEdges(), "ifnet_detach_sx -> vnet_sysinit_sxlock",
		"vnet_destroy held ifnet_detach_sxlock around the destructors")
	assert.Contains(t, k.WitnessEdges(), "ifnet_detach_sx -> ifnet_sx")

	rmif(td, dup)
	rmif(td, a)
	rmif(td, b)
	shutdownIf(t, k)
}

// concurrentScenario: readers look interfaces up by name and by index
// while a destroyer detaches and frees them. Every reader checks, inside
// its epoch section or under its reference, that what it found is not
// freed memory.
func concurrentScenario(t *testing.T, ch kern.Chooser) (*kern.RunResult, *kern.Kernel) {
	k, td := bootIf(t, kern.Config{Chooser: ch})
	v0 := vnet0(k)
	const n = 2
	var ifps []*Ifnet
	for i := 0; i < n; i++ {
		ifps = append(ifps, mkif(td, v0, "foo", i))
	}
	check := func(td *kern.Thread, ifp *Ifnet, who string) {
		kern.KASSERT(td, !kern.IsFreed(td.K, ifp), "%s: found a freed ifnet %p", who, ifp)
		kern.KASSERT(td, ifp.IfRefcount != 0 || ifp.IfFlags.Get()&IFF_DYING != 0,
			"%s: live ifnet with no reference", who)
	}
	k.Go("ifunit_ref", func(td *kern.Thread) {
		saved := vnet.CurvnetSet(td, v0)
		for i := 0; i < n; i++ {
			if ifp := IfunitRef(td, cstr(fmt.Sprintf("foo%d", i))); ifp != nil {
				kern.Preempt(td)
				check(td, ifp, "ifunit_ref")
				IfRele(td, ifp)
			}
		}
		vnet.CurvnetRestore(td, saved)
	})
	k.Go("ifunit", func(td *kern.Thread) {
		saved := vnet.CurvnetSet(td, v0)
		for i := n - 1; i >= 0; i-- {
			kern.NetEpochEnter(td)
			if ifp := Ifunit(td, cstr(fmt.Sprintf("foo%d", i))); ifp != nil {
				kern.Preempt(td)
				check(td, ifp, "ifunit")
			}
			kern.NetEpochExit(td)
		}
		vnet.CurvnetRestore(td, saved)
	})
	k.Go("byindex", func(td *kern.Thread) {
		for i := 1; i <= n; i++ {
			kern.NetEpochEnter(td)
			ifp := IfnetByindexRef(td, i)
			kern.NetEpochExit(td)
			if ifp != nil {
				kern.Preempt(td)
				check(td, ifp, "ifnet_byindex_ref")
				IfRele(td, ifp)
			}
		}
	})
	k.Go("destroy", func(td *kern.Thread) {
		for _, ifp := range ifps {
			rmif(td, ifp)
		}
	})
	res := k.Run()
	if res.OK() {
		for _, ifp := range ifps {
			assert.True(t, kern.IsFreed(k, ifp), "every interface freed once the readers left")
		}
		assert.Equal(t, int64(1), live(k, "ifnet"), "only the index table is left")
		assert.Empty(t, names(td, v0))
		shutdownIf(t, k)
	}
	return res, k
}

func TestConcurrentIfunitVsDetach(t *testing.T) {
	t.Run("PCT", func(t *testing.T) {
		runs := 60
		if testing.Short() {
			runs = 20
		}
		for seed := uint64(0); seed < uint64(runs); seed++ {
			res, _ := concurrentScenario(t, kern.NewPCT(seed, 3, 100))
			require.Truef(t, res.OK(), "PCT seed %d: %v (schedule %s)", seed, res, res.Schedule)
		}
	})
	t.Run("DFS", func(t *testing.T) {
		// Every schedule with at most one preemption (about 2,800).
		dfs := kern.NewDFS(1)
		if testing.Short() {
			dfs.MaxSchedules = 1000
		}
		for dfs.Next() {
			res, _ := concurrentScenario(t, dfs)
			require.Truef(t, res.OK(), "DFS schedule %d: %v (schedule %s)", dfs.Explored(), res, res.Schedule)
		}
		require.NoError(t, dfs.Err())
		assert.Greater(t, dfs.Explored(), 100)
		if !testing.Short() {
			assert.True(t, dfs.Exhausted(), "the bounded space was covered")
		}
	})
}

// destroyVsDetach races vnet_destroy of the jail an interface is lent to
// against the interface's destruction (if_detach + if_free), with or
// without ifnet_detach_sxlock around the latter as SIOCIFDESTROY holds it.
// It reports whether the run was clean: no panic, the interface freed, no
// interface left on vnet0's list and nothing leaked.
func destroyVsDetach(t *testing.T, seed uint64, locked bool) (*kern.RunResult, bool) {
	k, td := bootIf(t, kern.Config{Chooser: kern.NewPCT(seed, 3, 150)})
	v0 := vnet0(k)
	v1 := vnet.VnetAlloc(td)
	require.Equal(t, kern.Errno(0), PrisonCreate(td, 1, v1))
	ifp := mkif(td, v0, "foo", 0)
	inVnet(td, v0, func() { require.Equal(t, kern.Errno(0), IfVmoveLoan(td, ifp, ifname("foo0"), 1)) })
	k.Go("vnet_destroy", func(td *kern.Thread) { vnet.VnetDestroy(td, v1) })
	k.Go("destroy", func(td *kern.Thread) {
		if locked {
			IfnetDetachSxlock(td.K).Xlock(td)
		}
		rmif(td, ifp)
		if locked {
			IfnetDetachSxlock(td.K).Xunlock(td)
		}
	})
	res := k.Run()
	if !res.OK() {
		return res, false
	}
	// A freed ifnet put back on its home list reads as a poisoned entry.
	clean := kern.IsFreed(k, ifp) && len(VnetIfnets(td, v0)) == 0 && live(k, "temp") == 0
	if clean {
		shutdownIf(t, k)
	}
	return res, clean
}

func TestIfnetDetachSxlockVsVnetDestroy(t *testing.T) {
	// Held around the destroy, ifnet_detach_sxlock keeps vnet_if_return
	// from moving an interface that is being freed (the fix for PRs
	// 238870, 234985, 244703).
	for seed := uint64(0); seed < 200; seed++ {
		res, clean := destroyVsDetach(t, seed, true)
		require.Truef(t, clean, "PCT seed %d: %v (schedule %s)", seed, res, res.Schedule)
	}
	// Without it the old bugs come back: vnet_if_return moves a freed
	// ifnet home (a poisoned entry on vnet0's list, or a panic on its
	// destroyed locks), or the destroyer uses the freed vnet.
	var panics, corrupt int
	for seed := uint64(0); seed < 100; seed++ {
		res, clean := destroyVsDetach(t, seed, false)
		switch {
		case res.Panic != nil:
			panics++
		case !clean:
			corrupt++
		}
	}
	t.Logf("unlocked: %d panics, %d silent corruptions in 100 runs", panics, corrupt)
	assert.NotZero(t, panics+corrupt, "the unlocked race was not found in 100 PCT runs")
}

// TestChildPrisonHoldsParent: as kern_jail_set's prison_hold(ppr), a
// jail made inside another holds a reference on it until the child is
// gone (PrisonRelease, prison_deref's last step), so a removed parent
// stays findable by prison_find_child, and is not torn down, while a
// child remains.
func TestChildPrisonHoldsParent(t *testing.T) {
	_, td, _, _ := loanSetup(t)
	parent := PrisonFind(td, 1)
	require.NotNil(t, parent)
	require.Equal(t, 1, parent.Refs())
	require.Equal(t, kern.Errno(0), PrisonAttach(td, 1))
	require.Equal(t, kern.Errno(0), PrisonCreate(td, 2, vnet.VnetAlloc(td)))
	require.Equal(t, kern.Errno(0), PrisonAttach(td, 0))
	assert.Equal(t, 2, parent.Refs(), "the child's hold")

	require.Equal(t, kern.Errno(0), PrisonRemove(td, 1))
	assert.Equal(t, 1, parent.Refs(), "removed, still held by the child")
	AllprisonLock(td.K).Xlock(td)
	assert.True(t, PrisonFindChildListed(td, 1), "a dying parent with a child is still found")
	AllprisonLock(td.K).Xunlock(td)

	child := PrisonFind(td, 2)
	require.Equal(t, kern.Errno(0), PrisonRemove(td, 2))
	PrisonDelist(td, child)
	PrisonRelease(td, child)
	assert.Equal(t, 0, parent.Refs(), "the child's end releases the parent")
	AllprisonLock(td.K).Xlock(td)
	assert.False(t, PrisonFindChildListed(td, 1), "unreferenced: prison_find_child no longer finds it")
	AllprisonLock(td.K).Xunlock(td)
}
