"""Bytes missing from a capture must not cost the frames after them. After segments
lost (dumpcap drops them under load) the plugin finds the next frame header, as
`mitokit decode` does, instead of reading the tail of a cut frame as a bad header (which dropped the
whole direction) or reading frames as bootstrap lines when MITO002 was lost. Found
by deleting single packets from real 0.3.3 captures (test_workloads.py's). And a
capture begun inside a frame is not read as a bootstrap because its first byte is
printable (found by cutting them, dissected with Decode As)."""

import os

import pcapgen
import wstest
from pcapgen import frame


def pickled(n):
    return b"\x80\x02K" + bytes([n]) + b"."


def write(path):
    with pcapgen.PcapWriter(path) as w:
        # A link in frames from its first byte; the header of the second frame is lost.
        c = pcapgen.TcpConversation(w, 41000, 42000)
        a = frame(1, 0, 102, b"root\x0020\x00first")
        b = frame(1, 0, 1000, pickled(2) + b"\x00" * 200)
        cc = frame(1, 0, 1001, pickled(3))
        d = frame(1, 0, 102, b"root\x0020\x00after the hole")
        e = frame(1, 0, 1002, pickled(5))
        c.send("c", a)
        c.lose("c", b[:100])
        c.send("c", b[100:] + cc + d)
        c.send("c", e)
        # A child link whose MITO002 line was lost: frames follow, not bootstrap lines.
        k = pcapgen.TcpConversation(w, 41001, 42001)
        k.send("s", b"MITO000\n")
        k.send("s", b"MITO001\n")
        k.lose("s", b"MITO002\n")
        k.send("s", frame(0, 1, 100, b"json") + frame(0, 1, 1003, pickled(7), auth=1))
        k.send("s", frame(0, 1, 102, b"root\x0030\x00late", auth=1))
        # A capture begun inside a big frame (no handshake) whose first byte is printable:
        # read as bootstrap noise lines, it failed and dropped the direction.
        m = pcapgen.TcpConversation(w, 41002, 43000, handshake=False)
        big = frame(1, 0, 101, b"\x80\x02X" + bytes(range(256)) * 40 + b".")
        cut = big.index(b"ABC")
        m.send("c", big[cut:cut + 3000])
        m.send("c", big[cut + 3000:] + frame(1, 0, 102, b"root\x0020\x00next"))
        m.send("c", frame(1, 0, 1004, pickled(9)))
        # A segment ending in the first bytes of a header: TCP reassembles "one more
        # segment" and the dissector sees the frame's end only reassembled, so where the
        # next frame begins must come from where that reassembly began. Then segments lost.
        x = frame(1, 0, 102, b"root\x0020\x00split header")
        n = pcapgen.TcpConversation(w, 41003, 42003)
        n.send("c", a + x[:8])
        n.send("c", x[8:])
        n.lose("c", b[:100])
        n.send("c", b[100:] + cc)
        n.send("c", e)
        # After the hole, the tail of a log line that quotes a frame header whose frame
        # is followed by no header: not where frames resume.
        quoted = frame(0, 1, 102, b"abcde")
        q = frame(1, 0, 102, b"root\x0020\x00quote " + quoted + b"zzzz")
        p = pcapgen.TcpConversation(w, 41005, 42005)
        p.send("c", a)
        p.lose("c", q[:20])
        p.send("c", q[20:] + cc + d)
        p.send("c", e)
        # After the hole, the first header is cut by the segment's end.
        r = pcapgen.TcpConversation(w, 41006, 42006)
        r.send("c", a)
        r.lose("c", b[:100])
        r.send("c", b[100:] + cc[:12])
        r.send("c", cc[12:] + d)
        r.send("c", e)
        # The same, with the segment after the header's first bytes lost.
        o = pcapgen.TcpConversation(w, 41004, 42004)
        o.send("c", a + x[:8])
        o.lose("c", x[8:] + b[:100])
        o.send("c", b[100:] + cc)
        o.send("c", e)


def main():
    args = wstest.parse_args()
    fails = wstest.Failures()
    with wstest.sandbox(args) as sb:
        cap = sb.writable("gaps.pcap")
        write(cap)
        os.chmod(cap, 0o644)
        seen = wstest.messages(sb, cap)
        got = {}
        for m in seen:
            got.setdefault(m["srcport"], []).append(m["handle"])
        fails.check(got.get(41000) == [102, 1001, 102, 1002],
                    f"frames link: handles {got.get(41000)}, want [102, 1001, 102, 1002] (1000 was cut by the hole)")
        fails.check(got.get(42001) == [100, 1003, 102],
                    f"child link without MITO002: handles {got.get(42001)}, want [100, 1003, 102]")
        fails.check(got.get(41003) == [102, 102, 1001, 1002],
                    f"split header, then a hole: handles {got.get(41003)}, want [102, 102, 1001, 1002]")
        fails.check(got.get(41004) == [102, 1001, 1002],
                    f"split header cut by a hole: handles {got.get(41004)}, want [102, 1001, 1002]")
        fails.check(got.get(41005) == [102, 1001, 102, 1002],
                    f"a quoted header after a hole: handles {got.get(41005)}, want [102, 1001, 102, 1002]")
        fails.check(got.get(41006) == [102, 1001, 102, 1002],
                    f"a header cut after a hole: handles {got.get(41006)}, want [102, 1001, 102, 1002]")
        decode_as = ["-d", "tcp.port==43000,mitogen"]
        late = [m["handle"] for m in wstest.messages(sb, cap, decode_as) if m["srcport"] == 41002]
        fails.check(late == [102, 1004], f"capture begun inside a frame, Decode As: handles {late}, want [102, 1004]")
        rows = wstest.fields(sb, cap, ["frame.number", "mitogen.midstream"], ["-2"] + decode_as)
        midstream = [int(r[0][0]) for r in rows if r[1]]
        fails.check(len(midstream) == 7, f"seven segments start with the tail of a frame: {midstream}")
        info = sb.tshark(["-r", cap, "-2", "-Y", "mitogen.midstream", "-T", "fields", "-e", "_ws.col.Info"]).stdout
        fails.check("Data after segments missing from the capture" in info, f"the tail is named: {info.strip()}")
        errors = sb.tshark(["-r", cap, "-2"] + decode_as + ["-Y", "mitogen.bad_encoding or mitogen.oversize or mitogen.after_failure "
                            "or mitogen.malformed_pickle or mitogen.bootstrap_error"]).stdout
        fails.check(not errors.strip(), f"no error expert on lost segments: {errors.strip()}")
    fails.finish()


if __name__ == "__main__":
    main()
