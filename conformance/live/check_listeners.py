"""Probes the reference listener (conformance/reference_master.py, real mitogen
0.3.3) and `mitokit listen` (our C++ master and target) with raw frames a
UNIX client can send, and prints where their answers differ: odd and refused
argument values, malformed CALL_FUNCTION payloads, a _proxy_connect in the target, unknown handles in the
target, odd GET_MODULE names, malformed FORWARD_LOG, spoofed auth/src IDs,
messages to ourselves, a connection cut mid-frame, a call near max_message_size,
SHUTDOWN sent to the target by a client.

Usage: /usr/bin/python3 check_listeners.py --mitokit BIN --shared DIR [--probe PREFIX]...
"""

import argparse
import json
import os
import pickle
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
HDR = struct.Struct(">HLLLLLL")
MI = 0x4D49
CALL_FUNCTION, GET_MODULE, FORWARD_LOG, ADD_ROUTE, DEL_ROUTE, ALLOCATE_ID, SHUTDOWN, LOAD_MODULE = (
    101, 100, 102, 103, 104, 105, 106, 107)
CALL_SERVICE = 110
IS_DEAD = 999
TARGET = 1
REPLY = 1000


class Link:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.s.sendall(struct.pack(">L", os.getpid()))
        ident = b""
        while len(ident) < 12:
            chunk = self.s.recv(12 - len(ident))
            if not chunk:
                raise RuntimeError("handshake: connection closed")
            ident += chunk
        self.me, self.listener, _ = struct.unpack(">LLL", ident)
        self.buf = b""
        self.closed = False

    def send(self, handle, data, dst=TARGET, reply_to=REPLY, src=None, auth=None, magic=MI, length=None):
        src = self.me if src is None else src
        auth = self.me if auth is None else auth
        n = len(data) if length is None else length
        self.s.sendall(HDR.pack(magic, dst, src, auth, handle, reply_to, n) + data)

    def receive(self, silence=0.6, limit=30.0):
        """Frames until `silence` seconds pass with nothing new (or the link closes)."""
        frames, deadline = [], time.time() + limit
        while time.time() < deadline and not self.closed:
            r, _, _ = select.select([self.s], [], [], silence)
            if not r:
                break
            chunk = self.s.recv(1 << 20)
            if not chunk:
                self.closed = True
                break
            self.buf += chunk
            while len(self.buf) >= HDR.size:
                magic, dst, src, auth, handle, reply_to, n = HDR.unpack_from(self.buf)
                if len(self.buf) < HDR.size + n:
                    break
                data = self.buf[HDR.size:HDR.size + n]
                self.buf = self.buf[HDR.size + n:]
                frames.append((dst, src, auth, handle, reply_to, data))
        return frames

    def close(self):
        self.s.close()


def show(link, frames, vj):
    """Frames with our IDs named, payloads as 0.3.3 reads them."""
    names = {link.me: "me", link.listener: "listener", TARGET: "target"}
    out = []
    for dst, src, auth, handle, reply_to, data in frames:
        if handle == LOAD_MODULE or data[:1] == b"\x80":
            try:
                v = vj.loads(data)
                if handle == LOAD_MODULE and isinstance(v, tuple) and len(v) == 5:
                    v = (v[0], v[1], v[2], None if v[3] is None else "<%d bytes>" % len(v[3]), v[4])
                body = vj.to_json(v)
            except Exception as e:
                body = "unpickle error: %s" % e
        else:
            body = repr(data[:300])
        body = first_line_of_call_error(body)
        out.append("%s->%s auth %s h%s rt%s %s" % (names.get(src, src), names.get(dst, dst), names.get(auth, auth),
                                                  handle, reply_to, body))
    if link.closed:
        out.append("<closed>")
    return out


def first_line_of_call_error(body):
    # Tracebacks name files and lines that differ between implementations: compare the first line.
    if body.startswith('{"call_error":'):
        text = json.loads(body)["call_error"].split("\n")[0]
        return '{"call_error":%s}' % json.dumps(text)
    return body


