"""Writes TCP conversations to a classic pcap (Ethernet/IPv4/TCP), for captures
the tests and the performance script synthesize. Checksums are left zero, which
Wireshark does not verify by default."""

import struct

LINKTYPE_ETHERNET = 1


class PcapWriter:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, LINKTYPE_ETHERNET))
        self.t_usec = 1_700_000_000 * 1_000_000

    def packet(self, data):
        self.t_usec += 10
        sec, usec = divmod(self.t_usec, 1_000_000)
        self.f.write(struct.pack("<IIII", sec, usec, len(data), len(data)))
        self.f.write(data)

    def close(self):
        self.f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class TcpConversation:
    """One TCP connection between 127.0.0.1:client_port and 127.0.0.2:server_port.

    send(side, data, mss) cuts data into segments of at most mss bytes; "c" is the
    client (connecting) side, "s" the server side.
    """

    def __init__(self, writer, client_port, server_port, handshake=True):
        self.w = writer
        self.ports = {"c": (client_port, server_port), "s": (server_port, client_port)}
        self.addrs = {"c": (b"\x7f\x00\x00\x01", b"\x7f\x00\x00\x02"), "s": (b"\x7f\x00\x00\x02", b"\x7f\x00\x00\x01")}
        self.seq = {"c": 1000, "s": 5000}
        self.ip_id = 1
        if handshake:
            self._segment("c", b"", flags=0x02)
            self.seq["c"] += 1
            self._segment("s", b"", flags=0x12)
            self.seq["s"] += 1
            self._segment("c", b"", flags=0x10)

    def _segment(self, side, payload, flags=0x18):
        other = "s" if side == "c" else "c"
        sport, dport = self.ports[side]
        src, dst = self.addrs[side]
        tcp = struct.pack(">HHIIBBHHH", sport, dport, self.seq[side] & 0xFFFFFFFF,
                          self.seq[other] & 0xFFFFFFFF if flags != 0x02 else 0, 5 << 4, flags, 65535, 0, 0)
        total = 20 + len(tcp) + len(payload)
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, total, self.ip_id & 0xFFFF, 0x4000, 64, 6, 0, src, dst)
        self.ip_id += 1
        eth = b"\x00\x00\x00\x00\x00\x02" + b"\x00\x00\x00\x00\x00\x01" + b"\x08\x00"
        self.w.packet(eth + ip + tcp + payload)
        self.seq[side] += len(payload)

    def lose(self, side, data):
        """Data the capture missed (dumpcap dropped it): the sequence moves on, no packet is written."""
        self.seq[side] += len(data)

    def send(self, side, data, mss=65000):
        for i in range(0, len(data), mss):
            self._segment(side, data[i:i + mss])


def frame(dst, src, handle, data, reply_to=0, auth=None, enc=0x4D49):
    """A mitogen frame: the 26-byte header (>HLLLLLL) and the payload."""
    if auth is None:
        auth = src
    return struct.pack(">HLLLLLL", enc, dst, src, auth, handle, reply_to, len(data)) + data
