/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench.c: the userland driver's op mix (subr_unit.c main) at count 10000,
 * timed; randomness precomputed outside the timed loop. Prints ns per unr
 * call (alloc_unr / alloc_unr_specific / free_unr) with and without the
 * driver's check_unrhdr after every op.
 */
#include "common.h"

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e9 + ts.tv_nsec);
}

static long
run(int check, long count, long reps, u_int *ri, int *rc, long *calls)
{
	struct unrhdr *uh;
	char *a = calloc(count, 1);
	long m, n = 0;
	u_int i;
	int j;

	uh = new_unrhdr(0, count - 1, NULL);
	for (m = 0; m < count * reps; m++) {
		i = ri[m];
		if (rc[m]) {
			if (a[i]) {
				free_unr(uh, i); n++;
				a[i] = 0;
			} else {
				j = alloc_unr(uh); n++;
				if (j != -1)
					a[j] = 1;
			}
		} else {
			j = alloc_unr_specific(uh, i); n++;
			if (j == -1) {
				a[i] = 0;
				free_unr(uh, i); n++;
			} else
				a[i] = 1;
		}
		if (check)
			check_unrhdr(uh, __LINE__);
	}
	for (i = 0; i < (u_int)count; i++)
		if (a[i]) {
			free_unr(uh, i); n++;
		}
	delete_unrhdr(uh);
	free(a);
	*calls = n;
	return (n);
}

/* Chunk counts of the three memory scenarios of BenchmarkMUnitBytes. */
static void
mem(void)
{
	struct unrhdr *uh;
	u_int n, i, j, t, *perm;
	u_int sizes[] = { 1000, 10000, 100000 };
	int k;

	for (k = 0; k < 3; k++) {
		n = sizes[k];
		uh = new_unrhdr(0, INT32_MAX, NULL);
		for (i = 0; i < n; i++)
			alloc_unr(uh);
		printf("run/%u chunks=%u bytes=%u\n", n, uh->alloc, uh->alloc * 32);
		clear_unrhdr(uh);
		for (i = 0; i < n; i += 2)
			alloc_unr_specific(uh, i);
		clean_unrhdr(uh);
		printf("everyother/%u chunks=%u bytes=%u\n", n, uh->alloc, uh->alloc * 32);
		clear_unrhdr(uh);
		delete_unrhdr(uh);
	}
	n = 10000;
	perm = malloc(n * sizeof(*perm));
	for (i = 0; i < n; i++)
		perm[i] = i;
	sm_state = 99;
	for (i = n - 1; i > 0; i--) {
		j = sm_uniform(i + 1);
		t = perm[i]; perm[i] = perm[j]; perm[j] = t;
	}
	uh = new_unrhdr(0, n - 1, NULL);
	for (i = 0; i < n / 2; i++)
		alloc_unr_specific(uh, perm[i]);
	clean_unrhdr(uh);
	printf("random50/%u chunks=%u bytes=%u busy=%u\n", n, uh->alloc, uh->alloc * 32, uh->busy);
	clear_unrhdr(uh);
	delete_unrhdr(uh);
	free(perm);
}

/* The C side of BenchmarkAllocUnrRun and BenchmarkFreeUnrBitmap. */
static void
micro(void)
{
	struct unrhdr *uh;
	long m, iters = 20000000, done;
	double t0, tt;
	u_int i, j;

	uh = new_unrhdr(0, INT32_MAX, NULL);
	t0 = now();
	for (m = 0; m < iters; m++)
		alloc_unr(uh);
	printf("alloc_unr, unbroken run: %.1f ns/op\n", (now() - t0) / iters);
	clear_unrhdr(uh);
	delete_unrhdr(uh);

	uh = new_unrhdr(0, 9999, NULL);
	for (i = 0; i < 10000; i += 2)
		alloc_unr_specific(uh, i);
	clean_unrhdr(uh);
	tt = 0;
	for (done = 0; done < 2000000;) {
		t0 = now();
		for (i = 0; i < 10000; i += 4) {
			free_unr(uh, i);
			done++;
		}
		tt += now() - t0;
		for (j = 0; j < 10000; j += 4)
			alloc_unr_specific(uh, j);
		clean_unrhdr(uh);
	}
	printf("free_unr in bitmaps: %.1f ns/op\n", tt / done);
	for (i = 0; i < 10000; i += 2)
		free_unr(uh, i);
	delete_unrhdr(uh);
}

int
main(int argc, char **argv)
{
	long count = 10000, reps = argc > 1 ? atol(argv[1]) : 10, m, calls;
	int rounds = argc > 2 ? atoi(argv[2]) : 5, r, check;
	u_int *ri = malloc(sizeof(u_int) * count * reps);
	int *rc = malloc(sizeof(int) * count * reps);
	double t0, best[2] = {1e99, 1e99};

	if (argc > 1 && strcmp(argv[1], "micro") == 0) {
		micro();
		return (0);
	}
	if (argc > 1 && strcmp(argv[1], "mem") == 0) {
		mem();
		return (0);
	}

	sm_state = 42;
	for (m = 0; m < count * reps; m++) {
		ri[m] = sm_uniform(count);
		rc[m] = sm_next() & 1;
	}
	for (r = 0; r < rounds; r++)
		for (check = 1; check >= 0; check--) {
			t0 = now();
			run(check, count, reps, ri, rc, &calls);
			t0 = (now() - t0) / calls;
			if (t0 < best[check])
				best[check] = t0;
		}
	printf("count=%ld reps=%ld unr calls/run=%ld\n", count, reps, calls);
	printf("with check after every op: %.0f ns/call (best of %d)\n", best[1], rounds);
	printf("without driver check:      %.0f ns/call (best of %d)\n", best[0], rounds);
	return (0);
}
