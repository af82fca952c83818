// SPDX-License-Identifier: BSD-2-Clause

package triage

import (
	"regexp"
	"slices"
	"strings"

	"kcheck/harness"
	"kcheck/ifclone"
	"kcheck/linearize"
	"kcheck/model"
	"kcheck/mutants"
)

// CRef is one place in the C a finding involves.
type CRef struct {
	File     string // e.g. sys/net/if_clone.c
	Lines    string // e.g. "325-327" (the seed's numbering for if_clone.c)
	Func     string
	Revision string // the revision the line numbers refer to
}

// Reach says whether a stock kernel can get there, as far as we can tell
// without running one.
type Reach struct {
	// Verdict is "probably reachable by root in a vnet jail", "probably
	// reachable by host root", "documented behaviour", or "unreachable".
	Verdict string
	// Why: the privileges, and what outside the port could forbid the
	// interleaving (locks the callers hold, sleepable sections, devfs).
	Why string
}

// Fix is the change a FreeBSD developer would commit, as exact-text rules
// on the port (same form as a mutant; Old must occur exactly once).
type Fix struct {
	Change string // in C terms: which lock, reference or ordering
	Rules  []mutants.Rule
}

// Finding is one entry of docs/FINDINGS.md as data.
type Finding struct {
	ID    string
	Title string
	C     []CRef
	// Bundles are saved failure bundles of this finding (paths relative to
	// the module root); each must be labelled with exactly this ID.
	Bundles []string
	// Scenarios are the named scenarios the fix must pass at DFS bound 2.
	Scenarios []string
	Reach     Reach
	// Kinds are the verdict kinds the finding shows as; Match, when set,
	// must also match the failure's summary and details. A failure of
	// another kind is never attributed to it (a cheap prefilter, and it
	// keeps an unrelated bug that a fix happens to hide from being
	// mislabelled).
	Kinds []harness.Kind
	Match *regexp.Regexp
	// Fix is nil for findings identified by a signature instead.
	Fix *Fix
	// Signature, for findings without a fix, decides from the replayed
	// execution alone.
	Signature func(ex *harness.Execution) bool
	// SignatureWhy says why the finding has no fix in the port.
	SignatureWhy string
	// Within lists findings whose failures this finding's fix also
	// removes because they happen inside its window; when both fixes
	// remove a failure the narrower finding (the one listed) is reported.
	Within []string
	// FoldedInto names the finding this one is now part of ("" if none).
	FoldedInto string
	// Shape, when set, narrows what counts as the finding still showing
	// when its fix is verified (kcheck fixes): the failure keys of its
	// scenarios that are its own, where the scenario also reaches other
	// findings' windows of the same kind (F26's RenameVsDestroy creates
	// lo2 while it is destroyed: F2's window).
	Shape *regexp.Regexp
	// FixFails, when set, records that the fix is known not to hold and
	// why (TestFixesHold checks the claim both ways: a fix claimed to
	// hold must hold, one claimed to fail must still fail).
	FixFails string
}

const (
	rev       = "3c4ba5f5" // the seed's if_clone.c
	revIf     = "002829ea6139"
	fIfClone  = "ifclone/if_clone.go"
	fIf       = "ifclone/if.go"
	fIoctl    = "ifclone/ioctl.go"
	fEpair    = "ifclone/drivers/epair/if_epair.go"
	fVlan     = "ifclone/drivers/vlan/if_vlan.go"
	fVnet     = "vnet/vnet.go"
	fTuntap   = "ifclone/drivers/tuntap/if_tuntap.go"
	jailReach = "VIMAGE prisons are granted PRIV_NET_IFCREATE, PRIV_NET_IFDESTROY, PRIV_NET_SETIFNAME and PRIV_NET_SETIFVNET (prison_priv_check, kern_jail.c), so root inside a vnet jail can issue every ioctl of the scenario"
)

// createSxRules declares ifnet_create_sxlock (an sx lock the two fixes
// below add to if.c) and has SIOCIFCREATE/SIOCIFCREATE2 hold it shared
// around if_clone_create, so creates still run in parallel with each other.
func createSxRules() []mutants.Rule {
	return []mutants.Rule{
		{File: fIf,
			Old: "\tifnet_detach_sxlock kern.Sx\n",
			New: "\tifnet_detach_sxlock kern.Sx\n\t// ifnet_create_sxlock (a fix, not in the C): creates hold it\n\t// shared, the name-space changes that must not see a half-made\n\t// interface exclusively.\n\tifnet_create_sxlock kern.Sx\n"},
		{File: fIf,
			Old: "\t\tg.ifnet_detach_sxlock.Init(k, \"ifnet_detach_sx\", kern.SX_RECURSE)\n",
			New: "\t\tg.ifnet_detach_sxlock.Init(k, \"ifnet_detach_sx\", kern.SX_RECURSE)\n\t\tg.ifnet_create_sxlock.Init(k, \"ifnet_create_sx\", 0)\n"},
		{File: fIf,
			Old: "func IfnetDetachSxlock(k *kern.Kernel) *kern.Sx { return &ifnetOf(k).ifnet_detach_sxlock }\n",
			New: "func IfnetDetachSxlock(k *kern.Kernel) *kern.Sx { return &ifnetOf(k).ifnet_detach_sxlock }\n\n// IfnetCreateSxlock is the fix's ifnet_create_sxlock.\nfunc IfnetCreateSxlock(k *kern.Kernel) *kern.Sx { return &ifnetOf(k).ifnet_create_sxlock }\n"},
		{File: fIoctl,
			Old: "\t\t\terr = IfCloneCreate(td, ifr.IfrName[:], IFNAMSIZ, params)\n",
			New: "\t\t\tIfnetCreateSxlock(td.K).Slock(td)\n\t\t\terr = IfCloneCreate(td, ifr.IfrName[:], IFNAMSIZ, params)\n\t\t\tIfnetCreateSxlock(td.K).Sunlock(td)\n"},
	}
}

// reclaimSxRule takes ifnet_create_sxlock exclusively across SIOCSIFRVNET
// (if_vmove_reclaim's lookup in the child's vnet and the move).
func reclaimSxRule() mutants.Rule {
	return mutants.Rule{File: fIoctl,
		Old: "\t\t\terr = IfVmoveReclaim(td, ifr.IfrName[:], int(ifr.IfrJid))\n",
		New: "\t\t\tIfnetCreateSxlock(td.K).Xlock(td)\n\t\t\terr = IfVmoveReclaim(td, ifr.IfrName[:], int(ifr.IfrJid))\n\t\t\tIfnetCreateSxlock(td.K).Xunlock(td)\n"}
}

// genericLookupRule takes ifnet_create_sxlock exclusively around ifioctl's
// ifunit_ref lookup and ifhwioctl for cmd (SIOCSIFVNET or SIOCSIFNAME).
func genericLookupRule(cmds ...string) mutants.Rule {
	cond := "cmd == " + strings.Join(cmds, " || cmd == ")
	return mutants.Rule{File: fIoctl,
		Old: "\t\tifp = IfunitRef(td, ifr.IfrName[:])\n\t\tif ifp == nil {\n\t\t\terr = kern.ENXIO\n\t\t\tgoto out_noref\n\t\t}\n\n\t\terr = Ifhwioctl(td, cmd, ifp, ifr)\n",
		New: "\t\tif " + cond + " {\n\t\t\tIfnetCreateSxlock(td.K).Xlock(td)\n\t\t}\n\t\tifp = IfunitRef(td, ifr.IfrName[:])\n\t\tif ifp == nil {\n\t\t\terr = kern.ENXIO\n\t\t} else {\n\t\t\terr = Ifhwioctl(td, cmd, ifp, ifr)\n\t\t}\n\t\tif " + cond + " {\n\t\t\tIfnetCreateSxlock(td.K).Xunlock(td)\n\t\t}\n\t\tif ifp == nil {\n\t\t\tgoto out_noref\n\t\t}\n"}
}

func rx(s string) *regexp.Regexp { return regexp.MustCompile(s) }

