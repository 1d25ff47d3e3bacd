"""What mitogen 0.3.3's context answers to odd CALL_FUNCTION and CALL_SERVICE
payloads, for dispatch_errors_test.cpp. Each output line is
"<handle>\t<payload hex>\t<answer>": the first line of the CallError's text, or
"ok" when the call returns. The answers come from the real code: Message.unpickle,
Dispatcher._parse_request and the call for CALL_FUNCTION, Pool._validate and
Activator.activate for CALL_SERVICE. Calls use only posix and mitogen.core, which
a simulated context has without imports. Run with /usr/bin/python3.
"""
import logging
import pickle
import sys

import mitogen
import mitogen.core as core
import mitogen.service as service

logging.disable(logging.CRITICAL)  # Message.unpickle logs every refused pickle

K = core.Kwargs
CALL_FUNCTION, CALL_SERVICE = 101, 110


def text(e):
    if isinstance(e, core.CallError):
        return str(e.args[0]).split("\n")[0]
    return ("%s.%s: %s" % (type(e).__module__, type(e).__name__, e)).split("\n")[0]


class FakeDispatcher:
    _error_by_chain_id = {}


class FakeEcontext:
    router = None
    dispatcher = FakeDispatcher()


class FakeSelf:
    econtext = FakeEcontext()


def call_function(data):
    msg = core.Message(data=data)
    try:
        chain_id, fn, args, kwargs = core.Dispatcher._parse_request(FakeSelf(), msg)
    except Exception as e:
        return text(e)
    try:
        fn(*args, **kwargs)
        return "ok"
    except Exception as e:
        return text(e)


class FakePool:
    router = None

    def add(self, service):
        pass


def call_service(data):
    mitogen.context_id = 1
    msg = core.Message(data=data, src_id=0, auth_id=0)
    mitogen.parent_ids = [0]
    try:
        service.Pool._validate(None, msg)
        name, method, kwargs = msg.unpickle()
        service.Activator().activate(FakePool(), name, msg)
        return "ok"
    except Exception as e:
        return text(e)


def t(*v):
    return pickle.dumps(v, 2)


P = b"\x80\x02"
GETPID = t(None, "posix", None, "getpid", (), K({}))
calls = [
    GETPID,
    # Message.unpickle
    b"", b"hello", GETPID[:-1], GETPID[:-3], GETPID[:12], b"\x80\x02cos\nsystem\nq\x00.", b"\x80\x09N.",
    P + b"cmitogen.core\n_unpickle_call_error\nK\x01\x85R.", P + b"K\x01\x85K\x02a.", P + b"}]K\x01s.",
    P + b"X\x01\x00\x00\x00\xff.", P + b"]K\x01K\x05s.", P + b"h\x05.", P + b"N(.", P + b"Z.",
    # unpacking
    pickle.dumps(None, 2), pickle.dumps(5, 2), pickle.dumps(1.5, 2), pickle.dumps(True, 2), pickle.dumps(2 ** 70, 2),
    pickle.dumps("abcde", 2), pickle.dumps("abcdefg", 2), pickle.dumps(b"abc", 2), pickle.dumps(b"abcdef", 2),
    pickle.dumps({1: 1, 2: 2, 3: 3, 4: 4, 5: 5}, 2), pickle.dumps([1, 2, 3, 4, 5, 6, 7], 2),
    pickle.dumps(core.Context(None, 5), 2), pickle.dumps(core.CallError("x"), 2), pickle.dumps(K({"a": 1}), 2),
    pickle.dumps(core.Blob(b"abc"), 2), pickle.dumps(core.Secret("abc"), 2),
    pickle.dumps({None: 1, "posix": 2, 0: 3, "getpid": 4, (): 5, "x": 6}, 2),
    t(None, "posix", None, "getpid", ()), t(None, "posix", None, "getpid", (), K({}), 7),
    # import_module and getattr
    t(None, 5, None, "getpid", (), K({})), t(None, b"posix", None, "getpid", (), K({})),
    t(None, None, None, "getpid", (), K({})), t(None, "", None, "getpid", (), K({})), t(None, "", None, None, (), None),
    t(None, core.Secret("posix"), None, "getpid", (), K({})),
    t(None, "posix", 5, "getpid", (), K({})), t(None, "posix", b"X", "getpid", (), K({})),
    t(None, "posix", 1.5, None, (), K({})), t(None, "posix", False, "getpid", (), K({})),
    t(None, "posix", "Nope", None, (), K({})), t(None, "posix", None, None, (), K({})),
    t(None, "posix", None, b"getpid", (), K({})), t(None, "mitogen.core", "Dispatcher", None, (), K({})),
    # the call
    t(None, "posix", None, "getpid", 5, K({})), t(None, "posix", None, "getpid", None, K({})),
    t(None, "posix", None, "getpid", "", K({})), t(None, "posix", None, "getpid", {}, K({})),
    t(None, "posix", None, "getpid", b"", None), t(None, "posix", None, "getpid", 5, None),
    t(None, "posix", None, "getpid", (), None), t(None, "posix", None, "getpid", (), []),
    t(None, "posix", None, "getpid", (), {1: 2}), t(None, "posix", None, "getpid", (), {b"a": 2}),
    t(None, "posix", None, "getpid", (), {"a": 2, 1: 2}), t(None, "posix", None, "getpid", 5, {1: 2}),
    t(None, "posix", None, "getpid", [], {}),
    t(None, "mitogen.core", "Dispatcher", "forget_chain", ("x",), None),
    t(None, "mitogen.core", "Dispatcher", "forget_chain", ("x",), []),
    t(None, "mitogen.core", "Dispatcher", "forget_chain", 5, K({})),
    t(None, "mitogen.core", "Dispatcher", "forget_chain", "x", K({})),
    # attributes that are no functions
    t(None, "posix", None, "__name__", (), K({})), t(None, "posix", None, "__name__", (), None),
    t(None, "posix", None, "__name__", 5, K({})), t(None, "posix", None, "__name__", (), {1: 1}),
    t(None, "mitogen.core", "Dispatcher", "__name__", (), K({})),
    t(None, "mitogen.core", "Dispatcher", "__qualname__", (), K({})),
    t(None, "mitogen.core", "Dispatcher", "__module__", (1,), K({})),
    t(None, "mitogen.core", "Dispatcher", "__module__", None, K({})),
]
services = [
    pickle.dumps(("Service", "m", K({})), 2), pickle.dumps((".Service", "m", {}), 2), b"", b"hello",
    b"\x80\x02cos\nsystem\nq\x00.", pickle.dumps(None, 2), pickle.dumps(["x.Y", "m", K({})], 2),
    pickle.dumps(("x.Y", "m"), 2), pickle.dumps(("x.Y", "m", K({}), 1), 2), pickle.dumps((1, "m", K({})), 2),
    pickle.dumps(("x.Y", None, K({})), 2), pickle.dumps(("x.Y", "m", None), 2), pickle.dumps(("x.Y", "m", []), 2),
]
for data in calls:
    print("%d\t%s\t%s" % (CALL_FUNCTION, data.hex(), call_function(data)))
for data in services:
    print("%d\t%s\t%s" % (CALL_SERVICE, data.hex(), call_service(data)))
sys.stdout.flush()
