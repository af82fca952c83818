/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gen.c: replays op sequences against the unmodified FreeBSD subr_unit.c
 * (userland mode) and prints, after every op, the return value, busy,
 * alloc, first, last and an FNV-1a 64 hash of the run list.
 */
#include "common.h"

static uint64_t
shape_hash(struct unrhdr *uh)
{
	struct unr *up;
	struct unrb *ub;
	char buf[64];
	uint64_t h = 0xcbf29ce484222325ULL;
	u_int x;
	const char *s;
#define H(c) do { h ^= (unsigned char)(c); h *= 0x100000001b3ULL; } while (0)
	TAILQ_FOREACH(up, &uh->head, list) {
		if (up->ptr == NULL)
			snprintf(buf, sizeof buf, "f%u;", up->len);
		else if (up->ptr == uh)
			snprintf(buf, sizeof buf, "a%u;", up->len);
		else
			snprintf(buf, sizeof buf, "b%u:", up->len);
		for (s = buf; *s; s++)
			H(*s);
		if (is_bitmap(uh, up)) {
			ub = up->ptr;
			for (x = 0; x < up->len; x++)
				H(bit_test(ub->map, x) ? '1' : '0');
			H(';');
		}
	}
	return (h);
}

static struct unrhdr *uh;

static void
state(int r)
{
	check_unrhdr(uh, __LINE__);
	printf(" %d %u %u %u %u %016llx\n", r, uh->busy, uh->alloc, uh->first,
	    uh->last, (unsigned long long)shape_hash(uh));
}

static void op_new(int low, int high) { uh = new_unrhdr(low, high, NULL); printf("N %d %d", low, high); state(0); }
static void op_a(void) { int r = alloc_unr(uh); printf("A"); state(r); }
static void op_s(u_int i) { int r = alloc_unr_specific(uh, i); printf("S %u", i); state(r); }
static void op_f(u_int i) { free_unr(uh, i); printf("F %u", i); state(0); }
static void op_x(void) { clear_unrhdr(uh); printf("X"); state(0); }
static void op_d(void) { delete_unrhdr(uh); uh = NULL; printf("D\n"); }

/* The userland driver's loop (subr_unit.c main), deterministic PRNG. */
static void
driver(const char *name, int low, long count, long ops, uint64_t seed)
{
	char *a = calloc(count, 1);
	long m;
	u_int i;
	int j;

	printf("# %s: driver low=%d count=%ld ops=%ld seed=%llu\n", name, low,
	    count, ops, (unsigned long long)seed);
	sm_state = seed;
	op_new(low, low + count - 1);
	for (m = 0; m < ops; m++) {
		i = sm_uniform(count);
		if (sm_next() & 1) {
			if (a[i]) {
				op_f(low + i);
				a[i] = 0;
			} else {
				j = alloc_unr(uh);
				printf("A");
				state(j);
				if (j != -1)
					a[j - low] = 1;
			}
		} else {
			j = alloc_unr_specific(uh, low + i);
			printf("S %u", low + i);
			state(j);
			if (j == -1) {
				op_f(low + i);
				a[i] = 0;
			} else
				a[i] = 1;
		}
	}
	for (i = 0; i < (u_int)count; i++)
		if (a[i])
			op_f(low + i);
	op_d();
	free(a);
}

int
main(void)
{
	int k;

	setbuf(stdout, NULL);
	printf("# small: sequential alloc, holes, out of range, taken, full, free all\n");
	op_new(0, 9);
	for (k = 0; k < 3; k++) op_a();
	op_f(1); op_s(12); op_s(0); op_s(5); op_s(5); op_s(2);
	for (k = 0; k < 8; k++) op_a();
	op_f(0); op_f(2); op_f(9);
	for (k = 3; k < 9; k++) op_f(k);
	op_f(1);
	op_d();

	printf("# buglast: alloc_unr_specific with an empty list and first > 0 overstates last\n");
	op_new(0, 9);
	for (k = 0; k < 3; k++) op_a();
	op_s(9);
	for (k = 0; k < 9; k++) op_a();
	op_x();
	op_d();

	printf("# low: nonzero low, specific below first and at high\n");
	op_new(100, 163);
	op_s(99); op_s(164); op_s(163); op_s(100); op_s(101); op_a(); op_s(130);
	op_f(101); op_a(); op_f(163); op_f(100); op_f(101); op_f(102); op_f(130);
	op_d();

	printf("# single: low == high\n");
	op_new(7, 7);
	op_a(); op_a(); op_s(7); op_f(7); op_s(7); op_s(7); op_f(7); op_d();

	printf("# everyother: specific even units up to 1200, then odd, free\n");
	op_new(0, 1999);
	for (k = 0; k < 1200; k += 2) op_s(k);
	for (k = 0; k < 40; k++) op_a();
	for (k = 0; k < 1200; k += 4) op_f(k);
	for (k = 0; k < 300; k++) op_a();
	op_x();
	for (k = 0; k < 20; k++) op_a();
	op_s(1000); op_s(600); op_s(1500); op_f(600);
	op_x();
	op_d();

	printf("# bitmapmerge: patterns that build, merge and dissolve bitmaps\n");
	op_new(0, 4095);
	for (k = 0; k < 2000; k += 3) op_s(k);
	for (k = 1; k < 2000; k += 7) op_s(k);
	for (k = 0; k < 2000; k += 3) op_f(k);
	for (k = 300; k < 700; k++) op_s(k);
	for (k = 0; k < 200; k++) op_a();
	op_x();
	op_d();

	printf("# bigrange: INT_MAX range\n");
	op_new(0, 2147483647);
	op_a(); op_s(2147483647); op_s(1000000000); op_a(); op_s(2147483646);
	op_f(2147483647); op_f(0); op_f(1000000000); op_f(1); op_f(2147483646);
	op_d();

	driver("drv100", 0, 100, 3000, 1);
	driver("drv1000low", 17, 1000, 4000, 2);
	driver("drv10000", 0, 10000, 6000, 3);
	return (0);
}