// Catalogue is every finding, F1 first. Entries are never renumbered:
// a folded or unreachable finding keeps its number and says so.
var Catalogue = []*Finding{
	{ID: "F1", Title: "wildcard creates are not lowest-free under concurrency (documented: ifconfig(8) promises an arbitrary unit)",
		C:       []CRef{{"sys/net/if_clone.c", "750-766", "ifc_alloc_unit_next", rev}},
		Bundles: []string{"testdata/findings/F1-wildcard-not-lowest"},
		Reach: Reach{Verdict: "documented behaviour",
			Why: "ifconfig(8) documents that a create without a unit gets an arbitrary unit number; only the strict spec (lowest free unit) rejects the history"},
		Kinds: []harness.Kind{harness.NotLinearizable},
		Signature: func(ex *harness.Execution) bool {
			return ex.Kind == harness.NotLinearizable && relaxedAccepts(ex)
		},
		SignatureWhy: "no fix: the behaviour is the documented one. Identity: the history fails the strict spec and the relaxed spec (any free unit) accepts it",
	},
	{ID: "F2", Title: "if_clone_create copies the name of an interface a concurrent destroy freed",
		C: []CRef{{"sys/net/if_clone.c", "218-221", "if_clone_create", rev},
			{"sys/net/if_clone.c", "325-327", "if_clone_createif", rev}},
		Bundles:   []string{"testdata/findings/F2-create-returns-freed-name", "harness/testdata/bundles/F2-minimized"},
		Scenarios: []string{"DoubleDestroy"},
		Reach:     Reach{Verdict: "probably reachable by root in a vnet jail", Why: jailReach + "; SIOCIFCREATE takes no lock around if_clone_create and SIOCIFDESTROY only ifnet_detach_sxlock, which the create never takes, so nothing outside the port orders them"},
		Kinds:     []harness.Kind{harness.NotLinearizable},
		Fix: &Fix{
			Change: "if_clone_createif takes if_ref on the new ifnet before if_clone_addif (seed 327) publishes it to destroyers, and if_clone_create drops it with if_rele after copying if_name (seed 221): the caller holds a reference across the copy",
			Rules: []mutants.Rule{
				{File: fIfClone,
					Old: "\t\tkern.MPASS(td, *ifpp != nil)\n\t\tIfCloneAddif(td, ifc, *ifpp)\n",
					New: "\t\tkern.MPASS(td, *ifpp != nil)\n\t\tIfRef(td, *ifpp) // fix F2: held until if_clone_create has copied the name\n\t\tIfCloneAddif(td, ifc, *ifpp)\n"},
				{File: fIfClone,
					Old: "\t\tkern.Strlcpy(name[:len], IfName(ifp))\n\t}\n",
					New: "\t\tkern.Strlcpy(name[:len], IfName(ifp))\n\t\tIfRele(td, ifp) // fix F2\n\t}\n"},
				{File: fIfClone,
					Old: "\terr := IfCloneCreateif(td, ifc, ifname[:], IFNAMSIZ, ifd, &ifp)\n\tif ifpp != nil {\n\t\t*ifpp = ifp\n\t}\n",
					New: "\terr := IfCloneCreateif(td, ifc, ifname[:], IFNAMSIZ, ifd, &ifp)\n\tif ifpp != nil {\n\t\t*ifpp = ifp\n\t} else if err == 0 {\n\t\tIfRele(td, ifp) // fix F2: a caller that does not want the ifnet (lo0 at vnet init)\n\t}\n"},
			}},
	},
	{ID: "F3", Title: "a new interface is visible (by name or by unit) before it is on its cloner's list",
		C: []CRef{{"sys/net/if_clone.c", "323-327", "if_clone_createif", rev},
			{"sys/net/if_clone.c", "374-376", "if_clone_destroyif_flags", rev},
			{"sys/net/if_tuntap.c", "", "tun_clone_create (alloc_unr_specific before tuncreate)", revIf}},
		Bundles:   []string{"testdata/findings/F3-visible-before-linked", "testdata/findings/F7-tap-unit-reserved-before-visible"},
		Scenarios: []string{"CreateVisibleBeforeLinked", "ReclaimVsCreate"},
		Reach:     Reach{Verdict: "probably reachable by root in a vnet jail", Why: jailReach + "; no lock of ifioctl's callers spans a create (SIOCIFCREATE holds nothing across if_clone_create)"},
		Kinds:     []harness.Kind{harness.NotLinearizable},
		Within:    []string{"F2", "F6", "F9", "F15"},
		// The unit is reserved before the interface is visible (F7's
		// shape, through ifc_alloc_unit, epair's pair names and tuntap's own
		// unrhdr): an explicit create of the name another create in
		// flight will return answers EEXIST. The fix above orders
		// creates against destroys and moves, not against each other,
		// so this form is named by its history instead.
		Signature: func(ex *harness.Execution) bool {
			return ex.Kind == harness.NotLinearizable && unitReservedAccepts(ex)
		},
		SignatureWhy: "the form the fix does not order (two creates): the relaxed spec accepts the history once the explicit creates answered EEXIST for a name that an overlapping create in the same vnet returned are left out, i.e. the name was taken (its unit reserved) before the interface was visible",
		Fix: &Fix{
			Change: "a new sx lock ifnet_create_sxlock: ifioctl holds it shared across if_clone_create (SIOCIFCREATE/SIOCIFCREATE2) and exclusively across SIOCIFDESTROY (outside ifnet_detach_sxlock), SIOCSIFVNET (around ifunit_ref and if_vmove_loan) and SIOCSIFRVNET, so no destroy or move sees an interface, or a unit, whose creation has not finished; creates still run in parallel",
			Rules: append(createSxRules(),
				mutants.Rule{File: fIoctl,
					Old: "\t\t\tIfnetDetachSxlock(td.K).Xlock(td)\n\t\t\terr = IfCloneDestroy(td, ifr.IfrName[:])\n\t\t\tIfnetDetachSxlock(td.K).Xunlock(td)\n",
					New: "\t\t\tIfnetCreateSxlock(td.K).Xlock(td)\n\t\t\tIfnetDetachSxlock(td.K).Xlock(td)\n\t\t\terr = IfCloneDestroy(td, ifr.IfrName[:])\n\t\t\tIfnetDetachSxlock(td.K).Xunlock(td)\n\t\t\tIfnetCreateSxlock(td.K).Xunlock(td)\n"},
				reclaimSxRule(),
				genericLookupRule("SIOCSIFVNET")),
		},
	},
	{ID: "F4", Title: "a rename and a create can produce two interfaces with the same name",
		C: []CRef{{"sys/net/if.c", "", "if_rename (ifunit check, then the rename)", revIf},
			{"sys/net/if_clone.c", "314", "if_clone_createif", rev}},
		Bundles:   []string{"testdata/findings/F4-rename-duplicates-name"},
		Scenarios: []string{"RenameCollision"},
		Reach:     Reach{Verdict: "probably reachable by root in a vnet jail", Why: jailReach + "; SIOCSIFNAME runs if_rename with no lock held by ifioctl"},
		Kinds:     []harness.Kind{harness.NotLinearizable},
		Fix: &Fix{
			Change: "the same ifnet_create_sxlock as F3's fix, held shared by SIOCIFCREATE and exclusively by SIOCSIFNAME across ifunit_ref and if_rename, so a rename's ifunit check and its rename are atomic with respect to creates",
			Rules:  append(createSxRules(), genericLookupRule("SIOCSIFNAME")),
		},
	},
	{ID: "F5", Title: "SIOCSIFVNET racing SIOCIFDESTROY trips if_vmove_loan's MPASS",
		C:         []CRef{{"sys/net/if.c", "", "if_vmove_loan (MPASS on ifindex_table)", revIf}},
		Bundles:   []string{"testdata/findings/F5-vmove-loan-mpass-vs-destroy"},
		Scenarios: []string{"DestroyVsVmove"},
		Reach:     Reach{Verdict: "probably reachable by root in a vnet jail (INVARIANTS kernels only)", Why: jailReach + "; the loan takes ifnet_detach_sxlock only after the MPASS"},
		Kinds:     []harness.Kind{harness.Panic},
		Match:     rx(`Assertion failed at ifclone/if\.go`),
		Fix: &Fix{
			Change: "drop the MPASS at the top of if_vmove_loan: the reference ifioctl holds keeps the memory, and the if_unlink_ifnet check under ifnet_detach_sxlock already answers ENODEV when a destroy won",
			Rules: []mutants.Rule{{File: fIf,
				Old: "\tkern.MPASS(td, g.ifindex_table.Load().ents[ifp.IfIndex].ife_ifnet.Load() == ifp)\n\n\t// Look the jail up among the caller's descendants.\n",
				New: "\t// fix F5: no MPASS on ifindex_table here; a destroy that won is ENODEV below.\n\n\t// Look the jail up among the caller's descendants.\n"}},
		},
	},
	{ID: "F6", Title: "destroying epairNb while epairN is being created panics epair",
		C: []CRef{{"sys/net/if_epair.c", "", "epair_clone_create (if_clone_addif of b), epair_clone_destroy (panic on the 2nd if_clone_destroyif)", revIf},
			{"sys/net/if_clone.c", "327", "if_clone_createif", rev}},
		Bundles:   []string{"testdata/findings/F6-epair-b-destroyed-during-create", "harness/testdata/bundles/F6-minimized"},
		Scenarios: []string{"EpairAtomicPair"},
		Reach:     Reach{Verdict: "probably reachable by root in a vnet jail", Why: jailReach + "; epair is loadable in a jail's vnet and nothing the ioctl callers hold orders a create against a destroy"},
		Kinds:     []harness.Kind{harness.Panic},
		Match:     rx(`for our \w+ iface failed`),
		FixFails:  "under the fix the named scenario UnloadVsCreate (kldunload if_epair racing two creates) livelocks: if_clone_detach retries its IFC_F_FORCE destroy of epairNa forever while the fixed epair_clone_destroy refuses it, the peer not yet being on the cloner's list (our reading of the TestFixesHold result, seen already at 5536739; not traced). A fix must also let a forced destroy wait for, or finish, the half-made pair",
		Fix: &Fix{
			Change: "epair_clone_destroy unlinks the peer (if_clone_destroyif on oifp with its softc cleared) before it detaches anything, and when the peer is not on the cloner's list yet (its create has not reached if_clone_addif) it restores the softc and returns that error instead of panicking later; if_clone_destroyif_flags then relinks the end it was asked to destroy",
			Rules: []mutants.Rule{
				{File: fEpair,
					Old: "\t// Down and detached first.\n",
					New: "\t// fix F6: take the peer off the cloner's list first; if it is not\n\t// there yet its create is still running: refuse, touching nothing.\n\tkern.Preempt(td)\n\toifp.IfSoftc = nil\n\tif err := ifclone.IfCloneDestroyif(td, ifc, oifp); err != 0 {\n\t\toifp.IfSoftc = scb\n\t\treturn err\n\t}\n\n\t// Down and detached first.\n"},
				{File: fEpair,
					Old: "\tkern.Preempt(td) // the peer's if_softc is cleared without a lock\n\toifp.IfSoftc = nil\n\terr := ifclone.IfCloneDestroyif(td, ifc, oifp)\n\tif err != 0 {\n\t\tkern.Panicf(td, \"%s: if_clone_destroyif() for our 2nd iface failed: %d\",\n\t\t\t\"epair_clone_destroy\", int(err))\n\t}\n",
					New: ""},
			}},
	},
	{ID: "F7", Title: "tap's unit is reserved before its interface appears (folded into F3)",
		C:          []CRef{{"sys/net/if_tuntap.c", "", "tun_clone_create", revIf}},
		FoldedInto: "F3",
		Reach:      Reach{Verdict: "see F3"},
	},
	{ID: "F8", Title: "if_tuntap.c never releases the cdev reference tun_clone_create takes",
		C:     []CRef{{"sys/net/if_tuntap.c", "551", "tun_clone_create (dev_ref)", revIf}},
		Reach: Reach{Verdict: "probably reachable by host root (a leak per tun create; jails too, with tun in the vnet)", Why: "no race involved; devfs holds the reference"},
		Kinds: []harness.Kind{harness.Leak},
		Match: rx(`DEVFS1`),
		Signature: func(ex *harness.Execution) bool {
			return ex.Kind == harness.Leak && rx(`DEVFS1`).MatchString(ex.Summary)
		},
		SignatureWhy: "the harness already reports exactly the expected cdev_priv objects as known finding F8 instead of a Leak; a Leak naming DEVFS1 is F8 with a count the harness did not expect",
	},
	{ID: "F9", Title: "a create racing a loan adds the cloner group in the wrong vnet; the next move faults",
		C: []CRef{{"sys/net/if_clone.c", "230-231", "ifc_link_ifp", rev},
			{"sys/net/if.c", "", "if_delgroups / _if_delgroup_locked (CK_STAILQ_REMOVE from V_ifg_head)", revIf}},
		Bundles:   []string{"testdata/findings/F9-group-added-in-wrong-vnet"},
		Scenarios: []string{"ReclaimVsCreate"},
		Reach:     Reach{Verdict: "probably reachable by root in a vnet jail (a nested jail: the loan targets a child)", Why: jailReach + "; the loan takes ifnet_detach_sxlock, which the create never takes"},
		Kinds:     []harness.Kind{harness.Panic},
		// A fault whose innermost ported frame is the interface-group
		// code (ifg_head walks in if_addgroup/if_delgroups), or a
		// queue macro's check on an ifg list: not any fault (the
		// mutants' unrhdr and if_clone_list faults are not F9).
		Match:    rx(`(?s)CK_STAILQ|Bad link elm.*ifg|runtime/panic\.go:\d+[^\n]*\n\s*kcheck/ifclone\.(?:ifg\w*|\w*[Gg]roups?\w*)\(`),
		FixFails: "the fix removes the fault but adds a lock-order reversal: lo0 is created by vnet_loif_init while vnet_alloc holds vnet_sysinit_sxlock, so ifc_link_ifp now orders vnet_sysinit_sx before ifnet_detach_sx, the reverse of vnet_destroy (F10's pair); a fix needs a lock that vmove holds while it changes if_vnet and that creation may take under vnet_sysinit_sx",
		Fix: &Fix{
			Change: "ifc_link_ifp takes ifnet_detach_sxlock (which if_vmove_loan, if_vmove_reclaim and vnet teardown hold while they change if_vnet) and runs if_addgroup under CURVNET_SET_QUIET(ifp->if_vnet), so the cloner group is created on the ifg_head of the vnet the interface is in at that moment, not the creator's",
			Rules: []mutants.Rule{{File: fIfClone,
				Old: "\tif ifc.ifc_flags&IFC_NOGROUP == 0 {\n\t\tIfAddgroup(td, ifp, kern.CString(ifc.ifc_name[:]))\n\t}\n",
				New: "\tif ifc.ifc_flags&IFC_NOGROUP == 0 {\n\t\t// fix F9: if_vnet is stable under ifnet_detach_sxlock, which every move holds.\n\t\tIfnetDetachSxlock(td.K).Xlock(td)\n\t\tsaved := vnet.CurvnetSetQuiet(td, ifp.IfVnet)\n\t\tIfAddgroup(td, ifp, kern.CString(ifc.ifc_name[:]))\n\t\tvnet.CurvnetRestore(td, saved)\n\t\tIfnetDetachSxlock(td.K).Xunlock(td)\n\t}\n"}},
		},
	},
	{ID: "F10", Title: "unloading a cloner module while vnets exist reverses two sx locks",
		C:     []CRef{{"sys/net/vnet.c", "", "vnet_destroy / vnet_deregister_sysuninit", revIf}},
		Reach: Reach{Verdict: "probably reachable by host root only (kldunload needs PRIV_KLD_UNLOAD)", Why: "needs a module unload racing a jail teardown"},
		Kinds: []harness.Kind{harness.WitnessReversal},
		Signature: func(ex *harness.Execution) bool {
			return ex.Kind == harness.WitnessReversal && rx(`ifnet_detach_sx`).MatchString(ex.Details) && rx(`vnet_sysinit_sx`).MatchString(ex.Details)
		},
		SignatureWhy: "pinned by unit tests that unload a module; the harness's teardown avoids the order, so a campaign meets it only as this WITNESS pair",
	},
	{ID: "F11", Title: "two vnets created at once could swap their lo cloners (unreachable: allprison_lock serialises vnet_alloc)",
		C:     []CRef{{"sys/net/if_loop.c", "", "vnet_loif_init (file-scope lo_cloner)", revIf}, {"sys/kern/kern_jail.c", "", "kern_jail_set (vnet_alloc under allprison_lock)", revIf}},
		Reach: Reach{Verdict: "unreachable", Why: "kern_jail_set holds allprison_lock exclusively around vnet_alloc and the only other caller is vnet0_init at boot, so two vnet_alloc never run at once; only the unit test that calls vnet_alloc directly reaches it"},
	},
	{ID: "F12", Title: "alloc_unr_specific can make alloc_unr return units above high",
		C:            []CRef{{"sys/kern/subr_unit.c", "709", "alloc_unr_specificl", "FreeBSD 14"}},
		Reach:        Reach{Verdict: "probably reachable by host root", Why: "needs a unit header with no chunks and low units taken; pinned against the compiled C"},
		SignatureWhy: "a sequential defect pinned by a unit test (unrhdr TestKnownBugSpecificOverstatesLast); no campaign scenario drives the unit range to it",
	},
	{ID: "F13", Title: "vnet_alloc runs constructors before linking the vnet, so a constructor registered, or a destructor deregistered, in between is missed",
		C: []CRef{{"sys/net/vnet.c", "", "vnet_alloc (vnet_sysinit, then LIST_INSERT_HEAD) / vnet_register_sysinit", revIf},
			{"sys/net/vnet.c", "", "vnet_deregister_sysuninit (VNET_FOREACH misses a vnet not yet linked)", "039ea811636f"}},
		Bundles:   []string{"testdata/findings/F13-unload-misses-vnet-being-created"},
		Scenarios: []string{"UnloadVsJailCreate"},
		// The scenario also reaches F24 (a vnet between its two
		// SYSUNINITs gets the destructor without the constructor: a
		// panic in if_clone_detach), which this fix does not order.
		Shape: rx(`^(Leak|Invariant|NotLinearizable)\b|holds no copy of the variable`),
		Reach: Reach{Verdict: "probably reachable by host root (kldload or kldunload while a jail is being created)", Why: "vnet_register_sysinit runs at module load and vnet_deregister_sysuninit at unload, with kld_sx dropped (linker_file_sysinit/sysuninit); kern_jail_set's allprison_lock does not exclude either"},
		Kinds: []harness.Kind{harness.Panic, harness.Invariant, harness.NotLinearizable, harness.Leak},
		Signature: func(ex *harness.Execution) bool {
			if hasInvariant(ex, ifclone.InvClonerModule) {
				// The unload side: a vnet linked after the module's
				// destructors ran on vnet_head keeps the module's
				// cloners; the history then shows them after the
				// unload, and they leak at teardown.
				return true
			}
			if ex.Kind == harness.NotLinearizable {
				// Seen by the history only: a jail made during a load
				// lacks the module's cloner, or one made during an
				// unload keeps it (the module loaded again before the
				// operations ended, so the invariant holds by then).
				return unloadMissesNewJail(ex)
			}
			if ex.Kind != harness.Panic || !hasOp(ex, "kldload") {
				return false
			}
			return rx(`holds no copy of the variable`).MatchString(ex.Summary)
		},
		SignatureWhy: "a kldload racing a jail's vnet_alloc: the new vnet never ran the module's constructor, and its VNET_VNET slot is empty when the module's destructor (or the harness's teardown) reads it; a kldunload racing it: the new vnet keeps the module's cloners after the unload (the invariant cloner-module-loaded, checked between operations). The fix below names the forms the signature does not (a jail made and removed during the unload, which the invariant never sees, leaks the cloner)",
		Fix: &Fix{
			Change: "vnet_alloc takes VNET_SYSINIT_RLOCK before the constructors and keeps it until the vnet is on vnet_head (vnet_sysinit without its own hold): a vnet_register_sysinit or vnet_deregister_sysuninit then runs either before the constructors or after the link, and sees the vnet either way",
			Rules: []mutants.Rule{
				{File: fVnet,
					Old: "\tsaved := s.curvnetSetQuiet(td, vnet, s.siteAt(&fixedSites[0]))\n\ts.vnetSysinit(td)\n",
					New: "\ts.vnetSysinitRlock(td) // fix F13: held from the constructors to the link\n\tsaved := s.curvnetSetQuiet(td, vnet, s.siteAt(&fixedSites[0]))\n\ts.vnetSysinit(td)\n"},
				{File: fVnet,
					Old: "\ts.vnet_head.listInsertHead(td, vnet)\n\ts.vnetListWunlock(td)\n",
					New: "\ts.vnet_head.listInsertHead(td, vnet)\n\ts.vnetListWunlock(td)\n\ts.vnetSysinitRunlock(td) // fix F13\n"},
				{File: fVnet,
					Old: "func (s *State) vnetSysinit(td *kern.Thread) {\n\ts.vnetSysinitRlock(td)\n\tfor _, vs := range s.vnet_constructors {\n\t\tCurvnet(td).Vnet_state.Store(uint32(vs.Subsystem))\n\t\tvs.Func(td, vs.Arg)\n\t}\n\ts.vnetSysinitRunlock(td)\n}\n",
					New: "func (s *State) vnetSysinit(td *kern.Thread) {\n\t// fix F13: the caller, vnet_alloc, holds vnet_sysinit_sxlock.\n\tfor _, vs := range s.vnet_constructors {\n\t\tCurvnet(td).Vnet_state.Store(uint32(vs.Subsystem))\n\t\tvs.Func(td, vs.Arg)\n\t}\n}\n"},
			}},
	},
	{ID: "F14", Title: "smaller defects pinned by tests",
		C:       []CRef{{"sys/net/if.c", "", "if_unlink_ifnet (vnet_ifcnt)", revIf}, {"sys/net/if_tuntap.c", "", "tun rename vs make_dev_s", revIf}, {"sys/net/if_vlan.c", "", "vlan_modevent MOD_UNLOAD (VLAN_LOCKING_DESTROY before the VNET_SYSUNINIT detaches the cloner)", revIf}},
		Bundles: []string{"harness/testdata/bundles/F14-vlan-unload-destroys-held-sx"},
		Reach:   Reach{Verdict: "mixed; see docs/FINDINGS.md"},
		Kinds:   []harness.Kind{harness.Panic, harness.Invariant},
		Signature: func(ex *harness.Execution) bool {
			if ex.Kind == harness.Invariant {
				// The tun rename hazard seen before make_dev_s panics: a
				// second tun/tap/vmnet of one name on V_ifnet after a
				// rename onto the name the wildcard picks.
				return hasOp(ex, "rename") && rx(`ifnet-unique-name.*named (tun|tap|vmnet)\d+ `).MatchString(ex.Summary)
			}
			// vnet_if_return's array sized by a vnet_ifcnt that an
			// unlink losing a race (if_unlink_ifnet decrementing
			// whether or not it found the interface, if.c:471) left
			// short: wrapped below zero, or one slot too few.
			return ex.Kind == harness.Panic && rx(`bad si_name|destroyed sx vlan_sx|sx lock vlan_sx still held|vnet_ifcnt of vnet \S+ wrapped|slots sized by vnet_ifcnt`).MatchString(ex.Summary+"\n"+ex.Details)
		},
		SignatureWhy: "each is pinned by a unit test; of them the tun rename (\"bad si_name\"), the vlan unload (vlan_sx destroyed, then locked; or destroyed while a vlan_config or vlan_ifdetach holds it: sx_destroy's KASSERT) and the vnet_ifcnt miscount (vnet_if_return's array sized by a count an unlink that lost a race to SIOCIFDESTROY decremented anyway: the count wraps, or the array is one short) can show in a campaign, recognised by their panic messages",
	},
	{ID: "F15", Title: "a vlan created while its parent departs stays configured on it",
		C:         []CRef{{"sys/net/if_vlan.c", "", "vlan_clone_create (ifunit_ref of the parent), vlan_config, vlan_ifdetach", revIf}},
		Bundles:   []string{"testdata/findings/F15-vlan-configured-on-departed-parent"},
		Scenarios: []string{"VlanDuplicateVid"},
		Reach:     Reach{Verdict: "probably reachable by root in a vnet jail", Why: jailReach + "; SIOCIFCREATE2 holds nothing, and the parent's destroy holds only ifnet_detach_sxlock"},
		Kinds:     []harness.Kind{harness.NotLinearizable},
		Fix: &Fix{
			Change: "vlan_config refuses, under VLAN_XLOCK, a parent already marked IFF_DYING (if_unlink_ifnet sets it before the departure event, and vlan_ifdetach takes VLAN_XLOCK): either the vlan is on the trunk before vlan_ifdetach runs, or it is not configured at all (ENXIO)",
			Rules: []mutants.Rule{{File: fVlan,
				Old: "\tvlanXlock(td)\n\tif ifVlantrunk(td, p) == nil {\n",
				New: "\tvlanXlock(td)\n\tif p.IfFlags.Get()&ifclone.IFF_DYING != 0 { // fix F15: the parent is leaving\n\t\tvlanXunlock(td)\n\t\treturn kern.ENXIO\n\t}\n\tif ifVlantrunk(td, p) == nil {\n"}},
		},
	},
	{ID: "F16", Title: "if_clone_detach and a concurrent SIOCIFDESTROY: the detach uses the interface the destroy freed, or the destroy calls through the cloner the detach freed",
		C: []CRef{{"sys/net/if_clone.c", "572-581", "if_clone_detach (LIST_FIRST of ifc_iflist, then IF_CLONE_REMREF: the cloner is freed once its list is empty)", rev},
			{"sys/net/if_clone.c", "348", "if_clone_destroy (ifc_find_cloner_in_vnet, no reference on the cloner)", rev},
			{"sys/net/if_clone.c", "372-378", "if_clone_destroyif_flags (ifc_unlink_ifp, then ifc->ifc_destroy)", rev}},
		Bundles: []string{"testdata/findings/F16-unload-detach-vs-destroy", "harness/testdata/bundles/F16-destroy-calls-freed-cloner", "harness/testdata/bundles/F16-detach-uses-destroyed-ifnet"},
		Reach:   Reach{Verdict: "probably reachable by host root only (kldunload of a cloner module racing ifconfig destroy)", Why: "kldunload needs PRIV_KLD_UNLOAD; vnet_destroy's detach holds ifnet_detach_sxlock, which excludes SIOCIFDESTROY, but the unload's if_clone_detach (vnet_deregister_sysuninit) does not hold it"},
		Kinds:   []harness.Kind{harness.Panic},
		Signature: func(ex *harness.Execution) bool {
			// The destroy's form: SIOCIFDESTROY took the interface off
			// the cloner's list (ifc_unlink_ifp), the unload's
			// if_clone_detach then found the list empty and freed the
			// cloner, and the destroy faults calling through it: the
			// innermost ported frame is if_clone_destroyif_flags, under
			// if_clone_destroy, not under if_clone_detach (or the
			// freed cloner's unit header read one call deeper, in
			// ifc_free_unit's free_unr).
			if ex.Kind == harness.Panic && hasOp(ex, "kldunload") && hasOp(ex, "destroy") &&
				rx(`(?s)fault in`).MatchString(ex.Summary) &&
				rx(`runtime/panic\.go:\d+[^\n]*\n\s*kcheck/(ifclone\.IfCloneDestroyifFlags|ifclone\.IfcFreeUnit|unrhdr\.FreeUnr)\(`).MatchString(ex.Details) &&
				rx(`ifclone\.IfCloneDestroyifFlags\(`).MatchString(ex.Details) &&
				rx(`ifclone\.IfCloneDestroy\(`).MatchString(ex.Details) && !rx(`ifclone\.IfCloneDetach\(`).MatchString(ex.Details) {
				return true
			}
			// The detach's form: a destroy in flight during the unload
			// emptied the list between the detach's LIST_EMPTY and its
			// LIST_FIRST, and if_clone_destroyif_flags, called by
			// if_clone_detach, faults on the NULL interface; or the
			// detach's LIST_FIRST (read without the cloner's lock) is
			// the interface the destroy then unlinked and freed, and its
			// CURVNET_SET reads the freed if_vnet (cleared by free(9)'s
			// poisoning of pointer words).
			if ex.Kind != harness.Panic || !ioctlDuringUnload(ex) {
				return false
			}
			// The destroy's form in a native run: the destroy locks
			// the cloner's mutex (IF_CLONE_LOCK in ifc_unlink_ifp, or
			// the unrhdr's in ifc_free_unit) that if_clone_free has
			// destroyed but not yet freed, a window no scheduling point
			// splits under control.
			if hasOp(ex, "destroy") && cloneMutexDestroyed.MatchString(ex.Summary) &&
				rx(`ifclone\.IfCloneDestroy\(`).MatchString(ex.Details) && !rx(`ifclone\.(IfCloneDetach|IfCloneCreate)\(`).MatchString(ex.Details) {
				return true
			}
			if hasOp(ex, "destroy") && rx(`CURVNET_SET at ifclone/if_clone\.go:\d+ ifclone\.IfCloneDestroyifFlags\(\) curvnet=0x[0-9a-f]+ vnet=0x0$`).MatchString(ex.Summary) &&
				rx(`ifclone\.IfCloneDestroyifFlags\([^\n]*\n[^\n]*\n\s*kcheck/ifclone\.IfCloneDetach\(`).MatchString(ex.Details) {
				return true
			}
			return rx(`(?s)fault in`).MatchString(ex.Summary) &&
				rx(`runtime/panic\.go:\d+[^\n]*\n\s*kcheck/ifclone\.IfCloneDestroyifFlags\(\S+, \S+, 0x0, `).MatchString(ex.Details) &&
				rx(`ifclone\.IfCloneDestroyifFlags\([^\n]*\n[^\n]*\n\s*kcheck/ifclone\.IfCloneDetach\(`).MatchString(ex.Details)
		},
		SignatureWhy: "the detach's form is pinned by ifclone TestDetachDestroyUseAfterFree; the destroy's form by its signature (a fault in if_clone_destroyif_flags called from if_clone_destroy, in a scenario with kldunload). A fix has if_clone_destroy hold a cloner reference (IF_CLONE_ADDREF in ifc_find_cloner_in_vnet) and if_clone_detach take ifnet_detach_sxlock, as SIOCIFDESTROY does",
	},
	{ID: "F17", Title: "SIOCSIFRVNET racing SIOCIFDESTROY inside the jail uses a freed ifnet",
		C:         []CRef{{"sys/net/if.c", "", "if_vmove_reclaim (unreferenced ifunit, MPASS(found) before ifnet_detach_sxlock)", revIf}},
		Bundles:   []string{"testdata/findings/F17-vmove-reclaim-vs-jail-destroy"},
		Scenarios: []string{"ReclaimVsJailDestroy"},
		Reach:     Reach{Verdict: "probably reachable by root in a vnet jail that may create child jails, or by host root racing jailed root", Why: jailReach + "; the reclaim takes ifnet_detach_sxlock only after its unreferenced ifunit and if_unlink_ifnet"},
		Kinds:     []harness.Kind{harness.Panic},
		// The freed ifnet shows as a fault, if_vmove_reclaim's MPASS, or
		// its poisoned if_afdata mutex locked by if_detach_internal.
		Match: rx(`Assertion failed at ifclone/if\.go|nil pointer dereference|invalid memory address|of destroyed \(poisoned memory\) mutex`),
		// A native run meets the window far more often than 200
		// controlled executions do, and has no schedule for the fix:
		// the reclaim's panic on the interface a destroy (not an
		// unload: F25) freed or unindexed is named by signature.
		Signature: func(ex *harness.Execution) bool {
			return ex.Kind == harness.Panic && rx(`Assertion failed at ifclone/if\.go|nil pointer dereference|invalid memory address|of destroyed \(poisoned memory\) mutex`).MatchString(ex.Summary) &&
				rx(`ifclone\.IfVmoveReclaim\(`).MatchString(ex.Details) && hasOp(ex, "destroy") && !hasOp(ex, "kldunload") && !hasOp(ex, "vnet_destroy")
		},
		Fix: &Fix{
			Change: "if_vmove_reclaim takes ifnet_detach_sxlock before it looks the interface up with ifunit and holds it through if_vmove, so a SIOCIFDESTROY (which holds the same lock) either completes first (ifunit then fails: ENXIO) or starts after the move; an unlink that finds nothing is ENODEV, as the rewritten if_vmove_loan answers",
			Rules: []mutants.Rule{{File: fIf,
				Old: "\t// The interface must exist in the jail's vnet.\n\tsaved := vnet.CurvnetSet(td, pr.PrVnet)\n\tifp := Ifunit(td, ifname)\n\tif ifp == nil {\n\t\tvnet.CurvnetRestore(td, saved)\n",
				New: "\t// fix F17: hold ifnet_detach_sxlock from the lookup to the move.\n\tg.ifnet_detach_sxlock.Xlock(td)\n\tsaved := vnet.CurvnetSet(td, pr.PrVnet)\n\tifp := Ifunit(td, ifname)\n\tif ifp == nil {\n\t\tg.ifnet_detach_sxlock.Xunlock(td)\n\t\tvnet.CurvnetRestore(td, saved)\n"},
				{File: fIf,
					Old: "\tif vnet_dst == ifp.IfVnet {\n\t\tvnet.CurvnetRestore(td, saved)\n",
					New: "\tif vnet_dst == ifp.IfVnet {\n\t\tg.ifnet_detach_sxlock.Xunlock(td)\n\t\tvnet.CurvnetRestore(td, saved)\n"},
				{File: fIf,
					Old: "\tshutdown := vnetIsShuttingDown(ifp.IfVnet)\n\tif shutdown {\n\t\tvnet.CurvnetRestore(td, saved)\n\t\tprisonFree(td, pr)\n\t\treturn kern.EBUSY\n\t}\n\n\tfound := ifUnlinkIfnet(td, ifp, true)\n\tkern.MPASS(td, found)\n\tg.ifnet_detach_sxlock.Xlock(td)\n\terr := IfVmove(td, ifp, vnet_dst)\n",
					New: "\tshutdown := vnetIsShuttingDown(ifp.IfVnet)\n\tif shutdown {\n\t\tg.ifnet_detach_sxlock.Xunlock(td)\n\t\tvnet.CurvnetRestore(td, saved)\n\t\tprisonFree(td, pr)\n\t\treturn kern.EBUSY\n\t}\n\n\tfound := ifUnlinkIfnet(td, ifp, true)\n\tif !found {\n\t\tg.ifnet_detach_sxlock.Xunlock(td)\n\t\tvnet.CurvnetRestore(td, saved)\n\t\tprisonFree(td, pr)\n\t\treturn kern.ENODEV\n\t}\n\terr := IfVmove(td, ifp, vnet_dst)\n"},
			}},
	},
	{ID: "F18", Title: "kldunload's if_clone_detach races an if_clone_create in flight: the cloner or its interface outlives the unload, or is freed under the create",
		Bundles: []string{"testdata/findings/F18-unload-detach-vs-create", "harness/testdata/bundles/F18-create-outlives-unload-history", "harness/testdata/bundles/F18-create-outlives-unload-teardown-panic", "harness/testdata/bundles/F18-create-links-through-reused-cloner"},
		C: []CRef{{"sys/net/if_clone.c", "200", "ifc_create_ifp (ifc_find_cloner_match, no reference)", rev},
			{"sys/net/if_clone.c", "745", "ifc_alloc_unit_specific (IF_CLONE_ADDREF after alloc_unr_specific)", rev},
			{"sys/net/if_clone.c", "327", "if_clone_createif (if_clone_addif after the driver's create)", rev},
			{"sys/net/if_clone.c", "572-581", "if_clone_detach", rev}},
		Reach: Reach{Verdict: "probably reachable by host root only (kldunload of a cloner module racing ifconfig create, or a destroy in a driver whose SYSUNINIT frees its softcs)", Why: "kldunload needs PRIV_KLD_UNLOAD, which no jail has; nothing orders a module's SYSUNINITs against an ioctl already running in its code"},
		Kinds: []harness.Kind{harness.Leak, harness.Panic, harness.NotLinearizable},
		Signature: func(ex *harness.Execution) bool {
			if !hasOp(ex, "kldunload") {
				return false
			}
			switch ex.Kind {
			case harness.Leak:
				// A cloner left attached in a vnet linked after the
				// unload (cloner-module-loaded) is F13, not a create in
				// flight.
				// Without a create or destroy of the module's names
				// overlapping the unload, the leak is not this race (a
				// vnet destroyed during the unload: F30).
				return rx(`\b(clone|Unitno): \d+ live`).MatchString(ex.Summary) && !hasInvariant(ex, ifclone.InvClonerModule) && ioctlDuringUnload(ex)
			case harness.NotLinearizable:
				// The create that outlived the unload left an interface
				// the spec says the unload destroyed: the history cannot
				// be ordered, and the same interface leaks at teardown.
				// Or, when the teardown cleaned it up, a destroy of it
				// after the unload answered EINVAL: ifunit found it, no
				// cloner did. Or the teardown panicked moving it to its
				// freed home vnet (the Panic form below).
				return createOutlivesUnload(ex) && !hasInvariant(ex, ifclone.InvClonerModule) &&
					(slices.ContainsFunc(ex.Verdicts, func(v harness.Verdict) bool {
						return v.Kind == harness.Leak && rx(`\b(clone|Unitno): \d+ live`).MatchString(v.Summary) ||
							v.Kind == harness.Panic && returnedToFreedHome(v.Summary, v.Details)
					}) || orphanAfterUnload(ex))
			case harness.Panic:
				// A fault in the create's unit allocation is the create
				// using the cloner (and unrhdr) the detach freed; one in a
				// destroy's ifc_free_unit is F16's destroy side.
				if rx(`unrhdr has \d+ allocations|if_clone_free: ifc_iflist not empty|of destroyed \(poisoned memory\) mutex`).MatchString(ex.Summary) ||
					// The create's ifc_free_unit (or alloc) half done in
					// clean_unrhdrl, the unit mutex dropped with chunks
					// queued, when the detach's last IF_CLONE_REMREF
					// deletes the unrhdr.
					rx(`unrhdr has postponed item for free|UNR memory leak in delete_unrhdr`).MatchString(ex.Summary) && rx(`ifclone\.IfCloneFree\(`).MatchString(ex.Details) && ioctlDuringUnload(ex) ||
					rx(`fault in`).MatchString(ex.Summary) && rx(`ifclone\.Ifc(Alloc|Free)Unit`).MatchString(ex.Details) &&
						!rx(`ifclone\.IfCloneDestroyifFlags\(`).MatchString(ex.Details) {
					return true
				}
				// if_tuntap: tun_uninit, the SYSUNINIT after every
				// vnet's cloners are detached, destroys the softcs on
				// tunhead (one whose create has not set tun_ifp yet
				// among them) and deletes the driver's unrhdrs, while a
				// tun_clone_create or tun_clone_destroy that found the
				// cloner before the detach still runs.
				// A native run also shows the window between
				// if_clone_free's mtx_destroy and its free(9), which no
				// scheduling point splits under control: the create
				// locks the cloner's mutex (IF_CLONE_LOCK, or the
				// unrhdr's, which is the cloner's) destroyed but not yet
				// poisoned; or check_unrhdr reads the freed unrhdr's
				// poisoned chunk count (0xdeadc0de).
				if createFreedCloner(ex) {
					return true
				}
				// An interface whose create outlived the unload keeps
				// a home vnet that is later destroyed without the
				// module's destructor: vnet_if_return then moves it to
				// the freed vnet.
				if createOutlivesUnload(ex) && returnedToFreedHome(ex.Summary, ex.Details) {
					return true
				}
				// A create that found the cloner before an unload links
				// its interface through the freed cloner, whose memory a
				// kldload of the module has since given to the new
				// cloner: the new cloner's ifc_iflist is corrupted, and
				// the next insert or remove on it fails QMD_LIST_CHECK
				// (without a rename or move in flight, which is F20's
				// double link).
				if rx(`Bad list head|Bad link elm`).MatchString(ex.Summary) && rx(`ifclone\.(IfcLinkIfp|IfcUnlinkIfp)\(`).MatchString(ex.Details) &&
					hasOp(ex, "kldload") && ioctlDuringUnload(ex) && !discCreateOverlapsNaming(ex) {
					return true
				}
				// A destroy in flight also removes its softc from tunhead
				// after tun_uninit already took it off (QMD_TAILQ_CHECK's
				// "Bad link elm" in tun_clone_destroy).
				// Each needs that create or destroy in flight: with
				// none, tun_uninit meets a softc of a vnet freed during
				// the unload (F30).
				// tun_uninit's delete_unrhdr can also meet the
				// destroy's free_unr half done: clean_unrhdrl has
				// dropped tunmtx with chunks still on ppfree, or the
				// unit is not freed yet (its KASSERTs).
				return hasUnload(ex, "tuntap") && ioctlDuringUnload(ex) && (rx(`CURVNET_SET at tuntap/if_tuntap\.go:\d+ tuntap\.tunDestroy`).MatchString(ex.Summary) ||
					rx(`unrhdr has postponed item for free|UNR memory leak in delete_unrhdr|unrhdr has \d+ allocations`).MatchString(ex.Summary) && rx(`tuntap\.tunUninit\(`).MatchString(ex.Details) ||
					rx(`fault in|UNR inconsistency`).MatchString(ex.Summary) && rx(`tuntap\.(tunCloneCreate|tunDestroy)\(`).MatchString(ex.Details) ||
					rx(`Bad link elm`).MatchString(ex.Summary) && rx(`tuntap\.tunCloneDestroy\(`).MatchString(ex.Details))
			}
			return false
		},
		SignatureWhy: "a fix needs a reference from lookup to link (ifc_find_cloner_match taking IF_CLONE_ADDREF) and a detach that waits for creates in flight; the signature is the symptom set of a campaign with kldunload: a cloner or unit left after teardown, delete_unrhdr's KASSERT, if_clone_free's KASSERT, or the freed cloner's mutex",
	},
	{ID: "F19", Title: "a driver's MOD_UNLOAD destroys its state before its VNET_SYSUNINIT detaches the cloners",
		Bundles: []string{"testdata/findings/F19-unload-destroys-epair-mutex"},
		C: []CRef{{"sys/kern/kern_linker.c", "", "linker_file_unload (module events before the file's SYSUNINITs)", "the port's kern/module.go"},
			{"sys/net/if_epair.c", "900", "epair_modevent MOD_UNLOAD (epair_n_index_mtx)", revIf},
			{"sys/net/if_tuntap.c", "711", "tun_uninit (tunmtx, the driver unrhdr)", revIf}},
		Reach: Reach{Verdict: "probably reachable by host root only (kldunload racing ifconfig create)", Why: "kldunload needs PRIV_KLD_UNLOAD; the cloners stay attached, and findable by a create, until the VNET_SYSUNINIT runs after MOD_UNLOAD"},
		Kinds: []harness.Kind{harness.Panic},
		Signature: func(ex *harness.Execution) bool {
			if ex.Kind != harness.Panic || !hasOp(ex, "kldunload") {
				return false
			}
			// vnet_tun_uninit takes each cloner off
			// V_tuntap_driver_cloners before its if_clone_detach: a
			// create that already found the tun cloner then meets the
			// empty list in tuntap_name2info's KASSERT.
			// A native run also shows the other order: the teardown's
			// mtx_destroy of the driver lock while a create in flight
			// holds it (mtx_destroy's assertion on an owned mutex).
			return rx(`of destroyed mutex (epairidx|tunmtx)|mtx_destroy\(\) of mutex (epairidx|tunmtx) owned by|tuntap_driver_cloners failed to initialize`).MatchString(ex.Summary)
		},
		SignatureWhy: "the fix is an ordering change in each driver (detach the cloners, or refuse in MOD_QUIESCE, before tearing down what creates use); the signature is the destroyed driver lock a create then takes (vlan_sx's case is F14's)",
	},
	{ID: "F20", Title: "the CLONE_COMPAT_13 wrappers find the new interface again by name, so a rename or move of it trips if_clone_createif's MPASS",
		C: []CRef{{"sys/net/if_clone.c", "504-515", "ifc_simple_create_wrapper (*ifpp = ifunit(name))", rev},
			{"sys/net/if_clone.c", "464-473", "ifc_advanced_create_wrapper (*ifpp = ifunit(name))", rev},
			{"sys/net/if_clone.c", "326-327", "if_clone_createif (MPASS(*ifpp != NULL), if_clone_addif)", rev}},
		Reach:   Reach{Verdict: "probably reachable by root in a vnet jail", Why: jailReach + "; disc attaches with if_clone_simple in every vnet, and nothing orders its create against SIOCSIFNAME or SIOCSIFVNET of the name it just made"},
		Kinds:   []harness.Kind{harness.Panic, harness.Hang},
		Bundles: []string{"harness/testdata/bundles/F20-tun-linked-to-disc-teardown-fault"},
		Signature: func(ex *harness.Execution) bool {
			if ex.Kind == harness.Hang {
				// The double link made ifc_iflist a cycle (the check
				// saw it at the release after the insert), and a later
				// walk of it (if_clone_restoregroup under a loan,
				// ifc_unlink_ifp under a destroy) never ends: in C, a
				// thread spinning with the cloner's mutex held.
				return hasInvariantMatch(ex, ifclone.InvListCycle, `ifc_iflist`) && rx(`^ifclone\.(IfnetListNext|IfcUnlinkIfp|IfCloneRestoregroup)\(`).MatchString(hungFrame(ex)) &&
					!hasUnload(ex, "disc") && discCreated(ex) && discCreateOverlapsNaming(ex)
			}
			if ex.Kind != harness.Panic {
				return false
			}
			if rx(`Assertion failed at ifclone/if_clone\.go:\d+`).MatchString(ex.Summary) && rx(`IfCloneCreateif`).MatchString(ex.Details) {
				return true
			}
			// The lookup found another interface of the new one's
			// name (renamed to it, or brought in by a reclaim, which
			// checks no name: F21) and linked it on a second cloner
			// list; the next insert or remove on either list fails
			// QMD_LIST_CHECK. Only disc (if_clone_simple) uses the
			// wrapper.
			// The namesake must have appeared during a disc create (a
			// rename or reclaim overlapping it): one that was already
			// there when the create began is not this window (the
			// unit allocation's ifunit check refuses its name).
			// An unload of if_disc whose detach meets the corrupted list
			// is F20's too when two disc interfaces had one name (the
			// namesake the lookup found); without that, a detach's list
			// panic is left to F16 and F18.
			if rx(`Bad list head|Bad link elm`).MatchString(ex.Summary) && rx(`ifclone\.(IfcLinkIfp|IfcUnlinkIfp)\(`).MatchString(ex.Details) &&
				(!hasUnload(ex, "disc") || hasInvariantMatch(ex, ifclone.InvUniqueName, `two interfaces named disc\d+ `)) &&
				discCreated(ex) && discCreateOverlapsNaming(ex) {
				return true
			}
			// The same double link seen first by the invariant (one
			// interface on two cloners' lists); the teardown's
			// if_clone_detach of one cloner then frees it and the
			// other's detach reads its cleared if_vnet.
			// Or the interface the create made, never linked, is not
			// destroyed by its cloner's detach when its jail goes; living
			// elsewhere (reclaimed), it outlives its home vnet, and
			// vnet_if_return then moves it into the freed vnet.
			// Or the interface linked to the disc cloner is another
			// cloner's (a tun renamed to the new disc's name and loaned
			// in): the disc detach frees its unit in disc's ifc_unrhdr,
			// which never held it, and free_unr walks off the list.
			return hasInvariant(ex, ifclone.InvOneCloner) &&
				(rx(`CURVNET_SET at ifclone/if_clone\.go:\d+ ifclone\.IfCloneDestroyifFlags\(\)`).MatchString(ex.Summary) ||
					returnedToFreedHome(ex.Summary, ex.Details) ||
					strings.HasPrefix(ex.Summary, "teardown: fault in") && hasInvariant(ex, ifclone.InvUnitAllocated) &&
						rx(`unrhdr\.FreeUnr\([^\n]*\n[^\n]*\n\s*kcheck/ifclone\.IfcFreeUnit\([^\n]*\n[^\n]*\n\s*kcheck/ifclone\.IfCloneDestroyifFlags\(`).MatchString(ex.Details)) &&
				!hasUnload(ex, "disc") && discCreated(ex) && discCreateOverlapsNaming(ex)
		},
		SignatureWhy: "the only MPASS in if_clone.c is this one (if_clone.c:326), so the assertion in if_clone_createif names the finding; a fix would have the compat drivers hand back the ifnet they made instead of a second lookup by name",
	},
	{ID: "F21", Title: "SIOCSIFRVNET, or a jail's removal (vnet_if_return), brings an interface home under a name the destination already has",
		C: []CRef{{"sys/net/if.c", "", "if_vmove_reclaim (no ifunit check in the destination; if_vmove_loan has one)", revIf},
			{"sys/net/if.c", "", "vnet_if_return (if_vmove of every loaned interface to its home vnet, no name check)", revIf}},
		Reach: Reach{Verdict: "probably reachable by host root, or root in a vnet jail that may create child jails", Why: "the reclaim is the parent's SIOCSIFRVNET; the child's root names the interface (a jail's own lo0 is enough)"},
		// Only the invariant sees it: the specification's reclaim and
		// teardown make the duplicate too. (A NotLinearizable form that
		// campaigns met until 2026-12-06 was the harness answering EINVAL
		// to a second removal of a dying jail, not this finding.)
		Kinds: []harness.Kind{harness.Invariant},
		Signature: func(ex *harness.Execution) bool {
			if ex.Kind != harness.Invariant || !rx(`ifnet-unique-name`).MatchString(ex.Summary) {
				return false
			}
			// A loan the jail's removal sends home (vnet_if_return):
			// at the teardown, or with a jail removal in the workload.
			return hasOp(ex, "vmove_reclaim") ||
				hasOp(ex, "vmove_loan") && (strings.HasPrefix(ex.Summary, "teardown:") || hasOp(ex, "vnet_destroy"))
		},
		SignatureWhy: "seen as the duplicate-name invariant after a reclaim (ifclone TestInvariantReclaimDuplicatesName), or after a jail's removal returned a loan home while the home vnet had given its name to another interface; a fix checks ifunit in the destination under ifnet_detach_sxlock, as the loan does (vnet_if_return would have to rename or destroy instead)",
	},
	{ID: "F22", Title: "a vlan (named <parent>.<vid>, or vlanN with a parent) is attached, visible by name and unit, before vlan_config refuses it",
		C: []CRef{{"sys/net/if_vlan.c", "1014", "vlan_clone_create (ifc_alloc_unit and ether_ifattach before vlan_config; backs out on its error)", revIf},
			{"sys/net/if.c", "827", "if_attach_internal (links without a name check)", revIf}},
		Reach: Reach{Verdict: "probably reachable by root in a vnet jail", Why: jailReach + "; two SIOCIFCREATE of one <parent>.<vid> name hold nothing in common"},
		Kinds: []harness.Kind{harness.Invariant, harness.NotLinearizable},
		Signature: func(ex *harness.Execution) bool {
			if ex.Kind == harness.NotLinearizable {
				return vlanBackoutAccepts(ex)
			}
			return ex.Kind == harness.Invariant && rx(`ifnet-unique-name`).MatchString(ex.Summary) && rx(`named [^ ]+\.\d+ `).MatchString(ex.Summary)
		},
		SignatureWhy: "a transient state, seen only by the duplicate-name invariant (harness TestInvariantDuplicateNameWindow): both creates pass ifunit, both attach, and the loser backs out after vlan_config's EEXIST",
	},
	{ID: "F23", Title: "kldload, kldunload and jail removal are not atomic: a module's cloners come and go one vnet at a time, a detached cloner's interfaces outlive it briefly, a dying jail's vnet is torn down cloner by cloner (expected behaviour)",
		C: []CRef{{"sys/kern/kern_linker.c", "", "linker_file_unload (LINKER_FILE_LINKED cleared before linker_file_sysuninit runs the SYSUNINITs with kld_sx dropped)", "the port's kern/module.go"},
			{"sys/net/vnet.c", "", "vnet_register_sysinit / vnet_deregister_sysuninit (one vnet after another)", "039ea811636f"},
			{"sys/net/if_clone.c", "572-579", "if_clone_detach (the cloner leaves V_if_cloners, then its interfaces are destroyed one by one)", rev}},
		Bundles: []string{"testdata/findings/F23-unload-not-atomic"},
		Reach:   Reach{Verdict: "expected behaviour (not a defect)", Why: "nothing in the C makes a module's (un)load, or a jail's removal, atomic with respect to ioctls; host root's kldload/kldunload (PRIV_KLD_LOAD/UNLOAD), or any jail removal, racing ifconfig shows it"},
		Kinds:   []harness.Kind{harness.NotLinearizable},
		Signature: func(ex *harness.Execution) bool {
			return ex.Kind == harness.NotLinearizable && moduleWindowAccepts(ex)
		},
		SignatureWhy: "no fix: the specification states a kldload or a kldunload, and a dying jail's teardown, as one atomic step; the C does them vnet by vnet, cloner by cloner, interface by interface. Identity: the relaxed spec accepts the history once the operations that overlap a successful kldload or kldunload and name that module's cloners (or list cloners), and the failed operations that overlap a successful jail removal, are left out",
	},
	{ID: "F24", Title: "a module's VNET_SYSINIT and VNET_SYSUNINIT are (de)registered in two steps, so a vnet made or destroyed between them gets the destructor without the constructor: if_clone_detach(NULL)",
		C: []CRef{{"sys/net/vnet.h", "", "VNET_SYSINIT / VNET_SYSUNINIT (a SYSINIT and a SYSUNINIT each, at the subsystem given)", "039ea811636f"},
			{"sys/net/vnet.c", "", "vnet_deregister_sysinit, then vnet_deregister_sysuninit (each under its own vnet_sysinit_sxlock hold)", "039ea811636f"},
			{"sys/kern/kern_linker.c", "", "linker_file_sysuninit (descending subsystem order, kld_sx dropped, Giant held)", "the port's kern/module.go"},
			{"sys/net/if_disc.c", "", "vnet_disc_init at SI_SUB_PSEUDO, vnet_disc_uninit at SI_SUB_INIT_IF: if_clone_detach(V_disc_cloner) with no NULL check", revIf}},
		Bundles: []string{"testdata/findings/F24-unload-destructor-without-constructor"},
		Reach:   Reach{Verdict: "probably reachable by host root (kldunload of if_disc, if_epair or if_vlan while a vnet jail is created; kldload while one is removed)", Why: "kldunload/kldload need PRIV_KLD_UNLOAD/LOAD; the linker holds only Giant (not kld_sx) across the SYSUNINITs, and kern_jail_set's allprison_lock, vnet_alloc's and vnet_destroy's vnet_sysinit_sxlock holds do not span the two steps"},
		Kinds:   []harness.Kind{harness.Panic},
		Signature: func(ex *harness.Execution) bool {
			if ex.Kind != harness.Panic || !rx(`Bad link elm|fault in`).MatchString(ex.Summary) || !rx(`ifclone\.IfCloneDetach\(`).MatchString(ex.Details) {
				return false
			}
			// Unload: the constructor is gone (SI_SUB_PSEUDO runs
			// first going down), a jail is created without it, then
			// the destructor (SI_SUB_INIT_IF) runs on every vnet.
			// The destructor reaches that jail either through the
			// unload's own vnet_deregister_sysuninit or through the
			// jail's vnet_destroy while the unload is between its two
			// steps.
			if hasOp(ex, "kldunload") && hasOp(ex, "vnet_create") && rx(`vnet\.VnetDeregisterSysuninit\(|vnet\.VnetDestroy\(`).MatchString(ex.Details) {
				return true
			}
			// Load: the destructor is registered first (SI_SUB_INIT_IF
			// going up), a jail is destroyed before the constructor
			// ran on it, and the destructor detaches whatever its
			// slot holds (NULL, or a cloner freed by an earlier
			// unload).
			return hasOp(ex, "kldload") && hasOp(ex, "vnet_destroy") && rx(`vnet\.VnetDestroy\(`).MatchString(ex.Details)
		},
		SignatureWhy: "a fix would register a module's constructor and destructor under one hold of vnet_sysinit_sxlock (or have each destructor skip a vnet whose constructor did not run, e.g. vnet_disc_uninit testing V_disc_cloner); the signature is if_clone_detach faulting, or finding its cloner off the list, under a VNET_SYSUNINIT run by the unload's vnet_deregister_sysuninit on a vnet created during the unload, or by vnet_destroy during a load",
	},
	{ID: "F25", Title: "kldunload's if_clone_detach destroys an interface SIOCSIFVNET (or SIOCSIFRVNET) is moving: if_detach's unlocked if_unlink_ifnet misses it and if_free frees it under the move",
		C: []CRef{{"sys/net/if.c", "1095", "if_detach (CURVNET_SET(ifp->if_vnet) and if_unlink_ifnet before ifnet_detach_sxlock; nothing detached when not found)", revIf},
			{"sys/net/if.c", "", "if_vmove_loan (if_unlink_ifnet and if_vmove under ifnet_detach_sxlock); if_vmove_reclaim (no reference, if_vmove under ifnet_detach_sxlock)", revIf},
			{"sys/net/vnet.c", "", "vnet_deregister_sysuninit (no ifnet_detach_sxlock, unlike vnet_destroy)", "039ea811636f"}},
		Bundles: []string{"testdata/findings/F25-unload-detach-vs-loan", "harness/testdata/bundles/F25-reclaim-reads-freed-ifnet", "harness/testdata/bundles/F25-loan-freed-ifnet-teardown-panic"},
		Reach:   Reach{Verdict: "probably reachable by host root only (kldunload of a cloner module racing ifconfig vnet)", Why: "kldunload needs PRIV_KLD_UNLOAD; SIOCIFDESTROY and vnet_destroy hold ifnet_detach_sxlock across the whole destroy, so only the unload's if_clone_detach reaches if_detach without it"},
		Kinds:   []harness.Kind{harness.Panic, harness.Invariant, harness.Leak},
		Signature: func(ex *harness.Execution) bool {
			if !hasOp(ex, "kldunload") || !hasOp(ex, "vmove_loan") && !hasOp(ex, "vmove_reclaim") {
				return false
			}
			// The move's if_attach_internal finds the ifindex slot the
			// destroy's if_free cleared (its MPASS), or, for a reclaim,
			// which holds no reference, the freed ifnet itself
			// (if_clone_restoregroup's CURVNET_SET of a poisoned
			// if_home_vnet, or a fault); without INVARIANTS the freed
			// ifnet is linked into the destination (the invariants see
			// a poisoned if_vnet and if_refcount).
			if ex.Kind == harness.Panic {
				// A teardown that meets the freed ifnet the workload's
				// invariants already saw linked into the destination
				// (its vnet's cloner detach destroys it through the
				// poisoned if_vnet) is the same failure, one step later.
				if strings.HasPrefix(ex.Summary, "teardown:") && hasInvariant(ex, ifclone.InvVnet) && hasInvariant(ex, ifclone.InvRefcount) {
					return true
				}
				// Or, for a reclaim (no reference at all), the move's
				// if_detach_internal already reads the freed ifnet.
				return rx(`Assertion failed at ifclone/if\.go:\d+|CURVNET_SET at|fault in`).MatchString(ex.Summary) &&
					(rx(`ifclone\.ifAttachInternal\(`).MatchString(ex.Details) ||
						hasOp(ex, "vmove_reclaim") && rx(`ifclone\.ifDetachInternal\(`).MatchString(ex.Details) && rx(`ifclone\.IfVmove\(`).MatchString(ex.Details))
			}
			return hasInvariant(ex, ifclone.InvVnet) && hasInvariant(ex, ifclone.InvRefcount)
		},
		SignatureWhy: "a fix has if_detach take ifnet_detach_sxlock before it reads if_vnet and unlinks (or if_clone_detach hold it, as SIOCIFDESTROY and vnet_destroy do); the signature is the move meeting the freed interface: if_attach_internal's MPASS on the ifindex slot, or the freed ifnet on the jail's V_ifnet",
	},
	{ID: "F26", Title: "SIOCSIFNAME racing SIOCIFDESTROY of the same interface: the rename finishes on the interface the destroy detached, or the destroy (by the old name) removes the interface just renamed",
		C: []CRef{{"sys/net/if.c", "2723", "ifhwioctl SIOCSIFNAME (if_rename on the ifunit_ref of ifioctl, no lock held)", revIf},
			{"sys/net/if.c", "3137", "if_rename (ifunit check, IFF_RENAMING and the name change with only IF_ADDR_WLOCK)", revIf},
			{"sys/net/if_clone.c", "344-357", "if_clone_destroy (ifunit_ref by name, then if_clone_destroyif of that ifnet under ifioctl's ifnet_detach_sxlock)", rev}},
		Bundles:   []string{"testdata/findings/F26-rename-vs-destroy"},
		Scenarios: []string{"RenameVsDestroy"},
		Reach:     Reach{Verdict: "probably reachable by root in a vnet jail", Why: jailReach + "; SIOCIFDESTROY holds ifnet_detach_sxlock, which SIOCSIFNAME never takes, so nothing orders a rename against a destroy of the same interface"},
		Kinds:     []harness.Kind{harness.NotLinearizable},
		// Both the rename and the destroy of lo2 succeed; a rename that
		// answers ENXIO is the create of lo2 racing its destroy (F2).
		Shape: rx(`destroy:ok.*rename:ok`),
		Fix: &Fix{
			Change: "ifioctl holds ifnet_detach_sxlock exclusively across SIOCSIFNAME's ifunit_ref and if_rename, as it does across SIOCIFDESTROY's if_clone_destroy: a rename either completes before the destroy looks the name up (which then fails with ENXIO) or starts after the destroy (its ifunit_ref then fails)",
			Rules: []mutants.Rule{{File: fIoctl,
				Old: "\t\tifp = IfunitRef(td, ifr.IfrName[:])\n\t\tif ifp == nil {\n\t\t\terr = kern.ENXIO\n\t\t\tgoto out_noref\n\t\t}\n\n\t\terr = Ifhwioctl(td, cmd, ifp, ifr)\n",
				New: "\t\tif cmd == SIOCSIFNAME { // fix F26: renames and destroys are serialised\n\t\t\tIfnetDetachSxlock(td.K).Xlock(td)\n\t\t}\n\t\tifp = IfunitRef(td, ifr.IfrName[:])\n\t\tif ifp == nil {\n\t\t\terr = kern.ENXIO\n\t\t} else {\n\t\t\terr = Ifhwioctl(td, cmd, ifp, ifr)\n\t\t}\n\t\tif cmd == SIOCSIFNAME {\n\t\t\tIfnetDetachSxlock(td.K).Xunlock(td)\n\t\t}\n\t\tif ifp == nil {\n\t\t\tgoto out_noref\n\t\t}\n"}},
		},
	},
	{ID: "F27", Title: "SIOCSIFVNET checks the name in the destination jail before the move, with nothing held against creates: a create of that name in the jail in between makes two interfaces of one name",
		C: []CRef{{"sys/net/if.c", "", "if_vmove_loan (ifunit(ifname) in pr_vnet under no lock (\"XXX Lock interfaces to avoid races\"), then ifnet_detach_sxlock and if_vmove)", revIf},
			{"sys/net/if_clone.c", "314", "if_clone_createif (ifunit check, then the driver's create and if_attach)", rev}},
		Bundles: []string{"harness/testdata/bundles/F27-loan-vs-create-in-jail"},
		Reach:   Reach{Verdict: "probably reachable by root in a vnet jail that may create child jails, or by host root racing jailed root", Why: jailReach + "; the loan is the parent's SIOCSIFVNET, the create is SIOCIFCREATE in the child; the create takes no lock the loan holds (ifnet_detach_sxlock is taken only after the check)"},
		Kinds:   []harness.Kind{harness.Invariant, harness.NotLinearizable},
		Signature: func(ex *harness.Execution) bool {
			return (ex.Kind == harness.Invariant || ex.Kind == harness.NotLinearizable) && loanRacedCreate(ex)
		},
		SignatureWhy: "a fix holds one lock across the loan's destination check and the move that creates take as well (F3's fix does: ifnet_create_sxlock shared by creates, exclusive across SIOCSIFVNET's ifunit_ref and if_vmove_loan); the signature is the duplicate-name invariant for a name N that a successful loan of N into jail J brought while a successful create in J returning N overlapped it",
	}, {ID: "F28", Title: "SIOCSIFNAME racing SIOCSIFVNET (or SIOCSIFRVNET) of one interface: the rename checks the new name in one vnet and renames the interface in another, or the move takes the interface renamed after its lookup; both succeed",
		C: []CRef{{"sys/net/if.c", "", "ifioctl (ifunit_ref by ifr_name, then ifhwioctl: no lock across SIOCSIFNAME or SIOCSIFVNET's lookup and action)", revIf},
			{"sys/net/if.c", "", "if_rename (ifunit(new_name) in curvnet, then IFF_RENAMING and the new if_xname; the C's XXX says the ifunit checks are not atomic with vmoves)", revIf},
			{"sys/net/if.c", "", "if_vmove_loan (ifnet_detach_sxlock only around the unlink and if_vmove)", revIf},
			{"sys/net/if.c", "", "if_vmove_reclaim (ifunit in the child's vnet with nothing held, ifnet_detach_sxlock only around if_vmove)", revIf}},
		Bundles:   []string{"testdata/findings/F28-rename-vs-loan", "harness/testdata/bundles/F28-rename-vs-loan-campaign", "harness/testdata/bundles/F28-rename-vs-reclaim"},
		Scenarios: []string{"RenameVsLoan"},
		// The fix holds F4's lock across SIOCSIFNAME and the SIOCSIFVNET
		// half of F3's, so it also orders a rename or a loan against a
		// create (F4, F3, and F9's create racing a loan).
		Within: []string{"F3", "F4", "F9"},
		Reach:  Reach{Verdict: "probably reachable by root in a vnet jail that may create child jails, or by host root", Why: jailReach + "; the rename and the loan are two ioctls of the same vnet; SIOCSIFVNET needs a child jail of the caller, and neither ioctl holds a lock across its lookup by name and its action (if_vmove_loan's ifnet_detach_sxlock is not taken by SIOCSIFNAME)"},
		Kinds:  []harness.Kind{harness.NotLinearizable, harness.Invariant},
		Fix: &Fix{
			Change: "F3's ifnet_create_sxlock (shared by creates), held exclusively by ifioctl across the lookup and the action of both SIOCSIFNAME (ifunit_ref, if_rename) and SIOCSIFVNET (ifunit_ref, if_vmove_loan), and across SIOCSIFRVNET (if_vmove_reclaim), so a rename and a loan or reclaim of one interface are ordered: the one that goes second finds the name gone (ENXIO)",
			Rules:  append(createSxRules(), reclaimSxRule(), genericLookupRule("SIOCSIFNAME", "SIOCSIFVNET")),
		},
	}, {ID: "F29", Title: "if_clone_detach loops forever when a cloner refuses a forced destroy: a vlan that is itself a vlan parent (QinQ), first on the cloner's list, wedges vnet_destroy or kldunload if_vlan",
		C: []CRef{{"sys/net/if_clone.c", "578-579", "if_clone_detach (while the list is not empty, destroy its first interface; the error is ignored)", rev},
			{"sys/net/if_clone.c", "380-383", "if_clone_destroyif_flags (on the driver's error, ifc_link_ifp puts the interface back at the head of ifc_iflist)", rev},
			{"sys/net/if_vlan.c", "", "vlan_clone_destroy (EBUSY while if_vlantrunk is set, whatever the flags)", revIf}},
		Bundles:   []string{"testdata/findings/F29-vlan-qinq-detach-loops", "harness/testdata/bundles/F29-qinq-after-rename-campaign"},
		Scenarios: []string{"VlanQinQTeardown"},
		Reach:     Reach{Verdict: "probably reachable by root in a vnet jail (no race: three ifconfig commands, then the jail's removal)", Why: jailReach + "; in the port's revision vnet_destroy holds ifnet_detach_sxlock exclusively across the vnet's SYSUNINITs, so the host's SIOCIFDESTROY and every other vnet teardown then wait forever behind the spinning thread (older vnet.c revisions take no such lock)"},
		Kinds:     []harness.Kind{harness.Livelock, harness.Hang},
		// Under control the loop is a Livelock (it passes scheduling
		// points), which the fix labels. A native run has no points: the
		// loop is a Hang, with the spinning thread in the vlan cloner's
		// if_clone_detach, and a scenario that stacks a vlan on another
		// interface by name (<parent>.<vid>: what makes a vlan a trunk
		// parent). No other cause of an endless detach of the vlan
		// cloner is known (F20's list cycle needs the compat wrapper,
		// which vlan does not use).
		Signature: func(ex *harness.Execution) bool {
			if ex.Kind != harness.Hang {
				return false
			}
			// Any emulated thread's stack (the spinning one may be
			// caught waiting for a Go mutex of the emulation, not
			// running): in a native teardown it is the only one.
			for _, st := range threadStacks(ex) {
				if strings.Contains(st, "ifclone.IfCloneDetach(") && rx(`drivers/vlan\.`).MatchString(st) && createsDotted(ex) {
					return true
				}
			}
			return false
		},
		Fix: &Fix{
			Change: "vlan_clone_destroy refuses a vlan that is a trunk parent only without IFC_F_FORCE; a forced destroy goes on, and the departure event's vlan_ifdetach unconfigures the vlans stacked on it before it is freed",
			Rules: []mutants.Rule{{File: fVlan,
				Old: "\tif ifVlantrunk(td, ifp) != nil {\n\t\treturn kern.EBUSY\n\t}\n",
				New: "\tif ifVlantrunk(td, ifp) != nil && flags&ifclone.IFC_F_FORCE == 0 { // fix F29: a forced destroy goes on\n\t\treturn kern.EBUSY\n\t}\n"}},
		},
	}, {ID: "F30", Title: "vnet_destroy unlinks the vnet before it runs its destructors, so a module unloaded in between never detaches its cloners there: the vnet is freed with them, and with their interfaces",
		C: []CRef{{"sys/net/vnet.c", "", "vnet_destroy (LIST_REMOVE under VNET_LIST_WLOCK, then vnet_sysuninit under VNET_SYSINIT_RLOCK)", revIf},
			{"sys/net/vnet.c", "", "vnet_deregister_sysuninit (VNET_FOREACH under VNET_SYSINIT_WLOCK, then TAILQ_REMOVE of the destructor)", revIf},
			{"sys/net/if_tuntap.c", "", "tun_uninit (tun_destroy of every softc on tunhead: CURVNET_SET(ifp->if_vnet))", revIf}},
		Bundles:   []string{"testdata/findings/F30-unload-misses-vnet-being-destroyed"},
		Scenarios: []string{"UnloadVsJailDestroy"},
		Reach:     Reach{Verdict: "probably reachable by host root only (kldunload of a cloner module while a vnet jail is removed)", Why: "kldunload needs PRIV_KLD_UNLOAD; the linker runs a module's SYSUNINITs with kld_sx dropped and Giant held, and jail removal (prison_deref, vnet_destroy) takes neither, nor does it hold allprison_lock across vnet_destroy's unlink and destructors, so nothing orders the unload's vnet_deregister_sysuninit against the window"},
		Kinds:     []harness.Kind{harness.Leak, harness.Panic, harness.NotLinearizable, harness.Invariant},
		// A native run's form: if_tuntap's tun_uninit (the unload's
		// SYSUNINIT) destroys a tun of the jail whose vnet_destroy ran
		// meanwhile, and its if_detach meets the freed vnet's data.
		Signature: func(ex *harness.Execution) bool {
			return ex.Kind == harness.Panic && rx(`VNET_VNET\(\w+\): vnet \S+ has no data \(destroyed or freed\)`).MatchString(ex.Summary) &&
				rx(`tuntap\.tunUninit\(`).MatchString(ex.Details) && unloadDuringVnetDestroy(ex)
		},
		Fix: &Fix{
			Change: "vnet_destroy takes VNET_SYSINIT_RLOCK before it unlinks the vnet and holds it across the destructors (vnet_sysuninit without its own hold): a vnet_deregister_sysuninit then runs either before the unlink, and finds the vnet on vnet_head, or after the destructors",
			Rules: []mutants.Rule{
				{File: fVnet,
					Old: "\ts.vnetListWlock(td)\n\tkern.Write(td, &s.vnet_head.sh) // LIST_REMOVE\n",
					New: "\ts.vnetSysinitRlock(td) // fix F30: held from the unlink to the end of the destructors\n\ts.vnetListWlock(td)\n\tkern.Write(td, &s.vnet_head.sh) // LIST_REMOVE\n"},
				{File: fVnet,
					Old: "\ts.vnetSysuninit(td)\n\tif detach != nil {\n\t\tdetach.Xunlock(td)\n\t}\n",
					New: "\ts.vnetSysuninit(td)\n\tif detach != nil {\n\t\tdetach.Xunlock(td)\n\t}\n\ts.vnetSysinitRunlock(td) // fix F30\n"},
				{File: fVnet,
					Old: "func (s *State) vnetSysuninit(td *kern.Thread) {\n\ts.vnetSysinitRlock(td)\n\tfor _, vs := range slices.Backward(s.vnet_destructors) {\n\t\tCurvnet(td).Vnet_state.Store(uint32(vs.Subsystem))\n\t\tvs.Func(td, vs.Arg)\n\t}\n\ts.vnetSysinitRunlock(td)\n}\n",
					New: "func (s *State) vnetSysuninit(td *kern.Thread) {\n\t// fix F30: the caller, vnet_destroy, holds vnet_sysinit_sxlock.\n\tfor _, vs := range slices.Backward(s.vnet_destructors) {\n\t\tCurvnet(td).Vnet_state.Store(uint32(vs.Subsystem))\n\t\tvs.Func(td, vs.Arg)\n\t}\n}\n"},
			}},
	}, {ID: "F31", Title: "two SIOCSIFNAME of one tun, tap or vmnet interface race in tunrename: both destroy the same devfs alias",
		C: []CRef{{"sys/net/if_tuntap.c", "", "tunrename (tp->tun_alias read, destroy_dev, cleared and set again with nothing held but the busy count)", revIf},
			{"sys/net/if.c", "", "if_rename (no lock across IFF_RENAMING and the ifnet_arrival_event)", revIf}},
		Bundles:   []string{"testdata/findings/F31-tun-renames-destroy-one-alias"},
		Scenarios: []string{"TunRenameRace"},
		Reach:     Reach{Verdict: "probably reachable by root in a vnet jail", Why: jailReach + "; SIOCSIFNAME runs if_rename with no lock held, so two renames of one interface both raise IFF_RENAMING and both run the arrival handlers; tun_busy admits any number of holders, and destroy_dev sleeps while it waits for the alias's threads, which widens the window"},
		Kinds:     []harness.Kind{harness.Panic},
		Match:     rx(`destroy_dev on|tunrename|destroyDevl|devLock`),
		// A native run reaches the window far more often than a
		// controlled one (tunrename has few scheduling points in it),
		// and its failure has no schedule to replay with the fix: the
		// double destroy of the alias under tunrename, in a scenario
		// with two renames, is named by signature.
		Signature: func(ex *harness.Execution) bool {
			// Or the second destroy_devl reads the cdev the first
			// one freed (the port's free(9) poisons its pointers: a
			// fault in destroy_devl).
			return ex.Kind == harness.Panic && (rx(`destroy_dev on`).MatchString(ex.Summary) ||
				rx(`fault in`).MatchString(ex.Summary) && rx(`runtime/panic\.go:\d+[^\n]*\n\s*kcheck/ifclone/drivers/tuntap\.destroyDevl\(`).MatchString(ex.Details)) &&
				rx(`tuntap\.tunrename\(`).MatchString(ex.Details) && countOp(ex, "rename") >= 2
		},
		Fix: &Fix{
			Change: "tunrename takes the old alias off the softc under tun_mtx before it destroys it, and installs the new one under tun_mtx (destroying whatever alias another rename installed meanwhile), so each alias is destroyed once",
			Rules: []mutants.Rule{
				{File: fTuntap,
					Old: "\tif tp.tun_alias != nil {\n\t\tdestroyDev(td, tp.tun_alias)\n\t\ttp.tun_alias = nil\n\t}\n",
					New: "\tvar alias *Cdev\n\ttunLock(td, tp) // fix F31: one rename at a time owns the old alias\n\told := tp.tun_alias\n\ttp.tun_alias = nil\n\ttunUnlock(td, tp)\n\tif old != nil {\n\t\tdestroyDev(td, old)\n\t}\n"},
				{File: fTuntap,
					Old: "\tmakeDevAliasP(td, MAKEDEV_CHECKNAME, &tp.tun_alias, tp.tun_dev, ifp.IfXname[:])\nout:\n",
					New: "\tmakeDevAliasP(td, MAKEDEV_CHECKNAME, &alias, tp.tun_dev, ifp.IfXname[:])\n\ttunLock(td, tp) // fix F31\n\told = tp.tun_alias\n\ttp.tun_alias = alias\n\ttunUnlock(td, tp)\n\tif old != nil {\n\t\tdestroyDev(td, old)\n\t}\nout:\n"},
			}},
	}, {ID: "F32", Title: "if_attach_internal's (and if_vmove_loan's) INVARIANTS check reads ifindex_table outside the net epoch, while a concurrent if_alloc grows the table and frees the old one",
		C: []CRef{{"sys/net/if.c", "", "if_attach_internal (MPASS(ifindex_table[ifp->if_index].ife_ifnet == ifp), no lock, no epoch)", revIf},
			{"sys/net/if.c", "", "if_alloc_domain (past if_indexlim: ck_pr_store_ptr of the new table, epoch_wait_preempt(net_epoch_preempt), free(old))", revIf},
			{"sys/net/if.c", "", "if_vmove_loan (the same MPASS, before any lock or epoch)", revIf}},
		Reach: Reach{Verdict: "probably reachable by root in a vnet jail, on INVARIANTS kernels only, and rarely",
			Why: jailReach + "; the index table is global (not per vnet) and grows when an index passes if_indexlim (8, 16, 32, ...), never shrinking; a create whose if_attach_internal loaded the old table pointer and is preempted before it reads the entry reads freed memory once another create has grown the table (epoch_wait_preempt does not wait for a thread outside the net epoch); without INVARIANTS the MPASS compiles away"},
		Kinds: []harness.Kind{harness.Panic},
		// The port reads the table pointer and the entry in one
		// statement, with no scheduling point between: only a native
		// run shows the window, as a fault on the freed table (its
		// entries' pointer poisoned to nil) right in the MPASS.
		Signature: func(ex *harness.Execution) bool {
			return ex.Kind == harness.Panic && rx(`fault in`).MatchString(ex.Summary) &&
				rx(`runtime/panic\.go:\d+[^\n]*\n\s*sync/atomic\.\(\*Pointer\[[^\n]*\]\)\.Load\([^\n]*\n[^\n]*\n\s*kcheck/ifclone\.(ifAttachInternal|IfVmoveLoan)\(`).MatchString(ex.Details) &&
				countOp(ex, "create") >= 2
		},
		SignatureWhy: "the window is two loads wide in the port as in the C (the table pointer, then the entry), with no scheduling point between, so no controlled execution reaches it and no replay could test a fix; the fix would read the table inside NET_EPOCH_ENTER/EXIT (which epoch_wait_preempt waits for), or drop the MPASS as F5's fix does",
	},
}

