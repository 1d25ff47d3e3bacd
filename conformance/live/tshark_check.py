"""The Wireshark half of check_workload.py: the plugin, run by an unprivileged
tshark (wireshark/tests/wstest.py's sandbox), must show every message of the
workload capture with the truth's header and payload, the value 0.3.3 reads
(mitogen.pickle.json), the typed fields as 0.3.3's handlers read them, and an
expert info wherever 0.3.3 refuses the payload."""

import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "wireshark", "tests"))

import wstest  # noqa: E402

MAX_JSON = 65536  # the plugin's default mitogen.max_json_bytes


class _SandboxArgs:
    def __init__(self, a):
        self.plugin, self.abi, self.keep = a.plugin, a.abi, False
        self.tshark = wstest.shutil.which("tshark") or ""


def find(obj, key):
    """Every value of `key` anywhere inside one PDU's JSON tree."""
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


def compact(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=True)


def call_fields(w, val):
    """The CALL_FUNCTION fields as 0.3.3's dispatcher reads its 6-tuple (klass only if true)."""
    if w["handle"] != 101 or not isinstance(val, dict) or "tuple" not in val or len(val["tuple"]) != 6:
        return None
    chain, module, klass, function, args, kwargs = val["tuple"]
    return {"mitogen.call.module": module, "mitogen.call.class": klass or None, "mitogen.call.function": function,
            "mitogen.call.args": compact(args), "mitogen.call.kwargs": compact(kwargs)}


def pdus(sb, pcap, max_size):
    argv = ["-r", pcap, "-2", "-o", f"mitogen.max_message_size:{max_size}", "-T", "json", "--no-duplicate-keys",
            "-J", "frame tcp mitogen"]
    frames = json.loads(sb.tshark(argv).stdout)
    per_dir = {}
    for f in frames:
        layers = f["_source"]["layers"]
        if "mitogen" not in layers:
            continue
        tcp = layers["tcp"]
        number = int(layers["frame"]["frame.number"])
        key = (int(tcp["tcp.srcport"]), int(tcp["tcp.dstport"]))
        items = layers["mitogen"] if isinstance(layers["mitogen"], list) else [layers["mitogen"]]
        for item in items:
            hdr = item.get("mitogen.header") if isinstance(item, dict) else None
            if hdr is None:
                continue
            item["frame"] = number
            per_dir.setdefault(key, []).append(item)
    return per_dir


def run(fails, a, pcap, sent):
    from check_workload import reference_typed
    args = _SandboxArgs(a)
    if not args.tshark:
        print("tshark not found: the Wireshark half is skipped")
        return
    with wstest.sandbox(args) as sb:
        local = sb.add_file(pcap)
        import workload
        seen = pdus(sb, local, workload.MAX_MESSAGE_SIZE)
        for key in sorted(sent):
            want, got = sent[key], seen.get(key, [])
            label = f"tshark {key[0]}->{key[1]}"
            fails.check(len(got) == len(want), f"{label}: {len(got)} messages dissected, truth {len(want)}")
            for i, (g, w) in enumerate(zip(got, want)):
                lab = f"{label} #{i} h{w['handle']}"
                h = g["mitogen.header"]
                ok = True
                for field, wk in (("mitogen.dst", "dst"), ("mitogen.src", "src"), ("mitogen.auth", "auth"),
                                  ("mitogen.handle", "handle"), ("mitogen.reply_to", "reply_to"),
                                  ("mitogen.length", "len")):
                    ok = fails.check(int(h[field]) == w[wk], f"{lab}: {field} {h[field]} != truth {w[wk]}") and ok
                payload = g.get("mitogen.payload", "")
                payload = payload if isinstance(payload, str) else payload[0]
                sha = hashlib.sha1(bytes.fromhex(payload.replace(":", ""))).hexdigest()
                ok = fails.check(sha == w["sha1"], f"{lab}: payload sha1 differs") and ok
                if not ok:
                    continue
                experts = find(g, "_ws.expert.message")
                if "json" in w:
                    js = find(g, "mitogen.pickle.json")
                    if len(w["json"]) <= MAX_JSON:
                        fails.check(js[:1] == [w["json"]], f"{lab}: pickle.json {str(js)[:200]} != truth {w['json'][:200]}")
                    else:
                        fails.check(not js and experts, f"{lab}: a value over max_json_bytes: no JSON, a note")
                    val = json.loads(w["json"])
                    call = call_fields(w, val)
                    if call is not None:
                        for field, want_v in call.items():
                            have = find(g, field)[:1]
                            fails.check(have == ([want_v] if want_v is not None else []),
                                        f"{lab}: {field} {have} != 0.3.3's reading {want_v!r}")
                    if isinstance(val, dict) and "call_error" in val and w["handle"] not in (101, 107):
                        fails.check(find(g, "mitogen.call_error")[:1] == [val["call_error"]],
                                    f"{lab}: mitogen.call_error differs from the CallError's text")
                elif "error" in w:
                    kinds = [k for k in ("mitogen.refused_global", "mitogen.malformed_pickle") if find(g, k)]
                    fails.check(kinds, f"{lab}: 0.3.3 refuses ({w['error'][:120]}) but no refusal expert: {experts}")
                typed = reference_typed(w)
                if typed is not None:
                    names = {"dead": {"reason": "mitogen.dead.reason"},
                             "forward_log": {"logger": "mitogen.log.name", "level": "mitogen.log.level",
                                             "message": "mitogen.log.text"},
                             "route": {"id": "mitogen.route.id", "name": "mitogen.route.name"},
                             "get_module": {"fullname": "mitogen.get_module.fullname"}}[typed["type"]]
                    for k, field in names.items():
                        vals = find(g, field)
                        want_v = typed[k]
                        have = vals[0] if vals else None
                        if isinstance(want_v, int) and have is not None:
                            have = int(have)
                        if isinstance(want_v, str):
                            # An epan string field cannot hold U+0000: the plugin shows it as U+FFFD.
                            want_v = want_v.replace("\x00", "\ufffd")
                        fails.check(have == want_v, f"{lab}: {field} {have!r} != 0.3.3's {want_v!r}")
        check_links(fails, sent, seen)
        from test_truth import check_stats
        check_stats(fails, sb, local, [t for msgs in sent.values() for t in msgs])


def check_links(fails, sent, seen):
    """A call that wants a reply links to the first answer on the same link (mitogen.response_in,
    or mitogen.dead_in for a dead reply), found from the truth."""
    linked = 0
    for key in sorted(sent):
        back = list(zip(sent.get((key[1], key[0]), []), seen.get((key[1], key[0]), [])))
        for w, g in zip(sent[key], seen.get(key, [])):
            if w["reply_to"] in (0, 999) or w["handle"] != 101:
                continue
            answer = next((pg for pw, pg in back if pw["handle"] == w["reply_to"] and pw["dst"] == w["src"]
                           and pg["frame"] >= g["frame"]), None)
            want_field = None if answer is None else (
                "mitogen.dead_in" if int(answer["mitogen.header"]["mitogen.reply_to"]) == 999 else "mitogen.response_in")
            for field in ("mitogen.response_in", "mitogen.dead_in"):
                have = [int(x) for x in find(g, field)]
                want = [answer["frame"]] if field == want_field else []
                fails.check(have == want, f"tshark {key} frame {g['frame']} call reply_to {w['reply_to']}: "
                                          f"{field} {have} != {want}")
            linked += answer is not None
    fails.check(linked >= 40, f"only {linked} calls with an answer on their link")
