package harness

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kcheck/linearize"
	"kcheck/model"

	"github.com/stretchr/testify/require"
)

// findingsDir holds the bundles docs/FINDINGS.md refers to.
const findingsDir = "../testdata/findings"

func hasOutput(ex *Execution, f func(linearize.Operation) bool) bool {
	for _, op := range ex.History {
		if f(op) {
			return true
		}
	}
	return false
}

// poisonName: a name read from freed memory (0xde poison, quoted by
// the harness because it is not UTF-8).
func poisonName(op linearize.Operation) bool { return strings.Contains(op.Output.Name, `\xde`) }

// findingSpecs say how each finding's minimal bundle is found: the
// scenario, the spec mode, and what the verdict must show.
var findingSpecs = []struct {
	dir, scenario string
	mode          model.Mode
	want          func(*Execution) bool
}{
	{"F1-wildcard-not-lowest", "WildcardLowest", model.Strict, func(ex *Execution) bool {
		if ex.Kind != NotLinearizable || hasOutput(ex, poisonName) ||
			hasOutput(ex, func(op linearize.Operation) bool { return op.Output.Err == model.ENXIO }) {
			return false
		}
		// Only the strict spec objects: the relaxed one accepts the unit.
		return linearize.Check(Spec(model.Relaxed), ex.History, linearize.Options{}).Passed()
	}},
	{"F2-create-returns-freed-name", "DoubleDestroy", model.Relaxed, func(ex *Execution) bool {
		return ex.Kind == NotLinearizable && hasOutput(ex, poisonName)
	}},
	{"F3-visible-before-linked", "CreateVisibleBeforeLinked", model.Relaxed, func(ex *Execution) bool {
		return ex.Kind == NotLinearizable && !hasOutput(ex, poisonName) &&
			hasOutput(ex, func(op linearize.Operation) bool { return op.Output.Err == model.ENXIO })
	}},
	{"F4-rename-duplicates-name", "RenameCollision", model.Relaxed, func(ex *Execution) bool {
		return ex.Kind == NotLinearizable && !hasOutput(ex, poisonName)
	}},
	{"F26-rename-vs-destroy", "RenameVsDestroy", model.Relaxed, func(ex *Execution) bool {
		return ex.Kind == NotLinearizable && !hasOutput(ex, poisonName)
	}},
	{"F28-rename-vs-loan", "RenameVsLoan", model.Relaxed, func(ex *Execution) bool {
		// Every call succeeds (the create is done before either races):
		// the rename and the loan of disc3 alone cannot be ordered.
		return ex.Kind == NotLinearizable && len(ex.Verdicts) == 1 &&
			!hasOutput(ex, func(op linearize.Operation) bool { return op.Output.Err != 0 })
	}},
	{"F29-vlan-qinq-detach-loops", "VlanQinQTeardown", model.Relaxed, func(ex *Execution) bool {
		return ex.Kind == Livelock && strings.Contains(ex.Details, "IfCloneDetach(")
	}},
	{"F5-vmove-loan-mpass-vs-destroy", "DestroyVsVmove", model.Relaxed, func(ex *Execution) bool {
		return ex.Kind == Panic && strings.Contains(ex.Summary, "Assertion failed")
	}},
	{"F6-epair-b-destroyed-during-create", "EpairAtomicPair", model.Relaxed, func(ex *Execution) bool {
		return ex.Kind == Panic && strings.Contains(ex.Summary, "epair_clone_destroy")
	}},
	{"F7-tap-unit-reserved-before-visible", "ReclaimVsCreate", model.Relaxed, func(ex *Execution) bool {
		return ex.Kind == NotLinearizable && !hasOutput(ex, poisonName)
	}},
	{"F9-group-added-in-wrong-vnet", "ReclaimVsCreate", model.Relaxed, func(ex *Execution) bool {
		return ex.Kind == Panic && strings.Contains(ex.Details, "ifDelgroupLocked")
	}},
	{"F17-vmove-reclaim-vs-jail-destroy", "ReclaimVsJailDestroy", model.Relaxed, func(ex *Execution) bool {
		return ex.Kind == Panic
	}},
	{"F18-unload-detach-vs-create", "UnloadVsCreate", model.Relaxed, func(ex *Execution) bool {
		return ex.Kind == Leak && strings.Contains(ex.Summary, "clone:")
	}},
	{"F19-unload-destroys-epair-mutex", "UnloadVsCreate", model.Relaxed, func(ex *Execution) bool {
		return ex.Kind == Panic && strings.Contains(ex.Summary, "destroyed mutex epairidx")
	}},
	{"F15-vlan-configured-on-departed-parent", "VlanDuplicateVid", model.Relaxed, func(ex *Execution) bool {
		return ex.Kind == NotLinearizable && !hasOutput(ex, poisonName)
	}},
	{"F13-unload-misses-vnet-being-created", "UnloadVsJailCreate", model.Relaxed, func(ex *Execution) bool {
		return ex.Kind == Leak && hasVerdictText(ex, "invariant cloner-module-loaded")
	}},
	{"F24-unload-destructor-without-constructor", "UnloadVsJailCreate", model.Relaxed, func(ex *Execution) bool {
		return ex.Kind == Panic && strings.Contains(ex.Details, "IfCloneDetach(") && strings.Contains(ex.Details, "VnetDeregisterSysuninit(")
	}},
	{"F25-unload-detach-vs-loan", "UnloadVsLoan", model.Relaxed, func(ex *Execution) bool {
		return ex.Kind == Panic && strings.Contains(ex.Summary, "Assertion failed") && strings.Contains(ex.Details, "ifAttachInternal(")
	}},
	{"F30-unload-misses-vnet-being-destroyed", "UnloadVsJailDestroy", model.Relaxed, func(ex *Execution) bool {
		// Jail 1's disc cloner (and its unit header) outlive its vnet.
		return ex.Kind == Leak && strings.Contains(ex.Summary, "clone: 1 live")
	}},
	{"F31-tun-renames-destroy-one-alias", "TunRenameRace", model.Relaxed, func(ex *Execution) bool {
		return ex.Kind == Panic && strings.Contains(ex.Summary, "destroy_dev on")
	}},
	{"F23-unload-not-atomic", "UnloadNotAtomic", model.Relaxed, func(ex *Execution) bool {
		// The list in the jail misses disc while vnet0's create of
		// disc0 still succeeds; nothing else fails but the teardown's
		// F10 (the unload ran while a jail existed).
		for _, v := range ex.Verdicts {
			if v.Kind != NotLinearizable && v.Kind != WitnessReversal {
				return false
			}
		}
		return ex.Kind == NotLinearizable &&
			hasOutput(ex, func(op linearize.Operation) bool { return op.Output.Name == "disc0" })
	}},
}