// loanRacedCreate reports whether ex broke the invariant ifnet-unique-name
// for a name N while a successful vmove_loan of N into jail J overlapped
// in time a successful create in J that returned N.
func loanRacedCreate(ex *harness.Execution) bool {
	dup := rx(`invariant ` + ifclone.InvUniqueName + ` broken .*two interfaces named (\S+) on`)
	names := map[string]bool{}
	for _, v := range ex.Verdicts {
		if m := dup.FindStringSubmatch(v.Summary); v.Kind == harness.Invariant && m != nil {
			names[m[1]] = true
		}
	}
	for _, l := range ex.History {
		in, ok := l.Input.(model.VmoveLoan)
		if !ok || l.Return == linearize.Infinity || l.Output.Err != 0 || !names[in.Name] {
			continue
		}
		for _, c := range ex.History {
			cin, ok := c.Input.(model.Create)
			if !ok || c.Return == linearize.Infinity || c.Output.Err != 0 || cin.Vnet != in.Jail || c.Output.Name != in.Name {
				continue
			}
			if c.Call < l.Return && l.Call < c.Return {
				return true
			}
		}
	}
	return false
}

// returnedToFreedHome reports the panic of vnet_if_return moving an
// interface to its home vnet after that vnet was freed (CURVNET_SET in
// if_vmove on a poisoned vnet), from a verdict's summary and details.
func returnedToFreedHome(summary, details string) bool {
	return rx(`CURVNET_SET at ifclone/if\.go:\d+ ifclone\.IfVmove\(\)`).MatchString(summary) &&
		rx(`ifclone\.VnetIfReturn\(`).MatchString(details)
}

