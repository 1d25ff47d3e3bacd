"""live_workloads.py (real python3-mitogen, every link loopback TCP) captured by
dumpcap and checked message by message, per link direction, against every
process's own record: the plugin under an unprivileged tshark in one pass and in
two passes (header, payload SHA-1, mitogen.pickle.json against 0.3.3's reading,
no error or warning expert on traffic 0.3.3 accepts), and `mitokit decode --json`
(header, SHA-1, the decoded value, no errors).

Usage: test_workloads.py --plugin SO --abi 4.0 --shared DIR [--mitokit BIN]
       [--scenarios LIST] [--ipv6] [--keep] [--reuse DIR] [--work DIR]
Exit 0 all agree, 1 a disagreement (each printed), 77 cannot capture.
"""

import base64
import glob
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zlib

import wstest

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_JSON = 65536  # the plugin's default mitogen.max_json_bytes
# Experts that valid traffic may carry, and when.
BENIGN = {"mitogen.call_error.expert", "mitogen.limit", "mitogen.unanswered"}


def load_truth(work, lo, hi):
    """Each link direction's messages in wire order, keyed (from_port, to_port), from the parent end
    (the child end logs only after its install() call); and the child ends' records."""
    parent_view, child_view = {}, {}
    for path in sorted(glob.glob(os.path.join(work, "truth-*.jsonl"))):
        with open(path) as f:
            for line in f:
                t = json.loads(line)
                local = t["from"] if t["dir"] == "out" else t["to"]
                view = child_view if lo <= local <= hi else parent_view
                view.setdefault((t["from"], t["to"]), []).append(t)
    return parent_view, child_view


def find(obj, key):
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == key:
                out.extend(v if isinstance(v, list) else [v])
            out.extend(find(v, key))
    elif isinstance(obj, list):
        for v in obj:
            out.extend(find(v, key))
    return out


