"""Shared harness for the tshark-driven tests of the mitogen plugin.

tshark ignores personal plugin folders when it runs with special privileges, and
CI runs as root in a clone somewhere else: so every test copies the plugin (and
the captures it reads) into a world-readable temporary folder, makes that the
HOME of an unprivileged user, and runs tshark as that user (setpriv) when it is
root itself.
"""

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77  # ctest SKIP_RETURN_CODE


def listen_port_block(width, rng):
    """A random block of `width` ports for a live test's listeners, outside the kernel's ephemeral range:
    a connecting end's ephemeral port then never falls inside the block, so a capture filtered on the
    block sees only the test's own links, and the listening end of each is the one whose port is in it."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            eph_lo, eph_hi = (int(x) for x in f.read().split())
    except (OSError, ValueError):
        eph_lo, eph_hi = 32768, 60999
    spans = [(max(1024, eph_hi + 1), 65535), (1024, eph_lo - 1)]
    spans = [(a, b) for a, b in spans if b - a + 1 >= width]
    if not spans:
        raise RuntimeError(f"no {width} ports outside the ephemeral range {eph_lo}-{eph_hi}")
    a, b = spans[0]
    lo = a + width * rng.randrange((b - a + 1) // width)
    return lo, lo + width - 1


def start_capture(dumpcap, path, lo, hi, buffer_mib=None, settle_s=0.0):
    """dumpcap on lo for TCP ports lo..hi into path: (process, None) once it captures,
    else (None, why). settle_s waits on after "Capturing on", which can come before
    the filter sees packets."""
    cmd = [dumpcap, "-i", "lo"] + (["-B", str(buffer_mib)] if buffer_mib else [])
    proc = subprocess.Popen(cmd + ["-f", f"tcp portrange {lo}-{hi}", "-w", path],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline, seen = time.time() + 20, ""
    while time.time() < deadline:
        line = proc.stderr.readline()
        seen += line
        if "Capturing on" in line:
            time.sleep(settle_s)
            return proc, None
        if not line and proc.poll() is not None:
            break
    proc.kill()
    return None, seen.strip() or f"dumpcap exited {proc.poll()}"


def stop_capture(cap):
    """Stops a start_capture process: (packets received, packets dropped) from dumpcap's
    closing report, or (None, None) where it gave none. A drop means the capture lost
    traffic, so a disagreement with the truth says nothing of the dissector."""
    cap.send_signal(signal.SIGTERM)
    try:
        _, err = cap.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        cap.kill()
        _, err = cap.communicate()
    m = re.search(r"received/dropped on interface '[^']*': (\d+)/(\d+)", err or "")
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)


def capture_or_skip(fails, dumpcap, path, lo, hi, **kw):
    """start_capture, or the test's end: SKIP without root, a failure with it."""
    cap, why = start_capture(dumpcap, path, lo, hi, **kw)
    if cap is None:
        if os.geteuid() != 0:
            print(f"SKIP: cannot capture on lo without root ({why})")
            sys.exit(SKIP)
        fails.check(False, f"dumpcap did not start: {why}")
        fails.finish()
    return cap


def parse_args(extra=None):
    p = argparse.ArgumentParser()
    p.add_argument("--plugin", required=True, help="built mitogen.so")
    p.add_argument("--abi", required=True, help="Wireshark plugin ABI folder, e.g. 4.0")
    p.add_argument("--shared", required=True, help="the project's shared/ folder")
    p.add_argument("--tshark", default=shutil.which("tshark") or "")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    for args, kw in (extra or []):
        p.add_argument(*args, **kw)
    a = p.parse_args()
    if not a.tshark or not os.path.exists(a.tshark):
        print("SKIP: tshark not found (install Debian's tshark to run the wireshark tests)")
        sys.exit(SKIP)
    return a


class Failures:
    """Collects check failures so one run reports all of them."""

    def __init__(self):
        self.items = []
        self.checks = 0

    def check(self, ok, what):
        self.checks += 1
        if not ok:
            self.items.append(what)
            print("FAIL:", what)
        return ok

    def finish(self):
        failed = len(self.items)
        print(f"{self.checks - failed} passed, {failed} failed")
        sys.exit(1 if failed else 0)