// moduleWindowAccepts reports whether ex's history is linearizable under
// the relaxed spec once the operations the spec cannot order against a
// non-atomic step are left out: every operation that overlaps a
// successful kldload or kldunload in time and touches that module's
// cloner families (by footprint), or lists cloners; and every operation
// that overlaps a successful jail removal and failed (the relaxed spec
// has the jail's dying state, but tears its vnet down in one step where
// vnet_destroy detaches one cloner after another, destroying their
// interfaces, tun/tap/vmnet's global names and units among them, one by
// one). The failure is then only those steps not being one.
func moduleWindowAccepts(ex *harness.Execution) bool {
	if len(ex.History) == 0 {
		return false
	}
	sp := harness.Spec(model.Relaxed)
	type window struct {
		id        int
		call, ret int64
		keys      map[string]bool // nil: a jail removal
		dying     map[model.VnetID]bool
	}
	var ws []window
	for _, op := range ex.History {
		if op.Return == linearize.Infinity || op.Output.Err != 0 {
			continue
		}
		var d model.Driver
		switch in := op.Input.(type) {
		case model.KldLoad:
			d = in.Driver
		case model.KldUnload:
			d = in.Driver
		case model.VnetDestroy:
			ws = append(ws, window{id: op.ID, call: op.Call, ret: op.Return, dying: jailTree(ex.History, in.Jail)})
			continue
		default:
			continue
		}
		w := window{id: op.ID, call: op.Call, ret: op.Return, keys: map[string]bool{}}
		for _, k := range sp.Footprint(model.DetachCloner{Driver: d}).Keys {
			w.keys[k] = true
		}
		ws = append(ws, w)
	}
	if len(ws) == 0 {
		return false
	}
	return relaxedAcceptsWithout(ex.History, func(op linearize.Operation) bool {
		drop := false
		for _, w := range ws {
			if op.ID == w.id || op.Call >= w.ret || op.Return <= w.call {
				continue
			}
			if w.keys == nil {
				failed := op.Return != linearize.Infinity && op.Output.Err != 0
				switch op.Input.(type) {
				case model.VnetCreate, model.VnetDestroy:
					// jail(2) called from inside the dying jail (or a
					// jail below it) is refused like its ioctls.
					drop = drop || failed && w.dying[op.Input.Caller()]
				case model.KldLoad, model.KldUnload:
				default:
					drop = drop || failed
				}
				continue
			}
			if _, ok := op.Input.(model.ListCloners); ok {
				drop = true
			}
			for _, k := range sp.Footprint(op.Input).Keys {
				drop = drop || w.keys[k]
			}
		}
		return drop
	})
}

