"""Instructions one decode of each benchmark payload takes, under callgrind: for
pickle decoder changes too small for timing on a machine whose speed drifts. A
benchmark script, not a test.

usage: /usr/bin/python3 bench/decode_ir.py [--count N] DECODE_LOOP [DECODE_LOOP ...]

DECODE_LOOP is a build's mitokit_decode_loop (bench/decode_loop/), the baseline
first. Each payload of bench/data is decoded COUNT times and zero times; the
difference over COUNT is one decode, process start excluded. Prints one JSON
object: per binary, per payload, instructions per decode and, after the first
binary, the ratio to it.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PAYLOADS = [  # (name, mode, file in bench/data)
    ('proxy_connect CALL_FUNCTION', 'call', 'call_function_proxy_connect.bin'),
    ('getpid CALL_FUNCTION', 'call', 'call_function_getpid.bin'),
    ('_proxy_connect reply dict', 'pickles', 'reply_proxy_connect.bin'),
    ('int reply', 'pickles', 'reply_int.bin'),
]


def instructions(exe, mode, path, count):
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(['valgrind', '--tool=callgrind', '--callgrind-out-file=' + os.path.join(tmp, 'cg.out'),
                              exe, mode, path, str(count)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if out.returncode != 0:
        raise SystemExit(f'{exe} {mode} {path} {count} exited {out.returncode}: {out.stderr.strip()[-400:]}')
    m = re.search(r'Collected : (\d+)', out.stderr)
    if not m:
        raise SystemExit(f'no instruction count in callgrind\'s output for {exe}')
    return int(m.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('loops', nargs='+', help='mitokit_decode_loop binaries, the baseline first')
    ap.add_argument('--count', type=int, default=10000, help='decodes per measured run (default 10000)')
    args = ap.parse_args()
    if not shutil.which('valgrind'):
        ap.error('valgrind is not installed (apt-get install valgrind)')
    if args.count < 1:
        ap.error('--count must be at least 1')
    for exe in args.loops:
        if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
            ap.error(f'{exe}: not an executable file')
    out = {'count': args.count, 'binaries': {}}
    base = None
    for exe in args.loops:
        per = {}
        for name, mode, file in PAYLOADS:
            path = os.path.join(HERE, 'data', file)
            per[name] = (instructions(exe, mode, path, args.count) - instructions(exe, mode, path, 0)) / args.count
        entry = {'instructions_per_decode': per}
        if base is not None:
            entry['vs_first'] = {k: per[k] / base[k] for k in per}
        else:
            base = per
        out['binaries'][exe] = entry
    print(json.dumps(out, indent=1))


if __name__ == '__main__':
    main()
