#!/usr/bin/python3
"""Runs mitokit_bench and CPython's pickle on the same payloads in one go, and prints ratios.

Usage: /usr/bin/python3 bench/run.py [--bench build/bench/mitokit_bench] [--shared DIR] [--quick] [--markdown]

Stream decoding is compared with memcpy of the same buffer (targets: 1 MiB frames >= 0.9x,
100-byte frames >= 0.25x). Pickle decode/encode of every CALL_FUNCTION, LOAD_MODULE and reply
payload in shared/payloads and shared/vectors is compared with CPython's pickle.loads/dumps
(protocol 2), timed with timeit in this interpreter (targets: decode >= 5x, encode >= 3x).
Both sides are measured in CPU time, the best of several repetitions.
Run it with /usr/bin/python3, which has mitogen (the payloads name mitogen.core classes).
"""
import argparse
import glob
import io
import json
import math
import os
import pickle
import platform
import subprocess
import sys
import time
import timeit

import mitogen.core  # noqa: F401  (the payloads' globals live here)

HERE = os.path.dirname(os.path.abspath(__file__))
PREFIXES = ("call_function", "load_module", "reply", "sender", "dict", "int_list")
PICKLED_HANDLES = lambda h: h in (101, 107) or h >= 1000  # noqa: E731


def load_payloads(shared):
    """The same list, in the same order and with the same names, as bench/src/payload_set.cpp."""
    out = []
    for path in sorted(glob.glob(os.path.join(HERE, "data", "*.bin"))):  # the simulator's payloads
        with open(path, "rb") as f:
            out.append(("sim/" + os.path.basename(path)[:-4], f.read()))
    for path in sorted(glob.glob(os.path.join(shared, "payloads", "*.bin"))):
        stem = os.path.basename(path)[:-4]
        if stem.startswith(PREFIXES):
            with open(path, "rb") as f:
                out.append(("payloads/" + stem, f.read()))
    for version in ("0.3.3", "0.3.52"):
        with open(os.path.join(shared, "vectors", "mitogen-%s.jsonl" % version)) as f:
            for line in f:
                v = json.loads(line)
                if v["raw"] is not None:
                    continue
                fr = bytes.fromhex(v["frame"])
                handle, reply_to = int.from_bytes(fr[14:18], "big"), int.from_bytes(fr[18:22], "big")
                if PICKLED_HANDLES(handle) and reply_to != 999 and len(fr) > 26:
                    out.append(("v%s/%s" % (version, v["name"]), fr[26:]))
    return out


def family(name):
    base = name.split("/", 1)[1]
    if base.startswith("call_function"):
        return "CALL_FUNCTION"
    if base.startswith("load_module"):
        return "LOAD_MODULE"
    return "reply"


# An unstarted Router: enough for Sender's type check, as mitogen's own unpickler passes its router.
ROUTER = mitogen.core.Router.__new__(mitogen.core.Router)


class RouterlessUnpickler(pickle.Unpickler):
    """Sender and Context need a router argument that mitogen binds in its own find_class;
    only payloads that carry them use this (plain pickle.loads cannot build them)."""

    def find_class(self, module, name):
        if module == "mitogen.core" and name == "_unpickle_sender":
            return lambda ctx, handle: mitogen.core._unpickle_sender(ROUTER, ctx, handle)
        return super().find_class(module, name)


def plain_loads_works(data):
    try:
        pickle.loads(data, encoding="bytes")
        return len(load_all(data, pickle.Unpickler)) == 1
    except Exception:
        return False


def load_all(data, unpickler=RouterlessUnpickler):
    """Every pickle in a payload (0.3.39+ may hold several), as mitogen reads them."""
    f = io.BytesIO(data)
    objs = []
    while f.tell() < len(data):
        objs.append(unpickler(f, encoding="bytes").load())
    return objs


def best_ns(fn, repeat):
    # CPU time on both sides (Google Benchmark's cpu_time), so that other processes on a
    # shared machine slow neither side's figure.
    t = timeit.Timer(fn, timer=time.process_time)
    number, _ = t.autorange()
    return min(t.repeat(repeat=repeat, number=number)) / number * 1e9


def cpython_times(payloads, repeat):
    res = {}
    for name, data in payloads:
        objs = load_all(data)
        if plain_loads_works(data):
            loads = lambda d=data: pickle.loads(d, encoding="bytes")  # noqa: E731
            dumps = lambda o=objs[0]: pickle.dumps(o, protocol=2)  # noqa: E731
        else:
            loads = lambda d=data: load_all(d)  # noqa: E731
            dumps = lambda os_=objs: [pickle.dumps(o, protocol=2) for o in os_]  # noqa: E731
        res[name] = (best_ns(loads, repeat), best_ns(dumps, repeat))
    return res


