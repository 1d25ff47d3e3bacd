"""Helpers for the live conformance tests: start the real mitogen reference
master (reference_master.py) or our C++ listener (`mitokit listen`) on a socket
in a private temporary directory, run the built `mitokit`, and clean up."""
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import unittest

MITOKIT = os.environ.get('MITOKIT_BIN', 'mitokit')
CONF_DIR = os.environ.get('MITOKIT_CONFORMANCE_DIR', os.path.join(os.path.dirname(__file__), '..'))
SHARED = os.environ.get('MITOKIT_SHARED_DIR', '')
PYTHON = '/usr/bin/python3'


class Server(object):
    """A listener process that prints one JSON line {socket, pid, target} when ready."""

    def __init__(self, argv, sock):
        self.sock = sock
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line:
            err = self.proc.stderr.read()
            self.proc.wait()
            raise RuntimeError('listener did not start: %s' % err)
        self.ready = json.loads(line)

    def stop(self):
        if self.proc.stdout.closed:
            return self.proc.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return self.proc.returncode


class LiveCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='mitokit-live-')
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def reference(self):
        sock = os.path.join(self.tmp, 'ref.sock')
        s = Server([PYTHON, os.path.join(CONF_DIR, 'reference_master.py'), '--socket', sock], sock)
        self.servers.append(s)
        return s

    def cpp_listener(self, *extra):
        sock = os.path.join(self.tmp, 'cpp.sock')
        s = Server([MITOKIT, 'listen', '--socket', sock, '--for', '100'] + list(extra), sock)
        self.servers.append(s)
        return s

    def mitokit(self, *args, timeout=100):
        return subprocess.run([MITOKIT] + list(args), capture_output=True, text=True, timeout=timeout)

    def json_cases(self, out):
        cases = [json.loads(l) for l in out.splitlines() if l.strip()]
        for c in cases:
            self.assertEqual(sorted(c), ['case', 'expected', 'got', 'pass'], c)
            self.assertIsInstance(c['pass'], bool)
        return cases

    def assert_all_pass(self, cases):
        failed = ['%s: expected %r, got %r' % (c['case'], c['expected'][:200], c['got'][:200])
                  for c in cases if not c['pass']]
        self.assertEqual(failed, [])

    def fake_listener(self, behaviour):
        """A UNIX listener that misbehaves: 'mute' never answers the handshake,
        'hangup' answers it and closes every connection at once, 'deaf' answers it
        and never reads again."""
        path = os.path.join(self.tmp, behaviour + '.sock')
        srv = socket.socket(socket.AF_UNIX)
        srv.bind(path)
        srv.listen(10)
        conns = []

        def run():
            while True:
                try:
                    c, _ = srv.accept()
                except OSError:
                    return
                c.recv(4)
                conns.append(c)
                if behaviour in ('hangup', 'deaf'):
                    c.sendall(struct.pack('>LLL', 5, 0, os.getpid()))
                if behaviour == 'hangup':
                    c.close()
        t = threading.Thread(target=run, daemon=True)
        t.start()
        self.addCleanup(srv.close)
        self.addCleanup(lambda: [c.close() for c in conns])
        return path