// jailTree is jail j and every jail the history creates below it.
func jailTree(h linearize.History, j model.VnetID) map[model.VnetID]bool {
	tree := map[model.VnetID]bool{j: true}
	for grew := true; grew; {
		grew = false
		for _, op := range h {
			if c, ok := op.Input.(model.VnetCreate); ok && op.Output.Err == 0 && op.Return != linearize.Infinity && tree[c.Vnet] && !tree[c.Child] {
				tree[c.Child] = true
				grew = true
			}
		}
	}
	return tree
}

// unitReservedAccepts reports whether ex's history is linearizable under
// the relaxed spec once every create answered EEXIST for a name N that
// overlaps a successful create, in the same vnet, returning N is left
// out (and at least one is).
func unitReservedAccepts(ex *harness.Execution) bool {
	return relaxedAcceptsWithout(ex.History, func(op linearize.Operation) bool {
		in, ok := op.Input.(model.Create)
		if !ok || op.Return == linearize.Infinity || op.Output.Err != model.EEXIST {
			return false
		}
		for _, c := range ex.History {
			cin, ok := c.Input.(model.Create)
			if !ok || c.ID == op.ID || c.Return == linearize.Infinity || c.Output.Err != 0 ||
				cin.Vnet != in.Vnet || !sameUnitName(in.Name, c.Output.Name) {
				continue
			}
			if op.Call < c.Return && c.Call < op.Return {
				return true
			}
		}
		return false
	})
}

