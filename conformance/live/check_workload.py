"""Captures workload.py (real mitogen 0.3.3, every link loopback TCP) with dumpcap
and checks, message by message, that `mitokit decode --json` and the Wireshark
plugin (tshark as an unprivileged user) show what the real Message objects
were: header fields, payload SHA-1, and the canonical JSON of the payload as
0.3.3's Message.unpickle reads it (or its refusal).

Usage: check_workload.py --mitokit BIN [--plugin mitogen.so --abi 4.0] --shared DIR [--keep DIR]
Exit 0 all agree, 1 a disagreement (each printed), 77 cannot capture (not root).
"""

import argparse
import base64
import glob
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77
ENC = {0x4D49: "MI", 0x4D4A: "MJ", 0x4D4B: "MK"}


class Fails:
    def __init__(self):
        self.items, self.checks = [], 0

    def check(self, ok, what):
        self.checks += 1
        if not ok:
            self.items.append(what)
            print("FAIL:", what)
        return ok


def start_capture(path, lo, hi, interface="lo"):
    dumpcap = shutil.which("dumpcap")
    if not dumpcap:
        return None, "dumpcap not found"
    proc = subprocess.Popen([dumpcap, "-i", interface, "-B", "256", "-f", f"tcp portrange {lo}-{hi}", "-w", path],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline, seen = time.time() + 20, ""
    while time.time() < deadline:
        line = proc.stderr.readline()
        seen += line
        if "Capturing on" in line:
            time.sleep(1.0)  # "Capturing on" can come before the filter sees packets
            return proc, None
        if not line and proc.poll() is not None:
            break
    proc.kill()
    return None, seen.strip() or "dumpcap failed"


def load_truth(work, lo, hi):
    """Each link direction's messages in wire order, keyed (from_port, to_port), as the parent end of
    the link saw them (the child end logs only once it has run install(), after its first messages).
    Also the child end's records of the same directions, to check the truth against itself."""
    parent_view, child_view = {}, {}
    for path in sorted(glob.glob(os.path.join(work, "truth-*.jsonl"))):
        with open(path) as f:
            for line in f:
                t = json.loads(line)
                local = t["from"] if t["dir"] == "out" else t["to"]
                view = child_view if lo <= local <= hi else parent_view
                view.setdefault((t["from"], t["to"]), []).append(t)
    return parent_view, child_view


def port_of(endpoint):
    return int(endpoint.rsplit(":", 1)[1])


def decode(mitokit, pcap, max_size):
    proc = subprocess.run([mitokit, "decode", "--json", "--max-message-size", str(max_size), pcap],
                          capture_output=True, text=True)
    per_dir, events, errors = {}, [], []
    for line in proc.stdout.splitlines():
        j = json.loads(line)
        if "direction" not in j or "from" not in j:
            continue
        key = (port_of(j["from"]), port_of(j["to"]))
        if "error" in j:
            errors.append((key, j))
        elif "event" in j:
            events.append((key, j))
        elif "enc" in j:
            per_dir.setdefault(key, []).append(j)
    return per_dir, events, errors, proc


def check_value(fails, label, got, want):
    """`got`: decode's JSON line; `want`: the truth record."""
    if "json" in want:
        vals = got.get("values")
        if fails.check(vals is not None and len(vals) >= 1, f"{label}: decode shows no value; truth {want['json'][:200]}"):
            fails.check(json.dumps(vals[0], separators=(",", ":"), ensure_ascii=True) == want["json"]
                        or json.loads(want["json"]) == vals[0],
                        f"{label}: value {json.dumps(vals[0])[:300]} != truth {want['json'][:300]}")
    elif "error" in want:
        fails.check("values" not in got and ("payload_error" in got or got.get("payload", {}).get("type") == "raw"),
                    f"{label}: reference refused ({want['error'][:200]}) but decode shows "
                    f"{json.dumps(got.get('values') or got.get('payload'))[:300]}")
        if "payload_error" in got:
            print(f"  {label}: reference: {want['error'][:150]!r}\n  {' ' * len(label)}  decode:    "
                  f"{json.dumps(got['payload_error'])[:150]}")


def reference_typed(w):
    """What 0.3.3's handlers make of a raw payload (None: not a raw handle, or not kept)."""
    if "raw" not in w:
        return None
    data = bytes.fromhex(w["raw"])
    if w["reply_to"] == 999:
        return {"type": "dead", "reason": data.decode("utf-8", "replace")}
    if w["handle"] == 102:
        name, level, text = data.decode("utf-8", "replace").split("\x00", 2)
        return {"type": "forward_log", "logger": name, "level": int(level), "message": text}
    if w["handle"] in (103, 104):
        ident, colon, name = data.partition(b":")
        # decode shows a DEL_ROUTE without ':' as name null; 0.3.3 reads the name as ''.
        return {"type": "route", "id": int(ident, 10), "name": name.decode() if colon else None}
    if w["handle"] == 100:
        return {"type": "get_module", "fullname": data.decode()}
    return None


def reference_pickled_typed(w):
    """LOAD_MODULE and CALL_SERVICE as 0.3.3's importer and service pool unpack their tuples."""
    if "json" not in w:
        return None
    t = json.loads(w["json"])
    t = t.get("tuple") if isinstance(t, dict) else None
    if w["handle"] == 107 and t is not None and len(t) == 5:
        fullname, pkg_present, path, source, related = t
        blob = None if source is None else base64.b64decode(next(iter(source.values())))
        if isinstance(related, dict):  # a negative answer's related is the empty tuple; decode lists names
            related = related["tuple"]
        return {"type": "load_module", "fullname": fullname, "pkg_present": pkg_present, "path": path,
                "related": related, "negative": blob is None,
                "compressed_size": None if blob is None else len(blob),
                "source_size": None if blob is None else len(zlib.decompress(blob))}
    if w["handle"] == 110 and t is not None and len(t) == 3:
        return {"type": "call_service", "service": t[0], "method": t[1], "kwargs": t[2]}
    return None


def compare_decode(fails, per_dir, sent):
    for key in sorted(sent):
        want = sent[key]
        got = per_dir.get(key, [])
        label = f"{key[0]}->{key[1]}"
        fails.check(len(got) == len(want), f"{label}: decode {len(got)} messages, truth {len(want)}")
        for i, (g, w) in enumerate(zip(got, want)):
            lab = f"{label} #{i} h{w['handle']}"
            ok = True
            for gk, wk in (("dst", "dst"), ("src", "src"), ("auth", "auth"), ("handle", "handle"),
                           ("reply_to", "reply_to"), ("length", "len"), ("sha1", "sha1")):
                ok = fails.check(g.get(gk) == w[wk], f"{lab}: {gk} {g.get(gk)!r} != truth {w[wk]!r}") and ok
            if ok:
                check_value(fails, lab, g, w)
                if "raw" in g and "raw" in w:
                    fails.check(g["raw"] == w["raw"], f"{lab}: raw differs")
                if w["handle"] == 101 and "json" in w:
                    t = json.loads(w["json"]).get("tuple", [])
                    if len(t) == 6:
                        want_call = {"module": t[1], "class": t[2] or None, "function": t[3], "args": t[4],
                                     "kwargs": t[5]}
                        have_call = {k: g.get("payload", {}).get(k) for k in want_call}
                        fails.check(have_call == want_call, f"{lab}: call {have_call} != 0.3.3's reading {want_call}")
                typed = reference_typed(w) or reference_pickled_typed(w)
                if typed is not None:
                    have = {k: g.get("payload", {}).get(k) for k in typed}
                    fails.check(have == typed, f"{lab}: typed payload {have} != 0.3.3's reading {typed}")
    extra = set(per_dir) - set(sent)
    fails.check(not extra, f"decode found directions the truth lacks: {sorted(extra)}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mitokit", required=True)
    p.add_argument("--shared", required=True)
    p.add_argument("--plugin")
    p.add_argument("--abi", default="4.0")
    p.add_argument("--python", default="/usr/bin/python3")
    p.add_argument("--keep", help="work in this folder and keep it")
    p.add_argument("--interface", default="lo", help="capture interface: lo (Ethernet frames) or any (Linux cooked, SLL2)")
    p.add_argument("--reuse", help="check the capture and truth a --keep run left in this folder again")
    a = p.parse_args()
    fails = Fails()
    sys.path.insert(0, HERE)
    import workload
    if a.reuse:
        check(fails, a, a.reuse, workload)
    work = a.keep or tempfile.mkdtemp(prefix="mitokit-workload-")
    os.makedirs(work, exist_ok=True)
    for f in glob.glob(os.path.join(work, "truth-*.jsonl")):
        os.unlink(f)
    sys.path.insert(0, os.path.join(HERE, "..", "..", "wireshark", "tests"))
    import wstest
    lo, hi = wstest.listen_port_block(100, random)
    with open(os.path.join(work, "ports.json"), "w") as f:
        json.dump([lo, hi], f)
    pcap = os.path.join(work, "workload.pcapng")
    cap, why = start_capture(pcap, lo, hi, a.interface)
    if cap is None:
        print(f"SKIP: cannot capture on lo ({why})")
        sys.exit(SKIP)
    try:
        run = subprocess.run([a.python, os.path.join(HERE, "workload.py"), work, str(lo), str(hi), a.shared],
                             capture_output=True, text=True, timeout=300)
    finally:
        time.sleep(1.0)
        cap.send_signal(signal.SIGTERM)
        cap.wait(timeout=30)
    if not fails.check(run.returncode == 0, f"workload failed: {run.stderr[-3000:]}"):
        sys.exit(1)
    print("workload results:", run.stdout.strip()[:2000])
    check(fails, a, work, workload)


def check(fails, a, work, workload):
    with open(os.path.join(work, "ports.json")) as f:
        lo, hi = json.load(f)
    pcap = os.path.join(work, "workload.pcapng")
    sent, child_view = load_truth(work, lo, hi)
    total = sum(len(v) for v in sent.values())
    print(f"truth: {total} messages in {len(sent)} link directions")
    # The child end's records (from its install() on) must be a tail of the parent end's.
    for key, msgs in child_view.items():
        mine = [m["sha1"] for m in msgs]
        theirs = [m["sha1"] for m in sent.get(key, [])]
        fails.check(len(mine) <= len(theirs) and theirs[len(theirs) - len(mine):] == mine,
                    f"truth: {key}: the child end's record is not a tail of the parent end's")
    per_dir, events, errors, proc = decode(a.mitokit, pcap, workload.MAX_MESSAGE_SIZE)
    payload_errors = any("payload_error" in m for msgs in per_dir.values() for m in msgs)
    fails.check(proc.returncode == 0 or errors or payload_errors, f"decode exited {proc.returncode}: {proc.stderr[-500:]}")
    for key, e in errors:
        fails.check(False, f"decode error on {key}: {json.dumps(e)[:300]}")
    compare_decode(fails, per_dir, sent)
    if a.plugin:
        sys.path.insert(0, os.path.join(HERE, "..", "..", "wireshark", "tests"))
        import tshark_check
        tshark_check.run(fails, a, pcap, sent)
    print(f"{fails.checks - len(fails.items)} checks passed, {len(fails.items)} failed")
    if not a.keep and not a.reuse:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if fails.items else 0)


if __name__ == "__main__":
    main()
