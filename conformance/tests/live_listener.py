"""mitokit listen: a real mitogen.unix.connect() client (python3-mitogen 0.3.3)
joins our C++ listener and calls the native functions in its target."""
import os
import signal
import subprocess
import sys
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from livetest import CONF_DIR, PYTHON, LiveCase  # noqa: E402

CLIENT = textwrap.dedent('''
    import json, sys
    sys.path.insert(0, sys.argv[2])
    import mitogen.core, mitogen.parent, mitogen.unix
    import mitokit_conform as m
    router, parent = mitogen.unix.connect(sys.argv[1])
    target = mitogen.parent.Context(router, 1)
    out = {"my_id": mitogen.context_id, "parent_id": mitogen.parent_id}
    def attempt(name, fn, *args, **kwargs):
        try:
            out[name] = ["ok", target.call(fn, *args, **kwargs)]
        except mitogen.core.CallError as e:
            out[name] = ["error", str(e).split("\\n")[0]]
    attempt("echo", m.echo, {"k": [1, 2.5, None, "h\\u00e9"]})
    attempt("bytes", m.echo, b"\\x00\\xff")
    out["bytes"][1] = out["bytes"][1].hex()
    attempt("add", m.add, 2 ** 40, 1)
    attempt("kwargs", m.kwargs_items, b=2, a="x")
    attempt("double", m.Calc.double, 21)
    attempt("blob", m.length, m.blob(0) + b"x" * 100000)
    attempt("fail", m.fail, "boom")
    attempt("arity", m.add, 1)
    attempt("pid_is_target_id", __import__("os").getpid)
    chain = mitogen.parent.CallChain(target, pipelined=True)
    chain.call_no_reply(m.fail, "chained")
    try:
        chain.call(m.echo, 1)
        out["chain"] = "no error"
    except mitogen.core.CallError as e:
        out["chain"] = str(e).split("\\n")[0]
    chain.reset()
    out["after_reset"] = chain.call(m.echo, 2)
    try:
        mitogen.parent.Context(router, 99).call(m.echo, 1)
    except mitogen.core.ChannelError as e:
        out["no_route"] = str(e)
    print(json.dumps(out))
    router.broker.shutdown()
    router.broker.join()
''')


class Listener(LiveCase):
    def run_client(self, sock):
        script = os.path.join(self.tmp, 'client.py')
        with open(script, 'w') as f:
            f.write(CLIENT)
        return subprocess.run([PYTHON, script, sock, os.path.join(CONF_DIR, 'python')],
                              capture_output=True, text=True, timeout=60)

    def test_real_client_calls_native_functions(self):
        lis = self.cpp_listener()
        self.assertEqual(lis.ready['target'], 1)
        r = self.run_client(lis.sock)
        self.assertEqual(r.returncode, 0, r.stderr)
        import json
        out = json.loads(r.stdout)
        self.assertEqual(out['my_id'], 2)
        self.assertEqual(out['parent_id'], 0)
        self.assertEqual(out['echo'], ['ok', {'k': [1, 2.5, None, 'h\u00e9']}])
        self.assertEqual(out['bytes'], ['ok', '00ff'])
        self.assertEqual(out['add'], ['ok', 2 ** 40 + 1])
        self.assertEqual(out['kwargs'], ['ok', [['a', 'x'], ['b', 2]]])
        self.assertEqual(out['double'], ['ok', 42])
        self.assertEqual(out['blob'], ['ok', 100000])
        self.assertEqual(out['fail'], ['error', 'builtins.ValueError: boom'])
        self.assertEqual(out['arity'], ['error', "builtins.TypeError: add() missing 1 required positional argument: 'b'"])
        # A C++ context answers posix.getpid with its context ID.
        self.assertEqual(out['pid_is_target_id'], ['ok', 1])
        self.assertEqual(out['chain'], 'builtins.ValueError: chained')
        self.assertEqual(out['after_reset'], 2)
        self.assertEqual(out['no_route'], 'no route to 99, my ID is 0')
        # A second client gets the next ID and is served too.
        r2 = self.run_client(lis.sock)
        self.assertEqual(r2.returncode, 0, r2.stderr)
        self.assertEqual(json.loads(r2.stdout)['my_id'], 3)
        self.assertEqual(lis.stop(), 0)
        self.assertFalse(os.path.exists(lis.sock))

    def test_bad_input(self):
        r = self.mitokit('listen')
        self.assertEqual(r.returncode, 2)
        self.assertIn('--socket PATH is required', r.stderr)
        r = self.mitokit('listen', '--socket', '/nonexistent-dir/x.sock', '--for', '1')
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.strip(), 'mitokit listen: bind /nonexistent-dir/x.sock: No such file or directory')
        r = self.mitokit('listen', '--socket', os.path.join(self.tmp, 'x.sock'), '--for', '-1')
        self.assertEqual(r.returncode, 2)
        self.assertIn('--for must be more than 0', r.stderr)
        r = self.mitokit('listen', '--help')
        self.assertEqual(r.returncode, 0)
        self.assertIn('--handshake-timeout', r.stdout)

    def test_for_ends_cleanly(self):
        sock = os.path.join(self.tmp, 'short.sock')
        r = self.mitokit('listen', '--socket', sock, '--for', '0.3')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('"target":1', r.stdout)
        self.assertFalse(os.path.exists(sock))


if __name__ == '__main__':
    unittest.main()
