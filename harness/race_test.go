// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"kcheck/kern"
	"kcheck/model"
)

// TestLocksetFaithfulNamedNoRace: the faithful port touches no guarded
// state without its guard in the named scenarios under PCT; the unlocked
// accesses it does make are the C's own, declared at their sites, and are
// reported as known accesses citing an if_clone.c line.
// reCLine is the C line a known access must cite ("(if_clone.c:578 ...").
var reCLine = regexp.MustCompile(`\((if_clone|if|subr_unit|vnet|if_vlan|if_epair|if_tuntap)\.c:[0-9]+ `)

func TestLocksetFaithfulNamedNoRace(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 60
	}
	known := map[string]bool{}
	for _, scn := range Named() {
		e := &Explorer{Kind: PCT, Seed: 7, Depth: 3}
		for i := 0; i < n; i++ {
			ch, _, desc, ok := e.Next()
			if !ok {
				break
			}
			ex := Execute(scn, Config{Chooser: ch, Mode: model.Relaxed})
			if v := verdictOf(ex, Race, ""); v != nil {
				t.Fatalf("%s %s: %s\n%s", scn.Name, desc, v.Summary, v.Details)
			}
			for _, k := range ex.KnownAccesses() {
				if !reCLine.MatchString(k) {
					t.Fatalf("known access without a C line: %s", k)
				}
				known[k[:strings.Index(k, ")")+1]] = true
			}
		}
	}
	if len(known) == 0 {
		t.Fatal("no known unlocked access seen: the marks are not reached")
	}
	for k := range known {
		t.Log(k)
	}
}

// TestLocksetOffGivesNoRace: with the checker off the same execution
// carries no lockset report.
func TestLocksetOffGivesNoRace(t *testing.T) {
	scn := Named()[0]
	e := &Explorer{Kind: PCT, Seed: 1, Depth: 3}
	ch, _, _, _ := e.Next()
	ex := Execute(scn, Config{Chooser: ch, Mode: model.Relaxed, NoLockset: true})
	if len(ex.Run.Races)+len(ex.Run.KnownAccesses) != 0 {
		t.Fatalf("lockset reports with the checker off: %v %v", ex.Run.Races, ex.Run.KnownAccesses)
	}
	ex = Execute(scn, Config{Chooser: kern.NewPCT(1, 3, 400), Mode: model.Relaxed})
	if len(ex.KnownAccesses()) == 0 {
		t.Fatal("with the checker on, the known accesses of if_clone_detach/ifc_link_ifp should be reported")
	}
}

// BenchmarkLocksetOverhead runs BenchmarkExecutionSequential's executions
// in pairs, lockset checking off then on, in one loop, so that the load of
// a shared machine weighs on both alike; it reports both rates and the
// on/off ratio of executions per second.
func BenchmarkLocksetOverhead(b *testing.B) {
	var off, on time.Duration
	for i := 0; i < b.N; i++ {
		scn := StandardScenario(uint64(i % 64))
		t0 := time.Now()
		Execute(scn, Config{Chooser: kern.NewPCT(uint64(i), 3, 400), Mode: model.Relaxed, NoLockset: true})
		t1 := time.Now()
		Execute(scn, Config{Chooser: kern.NewPCT(uint64(i), 3, 400), Mode: model.Relaxed})
		off += t1.Sub(t0)
		on += time.Since(t1)
	}
	b.ReportMetric(float64(b.N)/off.Seconds(), "off-executions/s")
	b.ReportMetric(float64(b.N)/on.Seconds(), "on-executions/s")
	b.ReportMetric(off.Seconds()/on.Seconds(), "on/off")
}
