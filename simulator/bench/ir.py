"""Instruction counts of mitokit-sim builds on the same tree, under callgrind:
for changes too small for ab.py's CPU times on a machine whose speed varies by
20% from run to run. Instructions are exact and repeat from run to run; they
are not time (a cache miss costs no instruction), so a change to memory layout
or prefetching still needs ab.py. A benchmark script, not a test.

usage: /usr/bin/python3 ir.py [--levels 100,100,5] [--build sequential|concurrent] [--call-window N]
                              OLD_SIM [NEW_SIM ...]

Each binary runs twice under `valgrind --tool=callgrind`: the tree with no calls,
then with one posix.getpid call per leaf. The first run's count is the build
(process start, the invariant checks and teardown included); the difference is
the leaf calls. Prints one JSON object: per binary, both counts, instructions
per context, per leaf call and per hop, the event hash (a differing hash between
binaries is reported: the comparison assumes the same events), and each count
against the first binary's.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile

from sim_cmd import require_executables, simulate_command


def callgrind_run(exe, levels, calls, build, call_window):
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(['valgrind', '--tool=callgrind', '--callgrind-out-file=' + os.path.join(tmp, 'cg.out')] +
                             simulate_command(exe, levels, calls, build == 'sequential', call_window),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if out.returncode != 0:
        raise SystemExit(f'{exe} under callgrind exited {out.returncode}: {out.stderr.strip()[-400:]}')
    m = re.search(r'Collected : (\d+)', out.stderr)
    if not m:
        raise SystemExit(f'no instruction count in callgrind\'s output for {exe}')
    rep = json.loads(out.stdout)
    return int(m.group(1)), rep


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('sims', nargs='+', help='mitokit-sim binaries, the baseline first')
    ap.add_argument('--levels', default='100,100,5')
    ap.add_argument('--build', choices=('sequential', 'concurrent'), default='sequential')
    ap.add_argument('--call-window', type=int, default=0,
                    help="leaf calls the master keeps in flight (default 0: all at once); scale.py's 1M run uses 256")
    args = ap.parse_args()
    if not shutil.which('valgrind'):
        ap.error('valgrind is not installed (apt-get install valgrind)')
    if args.call_window < 0:
        ap.error(f'--call-window must not be negative, got {args.call_window}')
    require_executables(ap, args.sims)
    out = {'levels': args.levels, 'build': args.build, 'call_window': args.call_window, 'sims': {}}
    base = None
    for exe in args.sims:
        build_ir, rep0 = callgrind_run(exe, args.levels, 0, args.build, args.call_window)
        total_ir, rep1 = callgrind_run(exe, args.levels, 1, args.build, args.call_window)
        leaf_ir = total_ir - build_ir
        contexts = rep1['contexts']
        calls = rep1['calls']['started']
        hops_build = rep0['message_hops']
        hops_leaf = rep1['message_hops'] - hops_build
        s = {'build_instructions': build_ir, 'leaf_instructions': leaf_ir, 'total_instructions': total_ir,
             'per_context_built': build_ir / max(contexts - 1, 1), 'per_leaf_call': leaf_ir / max(calls, 1),
             'per_hop_build': build_ir / max(hops_build, 1), 'per_hop_leaf': leaf_ir / max(hops_leaf, 1),
             'per_hop': total_ir / max(rep1['message_hops'], 1), 'hops': rep1['message_hops'],
             'event_hash': rep1['event_hash'], 'event_hash_no_calls': rep0['event_hash']}
        if base is None:
            base = s
        else:
            for k in ('build_instructions', 'leaf_instructions', 'total_instructions'):
                s[k + '_vs_first'] = s[k] / base[k] if base[k] else None
        out['sims'][exe] = s
    out['same_events'] = len({(s['event_hash'], s['event_hash_no_calls']) for s in out['sims'].values()}) == 1
    print(json.dumps(out, indent=1))


if __name__ == '__main__':
    main()