def call_payload(module, func, args=(), kwargs=None, klass=None, chain=None):
    import mitogen.core
    return pickle.dumps((chain, module, klass, func, tuple(args), mitogen.core.Kwargs(kwargs or {})), protocol=2)


def probes():
    import mitogen.core
    import faith_odd
    p = []
    for kind in ("bytes", "secret", "blob", "context", "context_noname", "sender", "kwargs", "callerror", "nested",
                 "numbers", "strings", "empty", "tuple_sizes", "dict_many", "set", "frozenset", "bytearray"):
        p.append(("echo." + kind, [(CALL_FUNCTION, call_payload("mitokit_conform", "echo", [faith_odd.ret(kind)]), {})]))
    bad_calls = {
        "list_not_tuple": pickle.dumps([None, "mitokit_conform", None, "echo", (1,), mitogen.core.Kwargs({})], 2),
        "five_items": pickle.dumps((None, "mitokit_conform", None, "echo", (1,)), 2),
        "seven_items": pickle.dumps((None, "mitokit_conform", None, "echo", (1,), mitogen.core.Kwargs({}), 7), 2),
        "args_list": pickle.dumps((None, "mitokit_conform", None, "echo", [1], mitogen.core.Kwargs({})), 2),
        "kwargs_dict": pickle.dumps((None, "mitokit_conform", None, "kwargs_items", (), {"a": 1}), 2),
        "kwargs_none": pickle.dumps((None, "mitokit_conform", None, "echo", (1,), None), 2),
        "module_int": pickle.dumps((None, 5, None, "echo", (1,), mitogen.core.Kwargs({})), 2),
        "func_none": pickle.dumps((None, "mitokit_conform", None, None, (1,), mitogen.core.Kwargs({})), 2),
        "klass_missing": pickle.dumps((None, "mitokit_conform", "Nope", "double", (1,), mitogen.core.Kwargs({})), 2),
        "klass_empty": pickle.dumps((None, "mitokit_conform", "", "echo", (1,), mitogen.core.Kwargs({})), 2),
        "func_dotted": pickle.dumps((None, "mitokit_conform", None, "Calc.double", (1,), mitogen.core.Kwargs({})), 2),
        "func_private": pickle.dumps((None, "mitokit_conform", None, "__name__", (), mitogen.core.Kwargs({})), 2),
        "chain_int": pickle.dumps((7, "mitokit_conform", None, "echo", (1,), mitogen.core.Kwargs({})), 2),
        "bytes_names": pickle.dumps((None, b"mitokit_conform", None, b"echo", (1,), mitogen.core.Kwargs({})), 2),
        "empty_payload": b"",
        "not_a_pickle": b"hello",
        "trailing_garbage": call_payload("mitokit_conform", "echo", [1]) + b"junk",
        "truncated": call_payload("mitokit_conform", "echo", [1])[:-3],
        "refused_global": b"\x80\x02cos\nsystem\nq\x00.",
        "kwargs_unicode_key": call_payload("mitokit_conform", "kwargs_items", [], {"\u00e9": 1}),
        "kwargs_extra": call_payload("mitokit_conform", "echo", [1], {"value": 2}),
        "echo_no_args": call_payload("mitokit_conform", "echo", []),
        "add_str_int": call_payload("mitokit_conform", "add", ["a", 1]),
        "length_of_int": call_payload("mitokit_conform", "length", [5]),
        "blob_negative": call_payload("mitokit_conform", "blob", [-1]),
        "fail_bytes": call_payload("mitokit_conform", "fail", [b"x"]),
    }
    for name, data in bad_calls.items():
        p.append(("call." + name, [(CALL_FUNCTION, data, {})]))
    # Router.local(via=target): the target boots a grandchild (a Python child) and answers its ID and name.
    proxy = pickle.dumps((None, "mitogen.parent", None, "_proxy_connect", (),
                          mitogen.core.Kwargs({"name": "grandchild", "method_name": "local", "kwargs": {}})), 2)
    # SHUTDOWN then goes to the grandchild (the client's auth_id is the listener's), so it is gone before later probes.
    p.append(("call.proxy_connect", [(CALL_FUNCTION, proxy, {"wait": 4.0}),
                                     (CALL_FUNCTION, call_payload("mitokit_conform", "echo", ["alive"]), {}),
                                     ("SHUTDOWN_SPAWNED", None, {})]))
    for name, data in (("unknown_handle", (4321, pickle.dumps(None, 2))),
                       ("unknown_handle_dead", (4321, b"reason")),):
        extra = {"reply_to": IS_DEAD} if name.endswith("dead") else {}
        p.append(("target." + name, [(data[0], data[1], extra)]))
    for name in ("", "mitogen", "mitogen.core", "mitogen.parent", "__main__", "json.decoder", "os.path",
                 "mitokit_conform_pkg.nosuch", "mitokit_conform.", ".mitokit_conform", "mitokit_conform_pkg.util",
                 "mitokit_conform_pkg.deep", "six", "pyparsing", "\u00e9t\u00e9", "a b", "mitokit_conform\x00x"):
        p.append(("get_module.%r" % name, [(GET_MODULE, name.encode("utf-8"), {"dst": 0, "reply_to": 0})]))
    p.append(("get_module.not_utf8", [(GET_MODULE, b"\xff\xfe", {"dst": 0, "reply_to": 0})]))
    p.append(("get_module.reply_to_set", [(GET_MODULE, b"mitokit_conform", {"dst": 0, "reply_to": REPLY})]))
    for name, data in (("no_nul", b"just text"), ("bad_level", b"x\x00lvl\x00text"), ("not_utf8", b"\xff\x0020\x00\xfe"),
                       ("two_fields", b"name\x0020")):
        p.append(("forward_log." + name, [(FORWARD_LOG, data, {"dst": 0, "reply_to": 0}),
                                          (CALL_FUNCTION, call_payload("mitokit_conform", "echo", ["alive"]), {})]))
    alive = (CALL_FUNCTION, call_payload("mitokit_conform", "echo", ["alive"]), {})
    for name, kw in (("auth_listener", {"auth": "listener"}), ("auth_unknown", {"auth": 5555}),
                     ("src_unknown", {"src": 5555}), ("src_listener", {"src": "listener"}),
                     ("src_target_auth_me", {"src": TARGET})):
        p.append(("spoof." + name, [(CALL_FUNCTION, call_payload("mitokit_conform", "echo", [name]), kw), alive]))
    p.append(("self.to_me", [(4321, pickle.dumps("to myself", 2), {"dst": "me", "reply_to": 0})]))
    p.append(("self.to_me_reply", [(4321, pickle.dumps("to myself", 2), {"dst": "me", "reply_to": 77})]))
    p.append(("alloc.reply_to_zero", [(ALLOCATE_ID, pickle.dumps(None, 2), {"dst": 0, "reply_to": 0}), alive]))
    p.append(("alloc.to_target", [(ALLOCATE_ID, pickle.dumps(None, 2), {"dst": TARGET})]))
    p.append(("route.add_to_target", [(ADD_ROUTE, b"5555:fake", {"dst": TARGET, "reply_to": 0}), alive]))
    p.append(("route.del_target_at_target", [(DEL_ROUTE, b"1", {"dst": TARGET, "reply_to": 0}), alive]))
    for name, service, method in (("unknown_module", "faith_nosuch.Service", "ping"),
                                  ("known_service_bad_method", "mitogen.service.PushFileService", "nope"),
                                  ("not_a_service", "mitokit_conform.Calc", "double")):
        p.append(("service." + name, [(CALL_SERVICE, pickle.dumps((service, method, mitogen.core.Kwargs({})), 2), {})]))
    big = 128 * 1048576
    p.append(("large.length_at_max", [("LENGTH_AT", big, {})]))
    p.append(("cut.mid_body", [("CUT", 10, {})]))
    p.append(("cut.mid_header", [("CUT", -16, {})]))
    p.append(("cut.after_whole_call", [("CUT", 0, {})]))
    p.append(("zz.shutdown_target", [(SHUTDOWN, b"", {"dst": TARGET, "reply_to": 0}), alive]))
    return p