def experts(obj):
    """(expert field name, severity, message) of every expert item inside one PDU's tree."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "_ws.expert" and isinstance(v, dict):
                name = next((n for n in v if not n.startswith("_ws.expert.")), "?")
                out.append((name, v.get("_ws.expert.severity"), v.get("_ws.expert.message")))
            out.extend(experts(v))
    elif isinstance(obj, list):
        for v in obj:
            out.extend(experts(v))
    return out


def tshark_pdus(sb, pcap):
    frames = json.loads(sb.tshark(["-r", pcap, "-2", "-T", "json", "--no-duplicate-keys",
                                   "-J", "frame tcp mitogen _ws"], timeout=900).stdout)
    per_dir, stray = {}, []
    for f in frames:
        layers = f["_source"]["layers"]
        number = int(layers["frame"]["frame.number"])
        if "_ws.malformed" in layers or "_ws.malformed" in json.dumps(layers.get("mitogen", "")):
            stray.append((number, "malformed packet"))
        if "mitogen" not in layers:
            continue
        tcp = layers["tcp"]
        key = (int(tcp["tcp.srcport"]), int(tcp["tcp.dstport"]))
        items = layers["mitogen"] if isinstance(layers["mitogen"], list) else [layers["mitogen"]]
        for item in items:
            if not isinstance(item, dict):
                continue
            if "mitogen.header" not in item:
                for e in experts(item):
                    stray.append((number, e))
                continue
            item["frame"] = number
            per_dir.setdefault(key, []).append(item)
    return per_dir, stray


def reference_fields(w):
    """{plugin field: value} as 0.3.3's handlers read the message (see master.py, core.py,
    parent.py): raw log, route, module-request and dead payloads, and the LOAD_MODULE,
    CALL_FUNCTION and CallError tuples."""
    out = {}
    data = bytes.fromhex(w["raw"]) if "raw" in w else None
    if w["reply_to"] == 999:
        if data is not None:
            out["mitogen.dead.reason"] = data.decode("utf-8", "replace")
        return out
    if data is not None and w["handle"] == 102:
        name, level, text = data.decode("utf-8", "replace").split("\x00", 2)
        out.update({"mitogen.log.name": name, "mitogen.log.level": str(int(level)), "mitogen.log.text": text})
    elif data is not None and w["handle"] in (103, 104):
        ident, colon, name = data.decode().partition(":")
        out["mitogen.route.id"] = str(int(ident))
        if colon:
            out["mitogen.route.name"] = name
    elif data is not None and w["handle"] == 100:
        out["mitogen.get_module.fullname"] = data.decode()
    if "json" not in w:
        return out
    val = json.loads(w["json"])
    t = val.get("tuple") if isinstance(val, dict) else None
    if w["handle"] == 107 and t and len(t) == 5:
        fullname, pkg_present, path, blob, related = t
        out["mitogen.load_module.fullname"] = fullname
        out["mitogen.load_module.negative"] = "1" if blob is None else "0"
        if blob is not None:
            z = base64.b64decode(next(iter(blob.values())))
            out["mitogen.load_module.path"] = path
            out["mitogen.load_module.is_package"] = "0" if pkg_present is None else "1"
            out["mitogen.load_module.compressed_size"] = str(len(z))
            out["mitogen.load_module.source_size"] = str(len(zlib.decompress(z)))
            out["mitogen.load_module.related"] = related["tuple"] if isinstance(related, dict) else related
    elif w["handle"] == 101 and t and len(t) == 6:
        out.update({"mitogen.call.module": t[1], "mitogen.call.function": t[3]})
        if t[0] is not None:
            out["mitogen.call.chain_id"] = t[0]
        if t[2]:
            out["mitogen.call.class"] = t[2]
    elif w["handle"] >= 1000 and isinstance(val, dict) and "call_error" in val:
        out["mitogen.call_error"] = val["call_error"]
    return out


# reference_fields' plugin field -> (decode's payload key, conversion)
DECODE_KEYS = {
    "mitogen.dead.reason": ("reason", str), "mitogen.log.name": ("logger", str), "mitogen.log.level": ("level", int),
    "mitogen.log.text": ("message", str), "mitogen.route.id": ("id", int), "mitogen.route.name": ("name", str),
    "mitogen.get_module.fullname": ("fullname", str), "mitogen.load_module.fullname": ("fullname", str),
    "mitogen.load_module.negative": ("negative", lambda v: v == "1"), "mitogen.load_module.path": ("path", str),
    "mitogen.load_module.compressed_size": ("compressed_size", int),
    "mitogen.load_module.source_size": ("source_size", int), "mitogen.load_module.related": ("related", list),
    "mitogen.call.module": ("module", str), "mitogen.call.function": ("function", str),
    "mitogen.call.chain_id": ("chain_id", str), "mitogen.call.class": ("class", str),
}


def check_decode_fields(fails, lab, g, w):
    payload = g.get("payload", {})
    for field, want in reference_fields(w).items():
        if field not in DECODE_KEYS:
            continue
        key, conv = DECODE_KEYS[field]
        want = conv(want)
        fails.check(payload.get(key) == want, f"{lab}: payload {key} {str(payload.get(key))[:200]} != 0.3.3's {str(want)[:200]}")


def check_tshark_fields(fails, lab, g, w):
    for field, want in reference_fields(w).items():
        if isinstance(want, list):  # one field occurrence per item
            have = find(g, field)
            fails.check(have == want, f"{lab}: {field} {str(have)[:200]} != 0.3.3's {str(want)[:200]}")
            continue
        have = find(g, field)[:1]
        # An epan string cannot hold U+0000: the plugin shows it as U+FFFD.
        want = want.replace("\x00", "\ufffd")
        fails.check(have == [want], f"{lab}: {field} {str(have)[:200]} != 0.3.3's {want[:200]!r}")


def check_tshark_values(fails, sent, seen):
    dead_answers = {(t["dst"], t["handle"]) for msgs in sent.values() for t in msgs if t["reply_to"] == 999}
    for key in sorted(sent):
        want, got = sent[key], seen.get(key, [])
        label = f"tshark -2 {key[0]}->{key[1]}"
        fails.check(len(got) == len(want), f"{label}: {len(got)} messages dissected, truth {len(want)}")
        for i, (g, w) in enumerate(zip(got, want)):
            lab = f"{label} #{i} frame {g['frame']} h{w['handle']}"
            h = g["mitogen.header"]
            ok = True
            for field, wk in (("mitogen.dst", "dst"), ("mitogen.src", "src"), ("mitogen.auth", "auth"),
                              ("mitogen.handle", "handle"), ("mitogen.reply_to", "reply_to"),
                              ("mitogen.length", "len")):
                ok = fails.check(int(h[field]) == w[wk], f"{lab}: {field} {h[field]} != truth {w[wk]}") and ok
            payload = g.get("mitogen.payload", "")
            payload = payload if isinstance(payload, str) else payload[0]
            ok = fails.check(hashlib.sha1(bytes.fromhex(payload.replace(":", ""))).hexdigest() == w["sha1"],
                             f"{lab}: payload sha1 differs") and ok
            if not ok:
                continue
            if "json" in w and len(w["json"]) <= MAX_JSON:
                js = find(g, "mitogen.pickle.json")
                fails.check(js[:1] == [w["json"]], f"{lab}: pickle.json {str(js)[:200]} != truth {w['json'][:200]}")
            check_tshark_fields(fails, lab, g, w)
            allowed = set(BENIGN)
            if w["reply_to"] == 999 or (w["src"], w["reply_to"]) in dead_answers:
                allowed.add("mitogen.dead_reply")  # the dead message, and the call it answered
            if "error" in w:
                allowed |= {"mitogen.refused_global", "mitogen.malformed_pickle", "mitogen.bad_payload"}
            for name, sev, text in experts(g):
                fails.check(name in allowed, f"{lab}: expert {name} ({sev}) on traffic 0.3.3 accepts: {text}")


def check_links(fails, sent, seen):
    """Each call answered on its link links to its answer: the first message back to the
    caller's reply handle (mitogen.response_in, or mitogen.dead_in for a dead reply)."""
    linked = 0
    for key in sorted(sent):
        back = list(zip(sent.get((key[1], key[0]), []), seen.get((key[1], key[0]), [])))
        for w, g in zip(sent[key], seen.get(key, [])):
            if w["reply_to"] in (0, 999) or w["handle"] != 101:
                continue
            answer = next((pg for pw, pg in back if pw["handle"] == w["reply_to"] and pw["dst"] == w["src"]
                           and pg["frame"] >= g["frame"]), None)
            if answer is None:
                continue
            field = "mitogen.dead_in" if answer["mitogen.header"]["mitogen.reply_to"] == "999" else "mitogen.response_in"
            have = [int(x) for x in find(g, field)]
            fails.check(have == [answer["frame"]],
                        f"tshark {key} frame {g['frame']} call reply_to {w['reply_to']}: {field} {have} != {answer['frame']}")
            linked += 1
    return linked


