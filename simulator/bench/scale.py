"""Scale figures for the simulator (issue item 7), and the same small workload on
the real python3-mitogen for the ratio.

usage: /usr/bin/python3 scale.py MITOKIT_SIM [--levels 100,100] [--real-levels 3,2]

Prints one JSON object:
  sim:  contexts, message hops, CPU seconds, hops per CPU second, peak RSS
  idle: memory per idle context (RSS growth between two tree sizes with no workload)
  real: the --real-levels tree built with router.local(via=...) and os.getpid called
        on every leaf, wall seconds; the simulator's CPU seconds for the same tree
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time


def sim_run(exe, levels, calls):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([exe, 'simulate', '--levels', levels, '--modules', 'none', '--calls', str(calls),
                          '--logs', '0', '--json'], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    rep = json.loads(out.stdout)
    rep['cpu_s'] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return rep


def real_mitogen(levels):
    import mitogen.master
    import mitogen.utils
    broker = mitogen.master.Broker()
    router = mitogen.master.Router(broker)
    t0 = time.monotonic()
    try:
        frontier = [None]
        for fan in levels:
            nxt = []
            for parent in frontier:
                for _ in range(fan):
                    nxt.append(router.local(via=parent) if parent else router.local())
            frontier = nxt
        for ctx in frontier:
            ctx.call(os.getpid)
        return {'contexts': 1 + sum(1 for _ in router._context_by_id), 'wall_s': time.monotonic() - t0}
    finally:
        broker.shutdown()
        broker.join()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('exe')
    ap.add_argument('--levels', default='100,100')
    ap.add_argument('--real-levels', default='3,2')
    a = ap.parse_args()
    out = {}
    big = sim_run(a.exe, a.levels, 1)
    out['sim'] = {'levels': a.levels, 'contexts': big['contexts'], 'message_hops': big['message_hops'],
                  'cpu_s': big['cpu_s'], 'hops_per_cpu_s': big['message_hops'] / max(big['cpu_s'], 1e-9),
                  'peak_rss_bytes': big['peak_rss_bytes']}
    small = sim_run(a.exe, '10', 0)
    idle = sim_run(a.exe, a.levels, 0)
    out['idle'] = {'bytes_per_context': (idle['peak_rss_bytes'] - small['peak_rss_bytes']) /
                   max(idle['contexts'] - small['contexts'], 1),
                   'node_memory_bytes_per_context': idle['node_memory_bytes'] / idle['contexts']}
    levels = [int(x) for x in a.real_levels.split(',')]
    real = real_mitogen(levels)
    same = sim_run(a.exe, a.real_levels, 1)
    out['real'] = {'levels': a.real_levels, 'mitogen_wall_s': real['wall_s'], 'sim_cpu_s': same['cpu_s'],
                   'ratio': real['wall_s'] / max(same['cpu_s'], 1e-9)}
    json.dump(out, sys.stdout, indent=1)
    print()


main()
