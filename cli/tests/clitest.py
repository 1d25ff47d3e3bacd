"""Shared helpers for the mitokit CLI tests: run the built binary, build inputs."""
import json
import os
import struct
import subprocess
import tempfile

BIN = os.environ.get("MITOKIT_BIN", "mitokit")
SHARED = os.environ.get("MITOKIT_SHARED_DIR", os.path.join(os.path.dirname(__file__), "../../../shared"))
CAPTURE_DIR = os.path.join(SHARED, "captures", "mitogen-0.3.52-basic")
REAL_CAPTURE = os.path.join(CAPTURE_DIR, "real.pcapng")


class Run:
    def __init__(self, proc):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr.decode("utf-8", "replace")

    @property
    def text(self):
        return self.out.decode("utf-8", "replace")

    def json_lines(self):
        return [json.loads(l) for l in self.text.splitlines() if l.strip()]


def mitokit(*args, stdin=b""):
    return Run(subprocess.run([BIN, *args], input=stdin, capture_output=True, timeout=120))


def temp_file(data, suffix=".bin"):
    f = tempfile.NamedTemporaryFile(suffix=suffix, delete=False)
    f.write(data)
    f.close()
    return f.name


def frame(payload=b"", enc=0x4D49, dst=1, src=0, auth=0, handle=101, reply_to=0, length=None):
    n = len(payload) if length is None else length
    return struct.pack(">HLLLLLL", enc, dst, src, auth, handle, reply_to, n) + payload


def vectors():
    out = []
    for version in ("0.3.3", "0.3.52"):
        with open(os.path.join(SHARED, "vectors", "mitogen-%s.jsonl" % version)) as f:
            out += [json.loads(l) for l in f if l.strip()]
    return out


def _tcp(sport, dport, seq, flags, payload):
    return struct.pack(">HHLLBBHHH", sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0) + payload


def _ipv4(l4):
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0x4000, 64, 6, 0,
                       bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])) + l4


def pcap(segments, truncate_last=0):
    """A classic little-endian pcap of Ethernet/IPv4/TCP packets.
    segments: (sport, dport, seq, flags, payload) tuples."""
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)
    for i, (sport, dport, seq, flags, payload) in enumerate(segments):
        pkt = b"\0" * 12 + b"\x08\x00" + _ipv4(_tcp(sport, dport, seq, flags, payload))
        out += struct.pack("<IIII", 1700000000, i, len(pkt), len(pkt)) + pkt
    return out[:len(out) - truncate_last] if truncate_last else out


SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
