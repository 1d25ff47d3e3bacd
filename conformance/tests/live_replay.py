"""mitokit replay: a session recorded by `conform --capture` against real
mitogen, re-sent to our C++ listener; the real 0.3.52 capture re-sent to the
real 0.3.3 master; bad input."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from livetest import SHARED, LiveCase  # noqa: E402

CAPTURE_0352 = os.path.join(SHARED, 'captures', 'mitogen-0.3.52-basic', 'real.pcapng')


class Replay(LiveCase):
    def test_recorded_reference_session_against_cpp_listener(self):
        ref = self.reference()
        cap = os.path.join(self.tmp, 'session.pcapng')
        r = self.mitokit('conform', '--peer', 'unix:' + ref.sock, '--capture', cap, '--case', 'call.',
                         '--case', 'dead.', '--case', 'alloc.', '--case', 'module.')
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        lis = self.cpp_listener()
        r = self.mitokit('replay', cap, '--to', 'unix:' + lis.sock, '--json')
        rows = self.json_cases(r.stdout)
        self.assertGreater(len(rows), 20)
        self.assert_all_pass(rows)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(any(c['case'].endswith('GET_MODULE mitokit_conform_pkg.sub') for c in rows))
        self.assertEqual(rows[-1]['case'], 'replay.sent')
        # Again, on the same listener: this client comes second, so the ID blocks
        # the master hands out are later ones; those rows (and only those) differ.
        r = self.mitokit('replay', cap, '--to', 'unix:' + lis.sock, '--json')
        rows = self.json_cases(r.stdout)
        failed = [c for c in rows if not c['pass']]
        self.assertEqual(r.returncode, 1)
        self.assertEqual([c['case'] for c in failed], [c['case'] for c in rows if 'ALLOCATE_ID' in c['case']])
        self.assertEqual(len(failed), 2)
        self.assertEqual(failed[0]['expected'], 'value {"tuple":[3,1003]}')
        self.assertEqual(failed[0]['got'], 'value {"tuple":[2004,3004]}')

    @unittest.skipUnless(os.path.exists(CAPTURE_0352), 'no 0.3.52 capture')
    def test_real_0352_capture_against_reference(self):
        ref = self.reference()
        r = self.mitokit('replay', CAPTURE_0352, '--conversation', '1', '--map', '2=1',
                         '--to', 'unix:' + ref.sock, '--json')
        rows = {c['case']: c for c in self.json_cases(r.stdout)}
        self.assertEqual(r.returncode, 1)
        dumps = rows['#17 CALL_FUNCTION json.dumps to 2']
        self.assertTrue(dumps['pass'], dumps)
        self.assertEqual(dumps['got'], 'value "{\\"k\\": [1, 2.5, null, \\"x\\"]}"')
        add = rows['#0 CALL_FUNCTION __main__.add to 2']
        self.assertFalse(add['pass'])
        self.assertEqual(add['expected'], 'value [1,2,3]')
        self.assertTrue(add['got'].startswith('CallError: '), add)
        fail = rows['#15 CALL_FUNCTION __main__.fail to 2']
        self.assertEqual(fail['expected'], 'CallError: builtins.ValueError: deliberate failure')
        self.assertIn('12 answers/SHUTDOWN not re-sent', rows['replay.sent']['got'])

    @unittest.skipUnless(os.path.exists(CAPTURE_0352), 'no 0.3.52 capture')
    def test_peer_that_stops_reading(self):
        path = self.fake_listener('deaf')
        r = self.mitokit('replay', CAPTURE_0352, '--to', 'unix:' + path, '--reply-timeout', '1', '--silence', '0.2')
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn('timed out writing', r.stdout + r.stderr)

    def test_bad_input(self):
        r = self.mitokit('replay', '--to', 'unix:/x')
        self.assertEqual(r.returncode, 2)
        self.assertIn('a CAPTURE file and --to unix:PATH are required', r.stderr)
        missing = os.path.join(self.tmp, 'none.pcapng')
        r = self.mitokit('replay', missing, '--to', 'unix:/x')
        self.assertEqual(r.returncode, 1)
        self.assertIn(missing, r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)
        r = self.mitokit('replay', missing, '--to', 'unix:/x', '--map', '2')
        self.assertEqual(r.returncode, 2)
        self.assertIn("--map needs CAPTURED=LIVE context IDs, got '2'", r.stderr)
        r = self.mitokit('replay', missing, '--to', 'unix:/x', '--map', '2=1', '--map', '2=3')
        self.assertEqual(r.returncode, 2)
        self.assertIn('--map gives context ID 2 twice', r.stderr)
        r = self.mitokit('replay', missing, '--to', 'unix:/x', '--max-message-size', '0')
        self.assertEqual(r.returncode, 2)
        self.assertIn('--max-message-size must be between 1 and 4294967295', r.stderr)
        r = self.mitokit('replay', missing, '--to', 'unix:/x', '--send', 'up')
        self.assertEqual(r.returncode, 2)
        if os.path.exists(CAPTURE_0352):
            r = self.mitokit('replay', CAPTURE_0352, '--conversation', '9', '--to', 'unix:/x')
            self.assertEqual(r.returncode, 1)
            self.assertIn('no mitogen frames in conversation 9', r.stderr)
        r = self.mitokit('replay', '--help')
        self.assertEqual(r.returncode, 0)
        self.assertIn('--keep-encoding', r.stdout)


if __name__ == '__main__':
    unittest.main()
