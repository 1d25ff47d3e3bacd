"""mitokit peer: a C++ context joins the real mitogen master's UNIX listener;
the master calls native functions in it, serves its imports, logs its record,
allocates it IDs and refuses what the reference refuses."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from livetest import LiveCase  # noqa: E402


class Peer(LiveCase):
    def test_peer_against_reference(self):
        ref = self.reference()
        r = self.mitokit('peer', '--master', 'unix:' + ref.sock, '--json')
        cases = self.json_cases(r.stdout)
        self.assert_all_pass(cases)
        self.assertEqual(r.returncode, 0, r.stderr)
        names = [c['case'] for c in cases]
        for want in ('peer.master_calls.echo', 'peer.master_calls.raises', 'peer.master_calls.chain',
                     'peer.import.load_module_sequence', 'peer.forward_log', 'peer.allocate_id',
                     'drop.bad_auth_id', 'drop.bad_src_id', 'route.add_route_from_client_ignored',
                     'stream.bad_magic_drops', 'stream.oversize_drops'):
            self.assertIn(want, names)
        by = {c['case']: c for c in cases}
        # The master saw the same CallError text from us as from its Python child.
        self.assertIn('builtins.ValueError: boom', by['peer.master_calls.raises']['got'])
        self.assertIn('mitokit_conform_pkg.deep.thing', by['peer.import.load_module_sequence']['got'])
        self.assertTrue(by['peer.forward_log']['got'].startswith('mitokit.peer.['))
        self.assertEqual(ref.stop(), 0)

    def test_master_without_control_handle_fails(self):
        # Our C++ listener is a master but not the reference script: the control
        # requests are refused ("invalid handle"), so those cases must fail.
        lis = self.cpp_listener()
        r = self.mitokit('peer', '--master', 'unix:' + lis.sock, '--json', '--no-raw', '--reply-timeout', '3')
        cases = {c['case']: c for c in self.json_cases(r.stdout)}
        self.assertEqual(r.returncode, 1)
        self.assertTrue(cases['peer.handshake']['pass'])
        self.assertFalse(cases['peer.master_calls.echo']['pass'])
        self.assertEqual(cases['peer.master_calls.echo']['got'], 'control request refused: invalid handle')
        # What does not need the control handle still works against it.
        self.assertTrue(cases['peer.allocate_id']['pass'])
        self.assertTrue(cases['peer.import.load_module_sequence']['pass'], cases['peer.import.load_module_sequence'])

    def test_bad_input(self):
        r = self.mitokit('peer')
        self.assertEqual(r.returncode, 2)
        self.assertIn('--master unix:PATH is required', r.stderr)
        r = self.mitokit('peer', '--master', 'unix:')
        self.assertEqual(r.returncode, 2)
        self.assertIn("peer 'unix:' has an empty socket path", r.stderr)
        missing = os.path.join(self.tmp, 'gone.sock')
        r = self.mitokit('peer', '--master', 'unix:' + missing)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.strip(), 'mitokit peer: connect %s: No such file or directory' % missing)
        r = self.mitokit('peer', '--master', 'unix:x', '--silence', 'nan')
        self.assertEqual(r.returncode, 2)
        r = self.mitokit('peer', '--help')
        self.assertEqual(r.returncode, 0)
        self.assertIn('--reply-timeout', r.stdout)


if __name__ == '__main__':
    unittest.main()
