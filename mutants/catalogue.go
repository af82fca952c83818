// SPDX-License-Identifier: BSD-2-Clause

// Package mutants is kcheck's bug catalogue: small, realistic changes to
// the faithful port (each a class of bug FreeBSD had, or could have had, in
// if_clone.c and its neighbours), applied at build time through the Go
// toolchain's -overlay flag so that the port itself carries no mutation
// switches, and a runner that measures which strategy finds each one and
// how fast (the kill matrix, docs/MUTANTS.md).
//
// A mutant is a list of rules; a rule replaces one exact piece of text in
// one file of the module. A rule whose old text does not occur exactly once
// in the current sources is an error (TestMutantRulesApplyExactlyOnce), so
// the catalogue cannot silently rot when the port changes.
package mutants

import "fmt"

// Rule is one textual edit: Old must occur exactly once in File (a path
// relative to the module root) and is replaced by New.
type Rule struct {
	File string
	Old  string
	New  string
}

// Mutant is one injected bug.
type Mutant struct {
	ID          string // M01 ...
	Name        string // short slug
	Description string // one line: what the code now does wrong
	History     string // the FreeBSD history it echoes ("" when none is known to us)
	Rules       []Rule
}

// File is the file of the mutant's first rule (for reports).
func (m *Mutant) File() string {
	if len(m.Rules) == 0 {
		return ""
	}
	return m.Rules[0].File
}

func (m *Mutant) String() string { return fmt.Sprintf("%s %s", m.ID, m.Name) }

const (
	fIfClone = "ifclone/if_clone.go"
	fIf      = "ifclone/if.go"
	fIoctl   = "ifclone/ioctl.go"
	fUnr     = "unrhdr/subr_unit.go"
	fEpair   = "ifclone/drivers/epair/if_epair.go"
)

