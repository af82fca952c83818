// SPDX-License-Identifier: BSD-3-Clause
//
// The subset of sys/sys/bitstring.h (FreeBSD 14) that subr_unit.c uses.
// Copyright (c) 1989, 1993 The Regents of the University of California
// (code contributed by Paul Vixie) and (c) 2014 Spectra Logic Corporation.
//
// A bit string is a slice of bitstr words (unsigned long: 64 bits on
// amd64); bit n lives in word n/64 at position n%64. Ranges given as
// (start, stop) are inclusive, as in the C. The helpers take ints like
// the C inline functions; callers convert from u_int exactly where the C
// converts implicitly.

package unrhdr

import "math/bits"

// bitstr is bitstr_t, the word type of a bit string: unsigned long on amd64.
type bitstr = uint64

const (
	_BITSTR_MASK = ^bitstr(0)
	_BITSTR_BITS = 64 // sizeof(bitstr) * 8
)

// bitIdx is _bit_idx (bitstring.h). The index of the word holding bit n.
// The C's int argument is divided by _BITSTR_BITS, a size_t, so the
// division is unsigned (and a single shift); so is this one. No caller in
// subr_unit.c passes a negative bit (there it would index outside the
// map; here the index is out of range).
func bitIdx(n int) int { return int(uint(n) / _BITSTR_BITS) }

// bitOffset is _bit_offset (bitstring.h). The position of bit n inside its
// word (unsigned, as bitIdx).
func bitOffset(n int) int { return int(uint(n) % _BITSTR_BITS) }

// bitMask is _bit_mask (bitstring.h). It has only bit n's position set.
func bitMask(n int) bitstr { return 1 << uint(bitOffset(n)) }

// bitMakeMask is _bit_make_mask (bitstring.h). It covers positions start..stop (inclusive) of one word.
func bitMakeMask(start, stop int) bitstr {
	return (_BITSTR_MASK << uint(bitOffset(start))) &
		(_BITSTR_MASK >> uint(_BITSTR_BITS-bitOffset(stop)-1))
}

// ffsl is ffsl(3): one plus the index of the lowest set bit, 0 for 0.
func ffsl(x bitstr) int {
	if x == 0 {
		return 0
	}
	return bits.TrailingZeros64(x) + 1
}

// bitTest is bit_test (bitstring.h). It reports whether bit n is set (1) or not (0).
func bitTest(b []bitstr, n int) int {
	if b[bitIdx(n)]&bitMask(n) != 0 {
		return 1
	}
	return 0
}

// bitSet is bit_set (bitstring.h). It sets bit n.
func bitSet(b []bitstr, n int) { b[bitIdx(n)] |= bitMask(n) }

// bitClear is bit_clear (bitstring.h). It clears bit n.
func bitClear(b []bitstr, n int) { b[bitIdx(n)] &^= bitMask(n) }

// bitNset is bit_nset (bitstring.h). It sets bits start..stop inclusive, word at a time.
func bitNset(b []bitstr, start, stop int) {
	cur := bitIdx(start)
	stopw := bitIdx(stop)
	if cur == stopw {
		b[cur] |= bitMakeMask(start, stop)
		return
	}
	if bitOffset(start) != 0 {
		b[cur] |= bitMakeMask(start, _BITSTR_BITS-1)
		cur++
	}
	if bitOffset(stop) == _BITSTR_BITS-1 {
		stopw++
	}
	for cur < stopw {
		b[cur] = _BITSTR_MASK
		cur++
	}
	if bitOffset(stop) != _BITSTR_BITS-1 {
		b[stopw] |= bitMakeMask(0, stop)
	}
}

// bitNclear is bit_nclear (bitstring.h). It clears bits start..stop inclusive, word at a time.
func bitNclear(b []bitstr, start, stop int) {
	cur := bitIdx(start)
	stopw := bitIdx(stop)
	if cur == stopw {
		b[cur] &^= bitMakeMask(start, stop)
		return
	}
	if bitOffset(start) != 0 {
		b[cur] &^= bitMakeMask(start, _BITSTR_BITS-1)
		cur++
	}
	if bitOffset(stop) == _BITSTR_BITS-1 {
		stopw++
	}
	for cur < stopw {
		b[cur] = 0
		cur++
	}
	if bitOffset(stop) != _BITSTR_BITS-1 {
		b[stopw] &^= bitMakeMask(0, stop)
	}
}

// bitFfAt is bit_ff_at (bitstring.h). It stores in *result the first bit at or after start, below
// nbits, that equals match, or -1.
func bitFfAt(b []bitstr, start, nbits int, match int, result *int) {
	if start >= nbits || nbits <= 0 {
		*result = -1
		return
	}
	cur := bitIdx(start)
	stopw := bitIdx(nbits - 1)
	var mask bitstr
	if match == 0 {
		mask = _BITSTR_MASK
	}
	test := mask ^ b[cur]
	if bitOffset(start) != 0 {
		test &= bitMakeMask(start, _BITSTR_BITS-1)
	}
	for test == 0 && cur < stopw {
		cur++
		test = mask ^ b[cur]
	}
	value := cur*_BITSTR_BITS + ffsl(test) - 1
	if test == 0 || (bitOffset(nbits) != 0 && value >= nbits) {
		value = -1
	}
	*result = value
}

// bitFfs is bit_ffs (bitstring.h). It finds the first set bit below nbits (-1 if none).
func bitFfs(b []bitstr, nbits int, result *int) { bitFfAt(b, 0, nbits, 1, result) }

// bitFfc is bit_ffc (bitstring.h). It finds the first clear bit below nbits (-1 if none).
func bitFfc(b []bitstr, nbits int, result *int) { bitFfAt(b, 0, nbits, 0, result) }

// bitCount is bit_count (bitstring.h). It stores in *result the number of set bits in [start, nbits).
func bitCount(b []bitstr, start, nbits int, result *int) {
	value := 0
	if start == 0 && nbits > 0 {
		// The only case subr_unit.c uses: whole words, then a masked tail.
		// Same result as the general loop below, fewer steps.
		full := nbits / _BITSTR_BITS
		for _, w := range b[:full] {
			value += bits.OnesCount64(w)
		}
		if r := nbits % _BITSTR_BITS; r != 0 {
			value += bits.OnesCount64(b[full] & (_BITSTR_MASK >> uint(_BITSTR_BITS-r)))
		}
	} else if start < nbits {
		cur := bitIdx(start)
		nbits -= _BITSTR_BITS * bitIdx(start)
		start -= _BITSTR_BITS * bitIdx(start)
		if start > 0 {
			l := nbits
			if _BITSTR_BITS < nbits {
				l = _BITSTR_BITS
			}
			mask := bitMakeMask(start, bitOffset(l-1))
			value += bits.OnesCount64(b[cur] & mask)
			cur++
			nbits -= _BITSTR_BITS
		}
		for nbits >= _BITSTR_BITS {
			value += bits.OnesCount64(b[cur])
			cur++
			nbits -= _BITSTR_BITS
		}
		if nbits > 0 {
			mask := bitMakeMask(0, bitOffset(nbits-1))
			value += bits.OnesCount64(b[cur] & mask)
		}
	}
	*result = value
}
