#!/usr/bin/python3
"""The simulator's traffic on the master's links against the real mitogen's.

Usage: compare_trace.py MITOKIT_SIM MITOKIT TREE [--shutdown] [--unidirectional] [--logs N] [--allocate-ids N] [--kill ID,...]
                        [--path DIR --imports NAME,... [--preload]]

TREE is a simulator tree file (one line per context: its parent's line number,
0 for the master). The real python3-mitogen master builds the same tree with
router.local(via=parent), calls os.getpid in every leaf (then, with --logs N,
mitokit.sim.log(N), which logs N INFO records, from a module the test writes) and,
with --shutdown, shuts its broker down; with --imports, each leaf first imports
those modules (mitokit.sim.import_modules), which only the master finds, in DIR, while recording every message it sends or
receives on its own streams. The simulator runs the same tree and workload with --pcap; the capture
is read back with `mitokit decode --json`. Module and log traffic (GET_MODULE,
LOAD_MODULE, FORWARD_MODULE, and FORWARD_LOG records of other loggers than
mitokit.sim) is left out: simulated children do not bootstrap. With --imports it
is compared too, all but the requests for the test's own mitokit.sim module
(built into the simulator), LOAD_MODULE by name, pkg_present, path, the SHA-1 of
the source and related. --preload has the intermediates import the modules first
and the master push them to each leaf (ModuleResponder.forward_modules) before the
leaves import them. Process IDs differ, so context names (local.<pid> against
local.<id>) and getpid's answer are compared by shape. Everything else must be
equal: per direction of each master link, the same messages (handle, src, dst,
auth, reply_to, payload bytes). The real master connects and calls one context at a
time; in the simulator a parent connects up to 16 children at once, parents work
at once, and the leaves are called together, so the order is compared only as
a multiset.
Exits 0 when equal, 1 with a listing of both sides otherwise.
"""
import argparse
import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import zlib

MODULE_HANDLES = {100, 107, 108}  # GET_MODULE, LOAD_MODULE, FORWARD_MODULE

REAL = r'''
import json, logging, os, sys
import mitogen.core, mitogen.master
parents = [int(l) for l in open(sys.argv[1]) if l.strip()]
shutdown = sys.argv[2] == "1"
unidirectional = sys.argv[3] == "1"
logs = int(sys.argv[4])
sys.path.insert(0, sys.argv[5])
import mitokit.sim
imports = [n for n in sys.argv[7].split(",") if n]
preload = sys.argv[8] == "1"
allocate = int(sys.argv[9])
kill = [int(x) for x in sys.argv[10].split(",") if x]
sys.dont_write_bytecode = True  # the test's package lives in the source tree
if imports:
    sys.path.insert(0, sys.argv[6])
    for n in imports:
        __import__(n)
# Children log at the master's level for the 'mitogen' logger: INFO, so that
# mitokit.sim's records are forwarded.
logging.getLogger("mitogen").setLevel(logging.INFO)
events = []
send0 = mitogen.core.MitogenProtocol._send
def _send(self, msg):
    events.append(["tx", self.remote_id, msg, bytes(msg.data)])
    return send0(self, msg)
mitogen.core.MitogenProtocol._send = _send
route0 = mitogen.core.Router._async_route
def _async_route(self, msg, in_stream=None):
    if in_stream is not None:
        events.append(["rx", in_stream.protocol.remote_id, msg, bytes(msg.data)])
    return route0(self, msg, in_stream)
mitogen.core.Router._async_route = _async_route
broker = mitogen.master.Broker()
router = mitogen.master.Router(broker)
router.unidirectional = unidirectional
try:
    # One context at a time in tree order, as the simulator's --sequential-connects
    # builds it (a parent's line comes before its children's).
    ctx = {}
    for i, p in enumerate(parents, 1):
        ctx[i] = router.local(via=ctx[p]) if p else router.local()
    # Every leaf once, in context ID order, as the simulator's leaf phase does
    # (its calls, then its imports, then its logs).
    leaves = [ctx[i] for i in range(1, len(parents) + 1) if i not in parents]
    if preload:
        for c in sorted((ctx[i] for i in set(parents) if i), key=lambda c: c.context_id):
            c.call(mitokit.sim.import_modules, imports)
        for c in sorted(leaves, key=lambda c: c.context_id):
            router.responder.forward_modules(c, imports)
    if kill:
        # os._exit(0) to each (call_no_reply), then wait until the master routes to
        # none of them nor anything below them.
        import time
        by_id = {c.context_id: i for i, c in ctx.items()}
        gone = set()
        for k in kill:
            ctx[by_id[k]].call_no_reply(os._exit, 0)
            todo = [by_id[k]]
            while todo:
                i = todo.pop()
                gone.add(ctx[i].context_id)
                todo += [j for j, p in enumerate(parents, 1) if p == i]
        deadline = time.time() + 20
        while any(g in router._stream_by_id for g in gone) and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
    def call(c, fn, *args):
        try:
            c.call(fn, *args)
        except mitogen.core.ChannelError:
            pass  # killed (--kill): the master answers itself, nothing goes on the wire
    for c in sorted(leaves, key=lambda c: c.context_id):
        call(c, os.getpid)
        if imports:
            call(c, mitokit.sim.import_modules, imports)
        if logs:
            call(c, mitokit.sim.log, logs)
        if allocate:
            call(c, mitokit.sim.allocate_ids, allocate)
finally:
    if shutdown:
        broker.shutdown()
        broker.join()
import hashlib, zlib
for d, peer, m, data in events:
    module = None
    if m.handle == mitogen.core.LOAD_MODULE:
        name, pkg_present, path, compressed, related = m.unpickle()
        source = zlib.decompress(compressed) if compressed is not None else None
        module = [name, pkg_present, path, None if source is None else hashlib.sha1(source).hexdigest(), related]
    print(json.dumps({"dir": d, "peer": peer, "handle": m.handle, "src": m.src_id, "dst": m.dst_id,
                      "auth": m.auth_id, "reply_to": m.reply_to or 0, "data": data.hex(), "module": module}))
if not shutdown:
    broker.shutdown()
    broker.join()
'''


