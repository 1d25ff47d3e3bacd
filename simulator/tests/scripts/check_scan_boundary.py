"""Checks `mitokit-sim modules scan` against mitogen's bytecode scan where the
module code's names table passes 256 entries: mitogen reads one byte of argument
and ignores EXTENDED_ARG, so an import whose module name has index 256 or more is
invisible to it. Each case puts a construct (decorators, defaults, annotations,
lambdas, comprehensions, f-strings, dead branches, ...) after filler names and
before a run of probe imports that straddles index 255, so miscounting the
construct's names by up to six moves the boundary and shows as a difference.

usage: /usr/bin/python3 check_scan_boundary.py MITOKIT_SIM
Exits 1 if any case differs (compare_scan.py prints which).
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# name: (construct, header lines at the top)
CASES = {
    'docstring': ('', '"""The module docstring is stored as __doc__."""\n'),
    'decorators': ('@deco(a.b, k=c)\n@other\ndef f(x):\n    import inner\n    return x\n', ''),
    'def_header': ('def f(a: T1 = d1, *args: T2, k: T3 = d2, **kw) -> R:\n    pass\n', ''),
    'def_future': ('def f(a: T1 = d1, *args: T2, k: T3 = d2, **kw) -> R:\n    pass\n',
                   'from __future__ import annotations\n'),
    'class_header': ('@dec\nclass C(B1, mod.B2, metaclass=M, **extra):\n    x = hidden\n    import hidden2\n', ''),
    'lambda': ('f = lambda p, q=dflt, *, r=mod.attr: p + q + hidden\n', ''),
    'comprehension': ('xs = [i + hidden for i in src.items() if cond]\n'
                      'ys = {k: v for k, v in other for w in hidden2}\n'
                      'zs = sum(j for j in third)\n', ''),
    'fstring': ('s = f"{obj.attr!r:>{width}} {val=} {{literal}} {d[\'key\']}"\n', ''),
    'annotations': ('x: int = 5\ny: str\nobj.attr: float = value\n', ''),
    'annotations_future': ('x: int = 5\ny: str\nobj.attr: float = value\n',
                           'from __future__ import annotations\n'),
    'try_statement': ('try:\n    a1 = b1\nexcept (E1, mod.E2) as err:\n    a2 = b2\nelse:\n    a3 = b3\n'
                      'finally:\n    a4 = b4\n', ''),
    'dead_branches': ('if 0:\n    import dead1\n    d1 = d2.d3\nif False:\n    e1 = e2\nelse:\n    e3 = e4\n'
                      'while 0:\n    w1 = w2\nif not __debug__:\n    import dead2\n', ''),
    'import_forms': ('import a.b.c as d\nimport e.f\nfrom . import g as h\nfrom .m import *\nfrom .. import n\n', ''),
    'statements': ('global gg\ndel da.db, dc\nassert ax, ay\nfor fi in fr:\n    pass\nelse:\n    pass\n'
                   'with wm(wa) as (wp, wq):\n    pass\n(walrus := 3)\nob.at += 1\ncall(*sa, **ka, kw=kv)\n'
                   'raise_it = rr\n', ''),
    'main_guard': ('if __name__ == "__main__":\n    import sys\n    main(sys.argv)\n', ''),
    'inline_bodies': ('if cond: import inl1\nif 0: import inl2; dd = ee\nfor q in r: s = t\n', ''),
    'expressions': ('first, *rest = seq[lo:hi:st], {dk: dv, **dm}, {s1, s2}\nres = ta if tc else tb\n'
                    'ok = c1 < c2 <= c3 != c4 == c5\nprint(pa, sep=sp)\n', ''),
    'nested_fstrings': ('msg = f"{outer + f\'{inner.name!s}\'} {fn(arg)=} {(lambda lp: lp)(la)}"\n', ''),
    'docstring_concat': ('', '"first part "  "second part"\n'),
    # Bytecode order: a try statement's else clause before its except clauses, its
    # finally clause twice; nested in every clause.
    'try_shapes': ('try:\n    import t1\nexcept ImportError:\n    import t2\n    try: import t3\n'
                   '    except OSError as e1: import t4\n    else: import t5\n    finally:\n        import t6\n'
                   'else:\n    import t7\n    try:\n        import t8\n    finally:\n        try:\n            import t9\n'
                   '        except: import t10\n        finally: import t11\nfinally:\n    import t12\n'
                   '    if 0:\n        try: import t13\n        finally: import t14\n'
                   'try:\n    pass\nexcept E2:\n    def f():\n        import t15\n    x1 = y1\n', ''),
}


def case_source(construct, header):
    # header, filler names z0.. and the construct fill the names table's first 250
    # entries (CPython counts them: the case does not trust our model); probes
    # p0..p11 follow, each one new name (its module string, stored again as
    # itself), so p0..p5 are visible and p6.. are not; then imports of names from
    # the start of the table, which stay visible.
    names = len(compile(header + construct, 'case', 'exec').co_names)
    lines = [header] + ['z%d = 0\n' % i for i in range(250 - names)] + [construct]
    lines += ['import p%d\n' % i for i in range(12)]
    lines += ['import z0\n', 'from z1 import z2\n']
    source = ''.join(lines)
    assert len(compile(source, 'case', 'exec').co_names) > 256
    return source


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    exe = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name, (construct, header) in CASES.items():
            path = os.path.join(tmp, name + '.py')
            with open(path, 'w') as f:
                f.write(case_source(construct, header))
            paths.append(path)
        rc = subprocess.call([sys.executable, os.path.join(HERE, 'compare_scan.py'), exe] + paths)
    sys.exit(rc)


if __name__ == '__main__':
    main()
