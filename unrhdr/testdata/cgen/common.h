/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared helpers for gen.c / bench.c: include the unmodified subr_unit.c. */
#define main unr_c_main
#include "subr_unit.c"
#undef main
#include <stdint.h>
#include <time.h>

/* splitmix64: same generator in the Go tests (unrhdr/helpers_test.go). */
static uint64_t sm_state;
static uint64_t
sm_next(void)
{
	uint64_t z = (sm_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}
static uint32_t
sm_uniform(uint32_t n)
{
	return ((uint32_t)(sm_next() % n));
}
