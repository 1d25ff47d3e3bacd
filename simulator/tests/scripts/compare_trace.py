#!/usr/bin/python3
"""The simulator's traffic on the master's links against the real mitogen's.

Usage: compare_trace.py MITOKIT_SIM MITOKIT TREE [--shutdown]

TREE is a simulator tree file (one line per context: its parent's line number,
0 for the master). The real python3-mitogen master builds the same tree with
router.local(via=parent), calls os.getpid in every leaf and, with --shutdown,
shuts its broker down, while recording every message it sends or receives on its
own streams. The simulator runs the same tree and workload with --pcap; the capture
is read back with `mitokit decode --json`. Module and log traffic (GET_MODULE,
LOAD_MODULE, FORWARD_MODULE, FORWARD_LOG) is left out: simulated children do not
bootstrap. Process IDs differ, so context names (local.<pid> against
local.<id>) and getpid's answer are compared by shape. Everything else must be
equal: per direction of each master link, the same messages (handle, src, dst,
auth, reply_to, payload bytes). The real master connects and calls one context at a
time and the simulator a level at a time, so the order is compared only as a multiset.
Exits 0 when equal, 1 with a listing of both sides otherwise.
"""
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

SKIP = {100, 102, 107, 108}  # GET_MODULE, FORWARD_LOG, LOAD_MODULE, FORWARD_MODULE

REAL = r'''
import json, os, sys
import mitogen.core, mitogen.master
parents = [int(l) for l in open(sys.argv[1]) if l.strip()]
shutdown = sys.argv[2] == "1"
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
try:
    # Level by level, as the simulator's build phase spawns them.
    depth = {0: 0}
    for i, p in enumerate(parents, 1):
        depth[i] = depth[p] + 1
    ctx = {}
    for i in sorted(range(1, len(parents) + 1), key=lambda i: (depth[i], i)):
        p = parents[i - 1]
        ctx[i] = router.local(via=ctx[p]) if p else router.local()
    # Every leaf once, in context ID order, as the simulator's leaf phase does.
    leaves = [ctx[i] for i in range(1, len(parents) + 1) if i not in parents]
    for c in sorted(leaves, key=lambda c: c.context_id):
        c.call(os.getpid)
finally:
    if shutdown:
        broker.shutdown()
        broker.join()
for d, peer, m, data in events:
    print(json.dumps({"dir": d, "peer": peer, "handle": m.handle, "src": m.src_id, "dst": m.dst_id,
                      "auth": m.auth_id, "reply_to": m.reply_to or 0, "data": data.hex()}))
if not shutdown:
    broker.shutdown()
    broker.join()
'''


def run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=120, **kw).stdout


def real_trace(cli, tree, shutdown, tmp):
    msgs = []
    for line in run([sys.executable, "-c", REAL, tree, "1" if shutdown else "0"]).splitlines():
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


def sim_trace(sim, cli, tree, shutdown, tmp):
    pcap = os.path.join(tmp, "sim.pcapng")
    args = [sim, "simulate", "--tree", tree, "--modules", "none", "--calls", "1", "--logs", "0", "--pcap", pcap]
    if shutdown:
        args.append("--shutdown")
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
                     "values": e.get("values")})
    return msgs


NAME = re.compile(r"local\.\d+")


def describe(msgs):
    """One comparable line per message; payloads by their bytes where no PID enters them."""
    lines = []
    for e in msgs:
        if e["handle"] in SKIP:
            continue
        head = "%s link=%d h=%d src=%d dst=%d auth=%d reply_to=%d" % (
            e["dir"], e["link"], e["handle"], e["src"], e["dst"], e["auth"], e["reply_to"])
        if e["handle"] in (103, 104):  # ADD_ROUTE/DEL_ROUTE "id[:name]": a name holds a PID
            body = NAME.sub("local.N", e["text"])
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
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    sim, cli, tree = sys.argv[1:4]
    shutdown = "--shutdown" in sys.argv[4:]
    with tempfile.TemporaryDirectory() as tmp:
        want = describe(real_trace(cli, tree, shutdown, tmp))
        got = describe(sim_trace(sim, cli, tree, shutdown, tmp))
    # The real master connects and calls one context at a time; the simulator
    # starts the connects of one level, and then the calls, together. So the same
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
