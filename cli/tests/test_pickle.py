"""mitokit pickle json|encode|dis against the reference (shared/value_json.py over the real mitogen)."""
import glob
import json
import os
import pickle
import sys
import unittest

from clitest import SHARED, mitokit, temp_file, vectors

sys.path.insert(0, SHARED)
import value_json  # noqa: E402  (the Python side of the canonical JSON, with mitogen's unpickler)


def pickled_vectors():
    return [v for v in vectors() if v["raw"] is None and len(v["frame"]) > 52]


def real_payloads():
    for path in sorted(glob.glob(os.path.join(SHARED, "payloads", "*.bin"))):
        if not os.path.basename(path).startswith("get_module"):
            yield path


class Json(unittest.TestCase):
    def test_vectors(self):
        for v in pickled_vectors():
            with self.subTest(v["name"] + " " + v["mitogen"]):
                payload = bytes.fromhex(v["frame"])[26:]
                r = mitokit("pickle", "json", "-", stdin=payload)
                self.assertEqual(r.code, 0, r.err)
                self.assertEqual(r.text.splitlines(), v["values"])

    def test_real_payloads_match_value_json(self):
        for path in real_payloads():
            with self.subTest(os.path.basename(path)):
                with open(path, "rb") as f:
                    data = f.read()
                r = mitokit("pickle", "json", path)
                self.assertEqual(r.code, 0, r.err)
                self.assertEqual(r.text, value_json.to_json(value_json.loads(data)) + "\n")

    def test_refused_global_names_module_and_name(self):
        r = mitokit("pickle", "json", "-", stdin=bytes.fromhex("800263706f7369780a73797374656d0a2e"))
        self.assertEqual(r.code, 1)
        self.assertTrue(r.err.startswith("mitokit pickle json: <stdin>: offset "), r.err)
        self.assertIn("posix", r.err)
        self.assertIn("system", r.err)
        self.assertEqual(len(r.err.splitlines()), 1)

    def test_truncated_pickle(self):
        r = mitokit("pickle", "json", "-", stdin=bytes.fromhex("8002580a000000616263"))
        self.assertEqual(r.code, 1)
        self.assertTrue(r.err.startswith("mitokit pickle json: <stdin>: offset "), r.err)

    def test_first_reads_one_pickle_as_mitogen_033(self):
        first = pickle.dumps((1, "a"), protocol=2)
        for tail in (b"garbage", pickle.dumps(5, protocol=2), b"\xff"):
            with self.subTest(tail):
                data = first + tail
                r = mitokit("pickle", "json", "--first", "-", stdin=data)
                self.assertEqual(r.code, 0, r.err)
                self.assertEqual(r.text, value_json.to_json(value_json.loads(data)) + "\n")
                self.assertEqual(r.err.strip(), f"mitokit pickle json: note: <stdin>: {len(tail)} trailing bytes "
                                                f"after the pickle (from offset {len(first)}) ignored, as mitogen 0.3.3 does")
        r = mitokit("pickle", "json", "--first", "-", stdin=first)
        self.assertEqual((r.code, r.err), (0, ""))
        r = mitokit("pickle", "json", "-", stdin=first + b"garbage")  # without --first: a sequence
        self.assertEqual(r.code, 1)

    def test_max_output_bounds_one_long_string(self):
        # CPython's pickle of one str whose canonical JSON is 602 bytes: the budget holds for a
        # single long value too, not only for shared ones.
        data = pickle.dumps("\u00e9" * 100, protocol=2)
        r = mitokit("pickle", "json", "--max-output", "601", "-", stdin=data)
        self.assertEqual(r.code, 1, r.text[:200])
        self.assertIn("canonical JSON exceeds max_output=601 bytes", r.err)
        self.assertEqual(r.text, "")
        r = mitokit("pickle", "json", "--max-output", "602", "-", stdin=data)
        self.assertEqual(r.code, 0, r.err)
        self.assertEqual(r.text, value_json.to_json(value_json.loads(data)) + "\n")

    def test_empty_input(self):
        r = mitokit("pickle", "json", "-")
        self.assertEqual(r.code, 1)
        self.assertEqual(r.err.strip(), "mitokit pickle json: <stdin>: no pickle in the input")

    def test_missing_file(self):
        r = mitokit("pickle", "json", "/nonexistent.pkl")
        self.assertEqual(r.code, 1)
        self.assertIn("/nonexistent.pkl: cannot open", r.err)


class Encode(unittest.TestCase):
    def test_byte_identical_to_cpython(self):
        for v in pickled_vectors():
            with self.subTest(v["name"] + " " + v["mitogen"]):
                text = "\n".join(v["values"]) + "\n"
                want = b"".join(pickle.dumps(value_json.from_json(t), protocol=2) for t in v["values"])
                r = mitokit("pickle", "encode", "-", stdin=text.encode())
                self.assertEqual(r.code, 0, r.err)
                self.assertEqual(r.out.hex(), want.hex())

    def test_round_trip_of_real_payloads(self):
        for path in real_payloads():
            with self.subTest(os.path.basename(path)):
                js = mitokit("pickle", "json", path)
                self.assertEqual(js.code, 0, js.err)
                enc = mitokit("pickle", "encode", temp_file(js.out, ".json"))
                self.assertEqual(enc.code, 0, enc.err)
                want = pickle.dumps(value_json.from_json(js.text), protocol=2)
                self.assertEqual(enc.out, want)

    def test_upstream_top_level_bytes(self):
        r = mitokit("pickle", "encode", "--upstream", "-", stdin=b'{"bytes":"AAFi"}\n')
        self.assertEqual(r.code, 0, r.err)
        self.assertEqual(r.out.hex(), "80025403000000000162" + "2e")
        plain = mitokit("pickle", "encode", "-", stdin=b'{"bytes":"AAFi"}\n')
        self.assertEqual(plain.out, pickle.dumps(b"\x00\x01b", protocol=2))

    def test_bad_json_names_line_and_column(self):
        r = mitokit("pickle", "encode", "-", stdin=b'[1,2]\n\n{"tuple":[1,}\n')
        self.assertEqual(r.code, 1)
        self.assertTrue(r.err.startswith("mitokit pickle encode: <stdin>:3: column "), r.err)
        self.assertEqual(r.out, b"")

    def test_unknown_tag(self):
        r = mitokit("pickle", "encode", "-", stdin=b'{"set":[1]}\n')
        self.assertEqual(r.code, 1)
        self.assertTrue(r.err.startswith("mitokit pickle encode: <stdin>:1: "), r.err)

    def test_no_values(self):
        r = mitokit("pickle", "encode", "-", stdin=b"\n\n")
        self.assertEqual(r.code, 1)
        self.assertIn("no JSON value", r.err)


class Dis(unittest.TestCase):
    def test_listing(self):
        data = bytes.fromhex("80024b024dea038671002e")  # (2, 1002)
        r = mitokit("pickle", "dis", "-", stdin=data)
        self.assertEqual(r.code, 0, r.err)
        lines = r.text.splitlines()
        for op in ("PROTO", "BININT1", "BININT2", "TUPLE2", "BINPUT", "STOP"):
            self.assertTrue(any(op in l for l in lines), (op, r.text))
        self.assertIn("1002", r.text)

    def test_bad_opcode(self):
        r = mitokit("pickle", "dis", "-", stdin=bytes.fromhex("8002ff2e"))
        self.assertEqual(r.code, 1)
        self.assertTrue(r.err.startswith("mitokit pickle dis: <stdin>: offset 2: "), r.err)
        self.assertIn("PROTO", r.text)  # what was listed before the error is kept


if __name__ == "__main__":
    unittest.main()
