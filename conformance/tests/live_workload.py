"""Faithfulness against live python3-mitogen 0.3.3 (conformance/live/):
the workload capture checked message by message against `mitokit decode` and the
Wireshark plugin, and `mitokit listen` probed beside the reference listener."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from livetest import CONF_DIR, MITOKIT, PYTHON, SHARED  # noqa: E402

LIVE = os.path.join(CONF_DIR, 'live')
# Probes where mitokit listen must answer as the reference does. The others
# (malformed CALL_FUNCTION payloads, a klass or attribute the module lacks, the
# master's own __main__, a package the reference master never imported) still differ:
# see docs/conformance.md.
AGREEING_PROBES = ['echo.', 'call.list_not_tuple', 'call.args_list', 'call.kwargs_dict', 'call.klass_empty',
                   'call.func_dotted', 'call.chain_int', 'call.trailing_garbage', 'call.kwargs_unicode_key',
                   'call.kwargs_extra', 'call.echo_no_args', 'call.add_str_int', 'call.length_of_int',
                   'call.blob_negative', 'call.fail_bytes', 'target.', "get_module.''", "get_module.'mitogen",
                   "get_module.'json", "get_module.'os", "get_module.'mitokit", "get_module.'.", "get_module.'six",
                   'get_module.not_utf8', 'forward_log.', 'spoof.', 'self.', 'alloc.', 'route.', 'cut.', 'zz.']


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

    def test_listener_answers_as_the_reference(self):
        argv = [PYTHON, os.path.join(LIVE, 'check_listeners.py'), '--mitokit', MITOKIT, '--shared', SHARED]
        for p in AGREEING_PROBES:
            argv += ['--probe', p]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stdout[-4000:] + proc.stderr[-2000:])
        self.assertIn('0 probes differ', proc.stdout)
        self.assertGreaterEqual(proc.stdout.count('\nsame '), 50, proc.stdout)


if __name__ == '__main__':
    unittest.main()
