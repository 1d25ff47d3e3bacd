"""mitokit decode on pcap/pcapng captures, including the real capture against its truth file."""
import hashlib
import json
import os
import unittest

from clitest import ACK, CAPTURE_DIR, FIN, PSH, REAL_CAPTURE, SYN, frame, mitokit, pcap, temp_file

MAGIC = {"MI": 0x4D49, "MJ": 0x4D4A, "MK": 0x4D4B}


class RealCapture(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.run_json = mitokit("decode", "--json", REAL_CAPTURE)
        cls.run_text = mitokit("decode", REAL_CAPTURE)

    def test_exit_status(self):
        self.assertEqual(self.run_json.code, 0, self.run_json.err)
        self.assertEqual(self.run_text.code, 0, self.run_text.err)
        self.assertEqual(self.run_json.err, "")

    def test_matches_truth_frame_for_frame(self):
        with open(os.path.join(CAPTURE_DIR, "ports.json")) as f:
            master_ports = {pair[0] for pair in json.load(f)}
        with open(os.path.join(CAPTURE_DIR, "truth.jsonl")) as f:
            truth = [json.loads(l) for l in f if l.strip()]
        got = {}
        for m in self.run_json.json_lines():
            if "handle" not in m:
                continue
            from_port = int(m["from"].rsplit(":", 1)[1])
            to_port = int(m["to"].rsplit(":", 1)[1])
            port, direction = (from_port, "out") if from_port in master_ports else (to_port, "in")
            self.assertIn(port, master_ports)
            got.setdefault((port, direction), []).append({
                "dir": direction, "port": port, "magic": MAGIC[m["enc"]], "dst": m["dst"], "src": m["src"],
                "auth": m["auth"], "handle": m["handle"], "reply_to": m["reply_to"], "len": m["length"],
                "sha1": m["sha1"]})
        want = {}
        for t in truth:
            want.setdefault((t["port"], t["dir"]), []).append({k: t[k] for k in (
                "dir", "port", "magic", "dst", "src", "auth", "handle", "reply_to", "len", "sha1")})
        self.assertEqual(sorted(got), sorted(want))
        for key in want:
            self.assertEqual(got[key], want[key], key)
        self.assertEqual(sum(len(v) for v in got.values()), len(truth))

    def test_every_payload_parses(self):
        for m in self.run_json.json_lines():
            self.assertNotIn("payload_error", m, m)
            self.assertNotIn("error", m, m)

    def test_conversation_and_direction_keys(self):
        msgs = [m for m in self.run_json.json_lines() if "handle" in m]
        convs = sorted({m["conversation"] for m in msgs})
        self.assertEqual(convs, ["127.0.0.1:40770-127.0.0.1:47200", "127.0.0.1:58226-127.0.0.1:47201"])
        for m in msgs:
            client, server = m["conversation"].split("-")
            want = (client, server) if m["direction"] == "c2s" else (server, client)
            self.assertEqual((m["from"], m["to"]), want)

    def test_bootstrap_events(self):
        events = [(m["from"], m["event"]) for m in self.run_json.json_lines() if "event" in m]
        self.assertEqual(events.count(("127.0.0.1:47200", "MITO002")), 1)
        self.assertEqual(events.count(("127.0.0.1:40770", "preamble")), 1)

    def test_human_summary(self):
        text = self.run_text.text
        self.assertIn("== conversation 0: 127.0.0.1:40770-127.0.0.1:47200", text)
        self.assertIn("127.0.0.1:40770->127.0.0.1:47200 @0", text)
        self.assertIn("bootstrap preamble (19122 bytes", text)
        self.assertIn("CALL_FUNCTION reply_to 1000 len 73: __main__.add(2, 3)", text)
        self.assertIn("LOAD_MODULE len 4252: mitogen.fakessh from /", text)
        self.assertIn('GET_MODULE len 8: "__main__"', text)
        self.assertIn("-- 97 packets, 97 TCP segments", text)
        self.assertIn("-- 127.0.0.1:40770->127.0.0.1:47200: 18 messages", text)

    def test_port_filter(self):
        r = mitokit("decode", "--json", "--port", "47201", REAL_CAPTURE)
        self.assertEqual(r.code, 0, r.err)
        convs = {m["conversation"] for m in r.json_lines()}
        self.assertEqual(convs, {"127.0.0.1:58226-127.0.0.1:47201"})

    def test_stdin_gives_the_same_output(self):
        with open(REAL_CAPTURE, "rb") as f:
            data = f.read()
        r = mitokit("decode", "--json", "-", stdin=data)
        self.assertEqual(r.code, 0, r.err)
        self.assertEqual(r.out, self.run_json.out)


def conversation(client_payloads, server_payloads=(), drop=None):
    """Handshake plus data; `drop` is the index of a client segment left out of the capture."""
    segs = [(1111, 2222, 99, SYN, b""), (2222, 1111, 499, SYN | ACK, b"")]
    seq = 100
    for i, p in enumerate(client_payloads):
        if i != drop:
            segs.append((1111, 2222, seq, PSH | ACK, p))
        seq += len(p)
    seq2 = 500
    for p in server_payloads:
        segs.append((2222, 1111, seq2, PSH | ACK, p))
        seq2 += len(p)
    segs.append((1111, 2222, seq, FIN | ACK, b""))
    return segs


class Synthetic(unittest.TestCase):
    def test_frames_split_across_segments(self):
        data = frame(b"a" * 50, handle=100) + frame(b"b" * 10, enc=0x4D4B, handle=1000)
        segs = conversation([data[:7], data[7:60], data[60:]], [frame(b"3", dst=0, src=1, handle=104)])
        r = mitokit("decode", "--json", "--start", "frames", temp_file(pcap(segs), ".cap"))
        self.assertEqual(r.code, 0, r.err)
        msgs = r.json_lines()
        c2s = [m for m in msgs if m["direction"] == "c2s"]
        self.assertEqual([m["length"] for m in c2s], [50, 10])
        self.assertEqual(c2s[0]["sha1"], hashlib.sha1(b"a" * 50).hexdigest())
        self.assertEqual([m["handle"] for m in msgs if m["direction"] == "s2c"], [104])

    def test_out_of_order_segments(self):
        data = frame(b"x" * 30, handle=100)
        segs = conversation([data[:20], data[20:40], data[40:]])
        segs[2], segs[4] = segs[4], segs[2]
        r = mitokit("decode", "--json", "--start", "frames", temp_file(pcap(segs)))
        self.assertEqual(r.code, 0, r.err)
        self.assertEqual([m["length"] for m in r.json_lines()], [30])

    def test_missing_segment_is_a_gap_error(self):
        data = frame(b"x" * 30, handle=100) + frame(b"y" * 30, handle=100)
        segs = conversation([data[:60], data[60:90], data[90:]], drop=1)
        path = temp_file(pcap(segs))
        r = mitokit("decode", "--json", "--start", "frames", path)
        self.assertEqual(r.code, 1)
        self.assertEqual(r.err.strip(), "mitokit decode: %s: 127.0.0.1:1111->127.0.0.1:2222: "
                         "30 bytes missing at stream offset 60 (not in the capture)" % path)
        items = r.json_lines()
        self.assertEqual(items[0]["length"], 30)
        gap = items[1]
        self.assertEqual((gap["error"], gap["offset"], gap["conversation"]),
                         ("truncated", 60, "127.0.0.1:1111-127.0.0.1:2222"))
        # The rest of the cut frame holds no header: passed over, not an error.
        self.assertEqual((items[2]["event"], items[2]["offset"], items[2]["length"]), ("skipped", 90, 22))
        self.assertEqual(items[2]["text"], "bytes lost before them, and no frame header after them")
        self.assertEqual(len(items), 3)

    def test_frames_after_a_missing_segment_are_decoded(self):
        # Real captures lose segments (dumpcap drops under load): the frames after the
        # hole are found again by their headers, as the Wireshark plugin finds them.
        data = (frame(b"x" * 30, handle=100) + frame(b"\x80\x02N." + b"y" * 300, handle=1000)
                + frame(b"\x80\x02K\x05.", handle=1001) + frame(b"z" * 5, handle=102))
        segs = conversation([data[:70], data[70:200], data[200:]], drop=1)
        r = mitokit("decode", "--json", "--start", "frames", temp_file(pcap(segs)))
        self.assertEqual(r.code, 1)  # the hole is still an error
        items = r.json_lines()
        self.assertEqual([i.get("handle", i.get("event", i.get("error"))) for i in items],
                         [100, "truncated", "skipped", 1001, 102])
        skipped = items[2]
        self.assertEqual((skipped["offset"], skipped["length"], skipped["text"]),
                         (200, 386 - 200, "bytes lost before them"))
        self.assertEqual(items[3]["offset"], 386)
        self.assertEqual(items[3]["values"], [5])

    def test_capture_joined_mid_connection(self):
        # No SYN: the first segment starts inside a frame whose payload looks like text
        # lines; detecting a bootstrap there lost every frame of the direction.
        text = frame(b"\x80\x02X\x20\x00\x00\x00" + b"mitogen line\n" * 40 + b".", handle=1000)
        data = text + frame(b"\x80\x02K\x07.", handle=1001)
        cut = 26 + 7 + 13 * 3
        segs = [(1111, 2222, 100 + cut, PSH | ACK, data[cut:cut + 200]),
                (1111, 2222, 100 + cut + 200, PSH | ACK, data[cut + 200:])]
        r = mitokit("decode", "--json", temp_file(pcap(segs)))
        self.assertEqual(r.code, 0, r.err)
        items = r.json_lines()
        self.assertEqual([i.get("handle", i.get("event")) for i in items], ["skipped", 1001])
        self.assertEqual((items[0]["offset"], items[0]["length"], items[0]["text"]),
                         (0, len(text) - cut, "capture joined mid-connection"))
        self.assertEqual((items[1]["offset"], items[1]["values"]), (len(text) - cut, [7]))

    def test_capture_joined_at_the_bootstrap_still_shows_it(self):
        segs = [(2222, 1111, 500, PSH | ACK, b"MITO000\nMITO001\nMITO002\n"),
                (2222, 1111, 524, PSH | ACK, frame(b"os", dst=0, src=1, auth=1, handle=100))]
        r = mitokit("decode", "--json", temp_file(pcap(segs)))
        self.assertEqual(r.code, 0, r.err)
        self.assertEqual([i.get("event", i.get("handle")) for i in r.json_lines()],
                         ["MITO000", "MITO001", "MITO002", 100])

    def test_out_of_order_limit_is_reported(self):
        data = frame(b"x" * 30, handle=100)
        segs = conversation([data[:20], data[20:40], data[40:]])
        segs[2], segs[4] = segs[4], segs[2]  # the first bytes come last
        r = mitokit("decode", "--json", "--start", "frames", "--max-buffered-bytes", "10", temp_file(pcap(segs)))
        self.assertEqual(r.code, 1)
        self.assertIn("bytes missing at stream offset 0 (out-of-order buffer full: max_buffered_bytes=10", r.err)
        self.assertEqual(r.json_lines()[0]["error"], "limit")

    def test_truncated_capture_file(self):
        data = frame(b"x" * 30, handle=100)
        path = temp_file(pcap(conversation([data[:20], data[20:]]), truncate_last=10))
        r = mitokit("decode", path)
        self.assertEqual(r.code, 1)
        self.assertTrue(r.err.startswith("mitokit decode: %s: packet 5: " % path), r.err)

    def test_bad_packet_names_its_number(self):
        good = pcap(conversation([frame(b"z", handle=100)]))
        # Cut packet 3's IPv4 total length short of its TCP header.
        pos = 24 + (16 + 54) * 2 + 16 + 14 + 2
        bad = good[:pos] + b"\x00\x15" + good[pos + 2:]
        r = mitokit("decode", "--json", temp_file(bad))
        self.assertEqual(r.code, 1)
        errs = [m for m in r.json_lines() if "packet" in m]
        self.assertEqual(len(errs), 1)
        self.assertEqual(errs[0]["packet"], 3)
        self.assertIn("packet 3:", r.err)

    def test_not_a_capture_but_garbage_is_a_stream_error(self):
        r = mitokit("decode", "--start", "frames", "-", stdin=b"GET / HTTP/1.1\r\n\r\n" + b"\0" * 20)
        self.assertEqual(r.code, 1)
        self.assertTrue(r.err.startswith("mitokit decode: <stdin>: offset 0: bad frame encoding/magic 0x4745"), r.err)


if __name__ == "__main__":
    unittest.main()
