"""Faithfulness against live python3-mitogen 0.3.3 (conformance/live/):
`mitokit listen` probed with raw frames beside the reference listener."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from livetest import CONF_DIR, MITOKIT, PYTHON, SHARED  # noqa: E402

LIVE = os.path.join(CONF_DIR, 'live')
# Probes where mitokit listen must answer as the reference does. The others
# (malformed CALL_FUNCTION payloads and refused argument values, a klass or attribute the module lacks, the
# master's own __main__, a package the reference master never imported) still differ:
# see docs/conformance.md.
AGREEING_PROBES = ['echo.bytes', 'echo.secret', 'echo.blob', 'echo.context', 'echo.sender', 'echo.kwargs',
                   'echo.callerror', 'echo.nested', 'echo.numbers', 'echo.strings', 'echo.empty', 'echo.tuple_sizes',
                   'echo.dict_many', 'call.list_not_tuple', 'call.args_list', 'call.kwargs_dict', 'call.klass_empty',
                   'call.func_dotted', 'call.chain_int', 'call.trailing_garbage', 'call.kwargs_unicode_key',
                   'call.kwargs_extra', 'call.echo_no_args', 'call.add_str_int', 'call.length_of_int',
                   'call.blob_negative', 'call.fail_bytes', 'target.', "get_module.''", "get_module.'mitogen",
                   "get_module.'json", "get_module.'os", "get_module.'mitokit", "get_module.'.", "get_module.'six",
                   'get_module.not_utf8', 'forward_log.', 'spoof.', 'self.', 'alloc.', 'route.', 'cut.', 'zz.']


class Probes(unittest.TestCase):
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
