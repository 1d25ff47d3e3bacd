"""Faithfulness against live python3-mitogen 0.3.3 (conformance/live/): the
workload capture checked message by message against `mitokit decode` and the
Wireshark plugin."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from livetest import CONF_DIR, MITOKIT, PYTHON, SHARED  # noqa: E402

LIVE = os.path.join(CONF_DIR, 'live')


def plugin_path():
    build = os.path.dirname(os.path.dirname(os.path.abspath(MITOKIT)))
    path = os.path.join(build, 'wireshark', 'plugins', '4.0', 'epan', 'mitogen.so')
    return path if os.path.exists(path) else None


class Workload(unittest.TestCase):
    def test_decode_and_plugin_show_what_the_master_sent(self):
        argv = [PYTHON, os.path.join(LIVE, 'check_workload.py'), '--mitokit', MITOKIT, '--shared', SHARED]
        if plugin_path():
            argv += ['--plugin', plugin_path()]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=300)
        if proc.returncode == 77:
            self.skipTest(proc.stdout.strip())
        self.assertEqual(proc.returncode, 0, proc.stdout[-4000:] + proc.stderr[-2000:])
        self.assertIn('truth: ', proc.stdout)
        self.assertIn(' 0 failed', proc.stdout)


if __name__ == '__main__':
    unittest.main()
