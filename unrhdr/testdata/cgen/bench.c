/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench.c: the userland driver's op mix (subr_unit.c main) at count 10000,
 * timed; randomness precomputed outside the timed loop. Prints ns per unr
 * call (alloc_unr / alloc_unr_specific / free_unr) with and without the
 * driver's check_unrhdr after every op. "short" times the short-list mix
 * (units 5..300; see shortOps in ../../driver_test.go for the definition).
 * Each mix prints one line of key=value figures (the median and the best
 * of its runs, wall-clock and process CPU time per call), the format
 * c_bench.txt keeps and unrhdr.CReference parses.
 */
#include "common.h"

static double
clock_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (ts.tv_sec * 1e9 + ts.tv_nsec);
}

static double
now(void)
{
	return (clock_ns(CLOCK_MONOTONIC));
}

static double
cpu_now(void)
{
	return (clock_ns(CLOCK_PROCESS_CPUTIME_ID));
}

#define MAXRUNS	101

/* Per-call times of the runs of one mix: wall clock and process CPU. */
struct timing {
	double	wall[MAXRUNS], cpu[MAXRUNS];
	int	n;
};

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

static double
median(double *v, int n)
{
	qsort(v, n, sizeof(*v), dcmp);
	return (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

static double
mean(double *v, int n)
{
	double s = 0;
	int i;

	for (i = 0; i < n; i++)
		s += v[i];
	return (s / n);
}

static void
report(const char *mix, struct timing *t, long calls)
{
	double wa = mean(t->wall, t->n), ca = mean(t->cpu, t->n);
	double wm = median(t->wall, t->n), wb = t->wall[0];
	double cm = median(t->cpu, t->n), cb = t->cpu[0];

	printf("mix=%s calls=%ld runs=%d wall_median_ns=%.1f wall_best_ns=%.1f "
	    "wall_mean_ns=%.1f cpu_median_ns=%.1f cpu_best_ns=%.1f "
	    "cpu_mean_ns=%.1f\n", mix, calls, t->n, wm, wb, wa, cm, cb, ca);
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

/*
 * The short-list mix: units 5..300, 100000 ops from splitmix64 seeded 7.
 * Per op r = sm_uniform(100): r < 40 alloc_unr; r < 65 alloc_unr_specific
 * of a random unit (nothing more when it is taken); r < 95 free_unr of a
 * random held unit (no call when none is held); else the driver's op on a
 * random unit (test_alloc_unr or test_alloc_unr_specific by a coin). The
 * held units are kept in a dense array (swap-remove), so picking one costs
 * the same in C and Go. Then every held unit is freed.
 */
#define SHORT_LOW	5
#define SHORT_HIGH	300
#define SHORT_N		(SHORT_HIGH - SHORT_LOW + 1)
#define SHORT_OPS	100000

static u_int held[SHORT_N], pos[SHORT_N], nheld;

static void
hold(u_int u)
{
	pos[u - SHORT_LOW] = nheld;
	held[nheld++] = u;
}

static void
unhold(u_int u)
{
	u_int p = pos[u - SHORT_LOW], v = held[--nheld];

	held[p] = v;
	pos[v - SHORT_LOW] = p;
}

static long
run_short(int check, u_int *sk, u_int *sx, u_int *sc)
{
	struct unrhdr *uh;
	char a[SHORT_N] = { 0 };
	long m, n = 0;
	u_int i;
	int j;

	nheld = 0;
	uh = new_unrhdr(SHORT_LOW, SHORT_HIGH, NULL);
	for (m = 0; m < SHORT_OPS; m++) {
		if (sk[m] < 40) {
			j = alloc_unr(uh); n++;
			if (j != -1) {
				a[j - SHORT_LOW] = 1;
				hold(j);
			}
		} else if (sk[m] < 65) {
			i = SHORT_LOW + sx[m] % SHORT_N;
			j = alloc_unr_specific(uh, i); n++;
			if (j != -1) {
				a[i - SHORT_LOW] = 1;
				hold(i);
			}
		} else if (sk[m] < 95) {
			if (nheld > 0) {
				i = held[sx[m] % nheld];
				free_unr(uh, i); n++;
				a[i - SHORT_LOW] = 0;
				unhold(i);
			}
		} else {
			i = SHORT_LOW + sx[m] % SHORT_N;
			if (sc[m]) {
				if (a[i - SHORT_LOW]) {
					free_unr(uh, i); n++;
					a[i - SHORT_LOW] = 0;
					unhold(i);
				} else {
					j = alloc_unr(uh); n++;
					if (j != -1) {
						a[j - SHORT_LOW] = 1;
						hold(j);
					}
				}
			} else {
				j = alloc_unr_specific(uh, i); n++;
				if (j == -1) {
					a[i - SHORT_LOW] = 0;
					unhold(i);
					free_unr(uh, i); n++;
				} else {
					a[i - SHORT_LOW] = 1;
					hold(i);
				}
			}
		}
		if (check)
			check_unrhdr(uh, __LINE__);
	}
	for (i = 0; i < SHORT_N; i++)
		if (a[i]) {
			free_unr(uh, SHORT_LOW + i); n++;
		}
	delete_unrhdr(uh);
	return (n);
}

static void
short_mix(int rounds)
{
	u_int *sk = malloc(sizeof(u_int) * SHORT_OPS);
	u_int *sx = malloc(sizeof(u_int) * SHORT_OPS);
	u_int *sc = malloc(sizeof(u_int) * SHORT_OPS);
	struct timing t[2] = {{ .n = 0 }, { .n = 0 }};
	double w0, c0;
	long m, calls = 0;
	int r, check;

	if (rounds > MAXRUNS)
		rounds = MAXRUNS;
	sm_state = 7;
	for (m = 0; m < SHORT_OPS; m++) {
		sk[m] = sm_uniform(100);
		sx[m] = (u_int)sm_next();
		sc[m] = sm_next() & 1;
	}
	for (r = 0; r < rounds; r++)
		for (check = 1; check >= 0; check--) {
			w0 = now();
			c0 = cpu_now();
			calls = run_short(check, sk, sx, sc);
			t[check].cpu[t[check].n] = (cpu_now() - c0) / calls;
			t[check].wall[t[check].n++] = (now() - w0) / calls;
		}
	report("short-check", &t[1], calls);
	report("short-nocheck", &t[0], calls);
}

int
main(int argc, char **argv)
{
	long count = 10000, reps = argc > 1 ? atol(argv[1]) : 10, m, calls = 0;
	int rounds = argc > 2 ? atoi(argv[2]) : 5, r, check;
	u_int *ri = malloc(sizeof(u_int) * count * reps);
	int *rc = malloc(sizeof(int) * count * reps);
	struct timing t[2] = {{ .n = 0 }, { .n = 0 }};
	double w0, c0;

	if (argc > 1 && strcmp(argv[1], "micro") == 0) {
		micro();
		return (0);
	}
	if (argc > 1 && strcmp(argv[1], "short") == 0) {
		short_mix(argc > 2 ? atoi(argv[2]) : 20);
		return (0);
	}
	if (argc > 1 && strcmp(argv[1], "mem") == 0) {
		mem();
		return (0);
	}

	if (rounds > MAXRUNS)
		rounds = MAXRUNS;
	sm_state = 42;
	for (m = 0; m < count * reps; m++) {
		ri[m] = sm_uniform(count);
		rc[m] = sm_next() & 1;
	}
	for (r = 0; r < rounds; r++)
		for (check = 1; check >= 0; check--) {
			w0 = now();
			c0 = cpu_now();
			run(check, count, reps, ri, rc, &calls);
			t[check].cpu[t[check].n] = (cpu_now() - c0) / calls;
			t[check].wall[t[check].n++] = (now() - w0) / calls;
		}
	report("check", &t[1], calls);
	report("nocheck", &t[0], calls);
	return (0);
}
