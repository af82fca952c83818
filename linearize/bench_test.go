// SPDX-License-Identifier: BSD-2-Clause

package linearize

import (
	"fmt"
	"math/rand"
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
// operations, partitioned, in under 2 s.
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
					r := Check(sp, h, Options{Timeout: 5 * time.Minute, NoPartition: whole})
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
				if r := Check(sp, h, Options{Timeout: 5 * time.Minute}); r.Verdict != Ok {
					b.Fatalf("%s", r)
				}
			}
		})
	}
}
