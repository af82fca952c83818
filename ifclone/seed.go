// SPDX-License-Identifier: BSD-2-Clause

package ifclone

// SeedFunc is one function of the seed (if_clone.c) and its Go port.
type SeedFunc struct {
	GoName string // the port in if_clone.go, e.g. "IfcName2unit"
	CName  string // the C function, e.g. "ifc_name2unit"
	CLine  int    // the seed line its definition starts on (the return type's line)
}

// SeedFuncs are the seed's function definitions in its order, each with
// its Go port. It is the one table of them: the coverage denominator of
// harness, the trace's C names and TestEveryCFunctionPorted all read it,
// and that test checks it against the seed and the doc comments of
// if_clone.go. Read-only.
var SeedFuncs = [...]SeedFunc{
	{"VnetIfCloneInit", "vnet_if_clone_init", 180},
	{"IfcCreateIfp", "ifc_create_ifp", 190},
	{"IfCloneCreate", "if_clone_create", 212},
	{"IfcLinkIfp", "ifc_link_ifp", 226},
	{"IfCloneAddif", "if_clone_addif", 238},
	{"IfcUnlinkIfp", "ifc_unlink_ifp", 244},
	{"IfcFindClonerMatch", "ifc_find_cloner_match", 264},
	{"IfcFindCloner", "ifc_find_cloner", 279},
	{"IfcFindClonerInVnet", "ifc_find_cloner_in_vnet", 295},
	{"IfCloneCreateif", "if_clone_createif", 308},
	{"IfCloneDestroy", "if_clone_destroy", 337},
	{"IfCloneDestroyifFlags", "if_clone_destroyif_flags", 362},
	{"IfCloneDestroyif", "if_clone_destroyif", 390},
	{"IfCloneAlloc", "if_clone_alloc", 396},
	{"IfCloneAttach", "if_clone_attach", 414},
	{"IfcAttachCloner", "ifc_attach_cloner", 433},
	{"IfcDetachCloner", "ifc_detach_cloner", 455},
	{"IfcAdvancedCreateWrapper", "ifc_advanced_create_wrapper", 464},
	{"IfcAdvancedDestroyWrapper", "ifc_advanced_destroy_wrapper", 475},
	{"IfCloneAdvanced", "if_clone_advanced", 483},
	{"IfcSimpleCreateWrapper", "ifc_simple_create_wrapper", 504},
	{"IfcSimpleDestroyWrapper", "ifc_simple_destroy_wrapper", 517},
	{"IfCloneSimple", "if_clone_simple", 527},
	{"IfCloneDetach", "if_clone_detach", 568},
	{"IfCloneFree", "if_clone_free", 584},
	{"IfCloneList", "if_clone_list", 599},
	{"IfCloneRestoregroup", "if_clone_restoregroup", 659},
	{"IfcName2unit", "ifc_name2unit", 698},
	{"IfcAllocUnitSpecific", "ifc_alloc_unit_specific", 728},
	{"IfcAllocUnitNext", "ifc_alloc_unit_next", 750},
	{"IfcAllocUnit", "ifc_alloc_unit", 771},
	{"IfcFreeUnit", "ifc_free_unit", 780},
	{"IfcSimpleMatch", "ifc_simple_match", 788},
	{"IfcHandleUnit", "ifc_handle_unit", 809},
	{"IfcCopyin", "ifc_copyin", 845},
	{"IfcName", "ifc_name", 858},
	{"IfcFlagsSet", "ifc_flags_set", 864},
	{"IfcFlagsGet", "ifc_flags_get", 870},
}

// SeedCName is the C name of the seed function whose port is goName, or
// "" if goName ports none.
func SeedCName(goName string) string {
	for _, f := range SeedFuncs {
		if f.GoName == goName {
			return f.CName
		}
	}
	return ""
}