class Sandbox:
    """A world-readable folder with the plugin installed in its HOME."""

    def __init__(self, args):
        self.args = args
        self.root = tempfile.mkdtemp(prefix="mitokit-ws-")
        self.home = os.path.join(self.root, "home")
        self.plugin_dir = os.path.join(self.home, ".local", "lib", "wireshark", "plugins", args.abi, "epan")
        os.makedirs(self.plugin_dir)
        shutil.copy(args.plugin, os.path.join(self.plugin_dir, "mitogen.so"))
        self.unprivileged = os.geteuid() == 0
        self._open_up()

    def _open_up(self):
        for dirpath, dirnames, filenames in os.walk(self.root):
            os.chmod(dirpath, 0o777)
            for f in filenames:
                os.chmod(os.path.join(dirpath, f), 0o666 if not f.endswith(".so") else 0o755)

    def path(self, name):
        return os.path.join(self.root, name)

    def add_file(self, src, name=None):
        dst = self.path(name or os.path.basename(src))
        shutil.copy(src, dst)
        os.chmod(dst, 0o644)
        return dst

    def writable(self, name):
        """A path the unprivileged tshark may create/overwrite."""
        self._open_up()
        return self.path(name)

    def command(self, argv):
        if self.unprivileged:
            return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"] + argv
        return argv

    def env(self, preload=False):
        env = {k: v for k, v in os.environ.items() if not k.startswith("WIRESHARK_")}
        # A sanitizer build of the plugin needs its runtime preloaded into tshark only.
        if preload and os.environ.get("MITOKIT_WS_PRELOAD"):
            env["LD_PRELOAD"] = os.environ["MITOKIT_WS_PRELOAD"]
        env["HOME"] = self.home
        env["XDG_CONFIG_HOME"] = os.path.join(self.home, ".config")
        return env

    def run(self, argv, timeout=600, check=True, preload=False):
        """Runs a Wireshark tool; a signal (crash) or time-out is always a failure."""
        self._open_up()
        proc = subprocess.run(self.command(argv), env=self.env(preload), cwd=self.root, capture_output=True,
                              text=True, errors="replace", timeout=timeout)
        if proc.returncode < 0:
            raise RuntimeError(f"{argv[0]} died of signal {-proc.returncode}: {proc.stderr[-2000:]}")
        if check and proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr[-2000:]}")
        return proc

    def tshark(self, args, **kw):
        return self.run([self.args.tshark] + list(args), preload=True, **kw)

    def close(self):
        if self.args.keep:
            print("kept", self.root)
        else:
            shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def sandbox(args):
    sb = Sandbox(args)
    try:
        yield sb
    finally:
        sb.close()


HEADER_FIELDS = ["mitogen.encoding", "mitogen.dst", "mitogen.src", "mitogen.auth", "mitogen.handle",
                 "mitogen.reply_to", "mitogen.length", "mitogen.payload"]


def fields(sb, capture, names, extra=(), aggregator=","):
    """Rows of tshark -T fields output; each cell is the list of the field's occurrences."""
    argv = ["-r", capture, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", f"aggregator={aggregator}"]
    for n in names:
        argv += ["-e", n]
    out = sb.tshark(argv + list(extra)).stdout
    rows = []
    for line in out.splitlines():
        cells = line.split("\t")
        cells += [""] * (len(names) - len(cells))
        rows.append([c.split(aggregator) if c else [] for c in cells])
    return rows


def messages(sb, capture, extra=()):
    """Every mitogen message tshark finds in `capture`, in order, as dicts.

    Each message has exactly one of each header field and one payload item (empty
    for an empty payload), so the n-th occurrences in a row belong together.
    """
    names = ["frame.number", "tcp.srcport", "tcp.dstport"] + HEADER_FIELDS
    result = []
    for row in fields(sb, capture, names, extra):
        frame, sport, dport = row[0], row[1], row[2]
        hdr = row[3:]
        count = len(hdr[0])
        if any(len(col) != count for col in hdr):
            raise RuntimeError(f"frame {frame}: header field occurrences disagree: {[len(c) for c in hdr]}")
        for i in range(count):
            result.append({
                "frame": int(frame[0]),
                "srcport": int(sport[0]) if sport else 0,
                "dstport": int(dport[0]) if dport else 0,
                "magic": int(hdr[0][i], 16),
                "dst": int(hdr[1][i]),
                "src": int(hdr[2][i]),
                "auth": int(hdr[3][i]),
                "handle": int(hdr[4][i]),
                "reply_to": int(hdr[5][i]),
                "len": int(hdr[6][i]),
                "sha1": hashlib.sha1(bytes.fromhex(hdr[7][i].replace("<MISSING>", ""))).hexdigest(),
            })
    return result


def sha1_hex(hexstr):
    return hashlib.sha1(bytes.fromhex(hexstr)).hexdigest()