def run_probe(path, steps, vj):
    link = Link(path)
    ids = {"me": link.me, "listener": link.listener}
    try:
        for handle, data, kw in steps:
            kw = {k: ids.get(v, v) for k, v in kw.items()}
            if handle == "LENGTH_AT":
                head = call_payload("mitokit_conform", "length", [b""])
                # The same call with a bytes argument that makes the payload exactly `data` bytes long.
                n = data - len(call_payload("mitokit_conform", "length", [b"x" * 1000])) + 1000
                payload = call_payload("mitokit_conform", "length", [b"x" * n])
                assert len(payload) == data, (len(payload), data, len(head))
                link.send(CALL_FUNCTION, payload)
                frames = link.receive(silence=5.0, limit=120)
                return show(link, frames, vj) + ["(payload %d bytes)" % len(payload)]
            if handle == "CUT":
                # The connection closes after a whole call (its reply has nowhere to go), inside a
                # body, or inside a header; another client must still be served.
                body = call_payload("mitokit_conform", "echo", ["cut"])
                whole = HDR.pack(MI, TARGET, link.me, link.me, CALL_FUNCTION, REPLY, len(body)) + body
                link.s.sendall(whole if data == 0 else whole[:HDR.size + data])
                link.close()
                again = Link(path)
                again.send(CALL_FUNCTION, call_payload("mitokit_conform", "echo", ["after cut"]))
                frames = again.receive()
                res = show(again, frames, vj)
                again.close()
                return res
            if handle == "SHUTDOWN_SPAWNED":
                # SHUTDOWN to the context whose {'id': ...} came back earlier in this probe.
                frames = link.receive()
                spawned = [vj.loads(f[5])["id"] for f in frames if f[5][:1] == b"\x80" and
                           isinstance(vj.loads(f[5]), dict) and "id" in vj.loads(f[5])]
                for cid in spawned:
                    link.send(SHUTDOWN, b"", dst=cid, reply_to=0)
                return show(link, frames + link.receive(silence=2.0), vj)
            wait = kw.pop("wait", 0.0)  # a step whose answer takes long (a process starts)
            link.send(handle, data, **kw)
            time.sleep(0.05 + wait)
        return show(link, link.receive(), vj)
    finally:
        link.close()


