#!/bin/sh
# Interleaved comparison of the C and the port on the four mixes of
# BenchmarkDriverMix (check, nocheck, short-check, short-nocheck).
#
#   ./compare.sh ROUNDS NAME=TESTBINARY [NAME=TESTBINARY ...]
#
# Each TESTBINARY is an unrhdr test binary (go test -c -o FILE ./unrhdr).
# Every round runs the C bench and then each binary once, so that all of
# them see the same load; per round each process does the same work (the
# driver mix once, 10 reps of count 10,000; the short mix 10 times) and
# yields its mean per call. The table is the median over the rounds of
# those means, process CPU time and wall clock, and each binary's ratio
# to the C. Needs subr_unit.c here, as gen.sh does.
set -eu
cd "$(dirname "$0")"
test $# -ge 2 || { echo "usage: $0 ROUNDS NAME=TESTBINARY ..." >&2; exit 2; }
test -f subr_unit.c || { echo "put FreeBSD's subr_unit.c here first" >&2; exit 2; }
echo "7f3f0fd270f0e984157012e2648719ea4daefcacc9c6682546801c31790d29d2  subr_unit.c" | sha256sum -c - >/dev/null
rounds=$1
shift
out=${TMPDIR:-/tmp}/unrhdr-cgen
mkdir -p "$out"
cc -O2 -D_GNU_SOURCE -Iinc -Wno-unused-function -Wno-unused-variable -o "$out/bench" bench.c
raw=$out/compare.raw
: >"$raw"
r=0
while [ "$r" -lt "$rounds" ]; do
	"$out/bench" 10 1 | sed "s/^/C /" >>"$raw"
	"$out/bench" short 10 | sed "s/^/C /" >>"$raw"
	for nb in "$@"; do
		name=${nb%%=*}
		bin=${nb#*=}
		for spec in '^(check|nocheck)$ 1x' '^short 10x'; do
			"$bin" -test.run '^$' -test.bench "DriverMix/${spec% *}" \
			    -test.benchtime "${spec#* }" >"$out/go.out" 2>&1 ||
			    { cat "$out/go.out" >&2; echo "$name failed" >&2; exit 1; }
			awk -v n="$name" '/^BenchmarkDriverMix\// {
				split($1, a, "/"); sub(/-[0-9]+$/, "", a[2])
				for (i = 2; i < NF; i++) {
					if ($(i+1) == "ns/unr-call") w = $i
					if ($(i+1) == "cpu-ns/unr-call") c = $i
				}
				printf "%s mix=%s wall_mean_ns=%s cpu_mean_ns=%s\n", n, a[2], w, c
			}' "$out/go.out" >>"$raw"
		done
	done
	r=$((r + 1))
done
echo "rounds=$rounds $(date -u +%Y-%m-%dT%H:%MZ) load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
awk '
function med(s,   n, v, i, j, t) {
	n = split(s, v, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && v[j-1] + 0 > v[j] + 0; j--) {
			t = v[j]; v[j] = v[j-1]; v[j-1] = t
		}
	return n % 2 ? v[(n+1)/2] : (v[n/2] + v[n/2+1]) / 2
}
{
	impl = $1
	for (i = 2; i <= NF; i++) {
		split($i, kv, "=")
		f[kv[1]] = kv[2]
	}
	k = impl SUBSEP f["mix"]
	cpu[k] = cpu[k] " " f["cpu_mean_ns"]
	wall[k] = wall[k] " " f["wall_mean_ns"]
	if (!(impl in seen)) { seen[impl] = 1; order[++ni] = impl }
}
END {
	nm = split("check nocheck short-check short-nocheck", mixes, " ")
	printf "%-8s %-14s %10s %10s %9s %9s\n", "impl", "mix", "cpu ns", "wall ns", "cpu/C", "wall/C"
	for (m = 1; m <= nm; m++)
		for (i = 1; i <= ni; i++) {
			k = order[i] SUBSEP mixes[m]
			kc = "C" SUBSEP mixes[m]
			if (cpu[k] == "" || cpu[kc] == "") {
				printf "%-8s %-14s no figures\n", order[i], mixes[m]
				continue
			}
			c = med(cpu[k]); w = med(wall[k])
			printf "%-8s %-14s %10.1f %10.1f %8.2fx %8.2fx\n", order[i], mixes[m], c, w, c / med(cpu[kc]), w / med(wall[kc])
		}
}' "$raw"
