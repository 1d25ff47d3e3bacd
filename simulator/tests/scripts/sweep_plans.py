#!/usr/bin/python3
"""`mitokit modules plan` against the real python3-mitogen master on random
requests: for each installed package, the package and a few of its submodules
picked at random (seeded), requested from a fresh stream of a real master (by
reference_plan.py) and planned by the simulator from the same sys.modules and
sys.path. Prints each disagreement (the first differing message) and a count.

usage: /usr/bin/python3 sweep_plans.py MITOKIT_SIM [--seed N] [--picks K]
                                       [--master-imports package|none] [PACKAGE ...]

--master-imports package (the default) imports the package into the master
first, as a program using it would; none has the master import only json, so
the planner must model what serving the requests imports. With no PACKAGE, every
top-level package in /usr/lib/python3/dist-packages is tried. Exit status 1 when
any request differs. A survey tool, not a ctest: the planned cases in
modules_conformance_test.cpp are the regression tests.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DIST = "/usr/lib/python3/dist-packages"


def submodules(package):
    root = os.path.join(DIST, package)
    found = set()
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__" and not d.startswith(".")]
        for f in files:
            if f.endswith(".py"):
                name = os.path.relpath(os.path.join(dirpath, f), DIST)[:-3].replace("/", ".")
                found.add(name[: -len(".__init__")] if name.endswith(".__init__") else name)
    return sorted(found - {package})


def installed_packages():
    return sorted(d for d in os.listdir(DIST)
                  if os.path.isfile(os.path.join(DIST, d, "__init__.py")) and d.isidentifier())


def compare(sim, imports, requests, work):
    loaded, paths = os.path.join(work, "loaded.txt"), os.path.join(work, "paths.txt")
    ref = subprocess.run([sys.executable, os.path.join(HERE, "reference_plan.py"), loaded, paths, imports] + requests,
                         capture_output=True, text=True, timeout=300)
    if ref.returncode != 0 or not os.path.exists(paths):
        return f"the reference failed: {ref.stderr.strip()[-300:]}"
    with open(paths) as f:
        path_args = [a for p in f.read().split() for a in ("--path", p)]
    ours = subprocess.run([sim, "modules", "plan", *path_args, "--loaded", loaded] +
                          [a for r in requests for a in ("--request", r)], capture_output=True, text=True, timeout=300)
    want, got = ref.stdout.splitlines(), ours.stdout.splitlines()
    for i in range(max(len(want), len(got))):
        a = json.loads(want[i]) if i < len(want) else None
        b = json.loads(got[i]) if i < len(got) else None
        if a == b:
            continue
        if a is None or b is None:
            return f"message {i}: reference {'none' if a is None else a['fullname']}, ours " \
                   f"{'none' if b is None else b['fullname']} {ours.stderr.strip()[:200]}"
        fields = [k for k in a if a[k] != b.get(k)]
        detail = ""
        if "related" in fields:
            detail = (f" only reference: {[r for r in a['related'] if r not in b['related']][:8]}"
                      f" only ours: {[r for r in b['related'] if r not in a['related']][:8]}")
        return f"message {i} ({a['fullname']}): {', '.join(fields)} differ{detail}"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sim")
    ap.add_argument("packages", nargs="*")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--picks", type=int, default=4, help="submodules per package (default 4)")
    ap.add_argument("--master-imports", choices=("package", "none"), default="package")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    packages = args.packages or installed_packages()
    differ = total = 0
    with tempfile.TemporaryDirectory(prefix="mitokit-sweep-") as work:
        for package in packages:
            subs = submodules(package)
            pick = rng.sample(subs, min(args.picks, len(subs)))
            imports = package if args.master_imports == "package" else "json"
            for requests in ([package] + pick, pick[::-1] + [package + ".nosuch"]):
                total += 1
                why = compare(args.sim, imports, requests, work)
                if why:
                    differ += 1
                    print(f"DIFF {package} {requests}: {why}")
    print(f"{total - differ} of {total} request sequences equal ({len(packages)} packages, seed {args.seed}, "
          f"master imports {args.master_imports})")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