// hasVerdictText reports whether any verdict of ex has s in its summary.
func hasVerdictText(ex *Execution, s string) bool {
	for _, v := range ex.Verdicts {
		if strings.Contains(v.Summary, s) {
			return true
		}
	}
	return false
}

// TestWriteFindingBundles regenerates testdata/findings (run with
// KCHECK_WRITE_FINDINGS=1 after a change to the port or the harness).
func TestWriteFindingBundles(t *testing.T) {
	if os.Getenv("KCHECK_WRITE_FINDINGS") == "" {
		t.Skip("set KCHECK_WRITE_FINDINGS=1 to regenerate testdata/findings")
	}
	only := os.Getenv("KCHECK_WRITE_FINDINGS")
	for _, f := range findingSpecs {
		// KCHECK_WRITE_FINDINGS=1 writes every bundle; a comma-separated
		// list of directory names writes only those.
		if only != "1" && !slices.Contains(strings.Split(only, ","), f.dir) {
			continue
		}
		scn, err := NamedScenario(f.scenario)
		require.NoError(t, err)
		ex, cfg, desc, err := FindMinimal(scn, f.mode, 2, 20000, f.want)
		require.NoError(t, err, f.dir)
		// Re-run with the trace on, so the report has the interleaving.
		rex, _, err := Replay(&LoadedBundle{Scenario: scn, Schedule: ex.Schedule,
			Meta: Meta{Mode: f.mode.String(), MaxSteps: 200_000}})
		require.NoError(t, err)
		require.Equal(t, ex.Kind, rex.Kind)
		cfg.Mode = f.mode
		cfg.MaxSteps = 200_000
		tmp := t.TempDir()
		p, err := WriteBundle(tmp, rex, cfg, desc)
		require.NoError(t, err)
		dst := filepath.Join(findingsDir, f.dir)
		require.NoError(t, os.RemoveAll(dst))
		require.NoError(t, os.MkdirAll(findingsDir, 0o755))
		require.NoError(t, os.Rename(p, dst))
		// The report names where the bundle was written; name where it lives.
		rp := filepath.Join(dst, "report.txt")
		b, err := os.ReadFile(rp)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(rp, []byte(strings.ReplaceAll(string(b), p, "testdata/findings/"+f.dir)), 0o644))
		t.Logf("%s: %s (%s)", f.dir, ex.Summary, desc)
	}
}

// TestSavedBundlesReplay replays every saved bundle (findings and
// testdata/bundles): same verdict kind, same history, no divergence.
func TestSavedBundlesReplay(t *testing.T) {
	var dirs []string
	for _, pat := range []string{findingsDir + "/*", "testdata/bundles/*"} {
		m, err := filepath.Glob(pat)
		require.NoError(t, err)
		dirs = append(dirs, m...)
	}
	require.NotEmpty(t, dirs, "no saved bundles found")
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			lb, err := ReadBundle(dir)
			require.NoError(t, err)
			ex, div, err := Replay(lb)
			require.NoError(t, err)
			require.Empty(t, div, "replay diverged from the recorded schedule")
			require.Equal(t, lb.Meta.Kind, ex.Kind, "%s", ex.Summary)
			require.NoError(t, SameHistory(lb.History, ex.History))
		})
	}
}
