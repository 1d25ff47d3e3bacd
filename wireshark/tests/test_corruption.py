"""Corruption sweep: random byte errors (editcap -E) and cut packets (editcap -s)
over the real and the synthetic captures, many seeds. tshark must finish every
file, without a signal, a time-out or a dissector bug, with the full tree (-V)
on two passes (-2), so both the first-pass state and re-dissection run."""

import os
import pickle
import random
import zlib

import mitogen.core as mc

import synth_capture
import wstest
from pcapgen import PcapWriter, TcpConversation, frame

MUTATION_PORTS = (40100, 47399)


def sample_payloads():
    """(handle, encoding, payload) of every kind the plugin parses."""
    p2 = synth_capture.p2
    return [
        (101, 0x4D4A, synth_capture.call("posix", "getpid", args=(1, "x", b"\x00\xff", 2.5, None, True),
                                         kwargs={"k": [1, {"a": (1, 2)}]}, chain="host-1-2-3")),
        (107, 0x4D4A, synth_capture.load_module("pkg", b"X = 1\n" * 50, "/p/__init__.py", ["a", "b"], ["pkg.a"])),
        (110, 0x4D4A, p2(("svc", "method", mc.Kwargs({"path": "/x"})))),
        (1000, 0x4D4A, p2(mc.CallError("builtins.ValueError: x\n  tb"))),
        (1001, 0x4D4A, p2({"id": 3, "name": "ctx", "msg": None, "big": 2 ** 80, "neg": -(2 ** 70)})),
        (1002, 0x4D4A, p2((mc.Secret("s"), mc.Blob(b"\x01\x02"), [b"", b"a"] * 3))),
        (100, 0x4D49, b"mitogen.parent"),
        (102, 0x4D49, b"root\x0030\x00text \xff\xfe"),
        (103, 0x4D49, b"7:name"),
        (104, 0x4D49, b"7"),
        (108, 0x4D49, b"2\x00mypkg"),
        (1003, 0x4D4B, bytes(range(256))),
    ]


def mutate(rng, data):
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(4)
        if op == 0 and b:
            b[rng.randrange(len(b))] = rng.randrange(256)
        elif op == 1:
            b.insert(rng.randrange(len(b) + 1), rng.randrange(256))
        elif op == 2 and b:
            del b[rng.randrange(len(b))]
        else:
            cut = rng.randrange(len(b) + 1)
            b = b[:cut]
    return bytes(b)


def write_mutations(path, seed, count=400):
    """Frames whose payloads are mutated but whose framing is intact, so every one
    reaches libproto's payload and pickle parsers; plus random streams."""
    rng = random.Random(seed)
    samples = sample_payloads()
    with PcapWriter(path) as w:
        conv = TcpConversation(w, *MUTATION_PORTS)
        data = b""
        for i in range(count):
            handle, enc, payload = rng.choice(samples)
            reply_to = rng.choice([0, 0, 1000 + i, 999])
            data += frame(1, 0, handle, mutate(rng, payload), reply_to=reply_to, enc=enc)
            if rng.random() < 0.2:
                conv.send("c", data, mss=rng.randint(30, 3000))
                data = b""
        conv.send("c", data)
        # Streams of noise that only the port preference sends to the plugin.
        for k in range(3):
            conv = TcpConversation(w, 40200 + k, 47399)
            start = [b"MITO000\n", zlib.compress(b"x" * 500)[:40], b""][k]
            conv.send("s" if k == 0 else "c", start + bytes(rng.randrange(256) for _ in range(3000)), mss=700)


def main():
    args = wstest.parse_args([(("--seeds",), {"type": int, "default": 25}),
                              (("--rate",), {"default": "0.02"})])
    fails = wstest.Failures()
    with wstest.sandbox(args) as sb:
        sources = [sb.add_file(os.path.join(args.shared, "captures", "mitogen-0.3.52-basic", "real.pcapng"))]
        synth = sb.writable("synthetic.pcap")
        synth_capture.build(synth)
        os.chmod(synth, 0o644)
        sources.append(synth)
        editcap = os.path.join(os.path.dirname(args.tshark), "editcap")
        for src in sources:
            base = os.path.basename(src)
            variants = [(["-E", args.rate, "--seed", str(seed)], f"{base} -E {args.rate} seed {seed}", True)
                        for seed in range(1, args.seeds + 1)]
            # Cut packets: no TCP reassembly, frames end inside headers and payloads.
            variants += [(["-s", str(snap)], f"{base} -s {snap}", snap >= 100) for snap in (60, 80, 100, 200, 1500)]
            for opts, label, must_reach in variants:
                out = sb.writable("corrupt.pcapng")
                if os.path.exists(out):
                    os.remove(out)
                sb.run([editcap] + opts + [src, out])
                try:
                    proc = sb.tshark(["-2", "-V", "-r", out], timeout=300, check=False)
                except Exception as e:  # signal or time-out
                    fails.check(False, f"{label}: {e}")
                    continue
                fails.check(proc.returncode in (0, 2), f"{label}: tshark exited {proc.returncode}: {proc.stderr[-500:]}")
                fails.check("Dissector bug" not in proc.stdout, f"{label}: dissector bug reported")
                fails.check("Internal error in the mitogen dissector" not in proc.stdout,
                            f"{label}: C++ exception caught in the plugin")
                # The sweep must reach the plugin at all, or it proves nothing.
                if must_reach:
                    fails.check("Mitogen" in proc.stdout, f"{label}: no frame reached the mitogen dissector")
        # Payload mutations: framing intact, payloads corrupt.
        for seed in range(1, args.seeds + 1):
            cap = sb.writable("mutations.pcap")
            write_mutations(cap, seed)
            os.chmod(cap, 0o644)
            label = f"payload mutations seed {seed}"
            try:
                proc = sb.tshark(["-2", "-V", "-o", f"mitogen.tcp.port:{MUTATION_PORTS[1]}", "-r", cap],
                                 timeout=300, check=False)
            except Exception as e:  # signal or time-out
                fails.check(False, f"{label}: {e}")
                continue
            fails.check(proc.returncode == 0, f"{label}: tshark exited {proc.returncode}: {proc.stderr[-500:]}")
            fails.check("Dissector bug" not in proc.stdout, f"{label}: dissector bug reported")
            fails.check("Internal error in the mitogen dissector" not in proc.stdout,
                        f"{label}: C++ exception caught in the plugin")
            fails.check(proc.stdout.count("Mitogen, ") >= 300, f"{label}: too few messages dissected")
    fails.finish()


if __name__ == "__main__":
    main()
