"""Corruption sweep: random byte errors (editcap -E) and cut packets (editcap -s)
over the real and the synthetic captures, many seeds. tshark must finish every
file, without a signal, a time-out or a dissector bug, with the full tree (-V)
on two passes (-2), so both the first-pass state and re-dissection run."""

import os

import synth_capture
import wstest


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
    fails.finish()


if __name__ == "__main__":
    main()
