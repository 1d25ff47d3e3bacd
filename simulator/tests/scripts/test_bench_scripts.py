#!/usr/bin/python3
"""The benchmark scripts' errors and their parsing of what they run.

Usage: test_bench_scripts.py MITOKIT_SIM

ab.py and ir.py refuse a path that is no executable; ir.py says so when valgrind
is missing, when the run under it fails, and when its output has no instruction
count. A stand-in `valgrind` on PATH (it runs the simulator and prints a count, or
fails) stands for the real one, so the test needs no valgrind and takes seconds.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.join(HERE, '..', '..', 'bench')
SIM = None


def run_script(name, args, path=None):
    env = dict(os.environ)
    if path is not None:
        env['PATH'] = path
    return subprocess.run([sys.executable, os.path.join(BENCH, name)] + args, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=env, timeout=120)


class FakeValgrind:
    """A directory whose `valgrind` runs `body` (sh) after dropping callgrind's two options."""

    def __init__(self, body):
        self.dir = tempfile.TemporaryDirectory()
        exe = os.path.join(self.dir.name, 'valgrind')
        with open(exe, 'w') as f:
            f.write('#!/bin/sh\nshift 2\n' + body + '\n')
        os.chmod(exe, 0o755)

    def path(self):
        return self.dir.name + os.pathsep + '/usr/bin:/bin'


class BenchScripts(unittest.TestCase):
    def fake_valgrind(self, body):
        fake = FakeValgrind(body)
        self.addCleanup(fake.dir.cleanup)
        return fake

    def test_a_path_that_is_no_executable_is_a_usage_error(self):
        for name, args in (('ab.py', ['/nonexistent/sim', SIM]), ('ir.py', ['/nonexistent/sim'])):
            r = run_script(name, args)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertEqual(r.stderr.strip().splitlines()[-1], f'{name}: error: /nonexistent/sim: not an executable file')

    def test_ir_without_valgrind_says_so(self):
        with tempfile.TemporaryDirectory() as empty:
            r = run_script('ir.py', [SIM], path=empty)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stderr.strip().splitlines()[-1], 'ir.py: error: valgrind is not installed (apt-get install valgrind)')

    def test_ir_reports_a_run_that_fails_under_valgrind(self):
        fake = self.fake_valgrind('echo "the run broke" >&2\nexit 3')
        r = run_script('ir.py', ['--levels', '2,2', SIM], path=fake.path())
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.strip(), f'{SIM} under callgrind exited 3: the run broke')

    def test_ir_reports_output_with_no_instruction_count(self):
        fake = self.fake_valgrind('exec "$@"')
        r = run_script('ir.py', ['--levels', '2,2', SIM], path=fake.path())
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.strip(), f"no instruction count in callgrind's output for {SIM}")

    def test_ir_reads_the_count_and_the_report(self):
        fake = self.fake_valgrind('"$@"\necho "==1== Collected : 1000" >&2')
        r = run_script('ir.py', ['--levels', '2,2', SIM, SIM], path=fake.path())
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        s = out['sims'][SIM]
        self.assertEqual(s['build_instructions'], 1000)
        self.assertEqual(s['leaf_instructions'], 0)
        self.assertGreater(s['hops'], 0)
        self.assertTrue(out['same_events'])

    def test_ir_runs_the_call_window_it_is_given(self):
        fake = self.fake_valgrind('echo "$@" >> "$(dirname "$0")/args"\n"$@"\necho "==1== Collected : 1000" >&2')
        r = run_script('ir.py', ['--levels', '2,2', '--call-window', '3', SIM], path=fake.path())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)['call_window'], 3)
        with open(os.path.join(fake.dir.name, 'args')) as f:
            runs = f.read().splitlines()
        self.assertEqual(len(runs), 2)
        for run in runs:
            self.assertIn('--call-window 3', run)
        r = run_script('ir.py', ['--call-window', '-1', SIM], path=fake.path())
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr.strip().splitlines()[-1], 'ir.py: error: --call-window must not be negative, got -1')

    def test_ab_compares_two_runs_of_the_same_events(self):
        r = run_script('ab.py', ['--rounds', '1', '--levels', '2,2', SIM, SIM])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertTrue(out['same_events'])
        self.assertEqual(out['rounds'], 1)

    def test_ab_compares_call_windows_of_one_binary(self):
        r = run_script('ab.py', ['--rounds', '1', '--levels', '3,3', '--call-windows', '0,2', SIM])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual(sorted(out['sims']), [f'{SIM}@0', f'{SIM}@2'])
        self.assertEqual(out['call_windows'], [0, 2])
        self.assertFalse(out['same_events'], 'a window changes when calls start, so the events differ')
        for args, message in ((['--call-windows', '0,x', SIM], "--call-windows takes comma-separated integers, got '0,x'"),
                              (['--call-windows=-1,2', SIM], "--call-windows must not be negative, got '-1,2'"),
                              ([SIM], 'give at least two binaries, or two --call-windows, to compare')):
            r = run_script('ab.py', args)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertEqual(r.stderr.strip().splitlines()[-1], f'ab.py: error: {message}')

    def test_scale_refuses_a_negative_call_window(self):
        r = run_script('scale.py', [SIM, '--call-window=-1'])
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stderr.strip().splitlines()[-1], 'scale.py: error: --call-window must not be negative, got -1')


if __name__ == '__main__':
    SIM = os.path.abspath(sys.argv.pop(1))
    unittest.main()