def run(args):
    p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        sys.exit("%s exited with %d:\n%s" % (" ".join(args[:3]), p.returncode, p.stderr[-3000:]))
    return p.stdout


# What the simulator's mitokit.sim.log does, for the real children to import.
SIM_MODULE = '''import logging

import mitogen.core

LOG = logging.getLogger("mitokit.sim")


def log(count):
    for i in range(count):
        LOG.info("record %d", i)


def import_modules(names):
    for name in names:
        __import__(name)
    return len(names)


@mitogen.core.takes_econtext
def allocate_ids(count, econtext):
    import mitogen.parent
    mitogen.parent.upgrade_router(econtext)
    return [econtext.router.allocate_id() for _ in range(count)]
'''


def real_trace(cli, tree, opts, tmp):
    pkg = os.path.join(tmp, "mitokit")
    os.makedirs(pkg, exist_ok=True)
    open(os.path.join(pkg, "__init__.py"), "w").close()
    with open(os.path.join(pkg, "sim.py"), "w") as f:
        f.write(SIM_MODULE)
    msgs = []
    args = [sys.executable, "-c", REAL, tree, "1" if opts.shutdown else "0", "1" if opts.unidirectional else "0",
            str(opts.logs), tmp, opts.path or "", opts.imports, "1" if opts.preload else "0", str(opts.allocate_ids),
            opts.kill]
    for line in run(args).splitlines():
        e = json.loads(line)
        data = bytes.fromhex(e.pop("data"))
        e["link"] = e.pop("peer")  # the master's stream to child `peer`
        e["sha1"] = hashlib.sha1(data).hexdigest()
        e["text"] = data.decode("utf-8", "replace")
        e["values"] = None
        if e["handle"] >= 1000 and data:
            # Read by the same canonical JSON as the simulator's side.
            path = os.path.join(tmp, "payload.pickle")
            with open(path, "wb") as f:
                f.write(data)
            e["values"] = [json.loads(v) for v in run([cli, "pickle", "json", path]).splitlines()]
        msgs.append(e)
    return msgs


def sim_trace(sim, cli, tree, opts, tmp):
    pcap = os.path.join(tmp, "sim.pcapng")
    args = [sim, "simulate", "--tree", tree, "--sequential-connects", "--calls", "1", "--logs", str(opts.logs), "--pcap", pcap]
    if opts.shutdown:
        args.append("--shutdown")
    if opts.allocate_ids:
        args += ["--allocate-ids", str(opts.allocate_ids)]
    if opts.kill:
        args += ["--kill", opts.kill]
    if opts.unidirectional:
        args.append("--unidirectional")
    if opts.imports:
        # The master's sys.path: the test's directory, then what python3-mitogen's
        # master has (the simulator searches the standard library after these).
        args += ["--path", opts.path, "--path", "/usr/lib/python3/dist-packages", "--imports", opts.imports]
        if opts.preload:
            args.append("--preload")
    else:
        args += ["--modules", "none"]
    run(args)
    msgs = []
    for line in run([cli, "decode", "--json", pcap]).splitlines():
        e = json.loads(line)
        # Context N is 127.0.0.(N + 1), carrying into the upper octets; the master is 127.0.0.1.
        src_ip, dst_ip = e["from"].split(":")[0], e["to"].split(":")[0]
        if src_ip == "127.0.0.1":
            d, peer = "tx", dst_ip
        elif dst_ip == "127.0.0.1":
            d, peer = "rx", src_ip
        else:
            continue  # a link below the master: the real master does not see it
        _, b, c, x = (int(v) for v in peer.split("."))
        raw = e.get("raw")
        msgs.append({"dir": d, "link": ((b << 16) | (c << 8) | x) - 1, "handle": e["handle"], "src": e["src"],
                     "dst": e["dst"], "auth": e["auth"], "reply_to": e["reply_to"], "sha1": e["sha1"],
                     "text": bytes.fromhex(raw).decode("utf-8", "replace") if raw else "",
                     "values": e.get("values"), "module": sim_module(e)})
    return msgs


