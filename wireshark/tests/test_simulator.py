"""Captures written by the simulator (mitokit-sim simulate --pcap) dissect with no
malformed frame: every message found, none flagged malformed, no dissector bug,
and as many messages as the simulator's own report says crossed the links."""

import json
import os
import subprocess
import sys

import wstest
from test_truth import STANDARD

MALFORMED = ("_ws.malformed || mitogen.bad_encoding || mitogen.oversize || mitogen.malformed_pickle || "
             "mitogen.refused_global || mitogen.bad_payload || mitogen.bootstrap_error || mitogen.decompress")

SCENARIOS = [
    ["--levels", "3,2", "--calls", "2", "--logs", "1", "--modules", "synthetic", "--seed", "1"],
    ["--levels", "2,2,2", "--calls", "1", "--logs", "2", "--modules", "synthetic", "--seed", "7", "--preload",
     "--shutdown"],
]


def main():
    args = wstest.parse_args([(("--sim",), {"default": ""})])
    if not args.sim or not os.path.exists(args.sim):
        print("SKIP: no mitokit-sim binary given (--sim)")
        sys.exit(wstest.SKIP)
    fails = wstest.Failures()
    with wstest.sandbox(args) as sb:
        for n, scenario in enumerate(SCENARIOS):
            label = " ".join(scenario)
            cap = sb.writable(f"sim{n}.pcapng")
            report = sb.path(f"sim{n}.json")
            run = subprocess.run([args.sim, "simulate"] + scenario + ["--pcap", cap, "--json", report],
                                 capture_output=True, text=True, timeout=300)
            if not fails.check(run.returncode == 0, f"{label}: simulator exited {run.returncode}: {run.stderr[-1000:]}"):
                continue
            os.chmod(cap, 0o644)
            seen = wstest.messages(sb, cap)
            fails.check(len(seen) > 0, f"{label}: no mitogen message dissected")
            bad = sb.tshark(["-r", cap, "-Y", MALFORMED, "-T", "fields", "-e", "frame.number"]).stdout.split()
            fails.check(not bad, f"{label}: frames flagged malformed: {bad[:20]}")
            text = sb.tshark(["-2", "-V", "-r", cap]).stdout
            fails.check("Dissector bug" not in text and "[Malformed Packet" not in text,
                        f"{label}: tshark reports a dissector bug or malformed packet")
            with open(report) as f:
                data = json.load(f)
            # The report counts every message that crossed a link, in total and per handle.
            fails.check(len(seen) == data["message_hops"],
                        f"{label}: {len(seen)} messages dissected, simulator reports {data['message_hops']} hops")
            got = {}
            for m in seen:
                name = STANDARD.get(m["handle"], "reply" if m["handle"] >= 1000 else str(m["handle"]))
                got[name] = got.get(name, 0) + 1
            want = {k: v["messages"] for k, v in data["per_handle"].items()}
            fails.check(got == want, f"{label}: messages per handle {got} != simulator's {want}")
    fails.finish()


if __name__ == "__main__":
    main()
