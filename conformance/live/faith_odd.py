"""Functions a real mitogen child runs for the faithfulness workloads
(workload.py, check_parent.py): returns of odd values, raises, log records at
every level, imports, ID allocation, death."""

import logging
import os

import mitogen.core
import mitogen.parent
import mitogen.service

class FaithError(Exception):
    pass


def add(a, b):
    return a + b


def raise_value_error():
    raise ValueError("w\u00fcrkload failure \U0001F600")


def raise_custom():
    raise FaithError("custom", 42)


def raise_key_error():
    raise KeyError(("tuple", "key"))


def raise_long():
    raise ValueError("L" * 12000)  # the CallError text exceeds 0.3.3's 10000 limit


def ret(kind):
    core = mitogen.core
    if kind == "bytes":
        return bytes(range(256)) * 4
    if kind == "secret":
        return core.Secret("hunter2 \u00fcn\u00efc\u00f6de")
    if kind == "blob":
        return core.Blob(b"\x00\xffblob" * 100)
    if kind == "context":
        return core.Context(None, 7, "ctx-\u00e9")
    if kind == "context_noname":
        return core.Context(None, 8)
    if kind == "sender":
        return core.Sender(core.Context(None, 3), 4242)
    if kind == "kwargs":
        return core.Kwargs({"a": 1, "b\u00e9": [None, True]})
    if kind == "callerror":
        return core.CallError("returned, not raised")
    if kind == "set":
        return {1, 2, 3}
    if kind == "frozenset":
        return frozenset(["x"])
    if kind == "bytearray":
        return bytearray(b"abc")
    if kind == "unpicklable":
        return lambda: None
    if kind == "nested":
        shared = ["shared", {"k": (1, 2)}]
        d = {"leaf": shared}
        for i in range(60):
            d = {"level": i, "inner": d, ("t", i): shared, 2 ** 70 + i: -2 ** 65}
        return d
    if kind == "numbers":
        return [0, -1, 255, 256, 65535, 65536, 2 ** 31 - 1, -2 ** 31, 2 ** 63, -2 ** 63 - 1, 2 ** 300,
                float("inf"), float("-inf"), float("nan"), -0.0, 1e-310, 1.5, True, False, None]
    if kind == "strings":
        return ["", "a", "\u00ff", "\u0100", "\U0010ffff", "\ud800", "x" * 300, b"", b"a", b"\x00" * 300,
                ("a", "a"), ["\u00e9", "\u00e9"]]
    if kind == "empty":
        return [(), [], {}, core.Kwargs({}), "", b""]
    if kind == "tuple_sizes":
        return [(1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), tuple(range(300))]
    if kind == "big_str":
        return "\u00e9" * (1024 * 1024)
    if kind == "dict_many":
        return dict(("k%d" % i, i) for i in range(3000))
    raise ValueError("unknown kind %r" % (kind,))


def ret_sized(n):
    return b"s" * n


def log_everything():
    log = logging.getLogger("faith.w\u00f6rk")
    log.setLevel(1)
    for level in (1, 5, logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL, 60):
        log.log(level, "level %d \u00e9\U0001F600 nul\x00inside\nsecond line", level)
    logging.getLogger().warning("root logger, %s", "args")
    try:
        raise RuntimeError("with traceback")
    except RuntimeError:
        log.exception("exc")
    return True


def import_packages(names):
    import importlib
    out = []
    for name in names:
        try:
            m = importlib.import_module(name)
            out.append([name, getattr(m, "__name__", None)])
        except Exception as e:
            out.append([name, "%s: %s" % (type(e).__name__, e)])
    return out


@mitogen.core.takes_router
def allocate_ids(n, router=None):
    alloc = mitogen.parent.ChildIdAllocator(router)
    return [alloc.allocate() for _ in range(n)]


def die(status):
    os._exit(status)


def sleep_then(value, seconds):
    import time
    time.sleep(seconds)
    return value



class EchoService(mitogen.service.Service):
    """Activated in a child by its first CALL_SERVICE (0.3.3 imports it by name)."""

    @mitogen.service.expose(policy=mitogen.service.AllowParents())
    def ping(self, value):
        return value


@mitogen.core.takes_router
def spoofed_allocate_id(kind, router=None):
    """Sends ALLOCATE_ID to the master with a forged src_id or auth_id ('none' forges
    nothing) and says whether an answer came: the master must drop forged messages."""
    me = mitogen.context_id
    src, auth = {"none": (me, me), "src": (999, me), "auth_master": (me, 0), "auth_other": (me, 4242),
                 "src_master": (0, 0)}[kind]
    recv = mitogen.core.Receiver(router)
    router.route(mitogen.core.Message.pickled(None, dst_id=0, src_id=src, auth_id=auth,
                                              handle=mitogen.core.ALLOCATE_ID, reply_to=recv.handle))
    try:
        value = recv.get(timeout=2).unpickle(throw=False)
        return ["answer", type(value).__name__]
    except mitogen.core.TimeoutError:
        return ["no answer"]
    finally:
        recv.close()
