"""Real captures that miss bytes, made from a complete one: cut at a packet (the
capture began later) and with one data packet deleted (dumpcap dropped it). The
plugin and `mitokit decode` must find exactly the messages of the complete capture
that lie wholly in what is left: per link direction, by payload SHA-1, in order.
The plugin reads a cut capture with its port preference naming the listeners, as
docs/wireshark.md tells users to: its heuristic claims a link only where a segment
starts with a frame (or a bootstrap), so without the preference a link whose first
kept segment starts inside a frame loses that segment's messages, by design."""

import collections
import json
import os
import subprocess

import wstest


def decode_messages(mitokit, pcap):
    """[(from_port, to_port), stream offset, header+payload length, sha1] of every message."""
    out = subprocess.run([mitokit, "decode", "--json", pcap], capture_output=True, text=True, timeout=900).stdout
    msgs = []
    for line in out.splitlines():
        j = json.loads(line)
        if "enc" in j:
            key = (int(j["from"].rsplit(":", 1)[1]), int(j["to"].rsplit(":", 1)[1]))
            msgs.append((key, j["offset"], 26 + j["length"], j["sha1"]))
    return msgs


def packets(sb, pcap):
    rows = wstest.fields(sb, pcap, ["frame.number", "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.flags.syn",
                                    "tcp.len", "tcp.analysis.retransmission"], ["--disable-protocol", "mitogen"])
    out = []
    for r in rows:
        if not r[1]:
            continue
        out.append({"frame": int(r[0][0]), "key": (int(r[1][0]), int(r[2][0])), "seq": int(r[3][0]),
                    "syn": r[4][0] in ("1", "True"), "len": int(r[5][0]), "retrans": bool(r[6])})
    return out


def tshark_sha1s(sb, pcap, extra=()):
    got = collections.defaultdict(list)
    for m in wstest.messages(sb, pcap, list(extra)):
        got[(m["srcport"], m["dstport"])].append(m["sha1"])
    return got


def compare(fails, label, want, got):
    for key in sorted(set(want) | set(got)):
        w, g = want.get(key, []), got.get(key, [])
        fails.check(g == w, f"{label} {key[0]}->{key[1]}: {len(g)} messages, want {len(w)}"
                            + (" (a prefix of the expected is missing)" if g and w[len(w) - len(g):] == g else ""))


def run(fails, sb, pcap, mitokit, editcap, cuts=3, drops=3):
    full = decode_messages(mitokit, pcap)
    pk = packets(sb, pcap)
    isn = {p["key"]: p["seq"] for p in pk if p["syn"]}
    seen_seq = collections.Counter((p["key"], p["seq"]) for p in pk if p["len"] > 0)
    offset = lambda p: (p["seq"] - isn[p["key"]] - 1) % (1 << 32)  # noqa: E731
    # The listening end of each link: where its first SYN went.
    listeners = {}
    for p in pk:
        if p["syn"]:
            listeners.setdefault(frozenset(p["key"]), p["key"][1])
    port_pref = ["-o", "mitogen.tcp.port:" + ",".join(str(port) for port in sorted(set(listeners.values())))]
    checked = 0
    # Cuts: the capture begins at packet n. Expected: messages starting at or after the first byte kept.
    n_packets = len(pk)
    for i in range(1, cuts + 1):
        n = pk[n_packets * i // (cuts + 1)]["frame"]
        first = {}
        for p in pk:
            if p["frame"] >= n and p["len"] > 0 and p["key"] in isn and p["key"] not in first:
                first[p["key"]] = offset(p)
        want = collections.defaultdict(list)
        for key, off, _, sha in full:
            if key in first and off >= first[key]:
                want[key].append(sha)
        out = sb.writable(f"cut{n}.pcapng")
        sb.run([editcap, "-r", pcap, out, f"{n}-{pk[-1]['frame']}"])
        os.chmod(out, 0o644)
        compare(fails, f"begun at packet {n}: decode", want, collections.defaultdict(
            list, {k: [s for kk, _, _, s in decode_messages(mitokit, out) if kk == k] for k in first}))
        compare(fails, f"begun at packet {n}: tshark", want, tshark_sha1s(sb, out, port_pref))
        checked += 1
    # Drops: one data packet gone (not one TCP sent twice: its copy would fill the hole).
    data = [p for p in pk if p["len"] >= 1000 and p["key"] in isn and not p["retrans"]
            and seen_seq[(p["key"], p["seq"])] == 1]
    for i in range(1, drops + 1):
        if not data:
            break
        p = data[len(data) * i // (drops + 1)]
        lo, hi = offset(p), offset(p) + p["len"]
        want = collections.defaultdict(list)
        for key, off, size, sha in full:
            if not (key == p["key"] and off < hi and off + size > lo):
                want[key].append(sha)
        out = sb.writable(f"drop{p['frame']}.pcapng")
        sb.run([editcap, pcap, out, str(p["frame"])])
        os.chmod(out, 0o644)
        got = collections.defaultdict(list)
        for key, _, _, sha in decode_messages(mitokit, out):
            got[key].append(sha)
        compare(fails, f"packet {p['frame']} deleted: decode", want, got)
        compare(fails, f"packet {p['frame']} deleted: tshark", want, tshark_sha1s(sb, out))
        checked += 1
    return checked


