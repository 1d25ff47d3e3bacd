"""A varied real mitogen 0.3.3 workload whose every link is loopback TCP, so
dumpcap can capture it, and whose every process writes the truth: one JSON
line per message it sends or receives (header, SHA-1, raw bytes of small
payloads, and the canonical JSON of what mitogen's own Message.unpickle makes
of the payload, or the error it raises).

The tree is master -> child -> grandchild -> great-grandchild (router.local,
via=). The children run `python3 -S`, so every third-party package they import
is served by the master (GET_MODULE / LOAD_MODULE cascades). The workload:
calls that raise, calls of unknown functions and modules, returns of odd values
(bytes, Secret, Blob, Context, Sender, Kwargs, CallError, sets, bytearray,
unpicklable objects, nested dicts, shared sub-objects, big ints, floats),
a reply just under and one just over max_message_size, log records at every
level with odd text, ALLOCATE_ID, a grandchild killed mid-call (DEL_ROUTE up the
tree, calls to it after), and SHUTDOWN.

Usage (run with /usr/bin/python3): workload.py OUT_DIR PORT_LO PORT_HI SHARED_DIR
writes OUT_DIR/truth-<pid>.jsonl per process and prints a summary line.
"""

import binascii
import hashlib
import json
import os
import socket
import sys
import threading

import mitogen.core
import mitogen.master
import mitogen.parent

MAX_MESSAGE_SIZE = 4 * 1024 * 1024
RAW_KEPT = 2048  # payload bytes written as hex into the truth

_state = {}


def _tcp_socketpair_factory(lo, hi):
    ports = iter(range(lo, hi + 1))

    def tcp_socketpair(size=None):
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        while True:
            port = next(ports)
            try:
                srv.bind(("127.0.0.1", port))
                break
            except OSError:
                continue
        srv.listen(1)
        parent = socket.create_connection(("127.0.0.1", port))
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
        if s.family != socket.AF_INET:
            return None, None
        return s.getsockname()[1], s.getpeername()[1]
    except OSError:
        return None, None
    finally:
        s.close()


def _value(vj, data):
    try:
        return {"json": vj.to_json(vj.loads(data))}
    except Exception as e:  # what the reference's unpickle makes of it
        return {"error": "%s: %s" % (type(e).__name__, e)}


def install(out_dir, lo, hi, shared):
    """Installs the TCP socketpairs and the truth log in this process."""
    if _state.get("installed"):
        return os.getpid()
    sys.path.insert(0, shared)
    import value_json as vj  # imported here: never from the broker thread
    mitogen.parent.create_socketpair = _tcp_socketpair_factory(lo, hi)
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
        if data[:1] == b"\x80":
            rec.update(_value(vj, data))
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


from faith_odd import (add, allocate_ids, die, import_packages, log_everything, raise_custom,  # noqa: E402
                       raise_key_error, raise_long, raise_value_error, ret, ret_sized, sleep_then)


# ---- the master -----------------------------------------------------------

def _expect_error(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except Exception as e:
        return "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")
    return "no error"


def _raw_call(router, ctx, module, func, args=(), kwargs=None, klass=None, chain=None):
    recv = mitogen.core.Receiver(router)
    msg = mitogen.core.Message.pickled(
        (chain, module, klass, func, tuple(args), mitogen.core.Kwargs(kwargs or {})),
        dst_id=ctx.context_id, handle=mitogen.core.CALL_FUNCTION, reply_to=recv.handle)
    router.route(msg)
    try:
        return recv.get(timeout=30).unpickle()
    except Exception as e:
        return "%s: %s" % (type(e).__name__, str(e).splitlines()[0])
    finally:
        recv.close()


