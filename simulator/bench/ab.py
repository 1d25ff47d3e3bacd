"""A/B of two (or more) mitokit-sim builds on the same tree, for figures on a
machine whose CPU time for one run varies by 20%: the binaries run alternately,
ROUNDS times each, and the medians and minimums of the run's own CPU time and of
its two phases are printed. A benchmark script, not a test.

usage: /usr/bin/python3 ab.py [--rounds 6] [--levels 100,100,100] [--calls 1]
                              [--build sequential|concurrent] [--call-windows 0,4096]
                              OLD_SIM [NEW_SIM ...]

--call-windows runs every binary with each leaf-call window (0: all at once, the
default), as variants named BINARY@WINDOW: one binary and two windows compare the
windows.

--build sequential (the default) connects one context at a time in tree order, as
scale.py's benchmark and its real-mitogen counterpart do; concurrent lets every
parent connect its children at once (the simulator's default connect window).

Prints one JSON object: per binary, every run's run_cpu_s / build / leaf-call CPU
seconds and event hash, their medians and minimums, and the hops per CPU second of
the median run (a differing event hash between binaries is reported, since the
comparison assumes the same events).
"""
import argparse
import json
import os
import statistics
import subprocess

from sim_cmd import require_executables, simulate_command


def one_run(exe, levels, calls, build, call_window):
    out = subprocess.run(simulate_command(exe, levels, calls, build == 'sequential', call_window), stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, check=True)
    rep = json.loads(out.stdout)
    return {'run_cpu_s': rep['run_cpu_s'], 'build_cpu_s': rep['phases']['build']['cpu_s'],
            'leaf_cpu_s': rep['phases']['leaf_calls']['cpu_s'], 'hops': rep['message_hops'],
            'event_hash': rep['event_hash']}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('sims', nargs='+', help='mitokit-sim binaries, the baseline first')
    ap.add_argument('--rounds', type=int, default=6)
    ap.add_argument('--levels', default='100,100,100')
    ap.add_argument('--calls', type=int, default=1)
    ap.add_argument('--build', choices=('sequential', 'concurrent'), default='sequential')
    ap.add_argument('--call-windows', default=None, help='comma-separated leaf-call windows to run each binary with')
    args = ap.parse_args()
    windows = [0]
    if args.call_windows is not None:
        try:
            windows = [int(w) for w in args.call_windows.split(',')]
        except ValueError:
            ap.error(f'--call-windows takes comma-separated integers, got {args.call_windows!r}')
        if any(w < 0 for w in windows):
            ap.error(f'--call-windows must not be negative, got {args.call_windows!r}')
    variants = [(exe, w) for exe in args.sims for w in windows]
    if len(variants) < 2:
        ap.error('give at least two binaries, or two --call-windows, to compare')
    if args.rounds < 1:
        ap.error('--rounds must be at least 1')
    require_executables(ap, args.sims)
    name = (lambda exe, w: f'{exe}@{w}') if args.call_windows is not None else (lambda exe, w: exe)
    runs = {name(*v): [] for v in variants}
    for r in range(args.rounds):
        order = variants if r % 2 == 0 else list(reversed(variants))  # neither always goes first
        for exe, w in order:
            runs[name(exe, w)].append(one_run(exe, args.levels, args.calls, args.build, w))
    out = {'levels': args.levels, 'calls': args.calls, 'build': args.build, 'call_windows': windows,
           'rounds': args.rounds, 'load_after': list(os.getloadavg()),
           'sims': {}}
    for exe, rs in runs.items():
        summary = {}
        for key in ('run_cpu_s', 'build_cpu_s', 'leaf_cpu_s'):
            values = [x[key] for x in rs]
            summary[key] = {'median': statistics.median(values), 'min': min(values), 'runs': values}
        summary['hops_per_cpu_s_at_median'] = rs[0]['hops'] / summary['run_cpu_s']['median']
        summary['event_hashes'] = sorted({x['event_hash'] for x in rs})
        out['sims'][exe] = summary
    hashes = {h for s in out['sims'].values() for h in s['event_hashes']}
    out['same_events'] = len(hashes) == 1
    print(json.dumps(out, indent=1))


if __name__ == '__main__':
    main()
