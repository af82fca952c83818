package ifclone

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"kcheck/internal/cport"
	"kcheck/kern"
	"kcheck/unrhdr"
	"kcheck/vnet"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seedPath finds the seed beside the repository (../shared/seed).
func seedPath() string {
	for _, p := range []string{"../../shared/seed/if_clone.c.txt", "../shared/seed/if_clone.c.txt"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// cFunctions lists the function definitions of the seed: a line whose
// text starts with an identifier followed by '(' (the name line of a
// definition, the return type being on the line before).
func cFunctions(t *testing.T) (names []string, lines map[string]int) {
	f, err := os.Open(seedPath())
	require.NoError(t, err)
	defer f.Close()
	// Each line is "NNN<no-break space>text".
	re := regexp.MustCompile(`^(\d+)[ \x{00a0}]([a-z_][a-z0-9_]*)\(`)
	numRe := regexp.MustCompile(`^(\d+)`)
	lines = map[string]int{}
	sc := bufio.NewScanner(f)
	prevNum := 0
	for sc.Scan() {
		m := re.FindStringSubmatch(sc.Text())
		num := 0
		if n := numRe.FindString(sc.Text()); n != "" {
			num, _ = strconv.Atoi(n)
		}
		if m != nil {
			_, dup := lines[m[2]]
			require.False(t, dup, "C function %s defined twice", m[2])
			names = append(names, m[2])
			lines[m[2]] = prevNum // the definition starts on the type line
		}
		prevNum = num
	}
	require.NoError(t, sc.Err())
	return names, lines
}

// seedTable is SeedFuncs as cport's table of if_clone.c, every function
// ported under its Go name, with the two macros the port names.
func seedTable() *cport.Table {
	t := &cport.Table{File: "if_clone.c", Source: "the seed (../shared/seed/if_clone.c.txt)"}
	for _, f := range SeedFuncs {
		t.Entries = append(t.Entries, cport.Entry{Name: f.CName, Line: f.CLine, GoName: f.GoName})
	}
	// The per-vnet accessor macros the port names too.
	t.Entries = append(t.Entries, cport.Entry{Name: "V_if_cloners_count", Line: 127},
		cport.Entry{Name: "V_if_cloners", Line: 128})
	return t
}

// TestEveryCFunctionPorted: SeedFuncs is the seed's function list (when
// the seed is beside the checkout) with each Go name the naming rule's;
// each of its functions has exactly one Go counterpart citing its line, in
// the seed's order in if_clone.go; and the if.c and if_dead.c subsets have
// theirs (testdata/*.funcs), every other function of those files being
// listed as not ported with the reason.
func TestEveryCFunctionPorted(t *testing.T) {
	var cnames []string
	clines := map[string]int{}
	for _, f := range SeedFuncs {
		cnames = append(cnames, f.CName)
		clines[f.CName] = f.CLine
		assert.Equal(t, cport.GoName(f.CName), f.GoName, "Go name of %s", f.CName)
	}
	if seedPath() != "" {
		seedNames, seedLines := cFunctions(t)
		require.Equal(t, seedNames, cnames, "SeedFuncs lists the seed's functions in order")
		require.Equal(t, seedLines, clines, "SeedFuncs has the seed's lines")
	} else {
		t.Log("the seed (../shared/seed/if_clone.c.txt) is not beside this checkout: checking against SeedFuncs only")
	}
	require.Len(t, cnames, 38, "the seed defines 38 functions")

	claims, err := cport.Claims(".")
	require.NoError(t, err)
	cport.Report(t, claims, append([]*cport.Table{seedTable()},
		cport.MustLoad(t, "testdata/if.c.funcs", "testdata/if_dead.c.funcs")...)...)
	var order []string // C names in the order their ports appear in if_clone.go
	for _, c := range claims {
		if c.CFile == "if_clone.c" && filepath.Base(c.Pos.Filename) == "if_clone.go" && SeedCName(c.GoName) != "" {
			order = append(order, c.CName)
		}
	}
	assert.Equal(t, cnames, order, "if_clone.go keeps the seed's function order")
}

// ---- a test cloner ----

type tstCloner struct {
	ifc          *IfClone
	protectUnit0 bool // like lo0: unit 0 refuses destroy without IFC_F_FORCE
	creates      int
}

func (c *tstCloner) create(td *kern.Thread, ifc *IfClone, name []byte, maxlen int, ifd *IfcData, ifpp **Ifnet) kern.Errno {
	ifp := IfAlloc(td, IFT_OTHER)
	IfInitname(ifp, IfcName(ifc), int(ifd.Unit))
	IfAttach(td, ifp)
	*ifpp = ifp
	c.creates++
	return 0
}

func (c *tstCloner) destroy(td *kern.Thread, ifc *IfClone, ifp *Ifnet, flags uint32) kern.Errno {
	if c.protectUnit0 && ifp.IfDunit == 0 && flags&IFC_F_FORCE == 0 {
		return kern.EINVAL
	}
	IfDetach(td, ifp)
	IfFree(td, ifp)
	return 0
}

func attachTst(t *testing.T, td *kern.Thread, name string, maxunit uint32, flags uint32) *tstCloner {
	t.Helper()
	c := &tstCloner{}
	req := &IfCloneAddreq{Flags: flags, Maxunit: maxunit, CreateF: c.create, DestroyF: c.destroy}
	c.ifc = IfcAttachCloner(td, cname(name), req)
	require.NotNil(t, c.ifc)
	return c
}

func cname(s string) []byte {
	b := make([]byte, IFNAMSIZ)
	copy(b, s)
	return b
}

// create runs if_clone_create with a name buffer and returns the result name.
func create(td *kern.Thread, name string) (string, kern.Errno) {
	buf := cname(name)
	err := IfCloneCreate(td, buf, IFNAMSIZ, Caddr{})
	return kern.CString(buf), err
}

func destroy(td *kern.Thread, name string) kern.Errno {
	return IfCloneDestroy(td, cname(name))
}

// inVnet0 runs fn with curvnet set to vnet0, as a syscall from the host.
func inVnet0(td *kern.Thread, fn func()) {
	inVnet(td, vnet0(td.K), fn)
}

// teardown detaches the given cloners and checks every malloc type is
// back to zero.
func teardown(t *testing.T, k *kern.Kernel, cl ...*IfClone) {
	t.Helper()
	td := k.Thread0()
	inVnet0(td, func() {
		for _, c := range cl {
			IfcDetachCloner(td, c)
		}
	})
	k.EpochDrainCallbacks()
	assert.Zero(t, MClone(k).Live(), "M_CLONE objects left")
	assert.Zero(t, unrhdr.MUnit(k).Live(), "M_UNIT objects left")
	shutdownIf(t, k)
}

func TestName2Unit(t *testing.T) {
	for _, c := range []struct {
		name string
		unit int
		err  kern.Errno
	}{
		{"lo", -1, 0},
		{"lo0", 0, 0},
		{"lo7", 7, 0},
		{"epair12", 12, 0},
		{"lo00", 0, kern.EINVAL},    // leading zero
		{"lo01", 0, kern.EINVAL},    // leading zero
		{"lo1a", 1, kern.EINVAL},    // not a number
		{"vlan1.2", 1, kern.EINVAL}, // '.' after digits
		{"tun2147483647", 2147483647, 0},
		{"tun2147483648", 214748364, kern.EINVAL}, // overflow at INT_MAX
		{"tun9999999999", 999999999, kern.EINVAL},
		{"", -1, 0},
	} {
		u := 12345
		err := IfcName2unit(cname(c.name), &u)
		assert.Equal(t, c.err, err, "%q", c.name)
		if err == 0 {
			assert.Equal(t, c.unit, u, "%q", c.name)
		}
	}
	// Digits start the unit wherever they first appear.
	u := 0
	assert.Equal(t, kern.Errno(0), IfcName2unit(cname("a1"), &u))
	assert.Equal(t, 1, u)
}

func TestSimpleMatch(t *testing.T) {
	ifc := &IfClone{}
	copy(ifc.ifc_name[:], "disc")
	for name, want := range map[string]bool{
		"disc": true, "disc0": true, "disc123": true,
		"dis": false, "discx": false, "disc0a": false, "lo0": false, "disc-1": false, "": false,
	} {
		assert.Equal(t, want, IfcSimpleMatch(nil, ifc, cname(name)), "%q", name)
	}
}

func TestAttachClonerRejects(t *testing.T) {
	k, td := bootIf(t, kern.Config{})
	inVnet0(td, func() {
		c := &tstCloner{}
		assert.Nil(t, IfcAttachCloner(td, cname("tst"), &IfCloneAddreq{DestroyF: c.destroy}), "no create")
		assert.Nil(t, IfcAttachCloner(td, cname("tst"), &IfCloneAddreq{CreateF: c.create}), "no destroy")
		// IFCLOSIZ-1 = 10: a name of 10 or more characters is refused.
		assert.Nil(t, IfcAttachCloner(td, cname("abcdefghij"), &IfCloneAddreq{CreateF: c.create, DestroyF: c.destroy}))
		assert.Zero(t, MClone(k).Live(), "rejected before allocation")
		ok := IfcAttachCloner(td, cname("abcdefghi"), &IfCloneAddreq{CreateF: c.create, DestroyF: c.destroy})
		require.NotNil(t, ok, "9 characters fit")
		dup := IfcAttachCloner(td, cname("abcdefghi"), &IfCloneAddreq{CreateF: c.create, DestroyF: c.destroy})
		assert.Nil(t, dup, "duplicate name")
		assert.EqualValues(t, 1, MClone(k).Live(), "the duplicate was freed by its last REMREF")
		assert.Equal(t, 1, *V_if_cloners_count(td))
		IfcDetachCloner(td, ok)
	})
	teardown(t, k)
}

func TestWildcardCreateAppendsUnit(t *testing.T) {
	k, td := bootIf(t, kern.Config{})
	var c *tstCloner
	inVnet0(td, func() {
		c = attachTst(t, td, "tst", 0, IFC_F_AUTOUNIT)
		for i := 0; i < 3; i++ {
			name, err := create(td, "tst")
			require.Zero(t, err)
			assert.Equal(t, fmt.Sprintf("tst%d", i), name)
		}
		require.Zero(t, destroy(td, "tst1"))
		name, err := create(td, "tst")
		require.Zero(t, err)
		assert.Equal(t, "tst1", name, "the lowest free unit is reused")
		assert.Contains(t, IfGroupNames(td, Ifunit(td, cname("tst1"))), "tst", "in the cloner's group")
		assert.EqualValues(t, 4, c.ifc.ifc_refcnt, "1 + one per unit in use")
	})
	teardown(t, k, c.ifc)
}

func TestCreateExistingNameEEXIST(t *testing.T) {
	k, td := bootIf(t, kern.Config{})
	var c *tstCloner
	inVnet0(td, func() {
		c = attachTst(t, td, "tst", 0, IFC_F_AUTOUNIT)
		_, err := create(td, "tst0")
		require.Zero(t, err)
		_, err = create(td, "tst0")
		assert.Equal(t, kern.EEXIST, err, "explicit name already exists")
		// A name taken by an interface the cloner does not own (a rename,
		// another driver): explicit create fails in if_clone_createif's
		// ifunit check, and the wildcard skips that unit through the
		// ifunit re-check of ifc_alloc_unit_specific.
		other := mkif(td, vnet0(k), "tst", 1)
		_, err = create(td, "tst1")
		assert.Equal(t, kern.EEXIST, err)
		name, err := create(td, "tst")
		require.Zero(t, err)
		assert.Equal(t, "tst2", name)
		assert.Equal(t, 2, c.creates)
		rmif(td, other)
	})
	teardown(t, k, c.ifc)
}

func TestMaxunitENOSPC(t *testing.T) {
	k, td := bootIf(t, kern.Config{})
	var c *tstCloner
	inVnet0(td, func() {
		c = attachTst(t, td, "tst", 2, IFC_F_AUTOUNIT)
		_, err := create(td, "tst3")
		assert.Equal(t, kern.ENOSPC, err)
		for i := 0; i < 3; i++ {
			name, err := create(td, "tst")
			require.Zero(t, err)
			assert.Equal(t, fmt.Sprintf("tst%d", i), name)
		}
		_, err = create(td, "tst")
		assert.Equal(t, kern.ENOSPC, err, "all units 0..maxunit in use")
		assert.EqualValues(t, 4, c.ifc.ifc_refcnt)
	})
	teardown(t, k, c.ifc)
}

func TestDestroyFailureRelinksGeneric(t *testing.T) {
	k, td := bootIf(t, kern.Config{})
	var c *tstCloner
	inVnet0(td, func() {
		c = attachTst(t, td, "tst", 0, IFC_F_AUTOUNIT)
		c.protectUnit0 = true
		_, err := create(td, "tst0")
		require.Zero(t, err)
		ifp := Ifunit(td, cname("tst0"))
		require.NotNil(t, ifp)

		assert.Equal(t, kern.EINVAL, destroy(td, "tst0"), "unit 0 is protected without IFC_F_FORCE")
		assert.Same(t, ifp, Ifunit(td, cname("tst0")), "still attached")
		assert.Same(t, ifp, IfnetListFirst(&c.ifc.ifc_iflist), "relinked on the cloner's list")
		assert.Contains(t, IfGroupNames(td, ifp), "tst", "group membership restored")
		assert.EqualValues(t, 2, c.ifc.ifc_refcnt, "the unit's reference is kept")
		_, err = create(td, "tst0")
		assert.Equal(t, kern.EEXIST, err)
		u := unrhdr.AllocUnrSpecific(td, c.ifc.ifc_unrhdr, 0)
		assert.Equal(t, -1, u, "unit 0 still allocated")
	})
	teardown(t, k, c.ifc) // detach forces the destroy
}

func TestDetachDestroysAllAndFreesOnLastRef(t *testing.T) {
	k, td := bootIf(t, kern.Config{})
	inVnet0(td, func() {
		c := attachTst(t, td, "tst", 0, IFC_F_AUTOUNIT)
		c.protectUnit0 = true
		for i := 0; i < 4; i++ {
			_, err := create(td, "tst")
			require.Zero(t, err)
		}
		assert.EqualValues(t, 5, c.ifc.ifc_refcnt)
		assert.EqualValues(t, 1, MClone(k).Live())
		IfcDetachCloner(td, c.ifc)
		assert.Empty(t, VnetIfnets(td, vnet0(k)), "every interface destroyed, the protected one by force")
		assert.Zero(t, MClone(k).Live(), "the cloner was freed with its last reference")
		assert.Zero(t, unrhdr.MUnit(k).Live())
		assert.True(t, kern.IsFreed(k, c.ifc))
		assert.Zero(t, *V_if_cloners_count(td))
	})
	teardown(t, k)
}

func TestCloneListCopyout(t *testing.T) {
	k, td := bootIf(t, kern.Config{})
	var cl []*IfClone
	inVnet0(td, func() {
		for _, n := range []string{"aaa", "bbb", "ccc"} {
			cl = append(cl, attachTst(t, td, n, 0, IFC_F_AUTOUNIT).ifc)
		}
		// Only the total.
		req := &IfClonereq{IfcrCount: 0}
		require.Zero(t, IfCloneList(td, req))
		assert.EqualValues(t, 3, req.IfcrTotal)

		buf := make([]byte, 2*IFNAMSIZ+8)
		for i := range buf {
			buf[i] = 'x'
		}
		ua := k.UserMap(buf)
		req = &IfClonereq{IfcrCount: 2, IfcrBuffer: ua}
		require.Zero(t, IfCloneList(td, req))
		assert.EqualValues(t, 3, req.IfcrTotal)
		// The list is LIFO (LIST_INSERT_HEAD): the newest cloners first.
		assert.Equal(t, "ccc", kern.CString(buf[0:IFNAMSIZ]))
		assert.Equal(t, "bbb", kern.CString(buf[IFNAMSIZ:2*IFNAMSIZ]))
		assert.Equal(t, "xxxxxxxx", string(buf[2*IFNAMSIZ:]), "nothing written past count names")

		big := make([]byte, 10*IFNAMSIZ)
		req = &IfClonereq{IfcrCount: 10, IfcrBuffer: k.UserMap(big)}
		require.Zero(t, IfCloneList(td, req))
		assert.Equal(t, "aaa", kern.CString(big[2*IFNAMSIZ:]))

		assert.Equal(t, kern.EINVAL, IfCloneList(td, &IfClonereq{IfcrCount: -1}))
		assert.Equal(t, kern.EFAULT, IfCloneList(td, &IfClonereq{IfcrCount: 2, IfcrBuffer: 0x7777000}))
		short := k.UserMap(make([]byte, IFNAMSIZ))
		assert.Equal(t, kern.EFAULT, IfCloneList(td, &IfClonereq{IfcrCount: 2, IfcrBuffer: short}), "buffer too short for two names")
		assert.Zero(t, MClone(k).Live()-3, "the bounce buffer is freed on every path")
	})
	teardown(t, k, cl...)
}

// simpleCloner is a compat if_clone_simple driver, disc-like.
type simpleCloner struct{ ifc *IfClone }

func (s *simpleCloner) create(td *kern.Thread, ifc *IfClone, unit int, params Caddr) kern.Errno {
	ifp := IfAlloc(td, IFT_OTHER)
	IfInitname(ifp, IfcName(ifc), unit)
	IfAttach(td, ifp)
	return 0
}

func (s *simpleCloner) destroy(td *kern.Thread, ifp *Ifnet) {
	IfDetach(td, ifp)
	IfFree(td, ifp)
}

func TestRenameThenCreateSimple(t *testing.T) {
	k, td := bootIf(t, kern.Config{})
	s := &simpleCloner{}
	inVnet0(td, func() {
		s.ifc = IfCloneSimple(td, cname("dsc"), s.create, s.destroy, 0)
		require.NotNil(t, s.ifc)
		name, err := create(td, "dsc")
		require.Zero(t, err)
		require.Equal(t, "dsc0", name)
		require.Zero(t, IfRename(td, Ifunit(td, cname("dsc0")), "dsc5"))

		// An explicit dsc5 fails in if_clone_createif's ifunit check
		// before any unit is taken; unit 5 stays free.
		_, err = create(td, "dsc5")
		assert.Equal(t, kern.EEXIST, err)
		assert.Equal(t, 5, unrhdr.AllocUnrSpecific(td, s.ifc.ifc_unrhdr, 5))
		unrhdr.FreeUnr(td, s.ifc.ifc_unrhdr, 5)

		// Wildcards take 1..4, then skip 5 (ifunit re-check) and take 6.
		var got []string
		for i := 0; i < 5; i++ {
			name, err := create(td, "dsc")
			require.Zero(t, err)
			got = append(got, name)
		}
		assert.Equal(t, []string{"dsc1", "dsc2", "dsc3", "dsc4", "dsc6"}, got)

		// Destroying the renamed dsc5 frees its unit, 0.
		require.Zero(t, destroy(td, "dsc5"))
		name, err = create(td, "dsc")
		require.Zero(t, err)
		assert.Equal(t, "dsc0", name)
	})
	teardown(t, k, s.ifc)
}

func TestDestroyFromForeignVnet(t *testing.T) {
	k, td := bootIf(t, kern.Config{})
	var c *tstCloner
	var v1 *vnet.Vnet
	inVnet0(td, func() {
		c = attachTst(t, td, "tst", 0, IFC_F_AUTOUNIT)
		_, err := create(td, "tst0")
		require.Zero(t, err)
		v1 = vnet.VnetAlloc(td)
		PrisonCreate(td, 7, v1)
		require.Zero(t, IfVmoveLoan(td, Ifunit(td, cname("tst0")), cname("tst0"), 7))
		assert.Nil(t, Ifunit(td, cname("tst0")), "gone from vnet0")
	})
	inVnet(td, v1, func() {
		ifp := Ifunit(td, cname("tst0"))
		require.NotNil(t, ifp)
		assert.Same(t, vnet0(k), ifp.IfHomeVnet)
		assert.Nil(t, IfcFindCloner(td, cname("tst")), "no tst cloner in the jail")
		// Destroy from inside the jail: the cloner is found in the home vnet.
		assert.Zero(t, destroy(td, "tst0"))
		assert.Nil(t, Ifunit(td, cname("tst0")))
	})
	inVnet0(td, func() {
		assert.EqualValues(t, 1, c.ifc.ifc_refcnt, "the unit was freed")
		PrisonRemove(td, 7)
		vnet.VnetDestroy(td, v1)
	})
	teardown(t, k, c.ifc)
}

// advancedNoDestroy is a CLONE_COMPAT_13 advanced cloner registered with a
// NULL destroy method, as some old drivers were.
type advancedNoDestroy struct{}

func (advancedNoDestroy) create(td *kern.Thread, ifc *IfClone, name []byte, maxlen int, params Caddr) kern.Errno {
	unit := 0
	if err := IfcName2unit(name, &unit); err != 0 {
		return err
	}
	if unit < 0 {
		unit = 0
	}
	ifp := IfAlloc(td, IFT_OTHER)
	IfInitname(ifp, IfcName(ifc), unit)
	IfAttach(td, ifp)
	return 0
}

// TestAdvancedNullDestroy: the advanced wrapper answers ENOTSUP for a
// cloner without a destroy method, the interface is relinked, and
// if_clone_detach, which loops until the list is empty, never ends: a
// livelock verdict under the controlled scheduler.
func TestAdvancedNullDestroy(t *testing.T) {
	k, td := bootIf(t, kern.Config{MaxSteps: 20_000})
	var ifc *IfClone
	inVnet0(td, func() {
		c := advancedNoDestroy{}
		ifc = IfCloneAdvanced(td, cname("adv"), 0, IfcSimpleMatch, c.create, nil)
		require.NotNil(t, ifc)
		name, err := create(td, "adv3")
		require.Zero(t, err)
		assert.Equal(t, "adv3", name)
		assert.Equal(t, kern.ENOTSUP, destroy(td, "adv3"))
		assert.NotNil(t, Ifunit(td, cname("adv3")), "still there")
		assert.NotNil(t, IfnetListFirst(&ifc.ifc_iflist), "relinked after the failed destroy")
	})
	k.Go("detacher", func(td *kern.Thread) {
		saved := vnet.CurvnetSetQuiet(td, vnet0(k))
		defer vnet.CurvnetRestore(td, saved)
		IfcDetachCloner(td, ifc)
	})
	res := k.Run()
	assert.True(t, res.Livelock, "if_clone_detach must spin on the interface it cannot destroy: %v", res)
}
