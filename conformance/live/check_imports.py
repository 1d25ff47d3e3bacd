"""GET_MODULE / LOAD_MODULE cascades of real packages: a child imports renamed
copies of installed packages (mk_<name>, which it cannot find itself), under a
real 0.3.3 master and under `mitokit parent` given that master's exact
sys.modules as it was before serving (--loaded; the planner models how serving
changes it). The import results and the numbers of GET_MODULE
requests served and LOAD_MODULE messages sent must be the same.

Usage: /usr/bin/python3 check_imports.py --mitokit BIN [--package NAME]...
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGES = ["idna", "chardet", "toml", "pyparsing", "jinja2", "yaml", "requests", "certifi", "urllib3", "markupsafe",
            "charset_normalizer", "pygments", "jwt", "oauthlib", "blinker", "distro", "httplib2", "ply", "pyflakes"]

MASTER = r'''
import json, sys
sys.path.insert(0, sys.argv[1])
sys.path.insert(0, sys.argv[4])
import mitogen.core, mitogen.master, mitogen.parent
import faith_odd
names = json.loads(sys.argv[2])
loads = []
gets = []
orig_get = mitogen.master.ModuleResponder._on_get_module
orig_send = mitogen.core.MitogenProtocol._send
def on_get(self, msg):
    if not msg.is_dead:
        gets.append(msg.data.decode())
    return orig_get(self, msg)
def send(self, msg):
    if msg.handle == mitogen.core.LOAD_MODULE:
        t = msg.unpickle(throw=False)
        loads.append([t[0], t[1], list(t[4])])
    return orig_send(self, msg)
mitogen.master.ModuleResponder._on_get_module = on_get
mitogen.core.MitogenProtocol._send = send
# The master's sys.modules before it serves anything: serving changes it (pkgutil imports parents).
with open(sys.argv[3], "w") as f:
    for name, mod in sorted(sys.modules.items()):
        if mod is None:
            continue
        try:
            mark = "stdlib" if mitogen.master.is_stdlib_name(name) else "-"
        except TypeError:
            mark = "nofile"
        f.write("%s\t%s\n" % (name, mark))
broker = mitogen.master.Broker()
router = mitogen.master.Router(broker)
try:
    child = router.local()
    result = child.call(faith_odd.import_packages, names)
finally:
    broker.shutdown()
    broker.join()
print(json.dumps({"result": result, "gets": gets, "loads": loads}))
'''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mitokit", required=True)
    ap.add_argument("--package", action="append", default=[])
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="mitokit-imports-")
    served = os.path.join(tmp, "served")
    work = os.path.join(tmp, "work")  # the children's cwd: nothing to find there
    os.makedirs(work)
    for pkg in a.package or PACKAGES:
        shutil.copytree(os.path.join("/usr/lib/python3/dist-packages", pkg), os.path.join(served, "mk_" + pkg),
                        ignore=shutil.ignore_patterns("__pycache__"))
    differ = 0
    for pkg in a.package or PACKAGES:
        loaded = os.path.join(tmp, "loaded-%s.txt" % pkg)
        name = "mk_" + pkg
        ref = subprocess.run(["/usr/bin/python3", "-c", MASTER, HERE, json.dumps([name]), loaded, served],
                             capture_output=True, text=True, timeout=120, cwd=work)
        if ref.returncode != 0:
            print("FAIL %s: the reference master failed: %s" % (pkg, ref.stderr[-1500:]))
            differ += 1
            continue
        want = json.loads(ref.stdout.strip().splitlines()[-1])
        ours = subprocess.run([a.mitokit, "parent", "--path", HERE, "--path", served, "--loaded", loaded,
                               "--call", "faith_odd.import_packages", "--args", json.dumps([[name]]), "--json",
                               "--timeout", "60"], capture_output=True, text=True, timeout=120, cwd=work)
        try:
            got = json.loads(ours.stdout)
        except ValueError:
            print("FAIL %s: mitokit parent: %s" % (pkg, ours.stderr[-1500:]))
            differ += 1
            continue
        problems = []
        if got["result"] != want["result"]:
            problems.append("result %s != reference %s" % (got["result"], want["result"]))
        if got["get_module"] != len(want["gets"]):
            problems.append("GET_MODULE %d != reference %d %s" % (got["get_module"], len(want["gets"]), want["gets"]))
        if got["load_module"] != len(want["loads"]):
            problems.append("LOAD_MODULE %d != reference %d" % (got["load_module"], len(want["loads"])))
        print("%s %s: GET %d LOAD %d (reference GET %d LOAD %d)" % ("ok  " if not problems else "DIFF", pkg,
              got["get_module"], got["load_module"], len(want["gets"]), len(want["loads"])))
        for p in problems:
            print("     " + p)
        differ += bool(problems)
    shutil.rmtree(tmp, ignore_errors=True)
    print("%d packages differ" % differ)
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