// sameUnitName reports whether a create of name asks for the unit that a
// create answering got holds: the same name, or for epair the pair's a
// side (epair_clone_create, if_epair.c, names the pair <name>a and
// <name>b from a create of epair<unit>).
func sameUnitName(name, got string) bool {
	if got == name {
		return true
	}
	const stem = "epair"
	if len(name) <= len(stem) || name[:len(stem)] != stem || got != name+"a" {
		return false
	}
	for _, r := range name[len(stem):] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// vlanBackoutAccepts reports whether ex's history is linearizable under
// the relaxed spec once the creates answered EEXIST that overlap a failed
// vlan create (one with parent parameters or a <parent>.<vid> name) are
// left out: the failing create held its unit and its attached interface
// until vlan_config refused and it backed out.
func vlanBackoutAccepts(ex *harness.Execution) bool {
	sp := harness.Spec(model.Relaxed)
	isVlan := func(op linearize.Operation) bool {
		for _, k := range sp.Footprint(op.Input).Keys {
			if k == "vlan" {
				return true
			}
		}
		return false
	}
	drop := map[int]bool{}
	for _, f := range ex.History {
		c, ok := f.Input.(model.Create)
		if !ok || f.Return == linearize.Infinity || f.Output.Err == 0 || f.Output.Err == model.EEXIST || !isVlan(f) {
			continue
		}
		if !c.Params.Set && !strings.Contains(c.Name, ".") {
			continue
		}
		for _, o := range ex.History {
			if _, ok := o.Input.(model.Create); !ok || o.ID == f.ID || o.Output.Err != model.EEXIST || o.Return == linearize.Infinity {
				continue
			}
			if o.Call < f.Return && o.Return > f.Call && isVlan(o) {
				drop[o.ID] = true
			}
		}
	}
	return relaxedAcceptsWithout(ex.History, func(op linearize.Operation) bool { return drop[op.ID] })
}

// relaxedAcceptsWithout reports whether the relaxed spec accepts h once
// the operations drop selects are left out, and at least one is: the
// common step of the history signatures (F3's two creates, F22's vlan
// back-out, F23's module and jail windows).
func relaxedAcceptsWithout(h linearize.History, drop func(op linearize.Operation) bool) bool {
	var keep linearize.History
	for _, op := range h {
		if !drop(op) {
			keep = append(keep, op)
		}
	}
	if len(keep) == len(h) {
		return false
	}
	return linearize.Check(harness.Spec(model.Relaxed), keep, linearize.Options{}).Verdict == linearize.Ok
}

// unloadMissesNewJail reports whether ex's history is linearizable under
// the relaxed spec once the operations run in a jail whose creation
// overlapped a successful kldunload or kldload are left out: the jail
// kept the unloaded module's cloners, or missed the loaded one's (F13's
// window, both sides), which the spec cannot say.
func unloadMissesNewJail(ex *harness.Execution) bool {
	jails := map[model.VnetID]bool{}
	for _, u := range ex.History {
		switch u.Input.(type) {
		case model.KldUnload, model.KldLoad:
		default:
			continue
		}
		if u.Return == linearize.Infinity || u.Output.Err != 0 {
			continue
		}
		for _, c := range ex.History {
			vc, ok := c.Input.(model.VnetCreate)
			if !ok || c.Return == linearize.Infinity || c.Output.Err != 0 || c.Call >= u.Return || c.Return <= u.Call {
				continue
			}
			jails[vc.Child] = true
		}
	}
	if len(jails) == 0 {
		return false
	}
	var keep linearize.History
	for _, op := range ex.History {
		if jails[op.Input.Caller()] {
			continue
		}
		keep = append(keep, op)
	}
	if len(keep) == len(ex.History) {
		return false
	}
	return linearize.Check(harness.Spec(model.Relaxed), keep, linearize.Options{}).Verdict == linearize.Ok
}

// createOutlivesUnload reports whether a successful create overlaps in
// time a successful kldunload of the module whose cloners make its name.
func createOutlivesUnload(ex *harness.Execution) bool {
	return unloadMeets(ex, func(u, c linearize.Operation) bool {
		_, ok := c.Input.(model.Create)
		return ok && c.Output.Err == 0 && c.Call < u.Return && c.Return > u.Call
	})
}

// orphanAfterUnload reports whether, after a successful kldunload of a
// module returned, a destroy of a name of that module's cloner families
// answered EINVAL (if_clone_destroy: the interface exists, its cloner
// does not).
func orphanAfterUnload(ex *harness.Execution) bool {
	return unloadMeets(ex, func(u, d linearize.Operation) bool {
		_, ok := d.Input.(model.Destroy)
		return ok && d.Call > u.Return && d.Output.Err == model.EINVAL
	})
}

// unloadMeets reports whether a successful kldunload u and a returned
// operation op with meets(u, op) touch one cloner key of u's module (the
// spec's footprint of the module's cloner detach and of op).
func unloadMeets(ex *harness.Execution, meets func(u, op linearize.Operation) bool) bool {
	sp := harness.Spec(model.Relaxed)
	for _, u := range ex.History {
		in, ok := u.Input.(model.KldUnload)
		if !ok || u.Return == linearize.Infinity || u.Output.Err != 0 {
			continue
		}
		keys := map[string]bool{}
		for _, k := range sp.Footprint(model.DetachCloner{Driver: in.Driver}).Keys {
			keys[k] = true
		}
		for _, op := range ex.History {
			if op.Return == linearize.Infinity || !meets(u, op) {
				continue
			}
			for _, k := range sp.Footprint(op.Input).Keys {
				if keys[k] {
					return true
				}
			}
		}
	}
	return false
}

// ioctlDuringUnload reports whether a create or destroy of a name of a
// module's cloner families overlaps in time a kldunload of that module,
// either of them possibly unfinished (a panic ends the run) and with any
// outcome.
func ioctlDuringUnload(ex *harness.Execution) bool {
	sp := harness.Spec(model.Relaxed)
	for _, u := range ex.History {
		in, ok := u.Input.(model.KldUnload)
		if !ok {
			continue
		}
		keys := map[string]bool{}
		for _, k := range sp.Footprint(model.DetachCloner{Driver: in.Driver}).Keys {
			keys[k] = true
		}
		for _, op := range ex.History {
			switch op.Input.(type) {
			case model.Create, model.Destroy:
			default:
				continue
			}
			if op.Call >= u.Return || u.Call >= op.Return {
				continue
			}
			for _, k := range sp.Footprint(op.Input).Keys {
				if keys[k] {
					return true
				}
			}
		}
	}
	return false
}

// discCreated reports whether a create of a disc interface succeeded.
func discCreated(ex *harness.Execution) bool {
	for _, op := range ex.History {
		if c, ok := op.Input.(model.Create); ok && op.Output.Err == 0 && op.Return != linearize.Infinity && strings.HasPrefix(c.Name, "disc") {
			return true
		}
	}
	return false
}

// discCreateOverlapsNaming reports whether a rename, a reclaim or a loan
// overlaps a create of a disc interface in the history (an interrupted
// operation runs to the end): each can give another interface the new
// one's name in its vnet (a loan checks the name in the jail before it
// moves the interface, F27's window).
func discCreateOverlapsNaming(ex *harness.Execution) bool {
	for _, c := range ex.History {
		in, ok := c.Input.(model.Create)
		if !ok || !strings.HasPrefix(in.Name, "disc") {
			continue
		}
		for _, r := range ex.History {
			switch r.Input.(type) {
			case model.Rename, model.VmoveReclaim, model.VmoveLoan:
				if r.Call < c.Return && c.Call < r.Return {
					return true
				}
			}
		}
	}
	return false
}

// hasInvariant reports whether the execution broke the invariant called
// name (ifclone.Inv*) anywhere.
func hasInvariant(ex *harness.Execution, name string) bool {
	for _, v := range ex.Verdicts {
		if v.Kind == harness.Invariant && strings.Contains(v.Summary, "invariant "+name+" ") {
			return true
		}
	}
	return false
}

// hasInvariantMatch reports whether the execution broke the invariant
// called name with a message that matches the regular expression msg.
func hasInvariantMatch(ex *harness.Execution, name, msg string) bool {
	re := rx(msg)
	for _, v := range ex.Verdicts {
		if v.Kind == harness.Invariant && strings.Contains(v.Summary, "invariant "+name+" ") && re.MatchString(v.Summary) {
			return true
		}
	}
	return false
}

// hungFrame is the innermost frame of package ifclone (or kern) on the
// stack of a Hang's stalled thread: the goroutine the watchdog's dump
// shows running or runnable inside a thread body, other than the watchdog
// itself; e.g. "ifclone.IfCloneRestoregroup(0x..". "" when there is none.
func hungFrame(ex *harness.Execution) string {
	for _, g := range strings.Split(ex.Details, "\n\n") {
		g = strings.TrimSpace(g)
		if !rx(`^goroutine \d+ \[(running|runnable)\]:`).MatchString(g) || strings.Contains(g, "kern.allStacks") || !strings.Contains(g, "kern.runProtected") {
			continue
		}
		for _, line := range strings.Split(g, "\n") {
			line = strings.TrimSpace(line)
			if m := rx(`^kcheck/((?:ifclone|kern)\..*)$`).FindStringSubmatch(line); m != nil {
				return m[1]
			}
		}
	}
	return ""
}

// cloneMutexDestroyed matches a panic on a destroyed, not yet freed,
// mutex locked in if_clone.c or subr_unit.c: a cloner's (IF_CLONE_LOCK,
// or its unrhdr's uh->mtx), since the other mutexes locked there (the
// cloner list's, the global unit mutex) are never destroyed.
var cloneMutexDestroyed = regexp.MustCompile(`mtx_lock\(\) of destroyed mutex .* @ (ifclone/if_clone|unrhdr/subr_unit)\.go:\d+`)

// createFreedCloner reports F18's create side as a native run shows it:
// a create (not under a destroy or a detach) that found the cloner
// before an overlapping unload locks the cloner's mutex destroyed but
// not yet freed, or reads the freed unrhdr's poisoned chunk or item
// count in check_unrhdr.
func createFreedCloner(ex *harness.Execution) bool {
	// Or it faults in if_clone_createif itself, calling the freed
	// cloner's ifc_create (a pointer free(9) poisoned to nil).
	if !(cloneMutexDestroyed.MatchString(ex.Summary) || rx(`UNR inconsistency: (chunks|items) 3735929054 `).MatchString(ex.Summary) ||
		rx(`fault in`).MatchString(ex.Summary) && rx(`runtime/panic\.go:\d+[^\n]*\n\s*kcheck/ifclone\.IfCloneCreateif\(`).MatchString(ex.Details)) {
		return false
	}
	return rx(`ifclone\.IfCloneCreate\(`).MatchString(ex.Details) && !rx(`ifclone\.(IfCloneDestroy|IfCloneDetach)\(`).MatchString(ex.Details) &&
		ioctlDuringUnload(ex)
}

// threadStacks are the stacks of a Hang's emulated threads (those under
// kern.runProtected) when the watchdog fired, whatever their state.
func threadStacks(ex *harness.Execution) []string {
	var out []string
	for _, g := range strings.Split(ex.Details, "\n\n") {
		g = strings.TrimSpace(g)
		if rx(`^goroutine \d+ \[`).MatchString(g) && !strings.Contains(g, "kern.allStacks") && strings.Contains(g, "kern.runProtected") {
			out = append(out, g)
		}
	}
	return out
}

// createsDotted reports whether the scenario creates a name of the form
// <parent>.<vid>: a vlan stacked on an interface by name.
func createsDotted(ex *harness.Execution) bool {
	if ex.Scenario == nil {
		return false
	}
	for _, th := range ex.Scenario.Threads {
		for _, op := range th {
			if op.Kind == "create" && rx(`^[a-z][a-z0-9]*\.[0-9]+$`).MatchString(op.Name) {
				return true
			}
		}
	}
	return false
}

// unloadDuringVnetDestroy reports a kldunload that overlaps a successful
// vnet_destroy in the history (a kldunload that never returned counts).
func unloadDuringVnetDestroy(ex *harness.Execution) bool {
	for _, u := range ex.History {
		if _, ok := u.Input.(model.KldUnload); !ok {
			continue
		}
		for _, d := range ex.History {
			if _, ok := d.Input.(model.VnetDestroy); ok && d.Output.Err == 0 && !d.Output.Unknown && d.Call < u.Return && u.Call < d.Return {
				return true
			}
		}
	}
	return false
}

// countOp counts the scenario's operations of a kind.
func countOp(ex *harness.Execution, kind string) int {
	n := 0
	if ex.Scenario != nil {
		for _, th := range ex.Scenario.Threads {
			for _, op := range th {
				if op.Kind == kind {
					n++
				}
			}
		}
	}
	return n
}

// hasUnload reports whether the scenario unloads driver's module.
func hasUnload(ex *harness.Execution, driver string) bool {
	if ex.Scenario == nil {
		return false
	}
	for _, th := range ex.Scenario.Threads {
		for _, op := range th {
			if op.Kind == "kldunload" && op.Driver == driver {
				return true
			}
		}
	}
	return false
}

// hasOp reports whether the execution's scenario has an operation of kind.
func hasOp(ex *harness.Execution, kind string) bool {
	if ex.Scenario == nil {
		return false
	}
	for _, th := range ex.Scenario.Threads {
		for _, op := range th {
			if op.Kind == kind {
				return true
			}
		}
	}
	return false
}

// ByID finds a finding.
func ByID(id string) *Finding {
	for _, f := range Catalogue {
		if f.ID == id {
			return f
		}
	}
	return nil
}

// Mutant is the fix as a mutants.Mutant, for the overlay builder.
func (f *Finding) Mutant() *mutants.Mutant {
	if f.Fix == nil {
		return nil
	}
	return &mutants.Mutant{ID: "fix-" + f.ID, Name: "fix", Description: f.Fix.Change, Rules: f.Fix.Rules}
}

// accepts reports whether a failure of this kind and text can be this
// finding at all.
func (f *Finding) accepts(kind harness.Kind, text string) bool {
	ok := false
	for _, k := range f.Kinds {
		if k == kind {
			ok = true
		}
	}
	return ok && (f.Match == nil || f.Match.MatchString(text))
}
