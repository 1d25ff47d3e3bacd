"""mitokit conform: the live suite against real mitogen 0.3.3 and against our
C++ listener, a case that must fail, and bad input."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from livetest import LiveCase  # noqa: E402


class Conform(LiveCase):
    def test_reference_passes_every_case(self):
        ref = self.reference()
        r = self.mitokit('conform', '--peer', 'unix:' + ref.sock, '--json')
        cases = self.json_cases(r.stdout)
        self.assertGreaterEqual(len(cases), 20)
        self.assert_all_pass(cases)
        self.assertEqual(r.returncode, 0, r.stderr)
        names = [c['case'] for c in cases]
        listed = self.mitokit('conform', '--list').stdout.split()
        self.assertEqual(names, listed)
        # The reference logged the refusals the suite provoked.
        self.assertEqual(ref.stop(), 0)
        self.assertIn('bad auth_id', ref.stderr)
        self.assertIn('bad src_id', ref.stderr)
        self.assertIn('Corruption detected', ref.stderr)

    def test_cpp_listener_passes_every_case(self):
        lis = self.cpp_listener()
        r = self.mitokit('conform', '--peer', 'unix:' + lis.sock, '--json')
        cases = self.json_cases(r.stdout)
        self.assertGreaterEqual(len(cases), 20)
        self.assert_all_pass(cases)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(lis.stop(), 0)
        self.assertFalse(os.path.exists(lis.sock), 'listener left its socket behind')

    def test_wrong_target_fails_with_exit_1(self):
        lis = self.cpp_listener()
        r = self.mitokit('conform', '--peer', 'unix:' + lis.sock, '--json', '--target', '77',
                         '--case', 'call.echo.int', '--case', 'dead.no_route')
        cases = {c['case']: c for c in self.json_cases(r.stdout)}
        self.assertEqual(r.returncode, 1)
        self.assertFalse(cases['call.echo.int']['pass'])
        self.assertEqual(cases['call.echo.int']['got'], 'dead: no route to 77, my ID is 0')
        self.assertTrue(cases['dead.no_route']['pass'])
        table = self.mitokit('conform', '--peer', 'unix:' + lis.sock, '--target', '77', '--case', 'call.echo.int')
        self.assertIn('FAIL', table.stdout)
        self.assertIn('0 of 1 cases passed', table.stdout)

    def test_bad_input(self):
        r = self.mitokit('conform', '--peer', 'tcp:1.2.3.4')
        self.assertEqual(r.returncode, 2)
        self.assertIn("peer 'tcp:1.2.3.4' is not unix:PATH", r.stderr)
        r = self.mitokit('conform')
        self.assertEqual(r.returncode, 2)
        self.assertIn('--peer unix:PATH is required', r.stderr)
        r = self.mitokit('conform', '--peer', 'unix:x', '--case', 'call.', '--case', 'nosuchcase')
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr, "mitokit conform: --case 'nosuchcase' matches no case (see --list)\n")
        missing = os.path.join(self.tmp, 'none.sock')
        r = self.mitokit('conform', '--peer', 'unix:' + missing)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.strip(), 'mitokit conform: connect %s: No such file or directory' % missing)
        r = self.mitokit('conform', '--peer', 'unix:x', '--reply-timeout', '0')
        self.assertEqual(r.returncode, 2)
        self.assertIn('--reply-timeout must be more than 0', r.stderr)
        r = self.mitokit('conform', '--help')
        self.assertEqual(r.returncode, 0)
        self.assertIn('--silence', r.stdout)

    def test_every_subcommand_names_a_bad_option(self):
        for cmd in ('conform', 'peer', 'listen', 'replay'):
            r = self.mitokit(cmd, '--bogus')
            self.assertEqual(r.returncode, 2, cmd)
            self.assertIn("mitokit %s: unrecognised option '--bogus'" % cmd, r.stderr)
            self.assertIn('usage: mitokit ' + cmd, r.stderr)
            if cmd != 'replay':  # replay's one word is its CAPTURE
                r = self.mitokit(cmd, 'extra')
                self.assertEqual(r.returncode, 2, cmd)
                self.assertIn("mitokit %s: unexpected argument 'extra'" % cmd, r.stderr)
            h = self.mitokit(cmd, '--help')
            self.assertEqual(h.returncode, 0, cmd)
            self.assertTrue(h.stdout.startswith('usage: mitokit ' + cmd), h.stdout)

    def test_mute_listener_times_out(self):
        path = self.fake_listener('mute')
        r = self.mitokit('conform', '--peer', 'unix:' + path, '--connect-timeout', '0.5')
        self.assertEqual(r.returncode, 1)
        self.assertIn('handshake with %s: ' % path, r.stderr)
        self.assertIn('timed out', r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)

    def test_peer_that_stops_reading(self):
        # A 4 MB argument fills the socket buffer; the write must still end at the deadline.
        path = self.fake_listener('deaf')
        r = self.mitokit('conform', '--peer', 'unix:' + path, '--json', '--reply-timeout', '1', '--silence', '0.2',
                         '--case', 'call.large_args')
        (case,) = self.json_cases(r.stdout)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertFalse(case['pass'])
        self.assertIn('timed out writing', case['got'])

    def test_peer_that_hangs_up(self):
        path = self.fake_listener('hangup')
        r = self.mitokit('conform', '--peer', 'unix:' + path, '--json', '--reply-timeout', '1',
                         '--case', 'call.echo.int', '--case', 'stream.bad_magic')
        cases = {c['case']: c for c in self.json_cases(r.stdout)}
        self.assertEqual(r.returncode, 1)
        self.assertFalse(cases['call.echo.int']['pass'])
        self.assertIn('closed the connection', cases['call.echo.int']['got'])


if __name__ == '__main__':
    unittest.main()
