"""mitokit's command line: help, dispatch and usage errors (exit status 2)."""
import os
import unittest

from clitest import mitokit, temp_file


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

    def test_a_negative_value_for_an_unsigned_option_is_refused_not_wrapped(self):
        # Boost reads "-1" into an unsigned option as 4294967295: every subcommand refuses it instead.
        cases = [
            (["decode", "--max-message-size", "-1", "-"], "decode", "--max-message-size"),
            (["decode", "--max-buffered-bytes", "-5", "-"], "decode", "--max-buffered-bytes"),
            (["pickle", "json", "--max-output", "-1", "-"], "pickle json", "--max-output"),
            (["simulate", "--connect-window", "-1"], "simulate", "--connect-window"),
            (["simulate", "--calls", "-3"], "simulate", "--calls"),
            (["replay", "--max-message-size", "-1", "x.pcap", "--to", "unix:/nonexistent"], "replay", "--max-message-size"),
        ]
        for args, cmd, opt in cases:
            r = mitokit(*args)
            self.assertEqual(r.code, 2, (args, r.err))
            self.assertIn(f"mitokit {cmd}: {opt} must not be negative, got '-", r.err, args)

    def test_simulate_refuses_bad_shapes_and_link_values(self):
        cases = [
            (["--levels", "1,,2"], "bad --levels item '' in '1,,2'"),
            (["--levels", "3,"], "bad --levels '3,' (a trailing comma)"),
            (["--levels", "2x"], "bad --levels item '2x'"),
            (["--latency-us", "-5"], "--latency-us must be 0..1e+09 microseconds, got -5"),
            (["--jitter-us", "nan"], "--jitter-us must be 0..1e+09 microseconds, got nan"),
            (["--buffer", "0"], "--buffer must be at least 1 byte"),
            (["--allocate-ids", "100001"], "--allocate-ids must be 0..100000, got 100001"),
            (["--kill", "1,,2"], "bad --kill item '' in '1,,2'"),
            (["--kill", "0"], "bad --kill item '0' in '0' (want context IDs other than the master's 0"),
            (["--modules", "synthetic", "--synthetic-modules", "4000000000"],
             "--synthetic-packages x (--synthetic-modules + 1) is 1.6e+10 modules, above the limit of 2000 (each module's related list"),
            (["--modules", "synthetic", "--synthetic-packages", "1", "--synthetic-modules", "2000"],
             "--synthetic-packages x (--synthetic-modules + 1) is 2001 modules, above the limit of 2000"),
            (["--modules", "synthetic", "--synthetic-packages", "1000"],
             "--synthetic-packages x (--synthetic-modules + 1) is 9000 modules, above the limit of 2000"),
        ]
        for args, want in cases:
            r = mitokit("simulate", *args)
            self.assertEqual(r.code, 2, (args, r.err))
            self.assertIn("mitokit simulate: " + want, r.err, args)

    def test_simulate_opens_its_output_files_before_the_run(self):
        for opt, what in (("--event-log", "event log"), ("--dot", "dot file"), ("--json=", "JSON report")):
            args = [opt + "/nonexistent/dir/out"] if opt.endswith("=") else [opt, "/nonexistent/dir/out"]
            r = mitokit("simulate", "--levels", "2", "--modules", "none", *args)
            self.assertEqual(r.code, 1, (opt, r.err))
            self.assertIn(f"mitokit simulate: cannot create {what} '/nonexistent/dir/out'", r.err)
            self.assertNotIn("invariants", r.text, "no run is made")
        r = mitokit("simulate", "--levels", "2", "--modules", "none", "--event-log", "/dev/full")
        self.assertEqual(r.code, 1, r.err)
        self.assertIn("mitokit simulate: writing '/dev/full' failed", r.err)

    def test_simulate_event_log_is_written_as_the_run_goes(self):
        path = temp_file(b"", suffix=".log")
        r = mitokit("simulate", "--levels", "3,3", "--modules", "none", "--event-log", path, "--json")
        self.assertEqual(r.code, 0, r.err)
        with open(path) as f:
            lines = f.read().splitlines()
        os.unlink(path)
        self.assertEqual(len(lines), r.json_lines()[0]["events"], "one line per recorded event")
        self.assertEqual(lines[0], "0 spawn 1 0 0")

    def test_output_to_a_full_disk_is_an_error_not_a_success(self):
        import subprocess
        from clitest import BIN, REAL_CAPTURE
        sim = os.path.join(os.path.dirname(BIN), "..", "simulator", "mitokit-sim")
        runs = [([BIN, "decode", "--json", REAL_CAPTURE], "mitokit"), ([BIN, "--help"], "mitokit"),
                ([sim, "simulate", "--levels", "2", "--modules", "none", "--json"], "mitokit-sim")]
        for argv, program in runs:
            if not os.path.exists(argv[0]):
                continue
            with open("/dev/full", "wb") as full:
                p = subprocess.run(argv, stdout=full, stderr=subprocess.PIPE, timeout=120)
            self.assertEqual(p.returncode, 1, (argv, p.stderr))
            self.assertIn(f"{program}: writing standard output failed", p.stderr.decode(), argv)

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