def check_one_pass(fails, sent, msgs):
    by_dir = {}
    for m in msgs:
        by_dir.setdefault((m["srcport"], m["dstport"]), []).append(m)
    for key in sorted(sent):
        want, got = sent[key], by_dir.get(key, [])
        label = f"tshark {key[0]}->{key[1]}"
        fails.check(len(got) == len(want), f"{label}: {len(got)} messages dissected, truth {len(want)}")
        for i, (g, w) in enumerate(zip(got, want)):
            for k in ("dst", "src", "auth", "handle", "reply_to", "len", "sha1"):
                if not fails.check(g[k] == w[k], f"{label} #{i} frame {g['frame']}: {k} {g[k]!r} != truth {w[k]!r}"):
                    break
    extra = set(by_dir) - set(sent)
    fails.check(not extra, f"tshark found directions the truth lacks: {sorted(extra)}")


def port_of(endpoint):
    return int(endpoint.rsplit(":", 1)[1])


def check_decode(fails, mitokit, pcap, sent):
    proc = subprocess.run([mitokit, "decode", "--json", pcap], capture_output=True, text=True, timeout=900)
    per_dir = {}
    for line in proc.stdout.splitlines():
        j = json.loads(line)
        if "from" not in j:
            continue
        key = (port_of(j["from"]), port_of(j["to"]))
        if "error" in j:
            fails.check(False, f"decode error on {key}: {json.dumps(j)[:300]}")
        elif "enc" in j:
            per_dir.setdefault(key, []).append(j)
    for key in sorted(sent):
        want, got = sent[key], per_dir.get(key, [])
        label = f"decode {key[0]}->{key[1]}"
        fails.check(len(got) == len(want), f"{label}: {len(got)} messages, truth {len(want)}")
        for i, (g, w) in enumerate(zip(got, want)):
            lab = f"{label} #{i} h{w['handle']}"
            ok = True
            for gk, wk in (("dst", "dst"), ("src", "src"), ("auth", "auth"), ("handle", "handle"),
                           ("reply_to", "reply_to"), ("length", "len"), ("sha1", "sha1")):
                ok = fails.check(g.get(gk) == w[wk], f"{lab}: {gk} {g.get(gk)!r} != truth {w[wk]!r}") and ok
            if not ok:
                continue
            check_decode_fields(fails, lab, g, w)
            if "json" in w:
                vals = g.get("values") or [None]
                fails.check(json.loads(w["json"]) == vals[0],
                            f"{lab}: value {json.dumps(vals[0])[:300]} != truth {w['json'][:300]}")
                fails.check("payload_error" not in g, f"{lab}: payload_error {g.get('payload_error')} on a value 0.3.3 reads")
            elif "error" in w:
                fails.check("values" not in g, f"{lab}: 0.3.3 refuses ({w['error'][:100]}) but decode shows a value")
    extra = set(per_dir) - set(sent)
    fails.check(not extra, f"decode found directions the truth lacks: {sorted(extra)}")
    fails.check(proc.returncode == 0 or any("error" in w for v in sent.values() for w in v),
                f"decode exited {proc.returncode}: {proc.stderr[-300:]}")


