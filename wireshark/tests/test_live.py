"""Fresh real traffic: python3-mitogen (live_scenario.py) with its children over
loopback TCP, captured by dumpcap on lo, dissected by an unprivileged tshark and
checked frame for frame against the master's own record."""

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import wstest
from test_truth import compare


def main():
    args = wstest.parse_args([(("--python",), {"default": "/usr/bin/python3"})])
    dumpcap = shutil.which("dumpcap") or os.path.join(os.path.dirname(args.tshark), "dumpcap")
    if not os.path.exists(dumpcap):
        print("SKIP: dumpcap not found")
        sys.exit(wstest.SKIP)
    here = os.path.dirname(os.path.abspath(__file__))
    fails = wstest.Failures()
    work = tempfile.mkdtemp(prefix="mitokit-live-")
    try:
        lo, hi = wstest.listen_port_block(50, random)
        pcap = os.path.join(work, "live.pcapng")
        truth_path = os.path.join(work, "truth.jsonl")
        cap = wstest.capture_or_skip(fails, dumpcap, pcap, lo, hi)
        try:
            run = subprocess.run([args.python, os.path.join(here, "live_scenario.py"), truth_path, str(lo), str(hi)],
                                 capture_output=True, text=True, timeout=180)
        finally:
            time.sleep(1.0)  # let the last segments reach the capture
            received, dropped = wstest.stop_capture(cap)
        fails.check(not dropped, f"dumpcap dropped {dropped} of {received} packets: the capture is incomplete")
        if not fails.check(run.returncode == 0, f"live scenario failed: {run.stderr[-3000:]}"):
            fails.finish()
        with open(truth_path) as f:
            truth = [json.loads(line) for line in f if line.strip()]
        ports = [[p, 0] for p in sorted({t["port"] for t in truth})]
        fails.check(len(truth) >= 20, f"truth has only {len(truth)} frames")
        fails.check(any(t["len"] > 300000 for t in truth), "the scenario sent no frame over 300 KB")
        fails.check(any(t["reply_to"] == 999 for t in truth), "the scenario saw no dead reply")
        with wstest.sandbox(args) as sb:
            local = sb.add_file(pcap)
            seen = wstest.messages(sb, local)
            compare(fails, seen, truth, ports, "live")
            markers = [v for row in wstest.fields(sb, local, ["mitogen.bootstrap.marker"]) for v in row[0]]
            fails.check(markers.count("MITO002") == len(ports), f"bootstrap markers {markers} for {len(ports)} links")
            pre = [v for row in wstest.fields(sb, local, ["mitogen.bootstrap.preamble_size"]) for v in row[0]]
            fails.check(len(ports) == 2, f"expected 2 links (local child, fork child), truth has {len(ports)}")
            # The fork child has no first stage: MITO002 alone, no MITO000 and no preamble.
            fails.check(markers.count("MITO000") == 1 and len(pre) == 1,
                        f"one link with a first stage expected: markers {markers}, preambles {pre}")
            links = wstest.fields(sb, local, ["mitogen.response_in"], ["-2", "-Y", "mitogen.response_in"])
            fails.check(len(links) >= 5, f"only {len(links)} calls linked to their replies")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    fails.finish()


if __name__ == "__main__":
    main()
