"""Compares `mitokit modules minify --all` with mitogen.minify.minimize_source on
every .py file under the given directories (default: mitogen's own package).

usage: /usr/bin/python3 compare_minify.py MITOKIT [DIR...] [--limit N]
Prints one line per differing file and a summary; exits 1 if any file differs.
A file the reference cannot minify (tokenize raises) must be an error on ours too.
"""
import argparse
import hashlib
import importlib.util
import json
import os
import subprocess
import sys

import mitogen
import mitogen.minify


def reference(path):
    with open(path, 'rb') as f:
        raw = f.read()
    try:
        text = importlib.util.decode_source(raw)
        out = mitogen.minify.minimize_source(text).encode('utf-8')
    except Exception as e:  # tokenize's errors, bad encodings
        return None, type(e).__name__
    return hashlib.sha1(out).hexdigest(), None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mitokit')
    ap.add_argument('dirs', nargs='*', default=[os.path.dirname(mitogen.__file__)])
    ap.add_argument('--limit', type=int, default=0, help='at most N files (0: all)')
    a = ap.parse_args()
    files = []
    for d in a.dirs:
        for root, _, names in os.walk(d):
            files += [os.path.join(root, n) for n in sorted(names) if n.endswith('.py')]
    files.sort()
    if a.limit:
        files = files[:a.limit]
    ours = {}
    for i in range(0, len(files), 200):
        out = subprocess.run([a.mitokit, 'modules', 'minify', '--all'] + files[i:i + 200],
                             stdout=subprocess.PIPE, check=False).stdout
        for line in out.decode().splitlines():
            rec = json.loads(line)
            ours[rec['file']] = rec
    bad = 0
    for f in files:
        sha, err = reference(f)
        got = ours.get(f, {})
        if err is not None:
            ok = 'error' in got
        else:
            ok = got.get('sha1') == sha
        if not ok:
            bad += 1
            print('DIFF %s: reference %s, ours %s' % (f, sha or err, got.get('sha1') or got.get('error')))
    print('%d files, %d differ' % (len(files), bad))
    return 1 if bad else 0


sys.exit(main())
