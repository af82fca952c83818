// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"fmt"
	"strings"

	"kcheck/ifclone"
	"kcheck/kern"
	"kcheck/model"
)

// Invariant is the verdict of an execution in which a kernel invariant
// (ifclone/invariants.go: unique names per vnet, one cloner per interface,
// interfaces in their vnet, cloner units agreeing with cloned interfaces,
// positive refcounts) was found broken at a scheduling point or between
// operations. It is reported in Execution.Verdicts where it was reached,
// but as Execution.Kind only when no other verdict is (verdict.go).
const Invariant Kind = "Invariant"

// unitCloners are the cloners whose drivers take units from ifc_unrhdr
// with ifc_alloc_unit although they are not IFC_F_AUTOUNIT: if_epair.c
// epair_clone_create and if_vlan.c vlan_clone_create (for vlanN names;
// <parent>.<vid> names have no unit, IF_DUNIT_NONE). lo and disc are
// IFC_F_AUTOUNIT and are included by their flag; tun/tap/vmnet keep their
// units in the driver's own unrhdr and are left out.
var unitCloners = map[string]bool{"epair": true, "vlan": true}

// clonerModule maps each cloner's name to its driver's module file, for
// the invariant that no cloner outlives its module (ifclone
// InvClonerModule).
var clonerModule = func() map[string]string {
	m := map[string]string{}
	for _, d := range model.DriverList() {
		for _, c := range d.Cloners() {
			m[c.String()] = d.File()
		}
	}
	return m
}()

// installInvariants sets the ifclone target's invariant check on k
// (controlled mode: at lock releases, or at every point with every).
// modules says the drivers are the default set, linked as module files
// (their Load); a LoadDrivers replacement (tests' broken drivers) links
// none, so cloner-module-loaded is not checked for it.
func installInvariants(k *kern.Kernel, every, modules bool) {
	cfg := &ifclone.InvariantConfig{UnitCloners: unitCloners}
	if modules {
		cfg.ClonerModule = clonerModule
	}
	k.SetInvariants(func(k *kern.Kernel, quiescent bool) []kern.InvariantViolation {
		return ifclone.CheckInvariants(k, quiescent, cfg)
	}, every)
}

// judgeInvariants adds one Invariant verdict per broken invariant.
func (ex *Execution) judgeInvariants(reps []*kern.InvariantReport, phase string) {
	for _, r := range reps {
		ex.add(Verdict{Kind: Invariant, Phase: phase,
			Summary:  fmt.Sprintf("%s: invariant %s broken at step %d (%s by %s): %s", phase, r.Name, r.Step, r.Point, r.Thread, r.Msg),
			Details:  strings.TrimRight(r.String(), "\n"),
			Identity: fmt.Sprintf("%s (%s): %s", Invariant, phase, r.Name)})
	}
}
