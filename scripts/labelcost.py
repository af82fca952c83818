#!/usr/bin/env python3
"""Interleaved measurement of the labelling's cost in `kcheck run --time T`.

Usage: labelcost.py KCHECK T REPS OUT.json [SEED] (run in the source tree,
or set KC_TREE). Per repetition r: off(S_r) [--labels=false], cold(S_r)
[--label-reuse=false: no class label recalled, no DFS answer reused],
off(W_r), warm(W_r) [default: class labels of earlier campaigns reused].
Labelled runs use the default budget (10% of T, labelling during and after
the executions); failures it does not reach are pending (UNLABELLED).

Per pair (off, labelled) on one seed it reports: the throughput overhead
during the budget (executions per second of the executions' wall time,
elapsed_sec), the overhead over the whole process (executions per wall
second, labelling after the executions and bundle writing included), per
CPU-second (the process and its children: workers and fix runners),
labelling/T (busy during + after, over T), the wall time after T, and the
failures left pending."""
import json, resource, subprocess, sys, time, statistics, os

kc, T, reps, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
base = int(sys.argv[5]) if len(sys.argv) > 5 else 1000003
rows = []
def run(tag, seed, extra):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    p = subprocess.run(cwd=os.environ.get('KC_TREE', '.'), args=[kc, 'run', '--time', T, '--seed', str(seed), '--json', '--out', f'/tmp/lc-{tag}-{seed}'] + extra,
                       capture_output=True, text=True)
    wall = time.time() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    s = json.loads(p.stdout)
    row = dict(tag=tag, seed=seed, execs=s['executions'], elapsed=s['elapsed_sec'], wall=wall, cpu=cpu,
               label_during=s.get('label_during_sec', 0.0), label_after=s.get('label_sec', 0.0),
               budget=s.get('label_budget_sec', 0.0), pending=s.get('label_pending', 0), failures=sum(v for k, v in s['verdicts'].items() if k != 'Pass'),
               work=s.get('label_work'), new=s.get('new', 0), unl=s.get('unlabelled', 0))
    rows.append(row)
    print(json.dumps(row), flush=True)
for r in range(reps):
    S, W = base * (r + 1), base * (r + 1) + 500000
    run('off', S, ['--labels=false'])
    run('cold', S, ['--label-reuse=false'])
    run('off', W, ['--labels=false'])
    run('warm', W, [])
json.dump(rows, open(out, 'w'), indent=1)
def rate(x): return x['execs'] / x['elapsed']
def thr(x): return x['execs'] / x['wall']
def eff(x): return x['execs'] / x['cpu']
for tag in ('cold', 'warm'):
    pairs = [(a, b) for a, b in zip(rows, rows[1:]) if a['tag'] == 'off' and b['tag'] == tag]
    od = [100 * (1 - rate(b) / rate(a)) for a, b in pairs]
    ow = [100 * (1 - thr(b) / thr(a)) for a, b in pairs]
    oc = [100 * (1 - eff(b) / eff(a)) for a, b in pairs]
    ls = [100 * (b['label_during'] + b['label_after']) / b['elapsed'] for a, b in pairs]
    aft = [b['wall'] - a['wall'] for a, b in pairs]
    pend = [f"{b['pending']}/{b['failures']}" for a, b in pairs]
    print(f"{tag}: overhead (execs/s during T) {['%.1f' % x for x in od]} median {statistics.median(od):.1f}%; "
          f"overhead (execs/wall-s) {['%.1f' % x for x in ow]} median {statistics.median(ow):.1f}%; "
          f"overhead (execs/CPU-s, workers and runners included) {['%.1f' % x for x in oc]} median {statistics.median(oc):.1f}%; "
          f"labelling/T {['%.1f' % x for x in ls]} median {statistics.median(ls):.1f}%; "
          f"wall after T vs off (s) {['%.2f' % x for x in aft]}; pending/failures {pend}")