def main():
    out_dir, lo, hi, shared = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    install(out_dir, lo, hi, shared)
    # The master's sys.modules decides `related`: import some of what the children will ask for
    # (python3-pyparsing and python3-idna are in scripts/install-deps.sh).
    import idna  # noqa: F401
    import pyparsing  # noqa: F401
    results = {}
    broker = mitogen.master.Broker()
    router = mitogen.master.Router(broker, max_message_size=MAX_MESSAGE_SIZE)
    try:
        py = ["/usr/bin/python3", "-S"]
        child = router.local(name="w-child", python_path=py)
        child.call(install, out_dir, lo, hi, shared)
        r = results
        r["add"] = child.call(add, 2 ** 40, 1)
        r["raise"] = _expect_error(child.call, raise_value_error)
        r["custom"] = _expect_error(child.call, raise_custom)
        r["keyerror"] = _expect_error(child.call, raise_key_error)
        r["long"] = _expect_error(child.call, raise_long)
        r["unknown_function"] = _raw_call(router, child, __name__, "no_such_function")
        r["unknown_module"] = _raw_call(router, child, "faith_no_such_module", "f")
        r["unknown_class"] = _raw_call(router, child, __name__, "f", klass="NoSuchClass")
        for kind in ("bytes", "secret", "blob", "context", "context_noname", "sender", "kwargs", "callerror",
                     "set", "frozenset", "bytearray", "nested", "numbers", "strings", "empty",
                     "tuple_sizes", "big_str", "dict_many"):
            r["ret_" + kind] = _expect_error(child.call, ret, kind)
        # Replies exactly at max_message_size and one byte over it.
        overhead = len(mitogen.core.Message.pickled(b"s" * 1000).data) - 1000
        r["at_limit"] = _expect_error(child.call, ret_sized, MAX_MESSAGE_SIZE - overhead)
        r["over_limit"] = _expect_error(child.call, ret_sized, MAX_MESSAGE_SIZE - overhead + 1)
        r["log"] = child.call(log_everything)
        r["imports"] = child.call(import_packages, ["pyparsing", "idna", "chardet", "six", "toml", "faith_nope"])
        r["alloc"] = child.call(allocate_ids, 3)
        # CALL_SERVICE, a method that exists and one that does not.
        service = "faith_odd.EchoService"
        r["service"] = _expect_error(child.call_service, service, "ping", value=[1, "\u00e9"])
        r["service_ok"] = child.call_service(service, "ping", value=2 ** 70)
        r["service_unknown"] = _expect_error(child.call_service, service, "nope")
        r["service_missing"] = _expect_error(child.call_service, "faith_odd.NoService", "ping")
        grand = router.local(via=child, name="w-grand", python_path=py)
        grand.call(install, out_dir, lo, hi, shared)
        great = router.local(via=grand, name="w-great", python_path=py)
        great.call(install, out_dir, lo, hi, shared)
        r["great_ret"] = great.call(ret, "context")
        r["great_raise"] = _expect_error(great.call, raise_custom)
        r["great_log"] = great.call(log_everything)
        r["great_imports"] = great.call(import_packages, ["idna"])
        # FORWARD_MODULE down the path to the great-grandchild.
        router.responder.forward_modules(great, ["toml"])
        r["great_forwarded"] = great.call(import_packages, ["toml"])
        # The grandchild dies while the master waits on a call to the great-grandchild.
        pending = great.call_async(sleep_then, "late", 3)
        grand.call_no_reply(die, 7)
        r["pending_after_death"] = _expect_error(pending.get)
        r["call_dead_great"] = _expect_error(great.call, add, 1, 2)
        r["call_dead_grand"] = _expect_error(grand.call, add, 1, 2)
        r["child_still_up"] = child.call(add, 1, 1)
        # 0.3.3 only turns PicklingError into a CallError: a local object's AttributeError kills the child.
        crash = router.local(name="w-crash", python_path=py)
        crash.call(install, out_dir, lo, hi, shared)
        r["unpicklable"] = _expect_error(crash.call, ret, "unpicklable")
        # A fork child: no first stage, MITO002 alone.
        forked = router.fork(name="w-fork")
        r["fork_nested"] = _expect_error(forked.call, ret, "nested")
        forked.shutdown(wait=True)
        child.shutdown(wait=True)
    finally:
        broker.shutdown()
        broker.join()
    print(json.dumps(results, default=repr))


if __name__ == "__main__":
    main()
