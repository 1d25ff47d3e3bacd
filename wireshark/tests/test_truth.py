"""The real capture (upstream mitogen 0.3.52, loopback TCP) against the master's own
record of every frame it sent and received: same frames, same order per link,
same header fields, same payload bytes (sha1)."""

import json
import os

import wstest


def load_truth(folder):
    with open(os.path.join(folder, "truth.jsonl")) as f:
        truth = [json.loads(line) for line in f if line.strip()]
    with open(os.path.join(folder, "ports.json")) as f:
        ports = json.load(f)  # [[master port, child port], ...]
    return truth, ports


def compare(fails, seen, truth, ports, label):
    """Per master port and direction, the dissected sequence must equal the truth's."""
    master_ports = {m for m, _ in ports}
    for port in sorted(master_ports):
        for direction in ("out", "in"):
            want = [t for t in truth if t["port"] == port and t["dir"] == direction]
            if direction == "out":
                got = [m for m in seen if m["srcport"] == port]
            else:
                got = [m for m in seen if m["dstport"] == port]
            fails.check(len(got) == len(want),
                        f"{label} port {port} {direction}: {len(got)} frames dissected, truth has {len(want)}")
            for i, (g, w) in enumerate(zip(got, want)):
                for key in ("magic", "dst", "src", "auth", "handle", "reply_to", "len", "sha1"):
                    if not fails.check(g[key] == w[key],
                                       f"{label} port {port} {direction} #{i} (frame {g['frame']}): "
                                       f"{key} {g[key]!r} != truth {w[key]!r}"):
                        break


STANDARD = {100: "GET_MODULE", 101: "CALL_FUNCTION", 102: "FORWARD_LOG", 103: "ADD_ROUTE", 104: "DEL_ROUTE",
            105: "ALLOCATE_ID", 106: "SHUTDOWN", 107: "LOAD_MODULE", 108: "FORWARD_MODULE", 109: "DETACHING",
            110: "CALL_SERVICE"}


def stats_section(text, title):
    """{item: (count)} of one top node of tshark's -z mitogen,tree output."""
    items, inside = {}, False
    for line in text.splitlines():
        if line.startswith(title):
            inside = True
            continue
        if inside:
            if not line.startswith(" "):
                break
            items[line[:31].strip()] = int(line[31:45].split()[0])
    return items


def check_stats(fails, sb, cap, truth):
    text = sb.tshark(["-r", cap, "-q", "-z", "mitogen,tree"]).stdout
    by_handle = stats_section(text, "Messages by handle")
    want = {}
    for t in truth:
        name = "dead message" if t["reply_to"] == 999 else STANDARD.get(t["handle"], "reply (dynamic handle)")
        want[name] = want.get(name, 0) + 1
    fails.check(by_handle == want, f"-z mitogen,tree messages by handle {by_handle} != truth {want}")
    by_pair = stats_section(text, "Messages by context pair")
    want = {}
    for t in truth:
        key = f"{t['src']} -> {t['dst']}"
        want[key] = want.get(key, 0) + 1
    fails.check(by_pair == want, f"-z mitogen,tree messages by pair {by_pair} != truth {want}")
    bytes_pair = stats_section(text, "Payload bytes by context pair")
    want = {}
    for t in truth:
        key = f"{t['src']} -> {t['dst']}"
        want[key] = want.get(key, 0) + t["len"]
    fails.check(bytes_pair == want, f"-z mitogen,tree bytes by pair {bytes_pair} != truth {want}")


def main():
    args = wstest.parse_args([(("--capture-dir",), {"default": None})])
    folder = args.capture_dir or os.path.join(args.shared, "captures", "mitogen-0.3.52-basic")
    truth, ports = load_truth(folder)
    fails = wstest.Failures()
    with wstest.sandbox(args) as sb:
        cap = sb.add_file(os.path.join(folder, "real.pcapng"))
        seen = wstest.messages(sb, cap)
        compare(fails, seen, truth, ports, "heuristic")
        check_stats(fails, sb, cap, truth)
        # The same through the port preference with the heuristic off.
        pref_ports = ",".join(str(c) for _, c in ports)
        seen = wstest.messages(sb, cap, ["--disable-heuristic", "mitogen_tcp", "-o", f"mitogen.tcp.port:{pref_ports}"])
        compare(fails, seen, truth, ports, "port preference")
        # And through Decode As.
        extra = ["--disable-heuristic", "mitogen_tcp"]
        for _, c in ports:
            extra += ["-d", f"tcp.port=={c},mitogen"]
        seen = wstest.messages(sb, cap, extra)
        compare(fails, seen, truth, ports, "decode as")
        # Without the plugin's heuristic or ports nothing is dissected: the checks above can fail.
        seen = wstest.messages(sb, cap, ["--disable-heuristic", "mitogen_tcp"])
        fails.check(not seen, f"heuristic off and no port: {len(seen)} frames dissected, expected none")
    fails.finish()


if __name__ == "__main__":
    main()