def sim_module(e):
    """A LOAD_MODULE as the real side summarises it: name, pkg_present, path, source SHA-1, related."""
    if e["handle"] != 107 or not e.get("values"):
        return None
    name, pkg_present, path, compressed, related = e["values"][0]["tuple"]
    sha1 = None
    if isinstance(compressed, dict):
        sha1 = hashlib.sha1(zlib.decompress(base64.b64decode(compressed["blob"]))).hexdigest()
    if isinstance(related, dict):  # a tuple, which json.dumps writes as a list on the real side
        related = related["tuple"]
    return [name, pkg_present, path, sha1, related]


NAME = re.compile(r"local\.\d+")


def describe(msgs, modules):
    """One comparable line per message; payloads by their bytes where no PID enters them."""
    lines = []
    for e in msgs:
        if e["handle"] in MODULE_HANDLES:
            if not modules:
                continue
            name = e["module"][0] if e["module"] else e["text"]
            if name.split(".")[0] == "mitokit":
                continue  # the test's helper module: built into the simulator
        if e["handle"] == 102 and not e["text"].startswith("mitokit.sim\x00"):
            continue  # a record of the real child's own (mitogen's) loggers
        head = "%s link=%d h=%d src=%d dst=%d auth=%d reply_to=%d" % (
            e["dir"], e["link"], e["handle"], e["src"], e["dst"], e["auth"], e["reply_to"])
        if e["handle"] in (103, 104):  # ADD_ROUTE/DEL_ROUTE "id[:name]": a name holds a PID
            body = NAME.sub("local.N", e["text"])
        elif e["handle"] == 102:
            body = repr(e["text"])
        elif e["handle"] == 107:
            body = json.dumps(e["module"])
        elif e["handle"] == 100:
            body = repr(e["text"])
        elif e["handle"] >= 1000 and e["dir"] == "rx":
            # Replies from children: _proxy_connect's {'id', 'name', 'msg'} names a PID,
            # and getpid answers one (the simulator answers the context ID).
            v = e["values"]
            if isinstance(v, list) and len(v) == 1 and isinstance(v[0], int):
                v = ["an int"]
            body = NAME.sub("local.N", json.dumps(v))
        else:
            body = "sha1=" + e["sha1"]
        lines.append(head + " " + body)
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sim")
    ap.add_argument("cli")
    ap.add_argument("tree")
    ap.add_argument("--shutdown", action="store_true")
    ap.add_argument("--unidirectional", action="store_true")
    ap.add_argument("--logs", type=int, default=0)
    ap.add_argument("--path")
    ap.add_argument("--imports", default="")
    ap.add_argument("--preload", action="store_true")
    ap.add_argument("--allocate-ids", type=int, default=0)
    ap.add_argument("--kill", default="", help="context IDs sent os._exit(0) before the leaf calls")
    opts = ap.parse_args()
    if bool(opts.path) != bool(opts.imports):
        ap.error("--path and --imports go together")
    with tempfile.TemporaryDirectory() as tmp:
        want = describe(real_trace(opts.cli, opts.tree, opts, tmp), bool(opts.imports))
        got = describe(sim_trace(opts.sim, opts.cli, opts.tree, opts, tmp), bool(opts.imports))
    # The real master connects and calls one context at a time; in the simulator
    # parents connect at once and the leaves are called together. So the same
    # messages, but not in the same order once a level has more than one context.
    if sorted(want) == sorted(got):
        print("equal: %d messages on the master's links (%s order)" % (
            len(want), "same" if want == got else "another"))
        return 0
    print("DIFFERENT\n-- real mitogen:")
    for w in want:
        print("  ", w)
    print("-- simulator:")
    for g in got:
        print("  ", g)
    return 1


if __name__ == "__main__":
    sys.exit(main())