// catalogue is the list, in ID order.
var catalogue = []*Mutant{
	{ID: "M01", Name: "no-addref-alloc-unit-specific",
		Description: "ifc_alloc_unit_specific takes a unit without IF_CLONE_ADDREF, so every ifc_free_unit drops a cloner reference nobody took",
		History:     "cloner reference counting (ifc_refcnt, IF_CLONE_ADDREF per unit) was added so that a cloner and its unit bitmap outlive their clones, after a use-after-free of the unrhdr seen with vlan(4)",
		Rules: []Rule{{fIfClone,
			"\tIF_CLONE_ADDREF(td, ifc)\n\n\treturn 0\n}\n\n// IfcAllocUnitNext",
			"\treturn 0\n}\n\n// IfcAllocUnitNext"}}},
	{ID: "M02", Name: "extra-remref-free-unit",
		Description: "ifc_free_unit drops the cloner reference twice",
		History:     "the same refcount class: an unbalanced IF_CLONE_REMREF frees the cloner (and its unrhdr) under live interfaces",
		Rules: []Rule{{fIfClone,
			"\tunrhdr.FreeUnr(td, ifc.ifc_unrhdr, uint32(unit))\n\tIF_CLONE_REMREF(td, ifc)\n}",
			"\tunrhdr.FreeUnr(td, ifc.ifc_unrhdr, uint32(unit))\n\tIF_CLONE_REMREF(td, ifc)\n\tIF_CLONE_REMREF(td, ifc)\n}"}}},
	{ID: "M03", Name: "extra-remref-failed-destroy",
		Description: "if_clone_destroyif_flags drops a cloner reference on the failed-destroy path (after relinking the interface)",
		History:     "error paths that release what they never took; here only a refused destroy (lo0 without IFC_F_FORCE, a vlan parent) reaches it",
		Rules: []Rule{{fIfClone,
			"\tif err != 0 {\n\t\tIfcLinkIfp(td, ifc, ifp)\n\t} else if",
			"\tif err != 0 {\n\t\tIfcLinkIfp(td, ifc, ifp)\n\t\tIF_CLONE_REMREF(td, ifc)\n\t} else if"}}},
	{ID: "M04", Name: "iflist-insert-unlocked",
		Description: "ifc_link_ifp inserts into ifc_iflist without ifc_mtx (open-coded LIST_INSERT_HEAD; a preemption point marks where another CPU may interleave)",
		History:     "ifc_iflist is the (i) member of struct if_clone guarded by ifc_mtx; an unlocked insert loses a concurrent insert",
		Rules: []Rule{{fIfClone,
			"\tIF_CLONE_LOCK(td, ifc)\n\tIFC_IFLIST_INSERT(td, ifc, ifp)\n\tIF_CLONE_UNLOCK(td, ifc)\n}",
			"\tifp.IfClones.Next = ifc.ifc_iflist.First\n\tkern.Preempt(td)\n\tif ifc.ifc_iflist.First != nil {\n\t\tifc.ifc_iflist.First.IfClones.Prev = &ifp.IfClones.Next\n\t}\n\tifc.ifc_iflist.First = ifp\n\tifp.IfClones.Prev = &ifc.ifc_iflist.First\n}"}}},
	{ID: "M05", Name: "no-relink-on-failed-destroy",
		Description: "if_clone_destroyif_flags does not put the interface back on its cloner's list when the driver refuses the destroy",
		History:     "the relink (ifc_link_ifp after a failed ifc_destroy) keeps lo0 and busy vlan parents owned by their cloner; without it if_clone_detach never destroys them",
		Rules: []Rule{{fIfClone,
			"\tif err != 0 {\n\t\tIfcLinkIfp(td, ifc, ifp)\n\t} else if kern.Preempt(td); ifc.ifc_flags&IFC_F_AUTOUNIT != 0 { // unlocked read of ifc_flags",
			"\tif kern.Preempt(td); err == 0 && ifc.ifc_flags&IFC_F_AUTOUNIT != 0 {"}}},
	{ID: "M06", Name: "double-free-unit-destroy",
		Description: "if_clone_destroyif_flags frees the unit of an IFC_F_AUTOUNIT interface twice",
		History:     "the unit-freed-twice class (free_unr of a free unit panics under INVARIANTS: \"Freeing free item\")",
		Rules: []Rule{{fIfClone,
			"\t\tIfcFreeUnit(td, ifc, unit)\n\t}\n\tvnet.CurvnetRestore(td, saved)\n\treturn err",
			"\t\tIfcFreeUnit(td, ifc, unit)\n\t\tIfcFreeUnit(td, ifc, unit)\n\t}\n\tvnet.CurvnetRestore(td, saved)\n\treturn err"}}},
	{ID: "M07", Name: "no-ifunit-recheck-alloc-unit",
		Description: "ifc_alloc_unit_specific no longer checks with ifunit that the name <cloner><unit> is free, so a renamed interface's name is handed out again",
		History:     "the ifunit check exists because if_rename can give any interface a name of the form <cloner><unit> that the unit bitmap does not know about",
		Rules: []Rule{{fIfClone,
			"\tkern.Snprintf(name[:], \"%s%d\", ifc.ifc_name[:], *unit)\n\tif Ifunit(td, name[:]) != nil {\n\t\tunrhdr.FreeUnr(td, ifc.ifc_unrhdr, uint32(*unit))\n\t\treturn kern.EEXIST\n\t}\n\n",
			"\t_ = name\n\n"}}},
	{ID: "M08", Name: "lor-detach-ifc-before-cloners",
		Description: "if_clone_detach takes ifc_mtx and then if_cloners_mtx, the reverse of if_clone_restoregroup's order",
		History:     "lock-order reversals around interface moves, e.g. D27279 (vnet_if_return held IFNET_WLOCK across if_vmove)",
		Rules: []Rule{{fIfClone,
			"\tIF_CLONERS_LOCK(td)\n\tkern.Write(td, &V_if_cloners(td).sh) // LIST_REMOVE, V_if_cloners_count--\n\tlistRemoveClone(td, ifc)\n\t*V_if_cloners_count(td)--\n\tIF_CLONERS_UNLOCK(td)\n",
			"\tIF_CLONE_LOCK(td, ifc)\n\tIF_CLONERS_LOCK(td)\n\tkern.Write(td, &V_if_cloners(td).sh) // LIST_REMOVE, V_if_cloners_count--\n\tlistRemoveClone(td, ifc)\n\t*V_if_cloners_count(td)--\n\tIF_CLONERS_UNLOCK(td)\n\tIF_CLONE_UNLOCK(td, ifc)\n"}}},
	{ID: "M09", Name: "missing-curvnet-restore",
		Description: "ifc_find_cloner_in_vnet returns without CURVNET_RESTORE",
		History:     "CURVNET_SET/CURVNET_RESTORE imbalances are a recurring VIMAGE bug class (VNET_DEBUG exists to catch them)",
		Rules: []Rule{{fIfClone,
			"\tifc := IfcFindCloner(td, name)\n\tvnet.CurvnetRestore(td, saved)\n",
			"\tifc := IfcFindCloner(td, name)\n\t_ = saved\n"}}},
	{ID: "M10", Name: "ifunit-outside-epoch",
		Description: "ifunit walks V_ifnet without entering the net epoch, so neither if_detach_internal's epoch wait nor if_free's NET_EPOCH_CALL waits for it: a walk that stands on an interface a concurrent destroy frees follows its poisoned link and stops early",
		History:     "the epoch conversion of the ifnet list (FreeBSD 12-13) made V_ifnet readers lockless: IFNET_RLOCK became NET_EPOCH_ENTER, and a reader left outside the epoch is a use-after-free (the NET_EPOCH_ASSERTs later added across if.c exist to catch such callers)",
		Rules: []Rule{{fIf,
			"\tkern.NetEpochEnter(td)\n\tkern.Read(td, &vIfnet(td).sh) // CK_STAILQ_FOREACH\n\tfor ifp = vIfnet(td).first(); ifp != nil; ifp = ifp.if_link.stqe_next.Load() {\n\t\tkern.Preempt(td)\n\t\tif kern.Strncmp(name, ifp.IfXname[:], IFNAMSIZ) == 0 {\n\t\t\tbreak\n\t\t}\n\t}\n\tkern.NetEpochExit(td)\n",
			"\tkern.Read(td, &vIfnet(td).sh) // CK_STAILQ_FOREACH\n\tfor ifp = vIfnet(td).first(); ifp != nil; ifp = ifp.if_link.stqe_next.Load() {\n\t\tkern.Preempt(td)\n\t\tif kern.Strncmp(name, ifp.IfXname[:], IFNAMSIZ) == 0 {\n\t\t\tbreak\n\t\t}\n\t}\n"}}},
	{ID: "M11", Name: "unr-specific-high-off-by-one",
		Description: "alloc_unr_specificl rejects item == high (>= instead of >), so the highest unit can never be taken",
		History:     "boundary off-by-ones in subr_unit.c's range checks",
		Rules: []Rule{{fUnr,
			"\tif item < uh.low+uh.first || item > uh.high {\n\t\treturn -1\n\t}",
			"\tif item < uh.low+uh.first || item >= uh.high {\n\t\treturn -1\n\t}"}}},
	{ID: "M12", Name: "unr-bitmap-full-off-by-one",
		Description: "ub_full looks at len-1 bits, so a bitmap whose only free unit is its last is taken for full and collapsed into an allocated run",
		History:     "subr_unit.c's bitmap handling was reworked in 2022-2023 (bit_ffc-based ub_full/ub_empty, optimize_unr fixes)",
		Rules: []Rule{{fUnr,
			"\tbitFfc(ub.map_[:], len, &firstClear)\n\treturn firstClear == -1",
			"\tbitFfc(ub.map_[:], len-1, &firstClear)\n\treturn firstClear == -1"}}},
	{ID: "M13", Name: "name2unit-no-overflow-check",
		Description: "ifc_name2unit drops its overflow check, so a unit past INT_MAX is ENOSPC (or wraps in C) instead of EINVAL",
		History:     "the cutoff/cutlim test mirrors strtol's overflow handling",
		Rules: []Rule{{fIfClone,
			"\t\t\tif *unit > cutoff || (*unit == cutoff && int(at(cp)-'0') > cutlim) {\n\t\t\t\treturn kern.EINVAL\n\t\t\t}\n",
			"\t\t\t_, _ = cutoff, cutlim\n"}}},
	{ID: "M14", Name: "detach-without-force",
		Description: "if_clone_detach destroys its interfaces without IFC_F_FORCE, so lo0 refuses and the detach loop spins for ever",
		History:     "IFC_F_FORCE exists for if_clone_detach at vnet teardown (lo0 refuses a plain destroy)",
		Rules: []Rule{{fIfClone,
			"IfCloneDestroyifFlags(td, ifc, ifp, IFC_F_FORCE)",
			"IfCloneDestroyifFlags(td, ifc, ifp, 0)"}}},
	{ID: "M15", Name: "vmove-unlink-marks-dying",
		Description: "if_unlink_ifnet marks the interface IFF_DYING also when it is only being moved, so an interface loaned to a jail arrives dying and ifunit_ref (every ioctl by name, SIOCIFDESTROY included) no longer finds it there",
		History:     "if_unlink_ifnet's vmove argument exists so that if_vmove unlinks without IFF_DYING; ifunit_ref and ifnet_byindex_ref skip IFF_DYING so that nothing new starts on an interface being detached",
		Rules: []Rule{{fIf,
			"\t\t\tif !vmove {\n\t\t\t\tifp.IfFlags.Set(ifp.IfFlags.Get() | IFF_DYING)\n\t\t\t}\n",
			"\t\t\tifp.IfFlags.Set(ifp.IfFlags.Get() | IFF_DYING)\n"}}},
	{ID: "M16", Name: "destroy-without-detach-sxlock",
		Description: "SIOCIFDESTROY calls if_clone_destroy without ifnet_detach_sxlock",
		History:     "PRs 238870, 234985, 244703, 250870: a destroy racing vnet_if_return or if_vmove re-added a freed ifnet; fixed by ifnet_detach_sxlock",
		Rules: []Rule{{fIoctl,
			"\t\t\tIfnetDetachSxlock(td.K).Xlock(td)\n\t\t\terr = IfCloneDestroy(td, ifr.IfrName[:])\n\t\t\tIfnetDetachSxlock(td.K).Xunlock(td)\n",
			"\t\t\terr = IfCloneDestroy(td, ifr.IfrName[:])\n"}}},
	{ID: "M17", Name: "epair-unit-freed-twice",
		Description: "epair_clone_destroy frees the pair's unit also in the nested destroy of the peer, so the unit is freed twice",
		History:     "epair destroy paths (D20868, the peer destroyed through if_clone_destroyif with its softc cleared so it returns at once)",
		Rules: []Rule{{fEpair,
			"\tif ifp.IfSoftc == nil {\n\t\treturn 0\n\t}",
			"\tif ifp.IfSoftc == nil {\n\t\tifclone.IfcFreeUnit(td, ifc, ifp.IfDunit)\n\t\treturn 0\n\t}"}}},
	{ID: "M18", Name: "epair-create-error-frees-unit",
		Description: "epair_clone_create frees the unit again when epair_handle_unit failed (which had already given it back, or never got it)",
		History:     "error paths that release twice: epair_handle_unit already calls ifc_free_unit on its own failures",
		Rules: []Rule{{fEpair,
			"\terr := epairHandleUnit(td, ifc, name, len, &unit)\n\tif err != 0 {\n\t\treturn err\n\t}",
			"\terr := epairHandleUnit(td, ifc, name, len, &unit)\n\tif err != 0 {\n\t\tifclone.IfcFreeUnit(td, ifc, unit)\n\t\treturn err\n\t}"}}},
	{ID: "M19", Name: "sleep-with-ifc-mtx",
		Description: "ifc_link_ifp holds ifc_mtx across if_addgroup, which takes the sleepable IFNET_WLOCK (sx) and waits for the epoch",
		History:     "the seed's own comment rule: cloner mutexes must not be held across if.c calls that sleep",
		Rules: []Rule{{fIfClone,
			"\tkern.Preempt(td) // unlocked read of ifc_flags\n\tkern.Known(td, &ifc.ifc_flags_sh, kern.AccessRead, \"if_clone.c:230 ifc_flags in ifc_link_ifp\")\n\tif ifc.ifc_flags&IFC_NOGROUP == 0 {\n\t\tIfAddgroup(td, ifp, kern.CString(ifc.ifc_name[:]))\n\t}\n\n\tIF_CLONE_LOCK(td, ifc)\n\tIFC_IFLIST_INSERT(td, ifc, ifp)\n",
			"\tIF_CLONE_LOCK(td, ifc)\n\tif ifc.ifc_flags&IFC_NOGROUP == 0 {\n\t\tIfAddgroup(td, ifp, kern.CString(ifc.ifc_name[:]))\n\t}\n\n\tIFC_IFLIST_INSERT(td, ifc, ifp)\n"}}},
	{ID: "M20", Name: "alloc-unit-next-keeps-probe",
		Description: "ifc_alloc_unit_next does not give back the unit alloc_unr returned before asking for it specifically, leaking one unit per wildcard create",
		History:     "ifc_alloc_unit_next's alloc_unr/free_unr/alloc_unr_specific dance (the ifunit re-check needs the specific path)",
		Rules: []Rule{{fIfClone,
			"\tunrhdr.FreeUnr(td, ifc.ifc_unrhdr, uint32(*unit))\n\tfor {",
			"\tfor {"}}},
	{ID: "M21", Name: "simple-minifs-off-by-one",
		Description: "ifc_simple_destroy_wrapper protects units <= minifs instead of < minifs, so disc0 can no longer be destroyed",
		History:     "if_clone_simple's minifs (lo used it for lo0 before its custom cloner)",
		Rules: []Rule{{fIfClone,
			"if ifp.IfDunit < ifc.ifcs_minifs && flags&IFC_F_FORCE == 0 {",
			"if ifp.IfDunit <= ifc.ifcs_minifs && flags&IFC_F_FORCE == 0 {"}}},
	{ID: "M22", Name: "createif-no-ifunit-check",
		Description: "if_clone_createif drops its ifunit(name) EEXIST check, so an explicit create of a name a rename took succeeds",
		History:     "FREEBSD-NOTES: if_clone_createif's ifunit check is not atomic with the create; without it there is no check at all for non-AUTOUNIT cloners",
		Rules: []Rule{{fIfClone,
			"\tif Ifunit(td, name) != nil {\n\t\treturn kern.EEXIST\n\t}\n\n\tkern.Preempt(td) // unlocked read of ifc_flags, and the window after ifunit",
			"\tkern.Preempt(td) // unlocked read of ifc_flags, and the window after ifunit"}}},
	{ID: "M23", Name: "destroy-missing-if-rele",
		Description: "if_clone_destroy does not drop the reference ifunit_ref took, so a destroyed ifnet is never freed",
		History:     "ifnet reference leaks (if_ref/if_rele imbalance) keep interfaces and their memory alive",
		Rules: []Rule{{fIfClone,
			"\terr = IfCloneDestroyif(td, ifc, ifp)\n\tIfRele(td, ifp)\n\treturn err",
			"\terr = IfCloneDestroyif(td, ifc, ifp)\n\treturn err"}}},
	{ID: "M24", Name: "clone-list-ignores-ifcr-count",
		Description: "if_clone_list copies as many cloner names as there are cloners, not capped by the buffer it sized from the caller's ifcr_count, so a caller with a short buffer overruns the M_CLONE bounce buffer",
		History:     "if_clone_list sizes its bounce buffer from min(cloners, ifcr_count) before dropping the lock to malloc, and must cap the copy by that size under the second lock; the SIOCGIFCLONERS copy-out is a classic kernel heap-overflow spot",
		Rules: []Rule{{fIfClone,
			"\tif *V_if_cloners_count(td) < bufCount {\n\t\tcount = *V_if_cloners_count(td)\n\t} else {\n\t\tcount = bufCount\n\t}\n",
			"\tcount = *V_if_cloners_count(td)\n"}}},
	{ID: "M25", Name: "destroy-cloner-in-current-vnet",
		Description: "if_clone_destroy looks the cloner up in the interface's current vnet (if_vnet) instead of its home vnet, so a loaned interface is handed to the jail's cloner of the same name",
		History:     "if_clone_destroy uses if_home_vnet so that an interface moved into a jail can be destroyed from there by the cloner that made it",
		Rules: []Rule{{fIfClone,
			"ifc = IfcFindClonerInVnet(td, []byte(ifp.IfDname+\"\\x00\"), ifp.IfHomeVnet)",
			"ifc = IfcFindClonerInVnet(td, []byte(ifp.IfDname+\"\\x00\"), ifp.IfVnet)"}}},
	{ID: "M26", Name: "unlink-ifp-without-clone-lock",
		Description: "ifc_unlink_ifp walks ifc_iflist and LIST_REMOVEs the interface without IF_CLONE_LOCK; no scheduling point falls inside the unlocked region, so only the lockset checker sees it",
		History:     "ifc_iflist is an (i) member of struct if_clone (if_clone.c:73): every walk and change of it must hold ifc_mtx",
		Rules: []Rule{
			{fIfClone,
				"\tIF_CLONE_LOCK(td, ifc)\n\tkern.Read(td, &ifc.ifc_iflist_sh) // LIST_FOREACH\n\tfor ifcifp = IfnetListFirst(&ifc.ifc_iflist);",
				"\tkern.Read(td, &ifc.ifc_iflist_sh) // LIST_FOREACH\n\tfor ifcifp = IfnetListFirst(&ifc.ifc_iflist);"},
			{fIfClone,
				"\t\t\tbreak\n\t\t}\n\t}\n\tIF_CLONE_UNLOCK(td, ifc)\n\n\tkern.Preempt(td) // unlocked read of ifc_flags\n",
				"\t\t\tbreak\n\t\t}\n\t}\n\n\tkern.Preempt(td) // unlocked read of ifc_flags\n"},
		}},
	{ID: "M27", Name: "find-cloner-without-cloners-lock",
		Description: "ifc_find_cloner_match and ifc_find_cloner walk V_if_cloners without IF_CLONERS_LOCK; no scheduling point falls inside the walk, so only the lockset checker sees it",
		History:     "the cloner list is an (e) member (if_clone.c:79): walks hold if_cloners_mtx so that if_clone_detach cannot unlink a cloner under the walker",
		Rules: []Rule{
			{fIfClone,
				"\tIF_CLONERS_LOCK(td)\n\tkern.Read(td, &V_if_cloners(td).sh) // LIST_FOREACH\n\tfor ifc = V_if_cloners(td).lh_first; ifc != nil; ifc = ifc.ifc_list.le_next {\n\t\tif ifc.ifc_match(td, ifc, name) {\n\t\t\tbreak\n\t\t}\n\t}\n\tIF_CLONERS_UNLOCK(td)\n",
				"\tkern.Read(td, &V_if_cloners(td).sh) // LIST_FOREACH\n\tfor ifc = V_if_cloners(td).lh_first; ifc != nil; ifc = ifc.ifc_list.le_next {\n\t\tif ifc.ifc_match(td, ifc, name) {\n\t\t\tbreak\n\t\t}\n\t}\n"},
			{fIfClone,
				"\tIF_CLONERS_LOCK(td)\n\tkern.Read(td, &V_if_cloners(td).sh) // LIST_FOREACH\n\tfor ifc = V_if_cloners(td).lh_first; ifc != nil; ifc = ifc.ifc_list.le_next {\n\t\tif kern.Strcmp(ifc.ifc_name[:], name) == 0 {\n\t\t\tbreak\n\t\t}\n\t}\n\tIF_CLONERS_UNLOCK(td)\n",
				"\tkern.Read(td, &V_if_cloners(td).sh) // LIST_FOREACH\n\tfor ifc = V_if_cloners(td).lh_first; ifc != nil; ifc = ifc.ifc_list.le_next {\n\t\tif kern.Strcmp(ifc.ifc_name[:], name) == 0 {\n\t\t\tbreak\n\t\t}\n\t}\n"},
		}},
}