def check(fails, args, work, lo, hi):
    pcap = os.path.join(work, "workloads.pcapng")
    sent, child_view = load_truth(work, lo, hi)
    total = sum(len(v) for v in sent.values())
    print(f"truth: {total} messages in {len(sent)} link directions")
    for key, msgs in child_view.items():
        mine = [m["sha1"] for m in msgs]
        theirs = [m["sha1"] for m in sent.get(key, [])]
        fails.check(len(mine) <= len(theirs) and theirs[len(theirs) - len(mine):] == mine,
                    f"truth: {key}: the child end's record is not a tail of the parent end's")
    with wstest.sandbox(args) as sb:
        local = sb.add_file(pcap)
        check_one_pass(fails, sent, wstest.messages(sb, local))
        seen, stray = tshark_pdus(sb, local)
        for number, what in stray:
            fails.check(False, f"tshark frame {number}: {what}")
        check_tshark_values(fails, sent, seen)
        linked = check_links(fails, sent, seen)
        print(f"{linked} calls linked to their answers")
        from test_truth import check_stats
        check_stats(fails, sb, local, [t for msgs in sent.values() for t in msgs])
    if args.mitokit:
        check_decode(fails, args.mitokit, pcap, sent)
        # The same capture begun later, and with a packet lost: no more frames lost than those cut.
        editcap = os.path.join(os.path.dirname(args.tshark), "editcap")
        if os.path.exists(editcap):
            import missing_bytes
            with wstest.sandbox(args) as sb:
                local = sb.add_file(pcap)
                n = missing_bytes.run(fails, sb, local, args.mitokit, editcap, args.missing, args.missing)
            print(f"{n} captures missing bytes checked")
    return total


def main():
    args = wstest.parse_args([(("--mitokit",), {"default": None}), (("--python",), {"default": "/usr/bin/python3"}),
                              (("--scenarios",), {"default": None}), (("--reuse",), {"default": None}),
                              (("--work",), {"default": None}),
                              (("--ipv6",), {"action": "store_true"}),
                              (("--missing",), {"type": int, "default": 2,
                                                "help": "captures cut, and captures with a packet deleted, to check"})])
    fails = wstest.Failures()
    if args.reuse:
        with open(os.path.join(args.reuse, "ports.json")) as f:
            lo, hi = json.load(f)
        check(fails, args, args.reuse, lo, hi)
        fails.finish()
    dumpcap = shutil.which("dumpcap") or os.path.join(os.path.dirname(args.tshark), "dumpcap")
    if not os.path.exists(dumpcap):
        print("SKIP: dumpcap not found")
        sys.exit(wstest.SKIP)
    work = args.work or tempfile.mkdtemp(prefix="mitokit-workloads-")
    os.makedirs(work, exist_ok=True)
    try:
        # A capture that dropped packets cannot judge the dissector: run once more.
        for attempt in (1, 2):
            for f in glob.glob(os.path.join(work, "truth-*.jsonl")):
                os.unlink(f)
            lo, hi = wstest.listen_port_block(200, random)
            with open(os.path.join(work, "ports.json"), "w") as f:
                json.dump([lo, hi], f)
            pcap = os.path.join(work, "workloads.pcapng")
            cap = wstest.capture_or_skip(fails, dumpcap, pcap, lo, hi, buffer_mib=256, settle_s=1.0)
            argv = [args.python, os.path.join(HERE, "live_workloads.py"), work, str(lo), str(hi), args.shared]
            if args.scenarios:
                argv += ["--scenarios", args.scenarios]
            if args.ipv6:
                argv.append("--ipv6")
            try:
                run = subprocess.run(argv, capture_output=True, text=True, timeout=600)
            finally:
                time.sleep(1.0)
                received, dropped = wstest.stop_capture(cap)
            print(f"capture: {received} packets received, {dropped} dropped (attempt {attempt})")
            if not dropped:
                break
        fails.check(not dropped, f"dumpcap dropped {dropped} of {received} packets on both attempts: "
                                 "the capture cannot be checked against the truth")
        if not fails.check(run.returncode == 0, f"workloads failed: {run.stderr[-3000:]}"):
            fails.finish()
        print("workloads:", run.stdout.strip()[:3000])
        check(fails, args, work, lo, hi)
    finally:
        if not args.work and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    fails.finish()


if __name__ == "__main__":
    main()