def start(argv, env=None):
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=env)
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError("%s did not start" % argv)
    return proc, json.loads(line)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mitokit", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--probe", action="append", default=[])
    ap.add_argument("--verbose", action="store_true", help="print the answers of probes that agree too")
    a = ap.parse_args()
    sys.path.insert(0, a.shared)
    sys.path.insert(0, HERE)
    import value_json as vj
    tmp = tempfile.mkdtemp(prefix="mitokit-listeners-")
    ref_sock, our_sock = os.path.join(tmp, "ref.sock"), os.path.join(tmp, "our.sock")
    ref, _ = start(["/usr/bin/python3", os.path.join(ROOT, "conformance", "reference_master.py"), "--socket", ref_sock])
    ours, _ = start([a.mitokit, "listen", "--socket", our_sock])
    differ = 0
    try:
        todo = [p for p in probes() if not a.probe or any(p[0].startswith(x) for x in a.probe)]
        for name, steps in todo:
            got = {}
            for label, path in (("reference", ref_sock), ("ours", our_sock)):
                try:
                    got[label] = run_probe(path, steps, vj)
                except Exception as e:
                    got[label] = ["probe error: %s: %s" % (type(e).__name__, e)]
            same = got["reference"] == got["ours"]
            differ += not same
            print("%s %s" % ("same" if same else "DIFF", name))
            if not same or a.verbose:
                for label in ("reference", "ours"):
                    for line in got[label]:
                        print("    %-9s %s" % (label, line[:400]))
    finally:
        for proc in (ref, ours):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    shutil.rmtree(tmp, ignore_errors=True)
    print("%d probes differ" % differ)
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
