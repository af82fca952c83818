// SPDX-License-Identifier: BSD-2-Clause

package unrhdr

import (
	"math/rand/v2"
	"testing"
)

// The bit string helpers against the obvious bit-by-bit definitions, on
// random 4-word maps (the size of a struct unrb) and every start, stop
// and nbits in range: the word-at-a-time versions (and their fast paths)
// must give the same answers.
func TestBitstringAgainstBitByBit(t *testing.T) {
	const nb = NBITS
	rng := rand.New(rand.NewPCG(1, 2))
	get := func(m []bitstr, i int) bool { return m[i/64]>>(i%64)&1 != 0 }
	for round := 0; round < 40; round++ {
		var m [nb / 64]bitstr
		for i := range m {
			switch round % 4 {
			case 0:
				m[i] = rng.Uint64()
			case 1:
				m[i] = ^bitstr(0) &^ (1 << rng.IntN(64))
			case 2:
				m[i] = 1 << rng.IntN(64)
			}
		}
		for nbits := 0; nbits <= nb; nbits++ {
			for _, match := range []int{0, 1} {
				for start := 0; start <= nbits; start += 1 + start/16 {
					want := -1
					for i := start; i < nbits; i++ {
						if get(m[:], i) == (match == 1) {
							want = i
							break
						}
					}
					got := 7
					bitFfAt(m[:], start, nbits, match, &got)
					if got != want {
						t.Fatalf("bit_ff_at(%x, %d, %d, %d) = %d, want %d", m, start, nbits, match, got, want)
					}
				}
			}
			for start := 0; start <= nbits; start += 1 + start/16 {
				want := 0
				for i := start; i < nbits; i++ {
					if get(m[:], i) {
						want++
					}
				}
				got := -1
				bitCount(m[:], start, nbits, &got)
				if got != want {
					t.Fatalf("bit_count(%x, %d, %d) = %d, want %d", m, start, nbits, got, want)
				}
			}
		}
		for start := 0; start < nb; start += 1 + rng.IntN(9) {
			for stop := start; stop < nb; stop += 1 + rng.IntN(9) {
				s, c := m, m
				bitNset(s[:], start, stop)
				bitNclear(c[:], start, stop)
				for i := 0; i < nb; i++ {
					in := i >= start && i <= stop
					if get(s[:], i) != (in || get(m[:], i)) || get(c[:], i) != (!in && get(m[:], i)) {
						t.Fatalf("bit_nset/bit_nclear(%x, %d, %d) wrong at bit %d", m, start, stop, i)
					}
				}
			}
		}
	}
}
