"""mitokit decode on raw byte streams (one direction of a link)."""
import hashlib
import json
import struct
import unittest

from clitest import frame, mitokit, temp_file, vectors

GETPID = bytes.fromhex(
    "8002284e5805000000706f73697871004e580600000067657470696471012963"
    "6d69746f67656e2e636f72650a4b77617267730a71027d71038571045271057471062e")


class Frames(unittest.TestCase):
    def test_human_line_per_message(self):
        data = frame(GETPID, handle=101, reply_to=1000) + frame(b"mypkg", dst=0, src=1, auth=1, handle=100)
        r = mitokit("decode", "--start", "frames", temp_file(data))
        self.assertEqual(r.code, 0, r.err)
        lines = r.text.splitlines()
        self.assertEqual(len(lines), 3, r.text)
        self.assertTrue(lines[0].startswith("@0 "), lines[0])
        self.assertIn("MI 0->1 CALL_FUNCTION reply_to 1000 len 67: posix.getpid()", lines[0])
        self.assertIn("@93", lines[1])
        self.assertIn('MI 1->0 GET_MODULE len 5: "mypkg"', lines[1])
        self.assertEqual(lines[2], "-- 2 messages in 124 bytes (CALL_FUNCTION 1, GET_MODULE 1)")

    def test_json_keys(self):
        data = frame(GETPID, handle=101, reply_to=1000, src=7, auth=3)
        r = mitokit("decode", "--json", "--start", "frames", "-", stdin=data)
        self.assertEqual(r.code, 0, r.err)
        (m,) = r.json_lines()
        self.assertEqual(list(m)[:11], ["offset", "enc", "dst", "src", "auth", "handle", "handle_name", "reply_to",
                                        "length", "sha1", "payload"])
        self.assertEqual((m["offset"], m["enc"], m["dst"], m["src"], m["auth"], m["handle"], m["handle_name"],
                          m["reply_to"], m["length"]), (0, "MI", 1, 7, 3, 101, "CALL_FUNCTION", 1000, 67))
        self.assertEqual(m["sha1"], hashlib.sha1(GETPID).hexdigest())
        p = m["payload"]
        self.assertEqual((p["type"], p["module"], p["class"], p["function"]), ("call_function", "posix", None, "getpid"))
        self.assertEqual(p["args"], {"tuple": []})
        self.assertEqual(p["kwargs"], {"kwargs": []})
        self.assertEqual(m["values"], [{"tuple": [None, "posix", None, "getpid", {"tuple": []}, {"kwargs": []}]}])

    def test_a_value_whose_json_passes_64_mib_is_shown_whole(self):
        # A 49 MiB bytes reply packed by mitogen 0.3.3 (within its 128 MiB max_message_size): its
        # base64 is past 64 MiB, the budget that stops shared values expanding; a value without
        # sharing is printed whole however large.
        import subprocess
        import sys
        script = ("import sys, mitogen.core as c; m = c.Message.pickled(b'\\xa5' * (49 << 20), handle=1000, "
                  "dst_id=0, src_id=1, auth_id=1); sys.stdout.buffer.write(m.pack())")
        data = subprocess.run(["/usr/bin/python3", "-c", script], capture_output=True, check=True).stdout
        r = mitokit("decode", "--json", "--start", "frames", temp_file(data))
        self.assertEqual(r.code, 0, r.err)
        (m,) = r.json_lines()
        self.assertEqual(m["length"], len(data) - 26)
        (value,) = m["values"]
        self.assertEqual(value["bytes"][:8], "paWlpaWl")
        self.assertEqual(len(value["bytes"]), 4 * ((49 << 20) + 2) // 3)

    def test_every_reference_vector(self):
        """Header, pickles (canonical JSON) and raw payloads of every frame packed by mitogen itself."""
        for v in vectors():
            with self.subTest(v["name"] + " " + v["mitogen"]):
                data = bytes.fromhex(v["frame"])
                r = mitokit("decode", "--json", "--start", "frames", "-", stdin=data)
                self.assertEqual(r.code, 0, r.err)
                (m,) = r.json_lines()
                self.assertEqual(m["length"], len(data) - 26)
                self.assertEqual(m["sha1"], hashlib.sha1(data[26:]).hexdigest())
                if v["raw"] is not None:
                    self.assertEqual(m["raw"], v["raw"])
                    self.assertNotIn("values", m)
                else:
                    self.assertEqual(m["values"], [json.loads(x) for x in v["values"]])
                self.assertNotIn("payload_error", m)

    def test_sha1_of_empty_and_multi_block_payloads(self):
        for size in (0, 55, 56, 64, 119, 1000):
            body = bytes(range(256)) * 4
            data = frame(body[:size], enc=0x4D4B, handle=1000)
            (m,) = mitokit("decode", "--json", "--start", "frames", "-", stdin=data).json_lines()
            self.assertEqual(m["sha1"], hashlib.sha1(body[:size]).hexdigest(), size)

    def test_text_fields_are_escaped_json(self):
        name = "h\u00e9llo\n\"q\" \U0001f600"
        data = frame(name.encode(), dst=0, src=1, handle=100)
        r = mitokit("decode", "--json", "--start", "frames", "-", stdin=data)
        self.assertEqual(r.code, 0, r.err)
        self.assertIn('"fullname":"h\\u00e9llo\\u000a\\"q\\" \\ud83d\\ude00"', r.text)
        (m,) = r.json_lines()
        self.assertEqual(m["payload"]["fullname"], name)

    def test_human_names_from_payloads_are_escaped(self):
        # Control bytes in any name must not reach the terminal or split the line.
        def x(s):
            b = s.encode()
            return b"X" + struct.pack("<I", len(b)) + b
        call = b"\x80\x02(N" + x("mo\nd") + x("C\x1b[2J") + x("f\x07") + b")}(" + x("k\r") + b"K\x01ut."
        load = b"\x80\x02(" + x("x\ny") + b"N" + x("/p\n") + b"N]" + x("r\x1b") + b"atq\x04."
        data = (frame(call, handle=101) + frame(b"log\x1bger\x0020\x00m", handle=102) + frame(load, handle=107) +
                frame(b"\x80\x02" + x("s\n") + x("m\x1b") + b"}\x87.", handle=110))
        r = mitokit("decode", "--start", "frames", "-", stdin=data)
        self.assertEqual(r.code, 0, r.err)
        lines = r.text.splitlines()
        self.assertEqual(len(lines), 5, r.text)
        for line in lines:
            self.assertFalse(any(ord(c) < 0x20 or ord(c) == 0x7f for c in line), repr(line))
        self.assertIn('CALL_FUNCTION len %d: "mo\\u000ad"."C\\u001b[2J"."f\\u0007"("k\\u000d"=1)' % len(call),
                      lines[0])
        self.assertIn('FORWARD_LOG len 12: "log\\u001bger" level 20: "m"', lines[1])
        self.assertIn('LOAD_MODULE len %d: "x\\u000ay" from "/p\\u000a", related: "r\\u001b"' % len(load), lines[2])
        self.assertIn('"s\\u000a"."m\\u001b"()', lines[3])

    def test_start_lines_and_preamble(self):
        import zlib
        pre = zlib.compress(b"print(1)\nExternalContext({'context_id': 1}).main()\n", 9)
        r = mitokit("decode", "--json", "--start", "preamble", "-", stdin=pre + frame(b"", handle=106))
        self.assertEqual(r.code, 0, r.err)
        items = r.json_lines()
        self.assertEqual(items[0]["event"], "preamble")
        self.assertEqual(items[0]["length"], len(pre))
        self.assertEqual(items[1]["handle_name"], "SHUTDOWN")
        r = mitokit("decode", "--json", "--start", "lines", "-", stdin=b"MITO002\n" + frame(b"1", handle=104))
        self.assertEqual(r.code, 0, r.err)
        self.assertEqual([i.get("event", i.get("handle_name")) for i in r.json_lines()], ["MITO002", "DEL_ROUTE"])

    def test_bootstrap_then_frames(self):
        data = b"ssh banner\nMITO000\nMITO001\nMITO002\n" + frame(b"1", dst=0, src=1, auth=1, handle=104)
        r = mitokit("decode", "--json", "-", stdin=data)
        self.assertEqual(r.code, 0, r.err)
        items = r.json_lines()
        self.assertEqual([i.get("event") for i in items[:4]], ["noise", "MITO000", "MITO001", "MITO002"])
        self.assertEqual([i["offset"] for i in items[:4]], [0, 11, 19, 27])
        self.assertEqual(items[0]["text"], "ssh banner")
        self.assertEqual(items[4]["offset"], 35)
        self.assertEqual(items[4]["payload"], {"type": "route", "id": 1, "name": None})


class Errors(unittest.TestCase):
    def check_error(self, data, code, where, *args):
        r = mitokit("decode", "--json", "--start", "frames", *args, "-", stdin=data)
        self.assertEqual(r.code, 1, r.err)
        self.assertEqual(len(r.err.splitlines()), 1, r.err)
        self.assertTrue(r.err.startswith("mitokit decode: <stdin>: " + where), r.err)
        err = r.json_lines()[-1]
        self.assertEqual(err["error"], code)
        return r, err

    def test_bad_magic(self):
        data = frame(b"ok", handle=100) + b"XX" + b"\0" * 24
        r, err = self.check_error(data, "bad_encoding", "offset 28: ")
        self.assertEqual(err["offset"], 28)
        self.assertIn("0x5858", r.err)

    def test_truncated_frame(self):
        data = frame(b"hello", handle=100)[:-2]
        r, err = self.check_error(data, "truncated", "offset 0: ")
        self.assertIn("3 of 5 bytes", err["message"])

    def test_oversize(self):
        r, err = self.check_error(frame(b"x" * 100, handle=100), "oversize", "offset ", "--max-message-size", "10")
        self.assertIn("max_message_size 10", err["message"])

    def test_bad_payload_is_reported_but_decoding_goes_on(self):
        bad = bytes.fromhex("800263706f7369780a73797374656d0a2e")  # GLOBAL posix system: refused
        data = frame(bad, enc=0x4D4A, handle=1000) + frame(b"x", handle=104)
        r = mitokit("decode", "--json", "--start", "frames", "-", stdin=data)
        self.assertEqual(r.code, 1)
        first, second = r.json_lines()
        self.assertIn("payload_error", first)
        self.assertEqual(second["handle_name"], "DEL_ROUTE")
        self.assertIn("offset 0", r.err)

    def test_missing_file(self):
        r = mitokit("decode", "/nonexistent/stream.bin")
        self.assertEqual(r.code, 1)
        self.assertEqual(r.err.strip(), "mitokit decode: /nonexistent/stream.bin: cannot open: No such file or directory")

    def test_empty_stream_is_fine(self):
        r = mitokit("decode", "-")
        self.assertEqual(r.code, 0, r.err)
        self.assertEqual(r.text, "-- 0 messages in 0 bytes\n")



class TrailingBytes(unittest.TestCase):
    """An MI payload is one pickle to mitogen 0.3.3 (Message.unpickle reads the first
    and never looks further); the bytes after it are shown as a count, not dropped."""

    GARBAGE = b"garbage"

    def setUp(self):
        import mitogen.core as mc  # the reference, under MITOKIT_PYTHON
        ref = mc.Message(data=GETPID + self.GARBAGE).unpickle(throw=False)
        self.assertEqual(ref, mc.Message(data=GETPID).unpickle(throw=False))

    def test_human_line_has_a_note(self):
        data = frame(GETPID + self.GARBAGE, handle=101, reply_to=1000) + frame(GETPID + b"\x80\x02K\x05.", handle=1000)
        r = mitokit("decode", "--start", "frames", temp_file(data))
        self.assertEqual(r.code, 0, r.err)
        lines = r.text.splitlines()
        self.assertIn("CALL_FUNCTION reply_to 1000 len 74: posix.getpid() "
                      "(note: 7 trailing bytes after the pickle ignored, as mitogen 0.3.3 does)", lines[0])
        self.assertIn("(note: 5 trailing bytes after the pickle ignored, as mitogen 0.3.3 does)", lines[1])
        self.assertEqual(r.err, "")

    def test_json_has_the_count_and_the_first_value(self):
        data = frame(GETPID + self.GARBAGE, handle=101) + frame(GETPID, handle=101)
        r = mitokit("decode", "--json", "--start", "frames", "-", stdin=data)
        self.assertEqual(r.code, 0, r.err)
        tail, bare = r.json_lines()
        self.assertEqual(tail["values"], bare["values"])
        self.assertEqual(tail["payload"]["function"], "getpid")
        self.assertEqual((tail["trailing_bytes"], bare["trailing_bytes"]), (7, 0))
        self.assertNotIn("payload_error", tail)

    def test_mj_payload_must_be_pickles_to_its_end(self):
        r = mitokit("decode", "--json", "--start", "frames", "-", stdin=frame(GETPID + self.GARBAGE, enc=0x4D4A))
        self.assertEqual(r.code, 1)
        (m,) = r.json_lines()
        self.assertIn("payload_error", m)
        self.assertIn("offset 67", m["payload_error"])
        self.assertNotIn("trailing_bytes", m)


if __name__ == "__main__":
    unittest.main()
