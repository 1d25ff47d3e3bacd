"""Real python3-mitogen (0.3.3) traffic shapes the basic live scenario lacks, over
loopback TCP, with every process writing the truth: one JSON line per message it
sends or routes in (header, SHA-1, a small payload whole, and the canonical JSON of
what 0.3.3's own unpickler makes of a pickled payload, or its refusal).

Scenarios (pick with --scenarios a,b,...):
  imports     a `python3 -S` child imports requests, jinja2, yaml, pyparsing: long
              GET_MODULE / LOAD_MODULE cascades with big zlib sources
  errors      CallErrors with deep tracebacks and non-ASCII text, a pipelined
              CallChain (chain_id, a remembered failure, forget_chain), and a
              child that detaches (DETACHING) and exits
  values      non-ASCII str and bytes, multi-MB arguments and replies
  concurrent  many calls in flight from several threads to several children
  logs        a FORWARD_LOG flood (stdout prints and logging, debug level)
  slow        a child whose broker cannot read (a GIL-holding regex) while a
              multi-MB call arrives: TCP window-full and zero-window traffic
  nested      child -> grandchild -> great-grandchild, routed calls, the middle
              one killed mid-call (DEL_ROUTE, dead replies, no-route replies)
  shutdown    children still busy when broker.shutdown() runs (SHUTDOWN, EOF)
  huge        (not by default) a 40 MB reply and a 20 MB argument

Usage (run with /usr/bin/python3):
  live_workloads.py OUT_DIR PORT_LO PORT_HI SHARED_DIR [--scenarios LIST] [--ipv6]
writes OUT_DIR/truth-<pid>.jsonl per process and prints a JSON summary.
"""

import argparse
import binascii
import hashlib
import json
import logging
import os
import socket
import sys
import threading
import time

import mitogen.core
import mitogen.master
import mitogen.parent
import mitogen.utils

RAW_KEPT = 8192          # payloads up to this size are kept whole (hex) in the truth
VALUE_KEPT = 16 << 20    # payloads up to this size also get 0.3.3's reading
DEFAULT = ["imports", "errors", "values", "concurrent", "logs", "slow", "nested", "shutdown"]
ALL = DEFAULT + ["huge"]

_state = {}


def tcp_socketpair_factory(lo, hi, start, family):
    # Each process takes ports from its own slice so parallel children never race for one.
    ports = iter(list(range(start, hi + 1)) + list(range(lo, start)))
    host = "::1" if family == socket.AF_INET6 else "127.0.0.1"

    def tcp_socketpair(size=None):
        srv = socket.socket(family, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        while True:
            port = next(ports)
            try:
                srv.bind((host, port))
                break
            except OSError:
                continue
        srv.listen(1)
        parent = socket.create_connection((host, port))
        child, _ = srv.accept()
        srv.close()
        for s in (parent, child):
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size or mitogen.core.CHUNK_SIZE)
        return parent, child

    return tcp_socketpair


def _ports(fd):
    try:
        s = socket.socket(fileno=os.dup(fd))
    except OSError:
        return None, None
    try:
        if s.family not in (socket.AF_INET, socket.AF_INET6):
            return None, None
        return s.getsockname()[1], s.getpeername()[1]
    except OSError:
        return None, None
    finally:
        s.close()


