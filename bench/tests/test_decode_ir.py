#!/usr/bin/python3
"""mitokit_decode_loop's and decode_ir.py's errors, and decode_ir.py's arithmetic.

Usage: test_decode_ir.py MITOKIT_DECODE_LOOP

A stand-in `valgrind` on PATH prints a count that grows with the decode count, so
the test needs no valgrind and takes a second.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, '..', 'data')
LOOP = None


def run(args, path=None):
    env = dict(os.environ)
    if path is not None:
        env['PATH'] = path
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, timeout=60)


class DecodeLoop(unittest.TestCase):
    def test_bad_arguments_get_the_usage(self):
        for args in ([], ['json', os.path.join(DATA, 'reply_int.bin'), '1']):
            r = run([LOOP] + args)
            self.assertEqual(r.returncode, 2)
            self.assertEqual(r.stderr.strip(), 'usage: mitokit_decode_loop call|pickles FILE COUNT')

    def test_a_bad_count_is_named(self):
        r = run([LOOP, 'pickles', os.path.join(DATA, 'reply_int.bin'), '-3'])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr.strip(), 'mitokit_decode_loop: COUNT must be a non-negative integer, got -3')

    def test_an_unreadable_file_is_named(self):
        r = run([LOOP, 'call', '/nonexistent/payload.bin', '1'])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.strip(), 'mitokit_decode_loop: cannot read /nonexistent/payload.bin')

    def test_a_payload_that_does_not_decode_is_named(self):
        path = os.path.join(DATA, 'reply_int.bin')
        r = run([LOOP, 'call', path, '1'])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.strip(), f'mitokit_decode_loop: {path} does not decode as call')
        self.assertEqual(run([LOOP, 'pickles', path, '3']).returncode, 0)


class DecodeIr(unittest.TestCase):
    script = os.path.join(HERE, '..', 'decode_ir.py')

    def test_a_path_that_is_no_executable_is_a_usage_error(self):
        r = run([sys.executable, self.script, '/nonexistent/loop'])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr.strip().splitlines()[-1], 'decode_ir.py: error: /nonexistent/loop: not an executable file')

    def test_one_decode_is_the_difference_over_the_count(self):
        with tempfile.TemporaryDirectory() as tmp:
            # callgrind's two options dropped; the count is 100 + 7 per decode.
            fake = os.path.join(tmp, 'valgrind')
            with open(fake, 'w') as f:
                f.write('#!/bin/sh\nshift 2\n"$@" || exit $?\necho "==1== Collected : $((100 + 7 * $4))" >&2\n')
            os.chmod(fake, 0o755)
            r = run([sys.executable, self.script, '--count', '5', LOOP, LOOP], path=tmp + os.pathsep + '/usr/bin:/bin')
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual(out['count'], 5)
        per = out['binaries'][LOOP]['instructions_per_decode']
        self.assertEqual(set(per.values()), {7.0})
        self.assertEqual(len(per), 4)
        self.assertEqual(set(out['binaries'][LOOP]['vs_first'].values()), {1.0})


if __name__ == '__main__':
    LOOP = sys.argv.pop(1)
    unittest.main()
