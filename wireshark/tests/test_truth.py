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


def main():
    args = wstest.parse_args([(("--capture-dir",), {"default": None})])
    folder = args.capture_dir or os.path.join(args.shared, "captures", "mitogen-0.3.52-basic")
    truth, ports = load_truth(folder)
    fails = wstest.Failures()
    with wstest.sandbox(args) as sb:
        cap = sb.add_file(os.path.join(folder, "real.pcapng"))
        seen = wstest.messages(sb, cap)
        compare(fails, seen, truth, ports, "heuristic")
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