// Removed is a mutant taken out of the catalogue because no execution of
// the emulation can tell it from the faithful port. Its rules stay, checked
// like the catalogue's, so that the reason keeps pointing at real code.
type Removed struct {
	Mutant
	// Reason is why it is equivalent here: the code path and lines.
	Reason string
	// ReplacedBy is the catalogue mutant of the same bug class that took
	// its ID.
	ReplacedBy string
}

// removed are the equivalent mutants, each replaced in the catalogue (same
// ID) by a realistic variant of its bug class that the kill set reaches.
var removed = []*Removed{
	{Mutant: Mutant{ID: "M10", Name: "if-free-without-epoch",
		Description: "if_rele and if_free free the ifnet at once instead of deferring with NET_EPOCH_CALL",
		Rules: []Rule{
			{fIf,
				"\tif !kern.RefcountRelease(td, &ifp.IfRefcount) {\n\t\treturn\n\t}\n\tkern.NetEpochCall(td, func(td *kern.Thread) { ifFreeDeferred(td, ifp) })\n",
				"\tif !kern.RefcountRelease(td, &ifp.IfRefcount) {\n\t\treturn\n\t}\n\tifFreeDeferred(td, ifp)\n"},
			{fIf,
				"\tif kern.RefcountRelease(td, &ifp.IfRefcount) {\n\t\tkern.NetEpochCall(td, func(td *kern.Thread) { ifFreeDeferred(td, ifp) })\n\t}\n}",
				"\tif kern.RefcountRelease(td, &ifp.IfRefcount) {\n\t\tifFreeDeferred(td, ifp)\n\t}\n}"},
		}},
		ReplacedBy: "ifunit-outside-epoch",
		Reason: "The emulation's only lockless ifnet readers are the V_ifnet walks of ifunit and ifunit_ref (ifclone/if.go, Ifunit and IfunitRef), " +
			"each inside NET_EPOCH_ENTER; ifnet_byindex has no caller on any path the harness drives. Every path that drops the last reference of an " +
			"attached interface first takes it off V_ifnet (if_unlink_ifnet) and then waits out the epoch at least three times before if_free: " +
			"NET_EPOCH_WAIT and NET_EPOCH_DRAIN_CALLBACKS in if_detach_internal (if.go ifDetachInternal) and the wait in _if_delgroup_locked for " +
			"the \"all\" group every attached interface is in (if.go ifDelgroupLocked). A walker that could still stand on the interface has left " +
			"by then and a later walk cannot find it, so freeing at once frees nothing a reader can reach. The paths where if_free runs without " +
			"those waits (if_detach finding the interface already unlinked by a concurrent move; if_vmove_reclaim's unreferenced ifunit) are " +
			"use-after-frees in the faithful port as well (F5, ReclaimVsCreate), where the deferral does not help: the holder is not in the epoch."},
	{Mutant: Mutant{ID: "M15", Name: "ifunit-ref-not-skipping-dying",
		Description: "ifunit_ref returns interfaces marked IFF_DYING",
		Rules: []Rule{{fIf,
			"if kern.Strncmp(name, ifp.IfXname[:], IFNAMSIZ) == 0 && ifp.IfFlags.Get()&IFF_DYING == 0 {",
			"if kern.Strncmp(name, ifp.IfXname[:], IFNAMSIZ) == 0 {"}}},
		ReplacedBy: "vmove-unlink-marks-dying",
		Reason: "IFF_DYING is set in if_unlink_ifnet (if.go ifUnlinkIfnet) under IFNET_WLOCK in the same critical section that takes the interface " +
			"off V_ifnet, and in if_free (if.go IfFree) after that; no interface on a V_ifnet list is ever dying. ifunit_ref (if.go IfunitRef) can " +
			"therefore meet a dying interface only when its walk loaded the pointer before the unlink and tests the flag after it. The faithful " +
			"port reaches the same state one scheduling step earlier: the walk tests the flag just before the unlink, takes the reference and " +
			"returns the interface, and the unlinking thread then waits in if_detach_internal's NET_EPOCH_WAIT for the walker to leave, exactly " +
			"as in the mutant. From there every caller behaves the same in both (SIOCIFDESTROY: ENXIO from ifc_unlink_ifp; SIOCSIFNAME: the " +
			"rename of a destroyed interface; SIOCSIFVNET: F5's MPASS or ENODEV), so the mutant adds no reachable state."},
	{Mutant: Mutant{ID: "M24", Name: "clone-list-first-snapshot",
		Description: "if_clone_list reports as ifcr_total the cloner count of its first look instead of the count under the second lock",
		Rules: []Rule{
			{fIfClone,
				"\tif *V_if_cloners_count(td) < int(ifcr.IfcrCount) {\n\t\tbufCount = *V_if_cloners_count(td)",
				"\ttotal := *V_if_cloners_count(td)\n\tif *V_if_cloners_count(td) < int(ifcr.IfcrCount) {\n\t\tbufCount = *V_if_cloners_count(td)"},
			{fIfClone,
				"\tifcr.IfcrTotal = int32(*V_if_cloners_count(td))",
				"\tifcr.IfcrTotal = int32(total)"},
		}},
		ReplacedBy: "clone-list-ignores-ifcr-count",
		Reason: "The two looks of if_clone_list (if_clone.go IfCloneList, the counts read before and after the M_WAITOK malloc) differ only if " +
			"V_if_cloners_count of the caller's vnet changes in between, that is if a cloner attaches to or detaches from that vnet during the " +
			"call. Cloners attach and detach only when a driver module loads or unloads (no harness operation does either after boot) and when " +
			"a vnet is created or destroyed. A listing in a jail holds the jail's prison reference through the ioctl (harness/target.go exec: " +
			"prison_find_hold), and the jail's removal waits for its references to drop before vnet_destroy runs the cloner detaches " +
			"(target.go teardownJail); a listing in vnet0 ends before the harness's teardown destroys vnet0. So the count never changes during " +
			"a listing."},
}

// RemovedMutants returns the equivalent mutants taken out of the catalogue.
func RemovedMutants() []*Removed { return append([]*Removed(nil), removed...) }

// Catalogue returns every mutant, in ID order.
func Catalogue() []*Mutant { return append([]*Mutant(nil), catalogue...) }

// ByID finds a mutant by ID (M07) or name.
func ByID(id string) (*Mutant, error) {
	for _, m := range catalogue {
		if m.ID == id || m.Name == id {
			return m, nil
		}
	}
	return nil, fmt.Errorf("no mutant %q", id)
}
