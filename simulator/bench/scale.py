"""Scale figures for the simulator (issue 3 item 7), and the same small workload on
the real python3-mitogen for the ratio. A benchmark script, not a test: it prints
figures and never passes or fails.

usage: /usr/bin/python3 scale.py MITOKIT_SIM [--levels 100,100,100] [--idle-levels L]
                                 [--real-levels 3,2] [--real-rounds 20] [--skip-real] [--skip-concurrent]
                                 [--call-window N]

Prints one JSON object:
  sim:   the --levels tree (fanout 100, depth 3: 1,010,101 contexts) built one connect
         at a time in tree order (--sequential-connects: what the real side below does,
         a loop of blocking router.local(via=...) calls), every leaf called once
         (posix.getpid; all at once, or --call-window N in flight at a time);
         routed message-hops (frames put on a link),
         CPU seconds of the whole process, hops per CPU second, the same for the run
         alone and for its phases (building the tree; the leaf calls), peak and
         settled RSS
  sim_concurrent_build: the same tree and calls with every parent connecting its
         children at once (the simulator's default --connect-window), for comparison
         (skipped with --skip-concurrent)
  idle:  bytes per idle context: RSS growth between a 10-context tree and the
         --idle-levels tree (default: --levels) with no calls, peak and settled
         (settled: RSS at the end after malloc_trim, i.e. without the build's bursts)
  real:  the --real-levels tree built with router.local(via=...) on real mitogen,
         then os.getpid called on every leaf at once (--real-rounds times): the
         workload's wall time against the simulator's CPU time for the same tree, and
         the call rounds' hops (2 x depth per call) per wall second against the
         simulator's hops per CPU second on the big tree
  load:  the 1/5/15-minute load averages before and after (the machine is shared)
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

from sim_cmd import simulate_command


def sim_run(exe, levels, calls, sequential=True, call_window=0):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    out = subprocess.run(simulate_command(exe, levels, calls, sequential, call_window), stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, check=True)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    rep = json.loads(out.stdout)
    rep['cpu_s'] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rep['process_wall_s'] = wall
    return rep


def call_hops(levels):
    """Hops of one call to every leaf and its reply: 2 x depth per leaf."""
    leaves = 1
    for fan in levels:
        leaves *= fan
    return leaves * 2 * len(levels)


def real_mitogen(levels, rounds):
    import mitogen.core
    import mitogen.master
    broker = mitogen.master.Broker()
    router = mitogen.master.Router(broker)
    try:
        t0 = time.monotonic()
        frontier = [None]
        for fan in levels:
            nxt = []
            for parent in frontier:
                for _ in range(fan):
                    nxt.append(router.local(via=parent) if parent else router.local())
            frontier = nxt
        t1 = time.monotonic()
        # Every leaf called at once, then every reply collected; the first round is
        # the workload, later ones (the same again) give a steadier hop rate.
        first = None
        for _ in range(rounds):
            recvs = [ctx.call_async(os.getpid) for ctx in frontier]
            for r in recvs:
                r.get().unpickle()
            if first is None:
                first = time.monotonic() - t1
        t2 = time.monotonic()
        return {'contexts': 1 + len(list(router._context_by_id)), 'build_wall_s': t1 - t0,
                'first_round_wall_s': first, 'call_wall_s': t2 - t1}
    finally:
        broker.shutdown()
        broker.join()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('exe')
    ap.add_argument('--levels', default='100,100,100')
    ap.add_argument('--idle-levels', default=None)
    ap.add_argument('--real-levels', default='3,2')
    ap.add_argument('--real-rounds', type=int, default=20)
    ap.add_argument('--skip-real', action='store_true')
    ap.add_argument('--skip-concurrent', action='store_true')
    ap.add_argument('--call-window', type=int, default=0,
                    help='leaf calls the master keeps in flight on the big tree (default 0: all at once)')
    a = ap.parse_args()
    if a.call_window < 0:
        ap.error(f'--call-window must not be negative, got {a.call_window}')
    out = {'load_before': os.getloadavg()}
    big = sim_run(a.exe, a.levels, 1, call_window=a.call_window)
    out['sim'] = {'levels': a.levels, 'call_window': a.call_window, 'contexts': big['contexts'], 'message_hops': big['message_hops'],
                  'calls_ok': big['calls']['ok'], 'invariants_ok': big['invariants']['ok'],
                  'cpu_s': big['cpu_s'], 'wall_s': big['process_wall_s'],
                  'hops_per_cpu_s': big['message_hops'] / max(big['cpu_s'], 1e-9),
                  # The same, counting only the run (tree built to last event; no process
                  # start, invariant checks or teardown), and its two phases.
                  'run_cpu_s': big['run_cpu_s'], 'run_hops_per_cpu_s': big['hops_per_cpu_s'],
                  'phases': big['phases'],
                  'peak_rss_bytes': big['peak_rss_bytes'], 'settled_rss_bytes': big['settled_rss_bytes'],
                  'peak_rss_per_context': big['peak_rss_bytes'] / big['contexts']}
    if not a.skip_concurrent:
        conc = sim_run(a.exe, a.levels, 1, sequential=False, call_window=a.call_window)
        out['sim_concurrent_build'] = {'cpu_s': conc['cpu_s'], 'message_hops': conc['message_hops'],
                                       'hops_per_cpu_s': conc['message_hops'] / max(conc['cpu_s'], 1e-9),
                                       'run_cpu_s': conc['run_cpu_s'], 'run_hops_per_cpu_s': conc['hops_per_cpu_s'],
                                       'phases': conc['phases'], 'peak_rss_bytes': conc['peak_rss_bytes'],
                                       'invariants_ok': conc['invariants']['ok']}
    idle_levels = a.idle_levels or a.levels
    small = sim_run(a.exe, '10', 0)
    idle = sim_run(a.exe, idle_levels, 0)
    n = max(idle['contexts'] - small['contexts'], 1)
    out['idle'] = {'levels': idle_levels, 'contexts': idle['contexts'],
                   'peak_rss_bytes_per_context': (idle['peak_rss_bytes'] - small['peak_rss_bytes']) / n,
                   'settled_rss_bytes_per_context': (idle['settled_rss_bytes'] - small['settled_rss_bytes']) / n,
                   'node_memory_bytes_per_context': idle['node_memory_bytes'] / idle['contexts']}
    if not a.skip_real:
        levels = [int(x) for x in a.real_levels.split(',')]
        real = real_mitogen(levels, max(a.real_rounds, 1))
        same = sim_run(a.exe, a.real_levels, 1)
        hops = call_hops(levels) * max(a.real_rounds, 1)
        real_rate = hops / max(real['call_wall_s'], 1e-9)
        workload_wall = real['build_wall_s'] + real['first_round_wall_s']
        out['real'] = {'levels': a.real_levels, 'contexts': real['contexts'],
                       'mitogen_build_wall_s': real['build_wall_s'],
                       'mitogen_first_round_wall_s': real['first_round_wall_s'],
                       'mitogen_call_rounds': max(a.real_rounds, 1), 'mitogen_call_wall_s': real['call_wall_s'],
                       'mitogen_call_hops': hops, 'mitogen_hops_per_s': real_rate,
                       'sim_same_tree_cpu_s': same['cpu_s'], 'sim_same_tree_hops': same['message_hops'],
                       # The same workload (build + one call per leaf): real wall time per simulator CPU time.
                       'ratio_workload_mitogen_wall_to_sim_cpu': workload_wall / max(same['cpu_s'], 1e-9),
                       # Routing rate: the simulator's big run against real mitogen's call rounds.
                       'ratio_sim_hops_per_cpu_s_to_mitogen_hops_per_s':
                           out['sim']['hops_per_cpu_s'] / max(real_rate, 1e-9)}
    out['load_after'] = os.getloadavg()
    json.dump(out, sys.stdout, indent=1)
    print()


main()
