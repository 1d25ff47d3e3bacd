"""mitokit's command line: help, dispatch and usage errors (exit status 2)."""
import unittest

from clitest import mitokit


class Usage(unittest.TestCase):
    def test_no_arguments_prints_help(self):
        r = mitokit()
        self.assertEqual(r.code, 0)
        self.assertIn("usage: mitokit <command>", r.text)
        self.assertIn("decode", r.text)
        self.assertIn("pickle", r.text)

    def test_every_command_has_help(self):
        for args in (["decode"], ["pickle"], ["pickle", "json"], ["pickle", "encode"], ["pickle", "dis"]):
            r = mitokit(*args, "--help")
            self.assertEqual(r.code, 0, args)
            self.assertIn("usage: mitokit " + " ".join(args), r.text, args)

    def test_unknown_command(self):
        r = mitokit("frobnicate")
        self.assertEqual(r.code, 2)
        self.assertEqual(r.err.strip(), "mitokit: unknown command 'frobnicate' (run 'mitokit --help' for the list)")

    def test_unknown_option(self):
        r = mitokit("decode", "--bogus", "x")
        self.assertEqual(r.code, 2)
        self.assertIn("mitokit decode: unrecognised option '--bogus'", r.err)

    def test_missing_input(self):
        r = mitokit("decode")
        self.assertEqual(r.code, 2)
        self.assertIn("mitokit decode:", r.err)
        self.assertIn("input", r.err)

    def test_bad_start(self):
        r = mitokit("decode", "--start", "middle", "-")
        self.assertEqual(r.code, 2)
        self.assertIn("--start must be frames, detect, lines or preamble, not 'middle'", r.err)

    def test_bad_number(self):
        r = mitokit("decode", "--max-message-size", "lots", "-")
        self.assertEqual(r.code, 2)
        self.assertIn("max-message-size", r.err)

    def test_port_needs_a_capture(self):
        r = mitokit("decode", "--port", "80", "-", stdin=b"MI")
        self.assertEqual(r.code, 2)
        self.assertIn("--port applies only to captures", r.err)

    def test_pickle_needs_an_action(self):
        r = mitokit("pickle")
        self.assertEqual(r.code, 2)
        r = mitokit("pickle", "eat", "-")
        self.assertEqual(r.code, 2)
        self.assertIn("unknown action 'eat'", r.err)


if __name__ == "__main__":
    unittest.main()
