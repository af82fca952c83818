package ifclone_test

import (
	"fmt"
	"strings"
	"testing"

	"kcheck/harness"
	"kcheck/ifclone"
	"kcheck/ifclone/drivers/disc"
	"kcheck/ifclone/drivers/epair"
	"kcheck/ifclone/drivers/loop"
	"kcheck/kern"
	"kcheck/model"
	"kcheck/unrhdr"
	"kcheck/vnet"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// boot makes a kernel with lo, disc and epair loaded, as GENERIC with the
// modules would be.
func boot(t *testing.T) (*kern.Kernel, *kern.Thread, *vnet.Vnet) {
	t.Helper()
	k := kern.NewKernel(kern.Config{})
	td := k.Thread0()
	vnet.Of(k)
	ifclone.IfnetInit(k)
	loop.Load(td)
	disc.Load(td)
	epair.Load(td)
	k.Boot(td)
	v0 := vnet.Of(k).Vnet0()
	require.NotNil(t, v0)
	return k, td, v0
}

func cname(s string) []byte { b := make([]byte, ifclone.IFNAMSIZ); copy(b, s); return b }

func in(td *kern.Thread, v *vnet.Vnet, f func()) {
	saved := vnet.CurvnetSetQuiet(td, v)
	defer vnet.CurvnetRestore(td, saved)
	f()
}

func create(td *kern.Thread, name string) (string, kern.Errno) {
	b := cname(name)
	err := ifclone.IfCloneCreate(td, b, ifclone.IFNAMSIZ, ifclone.Caddr{})
	return kern.CString(b), err
}

// shutdown destroys vnet0 and unloads the modules; nothing may be left.
func shutdown(t *testing.T, k *kern.Kernel) {
	t.Helper()
	td := k.Thread0()
	vnet.DestroyVnet0(td)
	k.Shutdown(td)
	k.EpochDrainCallbacks()
	for _, mt := range k.MallocTypes() {
		assert.Zero(t, mt.Live(), "malloc type %s", mt.Shortdesc)
	}
}

// TestDestroyFailureRelinks: lo0 refuses SIOCIFDESTROY without
// IFC_F_FORCE; if_clone_destroyif_flags relinks it, the lo group is
// restored and its unit stays allocated.
func TestDestroyFailureRelinks(t *testing.T) {
	k, td, v0 := boot(t)
	in(td, v0, func() {
		lo0 := ifclone.Ifunit(td, cname("lo0"))
		require.NotNil(t, lo0)
		require.Contains(t, ifclone.IfGroupNames(td, lo0), "lo")
		assert.Equal(t, kern.EINVAL, ifclone.IfCloneDestroy(td, cname("lo0")))
		assert.Same(t, lo0, ifclone.Ifunit(td, cname("lo0")), "lo0 is still attached")
		assert.Contains(t, ifclone.IfGroupNames(td, lo0), "lo", "back in the lo group")
		ifc := loop.Cloner(td, v0)
		assert.Equal(t, -1, unrhdr.AllocUnrSpecific(td, ifcUnrhdr(t, ifc), 0), "unit 0 still allocated")
		_, err := create(td, "lo0")
		assert.Equal(t, kern.EEXIST, err)
		// A second failed destroy behaves the same (the relink put it back
		// on the list, so it is found again).
		assert.Equal(t, kern.EINVAL, ifclone.IfCloneDestroy(td, cname("lo0")))
	})
	shutdown(t, k)
}

// ifcUnrhdr reaches the cloner's unrhdr through a unit it can allocate:
// the test needs the header itself, which if_clone.c keeps private.
func ifcUnrhdr(t *testing.T, ifc *ifclone.IfClone) *unrhdr.Unrhdr {
	t.Helper()
	u := ifclone.IfcUnrhdr(ifc)
	require.NotNil(t, u)
	return u
}

// TestRenameThenCreate: disc0 renamed to disc5. An explicit disc5 gets
// EEXIST from if_clone_createif's ifunit check; the wildcard skips 5
// through ifc_alloc_unit_specific's re-check (taking and releasing unit 5
// again); destroying the renamed disc5 frees unit 0.
func TestRenameThenCreate(t *testing.T) {
	k, td, v0 := boot(t)
	in(td, v0, func() {
		name, err := create(td, "disc")
		require.Zero(t, err)
		require.Equal(t, "disc0", name)
		require.Zero(t, ifclone.IfRename(td, ifclone.Ifunit(td, cname("disc0")), "disc5"))
		_, err = create(td, "disc5")
		assert.Equal(t, kern.EEXIST, err)
		u := ifcUnrhdr(t, disc.Cloner(td, v0))
		assert.Equal(t, 5, unrhdr.AllocUnrSpecific(td, u, 5), "unit 5 was released again")
		unrhdr.FreeUnr(td, u, 5)
		var got []string
		for i := 0; i < 5; i++ {
			name, err := create(td, "disc")
			require.Zero(t, err)
			got = append(got, name)
		}
		assert.Equal(t, []string{"disc1", "disc2", "disc3", "disc4", "disc6"}, got)
		assert.Equal(t, 5, unrhdr.AllocUnrSpecific(td, u, 5), "the skip released unit 5")
		unrhdr.FreeUnr(td, u, 5)
		require.Zero(t, ifclone.IfCloneDestroy(td, cname("disc5")))
		name, err = create(td, "disc")
		require.Zero(t, err)
		assert.Equal(t, "disc0", name, "destroying disc5 freed unit 0")
	})
	shutdown(t, k)
}

// TestVnetTeardownReturnsLoansAndDetaches: a jail's teardown sends an
// interface loaned to it home (vnet_if_return) and its own cloners destroy
// their interfaces, including one loaned out to vnet0.
func TestVnetTeardownReturnsLoansAndDetaches(t *testing.T) {
	k, td, v0 := boot(t)
	var v1 *vnet.Vnet
	in(td, v0, func() {
		_, err := create(td, "disc7")
		require.Zero(t, err)
		v1 = vnet.VnetAlloc(td)
		require.Zero(t, ifclone.PrisonCreate(td, 1, v1))
		require.Zero(t, ifclone.IfVmoveLoan(td, ifclone.Ifunit(td, cname("disc7")), cname("disc7"), 1))
	})
	in(td, v1, func() {
		require.NotNil(t, ifclone.Ifunit(td, cname("disc7")), "loaned into the jail")
		require.NotNil(t, ifclone.Ifunit(td, cname("lo0")), "the jail has its own lo0")
		name, err := create(td, "epair")
		require.Zero(t, err)
		require.Equal(t, "epair0a", name)
	})
	// epair0b, created in the jail, is lent to the host by reclaiming it
	// from vnet0's side.
	in(td, v0, func() {
		require.Zero(t, ifclone.IfVmoveReclaim(td, cname("epair0b"), 1))
		require.NotNil(t, ifclone.Ifunit(td, cname("epair0b")))
	})
	in(td, v0, func() {
		ifclone.PrisonRemove(td, 1)
		vnet.VnetDestroy(td, v1)
		ifp := ifclone.Ifunit(td, cname("disc7"))
		require.NotNil(t, ifp, "the loan came home")
		assert.Same(t, v0, ifp.IfVnet)
		assert.Contains(t, ifclone.IfGroupNames(td, ifp), "disc", "back in its group at home")
		assert.Nil(t, ifclone.Ifunit(td, cname("epair0b")), "the jail's epair cloner destroyed its end in vnet0")
	})
	shutdown(t, k)
}

// TestConcurrentSmoke: 3 threads x 4 random create/destroy operations on
// lo and epair under 200 PCT seeds. No WITNESS report, no leak, and no
// panic other than finding F6 (epair's b end destroyed during create).
func TestConcurrentSmoke(t *testing.T) {
	kinds := map[harness.Kind]int{}
	for seed := uint64(0); seed < 200; seed++ {
		scn := harness.StandardScenario(seed)
		ex := harness.Execute(scn, harness.Config{Chooser: kern.NewPCT(seed, 3, 400), Mode: model.Relaxed, SkipLinearizability: true})
		kinds[ex.Kind]++
		switch ex.Kind {
		case harness.Pass:
		case harness.Panic:
			require.True(t, strings.Contains(ex.Summary, "epair_clone_destroy"),
				"seed %d: a panic that is not finding F6: %s\n%s", seed, ex.Summary, ex.Details)
		default:
			t.Fatalf("seed %d: %s: %s\n%s", seed, ex.Kind, ex.Summary, ex.Details)
		}
	}
	t.Log(fmt.Sprint(kinds))
	assert.Greater(t, kinds[harness.Pass], 150)
}
