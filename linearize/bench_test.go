// SPDX-License-Identifier: BSD-2-Clause

package linearize

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"kcheck/model"
)

var benchHistories = map[int]History{}

func benchHistory(n int) History {
	if h, ok := benchHistories[n]; ok {
		return h
	}
	h := generate(rand.New(rand.NewSource(int64(n))), model.New(model.Config{}), n, 8, familyPicker(families))
	benchHistories[n] = h
	return h
}

// BenchmarkCheckHistory measures porcupine's time against history length
// for an 8-thread workload over all cloner families (six partitions: vlan
// and epair form one), partitioned and checked whole. The goal: 100,000
// operations, partitioned, in under 2 s. The memory budget is off: these
// measure the checker itself (kcheck bench shows the budget at work).
func BenchmarkCheckHistory(b *testing.B) {
	sp := model.New(model.Config{})
	for _, n := range []int{100, 1000, 10000, 100000} {
		for _, whole := range []bool{false, true} {
			name := fmt.Sprintf("ops=%d/partitioned", n)
			if whole {
				name = fmt.Sprintf("ops=%d/whole", n)
			}
			b.Run(name, func(b *testing.B) {
				h := benchHistory(n)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					r := Check(sp, h, Options{Timeout: 5 * time.Minute, NoPartition: whole, MemoryBudget: -1})
					if r.Verdict != Ok {
						b.Fatalf("%s", r)
					}
					b.ReportMetric(float64(r.Partitions), "partitions")
				}
			})
		}
	}
}

// BenchmarkCheckHistoryRelaxed is the same workload under the Relaxed
// mode, which goes through porcupine's power-set construction.
func BenchmarkCheckHistoryRelaxed(b *testing.B) {
	sp := model.New(model.Config{Mode: model.Relaxed})
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("ops=%d/partitioned", n), func(b *testing.B) {
			h := benchHistory(n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if r := Check(sp, h, Options{Timeout: 5 * time.Minute, MemoryBudget: -1}); r.Verdict != Ok {
					b.Fatalf("%s", r)
				}
			}
		})
	}
}

// BenchmarkCheckMissedReturnOrder measures Check on small histories of the
// harness's standard benchmark scenario whose return order is not a
// linearization (testdata/missed; see TestMissedReturnOrder), with the
// timeout the harness gives Check: the linearizable ones, and the illegal
// ones, which porcupine must check. Each iteration checks the next
// history of the kind in turn.
func BenchmarkCheckMissedReturnOrder(b *testing.B) {
	sp := model.New(model.Config{Mode: model.Relaxed})
	for _, want := range []Verdict{Ok, Illegal} {
		b.Run(string(want), func(b *testing.B) {
			files, err := filepath.Glob(filepath.Join("testdata", "missed", "*_"+string(want)+".json"))
			if err != nil || len(files) == 0 {
				b.Fatalf("no %s histories in testdata/missed: %v", want, err)
			}
			hs := make([]History, len(files))
			for i, f := range files {
				hs[i] = readHistory(b, f)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if r := Check(sp, hs[i%len(hs)], Options{Timeout: 10 * time.Second}); r.Verdict != want {
					b.Fatalf("%s: %s", files[i%len(hs)], r)
				}
			}
		})
	}
}

func readHistory(t testing.TB, file string) History {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := ReadJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return h
}
