// SPDX-License-Identifier: BSD-2-Clause

// Package mix holds the 64-bit mixing function kcheck's hashes share.
package mix

// Mix64 is splitmix64's finaliser: every input bit moves every output
// bit, so that sums and chains of mixed words rarely meet by accident.
func Mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