def install(out_dir, lo, hi, shared, slot=0, ipv6=False):
    """TCP socketpairs and the truth log in this process (the master and each child)."""
    if _state.get("installed"):
        return os.getpid()
    sys.path.insert(0, shared)
    import value_json as vj  # never imported from the broker thread
    width = max(1, (hi - lo + 1) // 8)
    family = socket.AF_INET6 if ipv6 else socket.AF_INET
    mitogen.parent.create_socketpair = tcp_socketpair_factory(lo, hi, lo + width * (slot % 8), family)
    out = open(os.path.join(out_dir, "truth-%d.jsonl" % os.getpid()), "a")
    lock = threading.Lock()
    pid = os.getpid()

    def log(direction, fd, msg):
        if os.getpid() != pid:
            return
        lport, rport = _ports(fd)
        if lport is None:
            return
        data = bytes(msg.data)
        rec = {"pid": pid, "ctx": mitogen.context_id, "dir": direction,
               "from": lport if direction == "out" else rport, "to": rport if direction == "out" else lport,
               "dst": msg.dst_id, "src": msg.src_id, "auth": msg.auth_id, "handle": msg.handle,
               "reply_to": msg.reply_to or 0, "len": len(data), "sha1": hashlib.sha1(data).hexdigest()}
        if len(data) <= RAW_KEPT:
            rec["raw"] = binascii.hexlify(data).decode()
        if data[:1] == b"\x80" and len(data) <= VALUE_KEPT:
            try:
                rec["json"] = vj.to_json(vj.loads(data))
            except Exception as e:
                rec["error"] = "%s: %s" % (type(e).__name__, e)
        with lock:
            out.write(json.dumps(rec) + "\n")
            out.flush()

    real_send = mitogen.core.MitogenProtocol._send

    def _send(self, msg):
        log("out", self.stream.transmit_side.fd, msg)
        return real_send(self, msg)

    mitogen.core.MitogenProtocol._send = _send
    real_route = mitogen.core.Router._async_route

    def _async_route(self, msg, in_stream=None):
        if in_stream is not None:
            log("in", in_stream.receive_side.fd, msg)
        return real_route(self, msg, in_stream)

    mitogen.core.Router._async_route = _async_route
    _state["installed"] = True
    return pid


# ---- what the children run --------------------------------------------------

def import_names(names):
    import importlib
    out = []
    for name in names:
        try:
            m = importlib.import_module(name)
            out.append([name, len(getattr(m, "__dict__", {}))])
        except Exception as e:
            out.append([name, "%s: %s" % (type(e).__name__, e)])
    return out


def render_template(text, **kw):
    import jinja2
    return jinja2.Template(text).render(**kw)


def deep_raise(depth, text):
    if depth:
        return deep_raise(depth - 1, text)
    raise RuntimeError(text)


class Ünïcode(Exception):
    pass


def raise_unicode():
    raise Ünïcode("\u00fcber \u4e2d\u6587 \U0001F4A5 \x00 nul", b"\xff\xfe")


def echo(value):
    return value


def digest(value):
    return [len(value), hashlib.sha1(value if isinstance(value, bytes) else value.encode("utf-8")).hexdigest()]


def make_bytes(n, seed):
    chunk = bytes((seed * 31 + i * 7) & 0xFF for i in range(4096))
    return (chunk * (n // len(chunk) + 1))[:n]


def make_text(n):
    return ("\u00e9\u4e2d\U0001F600 mitogen " * (n // 12 + 1))[:n]


def non_ascii_values():
    return {"str": ["", "\u00e9", "\u20ac\u4e2d\u6587", "\U0001F600" * 3, "\udcff", "tab\tnl\n\x00"],
            "bytes": [b"", b"\x00", bytes(range(256)), "\u00e9".encode("utf-8"), b"\x80\x02."],
            "\u00e9t\u00e9": {b"\xfe": "\u00ff", ("k\u00e9", 1): [1.5, -0.0]},
            "blob": mitogen.core.Blob(b"\x00\xc3\xa9" * 50),
            "secret": mitogen.core.Secret("s\u00e9cr\u00e8t")}


def sleep_echo(seconds, value):
    time.sleep(seconds)
    return value


def _write_all(text):
    # The child's stdout is a non-blocking socket: wait out a full buffer.
    data = text.encode("utf-8")
    while data:
        try:
            data = data[os.write(1, data):]
        except BlockingIOError:
            time.sleep(0.001)


def log_flood(n, width):
    logger = logging.getLogger("flood.\u00e9")
    for i in range(n):
        if i % 3 == 0:
            _write_all("stdout line %d %s\n" % (i, "\u00e9" * (i % width)))
        elif i % 3 == 1:
            logger.warning("warn %d %s", i, "x" * (i % width))
        else:
            logger.debug("debug %d \U0001F600", i)
    return n


def hold_gil(seconds):
    """Keeps the broker thread from reading: one long regex match never releases the GIL."""
    import re
    end = time.time() + seconds
    n = 0
    while time.time() < end:
        re.match(r"(a+)+$", "a" * 23 + "b")
        n += 1
    return n


@mitogen.core.takes_econtext
def detach_then_exit(econtext=None):
    """DETACHING to the parent and its None reply, then the link closes from this side."""
    econtext.detach()
    time.sleep(0.5)
    os._exit(0)


def die_after(seconds, status):
    time.sleep(seconds)
    os._exit(status)


# ---- the master ---------------------------------------------------------------

def _err(fn, *args, **kwargs):
    try:
        return ["ok", repr(fn(*args, **kwargs))[:200]]
    except Exception as e:
        return ["error", "%s: %s" % (type(e).__name__, str(e).splitlines()[0][:200] if str(e) else "")]


class Master:
    def __init__(self, out_dir, lo, hi, shared, ipv6):
        self.out_dir, self.lo, self.hi, self.shared, self.ipv6 = out_dir, lo, hi, shared, ipv6
        self.slot = 1
        self.broker = mitogen.master.Broker()
        self.router = mitogen.master.Router(self.broker)
        self.results = {}

    def child(self, name, via=None, python_path=None):
        ctx = self.router.local(name=name, via=via, python_path=python_path)
        ctx.call(install, self.out_dir, self.lo, self.hi, self.shared, self.slot, self.ipv6)
        self.slot += 1
        return ctx

    def imports(self):
        # The master's sys.modules decides `related`: import the packages here first.
        # python3-requests, -jinja2, -yaml and -pyparsing are in scripts/install-deps.sh.
        import jinja2  # noqa: F401
        import pyparsing  # noqa: F401
        import requests  # noqa: F401
        import yaml  # noqa: F401
        c = self.child("imp-child", python_path=["/usr/bin/python3", "-S"])
        r = self.results
        r["imports"] = c.call(import_names, ["requests", "jinja2", "yaml", "pyparsing", "no_such_pkg_\u00e9"])
        r["template"] = c.call(render_template, "{{ a }} \u00e9 {% for x in b %}{{ x }}{% endfor %}",
                               a="\u4e2d", b=[1, 2])
        c.shutdown(wait=True)

    def errors(self):
        c = self.child("err-child")
        r = self.results
        r["deep"] = _err(c.call, deep_raise, 60, "deep \u00e9 \U0001F600")
        r["deep_long"] = _err(c.call, deep_raise, 400, "too deep")  # text over 0.3.3's 10000 limit
        r["unicode"] = _err(c.call, raise_unicode)
        r["unknown"] = _err(c.call, getattr, "x", "\u00e9")
        # A pipelined chain: chain_id in every call, a failure remembered, then forget_chain.
        chain = mitogen.parent.CallChain(c, pipelined=True)
        chain.call_no_reply(raise_unicode)
        r["chain_after_failure"] = _err(chain.call, echo, "never runs")
        chain.reset()
        r["chain_reset"] = _err(chain.call, echo, "runs")
        c.shutdown(wait=True)
        d = self.child("detach-child")
        d.call_no_reply(detach_then_exit)
        deadline = time.time() + 10
        while time.time() < deadline and self.router.stream_by_id(d.context_id):
            time.sleep(0.05)
        r["detached"] = self.router.stream_by_id(d.context_id) is None

    def values(self):
        c = self.child("val-child")
        r = self.results
        r["non_ascii"] = c.call(echo, non_ascii_values()) is not None
        big = make_bytes(5 * 1024 * 1024 + 17, 3)
        r["big_arg"] = c.call(digest, big) == [len(big), hashlib.sha1(big).hexdigest()]
        r["big_reply"] = len(c.call(make_bytes, 7 * 1024 * 1024 + 5, 9))
        r["big_text"] = len(c.call(make_text, 2 * 1024 * 1024))
        c.shutdown(wait=True)

    def concurrent(self):
        kids = [self.child("con-%d" % i) for i in range(3)]
        pending, lock = [], threading.Lock()

        def fire(k):
            for i in range(40):
                ctx = kids[(k + i) % len(kids)]
                p = ctx.call_async(sleep_echo, 0, ["t%d" % k, i, "\u00e9" * (i % 5), b"\x00" * (i * 37)])
                with lock:
                    pending.append(p)

        threads = [threading.Thread(target=fire, args=(k,)) for k in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.results["concurrent"] = sum(1 for p in pending if p.get().unpickle() is not None)
        for k in kids:
            k.shutdown(wait=True)

    def logs(self):
        mitogen_log = logging.getLogger("mitogen")
        old = mitogen_log.level
        mitogen_log.setLevel(logging.DEBUG)  # the child's log_level: stdout and debug records are forwarded
        try:
            c = self.child("log-child")
        finally:
            mitogen_log.setLevel(old)
        self.results["logs"] = c.call(log_flood, 3000, 300)
        c.shutdown(wait=True)

    def slow(self):
        c = self.child("slow-child")
        busy = c.call_async(hold_gil, 3.0)
        time.sleep(0.3)
        big = make_bytes(6 * 1024 * 1024, 5)
        got = c.call_async(digest, big)
        self.results["slow"] = [busy.get().unpickle() > 0, got.get().unpickle()[0]]
        c.shutdown(wait=True)

    def nested(self):
        a = self.child("nest-a")
        b = self.child("nest-b", via=a)
        c = self.child("nest-c", via=b)
        r = self.results
        r["nested_call"] = c.call(echo, ["via", "\u00e9", 2 ** 70])
        r["nested_big"] = len(c.call(make_bytes, 300000, 1))
        pending = c.call_async(sleep_echo, 5, "late")
        b.call_no_reply(die_after, 0.5, 3)
        r["pending"] = _err(pending.get)
        r["after_c"] = _err(c.call, echo, 1)
        r["after_b"] = _err(b.call, echo, 1)
        r["a_alive"] = a.call(echo, "\u00e9")
        a.shutdown(wait=True)

    def huge(self):
        c = self.child("huge-child")
        self.results["huge_reply"] = len(c.call(make_bytes, 40 * 1024 * 1024 + 3, 11))
        big = make_text(20 * 1024 * 1024)
        self.results["huge_arg"] = c.call(digest, big)[0]
        c.shutdown(wait=True)

    def shutdown(self):
        kids = [self.child("end-%d" % i) for i in range(2)]
        for k in kids:
            k.call_async(sleep_echo, 3, "late")
        grand = self.child("end-grand", via=kids[0])
        grand.call_async(sleep_echo, 3, "late")
        time.sleep(0.5)
        # The caller's finally shuts the broker down with all three busy.


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out_dir")
    p.add_argument("lo", type=int)
    p.add_argument("hi", type=int)
    p.add_argument("shared")
    p.add_argument("--scenarios", default=",".join(DEFAULT))
    p.add_argument("--ipv6", action="store_true", help="links over ::1 instead of 127.0.0.1")
    a = p.parse_args()
    names = [s for s in a.scenarios.split(",") if s]
    for s in names:
        if s not in ALL:
            p.error("unknown scenario %r" % s)
    install(a.out_dir, a.lo, a.hi, a.shared, 0, a.ipv6)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    m = Master(a.out_dir, a.lo, a.hi, a.shared, a.ipv6)
    timings = {}
    try:
        for s in names:
            t0 = time.time()
            getattr(m, s)()
            timings[s] = round(time.time() - t0, 2)
    finally:
        m.broker.shutdown()
        m.broker.join()
    print(json.dumps({"results": m.results, "seconds": timings}, default=repr))


if __name__ == "__main__":
    main()