def run_bench(binary, shared, min_time, reps):
    cmd = [binary, "--benchmark_format=json", "--benchmark_min_time=%g" % min_time,
           "--benchmark_repetitions=%d" % reps]
    env = dict(os.environ, MITOKIT_SHARED_DIR=shared)
    out = subprocess.run(cmd, check=True, capture_output=True, env=env).stdout
    data = json.loads(out)
    best, errors, rate = {}, {}, {}
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate":
            continue
        name = b["run_name"] if "run_name" in b else b["name"]
        if b.get("error_occurred"):
            errors[name] = b.get("error_message", "error")
            continue
        scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
        t = b["cpu_time"] * scale
        best[name] = min(best.get(name, t), t)
        if "bytes_per_second" in b:
            rate[name] = max(rate.get(name, 0), b["bytes_per_second"])
    return best, errors, rate, data.get("context", {})


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", default=os.environ.get("MITOKIT_BENCH", os.path.join(HERE, "..", "build", "bench", "mitokit_bench")))
    ap.add_argument("--shared", default=os.environ.get("MITOKIT_SHARED_DIR", os.path.join(HERE, "..", "..", "shared")))
    ap.add_argument("--quick", action="store_true", help="shorter runs (noisier)")
    ap.add_argument("--markdown", action="store_true", help="print tables as Markdown")
    args = ap.parse_args()
    if not os.path.isdir(os.path.join(args.shared, "payloads")):
        args.shared = os.path.join(HERE, "..", "testdata")
    min_time, reps, py_repeat = (0.05, 1, 3) if args.quick else (0.2, 3, 5)

    payloads = load_payloads(args.shared)
    ours, errors, rate, ctx = run_bench(args.bench, args.shared, min_time, reps)
    theirs = cpython_times(payloads, py_repeat)

    md = args.markdown
    def row(cells):
        print(("| " + " | ".join(cells) + " |") if md else "  ".join(cells))

    print("# mitokit_bench vs memcpy and CPython %s pickle (%s, %s CPUs)" %
          (platform.python_version(), ctx.get("host_name", "?"), ctx.get("num_cpus", "?")))
    print()
    print("## Stream decoding vs memcpy of the same buffer (8 MiB of frames, fed in 128 KiB chunks)")
    print()
    row(["case", "decode GB/s", "memcpy GB/s", "ratio", "target"])
    if md:
        row(["---"] * 5)
    failed = []
    for label, dec, cpy, target in (("100-byte frames", "BM_StreamDecode_100B", "BM_Memcpy_100B", 0.25),
                                    ("1 MiB frames (default retain_buffer)", "BM_StreamDecode_1MiB", "BM_Memcpy_1MiB", 0.9),
                                    ("1 MiB frames (retain_buffer = 1 MiB)", "BM_StreamDecode_1MiB_Retain", "BM_Memcpy_1MiB", 0.9)):
        if dec not in ours or cpy not in ours:
            row([label, "missing", "", "", ""])
            continue
        ratio = ours[cpy] / ours[dec]  # both process the same buffer per iteration
        ok = ratio >= target
        if not ok:
            failed.append(label)
        row([label, "%.2f" % (rate[dec] / 1e9), "%.2f" % (rate[cpy] / 1e9), "%.2fx" % ratio,
             ">= %.2fx %s" % (target, "ok" if ok else "MISSED")])
    print()
    print("## Pickle decode/encode vs CPython pickle.loads/dumps(protocol=2)")
    print()
    row(["payload", "bytes", "decode ns", "loads ns", "ratio", "encode ns", "dumps ns", "ratio"])
    if md:
        row(["---"] * 8)
    dec_r, enc_r = {}, {}
    for name, data in payloads:
        d, e = ours.get("BM_PickleDecode/" + name), ours.get("BM_PickleEncode/" + name)
        loads_ns, dumps_ns = theirs[name]
        cells = [name, str(len(data))]
        for mine, py, store in ((d, loads_ns, dec_r), (e, dumps_ns, enc_r)):
            if mine is None:
                key = "BM_PickleDecode/" + name if store is dec_r else "BM_PickleEncode/" + name
                cells += ["error: " + errors.get(key, "missing"), "%.0f" % py, "-"]
            else:
                store.setdefault(family(name), []).append(py / mine)
                cells += ["%.0f" % mine, "%.0f" % py, "%.1fx" % (py / mine)]
        row(cells)
    print()
    print("## Summary (geometric mean / minimum of per-payload ratios)")
    print()
    row(["family", "decode gmean", "decode min", "encode gmean", "encode min"])
    if md:
        row(["---"] * 5)
    for fam in ("CALL_FUNCTION", "LOAD_MODULE", "reply"):
        dr, er = dec_r.get(fam, []), enc_r.get(fam, [])
        row([fam, "%.1fx" % geomean(dr), "%.1fx" % min(dr or [float("nan")]), "%.1fx" % geomean(er),
             "%.1fx" % min(er or [float("nan")])])
    all_d = [x for v in dec_r.values() for x in v]
    all_e = [x for v in enc_r.values() for x in v]
    row(["all", "%.1fx" % geomean(all_d), "%.1fx" % min(all_d or [float("nan")]), "%.1fx" % geomean(all_e),
         "%.1fx" % min(all_e or [float("nan")])])
    print()
    if all_d and geomean(all_d) < 5:
        failed.append("pickle decode >= 5x")
    if all_e and geomean(all_e) < 3:
        failed.append("pickle encode >= 3x")
    if errors:
        failed.append("%d benchmarks failed" % len(errors))
    print("targets missed: " + ", ".join(failed) if failed else "all targets met")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
