#!/bin/sh
# Regenerates ../c_trace.txt and c_bench.txt (the C's figures that kcheck
# bench compares the port with) and prints the other C benchmark figures.
# Needs subr_unit.c from freebsd-src (sys/kern/subr_unit.c, commit
# 337f05dd3fec90b8b5d67220a98a56142da09b04, 23951 bytes, sha256
# 7f3f0fd270f0e984157012e2648719ea4daefcacc9c6682546801c31790d29d2)
# copied unmodified into this directory; it is not part of kcheck.
set -eu
cd "$(dirname "$0")"
test -f subr_unit.c || { echo "put FreeBSD's subr_unit.c here first" >&2; exit 2; }
echo "7f3f0fd270f0e984157012e2648719ea4daefcacc9c6682546801c31790d29d2  subr_unit.c" | sha256sum -c -
out=${TMPDIR:-/tmp}/unrhdr-cgen
mkdir -p "$out"
CFLAGS="-O2 -D_GNU_SOURCE -Iinc -Wno-unused-function -Wno-unused-variable"
cc $CFLAGS -o "$out/gen" gen.c
cc $CFLAGS -o "$out/bench" bench.c
"$out/gen" > ../c_trace.txt
{
	echo "# The C's figures for kcheck bench's unrhdr mixes: FreeBSD sys/kern/subr_unit.c at"
	echo "# 337f05dd3fec (sha256 7f3f0fd2...), userland mode, bench.c; written by gen.sh."
	echo "# ns per unr call over each mix's runs; cpu = CLOCK_PROCESS_CPUTIME_ID."
	echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
	echo "machine=$(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1), $(uname -srm)"
	echo "compiler=$(cc --version | head -n 1) $CFLAGS"
	echo "load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
	"$out/bench" 10 5
	"$out/bench" short 20
} > c_bench.txt.new
mv c_bench.txt.new c_bench.txt
cat c_bench.txt
"$out/bench" micro
"$out/bench" mem
