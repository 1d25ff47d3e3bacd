"""Compare `mitokit-sim modules scan` with mitogen's own bytecode scan.

usage: /usr/bin/python3 compare_scan.py MITOKIT_SIM FILE...
Prints one line per file whose import lists differ; exit status 1 if any do.
"""
import json
import subprocess
import sys

import mitogen.master


def reference(path):
    with open(path, 'rb') as f:
        raw = f.read()
    import importlib.util
    src = importlib.util.decode_source(raw)
    co = compile(src, path, 'exec')
    out = []
    for level, modname, namelist in mitogen.master.scan_code_imports(co):
        out.append((level, modname, list(namelist)))
    return out


def ours(exe, paths):
    res = {p: [] for p in paths}
    proc = subprocess.run([exe, 'modules', 'scan'] + paths, stdout=subprocess.PIPE, check=False)
    for line in proc.stdout.decode().splitlines():
        d = json.loads(line)
        res[d['file']].append((d['level'], d['module'], d['fromlist']))
    return res


def main():
    exe, paths = sys.argv[1], sys.argv[2:]
    good = []
    for p in paths:
        try:
            reference(p)
            good.append(p)
        except (SyntaxError, ValueError, UnicodeDecodeError):
            pass  # the reference cannot compile it either
    got = ours(exe, good)
    bad = 0
    for p in good:
        want = reference(p)
        if got[p] != want:
            bad += 1
            print('DIFF %s\n  want %s\n  got  %s' % (p, want, got[p]))
    print('checked %d files, %d differ' % (len(good), bad))
    sys.exit(1 if bad else 0)


main()
