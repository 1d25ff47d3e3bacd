"""tshark's time with the mitogen plugin against the same capture dissected as plain
TCP payload (--disable-protocol mitogen). Target: at most 1.5x.

Writes a capture of --frames packets (default 120,000), each a TCP segment with
mitogen frames of a realistic mix (calls, replies, module traffic, logs, routes),
over several links, then times tshark on it, best of --runs, in two modes:
summary lines (tshark -r) and full trees (tshark -r -V). Runs tshark as an
unprivileged user with the plugin in its personal folder, like the tests.

Usage (from the build): /usr/bin/python3 wireshark/perf/perf_tshark.py \
    --plugin <build>/wireshark/plugins/4.0/epan/mitogen.so --abi 4.0 --shared <shared>
"""

import os
import pickle
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

import mitogen.core as mc  # noqa: E402

import wstest  # noqa: E402
from pcapgen import PcapWriter, TcpConversation, frame  # noqa: E402

MJ, MI = 0x4D4A, 0x4D49


def p2(obj):
    return pickle.dumps(obj, protocol=2)


def write_capture(path, packets, links=8):
    module_src = zlib.compress(b"def f(x):\n    return x * 2\n" * 120, 9)
    with PcapWriter(path) as w:
        convs = [TcpConversation(w, 41000 + i, 48000 + i) for i in range(links)]
        written = 3 * links
        handle = 1000
        i = 0
        while written < packets:
            conv = convs[i % links]
            child = 1 + i % links
            kind = i % 10
            if kind < 4:
                handle += 1
                conv.send("c", frame(child, 0, 101, p2((None, "mymod", None, "work", (i, "arg%d" % i),
                                                        mc.Kwargs({"n": i}))), reply_to=handle, enc=MJ))
                conv.send("s", frame(0, child, handle, p2({"result": i, "ok": True}), enc=MJ))
                written += 2
            elif kind == 4:
                conv.send("s", frame(0, child, 100, b"pkg%d.mod" % (i % 500)))
                conv.send("c", frame(child, 0, 107, p2(("pkg%d.mod" % (i % 500), None, "/srv/pkg/mod.py",
                                                        mc.Blob(module_src), [])), enc=MJ))
                written += 2
            elif kind == 5:
                conv.send("s", frame(0, child, 102, b"root\x0020\x00progress %d" % i))
                written += 1
            elif kind == 6:
                conv.send("s", frame(0, child, 103, b"%d:grandchild%d" % (100 + i % 50, i % 50)))
                written += 1
            else:
                # Several frames in one segment.
                data = b"".join(frame(child, 0, 1006, p2(j), enc=MJ) for j in range(4))
                conv.send("c", data)
                written += 1
            i += 1
    return written


def best_time(sb, argv, runs):
    best = None
    for _ in range(runs):
        t0 = time.perf_counter()
        sb.tshark(argv)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    return best


def main():
    args = wstest.parse_args([(("--frames",), {"type": int, "default": 120000}),
                              (("--runs",), {"type": int, "default": 3})])
    with wstest.sandbox(args) as sb:
        cap = sb.writable("perf.pcap")
        n = write_capture(cap, args.frames)
        os.chmod(cap, 0o644)
        print(f"capture: {n} packets, {os.path.getsize(cap) / 1e6:.1f} MB")
        count = sb.tshark(["-r", cap, "-Y", "mitogen", "-T", "fields", "-e", "frame.number"]).stdout.count("\n")
        print(f"packets with mitogen messages: {count}")
        results = []
        for label, extra in (("summary", []), ("full tree (-V)", ["-V"])):
            with_plugin = best_time(sb, ["-r", cap] + extra, args.runs)
            without = best_time(sb, ["-r", cap, "--disable-protocol", "mitogen"] + extra, args.runs)
            ratio = with_plugin / without
            results.append((label, with_plugin, without, ratio))
            print(f"{label}: plugin {with_plugin:.2f} s, plain TCP {without:.2f} s, ratio {ratio:.2f}x "
                  f"(target <= 1.5x)")
    return 0 if all(r[3] <= 1.5 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
