"""Calls per second to one real Python child: the C++ parent (`mitokit-parent`)
against a real mitogen master (runtime/tests/scripts/python_master.py), in the
same run, alternating, so machine load hits both alike.

usage: /usr/bin/python3 parent_rate.py --parent BUILD/runtime/mitokit-parent
           [--shared /work/shared] [--calls 2000] [--rounds 3]
Serves a renamed copy of the installed pyparsing package and calls
mk_pyparsing.util.col(3, "ab\\ncd"); prints one line per run and the medians.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PY_MASTER = os.path.join(HERE, '..', 'tests', 'scripts', 'python_master.py')
PYTHON = '/usr/bin/python3'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--parent', required=True)
    ap.add_argument('--shared', default='/work/shared')
    ap.add_argument('--calls', type=int, default=2000)
    ap.add_argument('--rounds', type=int, default=3)
    opt = ap.parse_args()
    tree = tempfile.mkdtemp(prefix='mitokit-bench-')
    try:
        shutil.copytree('/usr/lib/python3/dist-packages/pyparsing', os.path.join(tree, 'mk_pyparsing'),
                        ignore=shutil.ignore_patterns('__pycache__'))
        call = ['--call', 'mk_pyparsing.util.col', '--args', '[3,"ab\\ncd"]']
        cxx, py = [], []
        for r in range(opt.rounds):
            out = subprocess.run([opt.parent, '--path', tree, '--json', '--repeat', str(opt.calls)] + call,
                                 check=True, capture_output=True, text=True, cwd='/').stdout
            c = json.loads(out)
            cxx.append(c['calls_per_second'])
            out = subprocess.run([PYTHON, PY_MASTER, '--value-json', opt.shared, '--path', tree,
                                  '--repeat', str(opt.calls)] + call,
                                 check=True, capture_output=True, text=True, cwd='/').stdout
            p = json.loads(out)
            py.append(p['calls_per_second'])
            print('round %d: C++ parent %d calls/s (GET_MODULE %d, LOAD_MODULE %d); '
                  'Python master %d calls/s (GET_MODULE %d, LOAD_MODULE %d)'
                  % (r, c['calls_per_second'], c['get_module'], c['load_module'],
                     p['calls_per_second'], p['get_module'], p['load_module']))
        print('median: C++ parent %d calls/s, Python master %d calls/s, ratio %.2f'
              % (statistics.median(cxx), statistics.median(py), statistics.median(cxx) / statistics.median(py)))
    finally:
        shutil.rmtree(tree)


if __name__ == '__main__':
    main()
