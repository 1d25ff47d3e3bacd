"""`mitokit parent` (the C++ master) against a real mitogen 0.3.3 master making the
same calls in a real Python child: odd return values, refused ones, raises,
unknown functions and modules, log records. Each case must give the same
canonical JSON result, the same CallError text, the same refusal, and the same
forwarded log records.

Usage: /usr/bin/python3 check_parent.py --mitokit BIN --shared DIR [--case NAME]...
"""

import argparse
import json
import logging
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

RET_KINDS = ["bytes", "secret", "blob", "context", "context_noname", "sender", "kwargs", "callerror", "set",
             "frozenset", "bytearray", "nested", "numbers", "strings", "empty", "tuple_sizes", "big_str",
             "dict_many"]

CASES = [("ret_" + k, "faith_odd.ret", [k]) for k in RET_KINDS] + [
    ("raise_value_error", "faith_odd.raise_value_error", []),
    ("raise_custom", "faith_odd.raise_custom", []),
    ("raise_key_error", "faith_odd.raise_key_error", []),
    ("raise_long", "faith_odd.raise_long", []),
    ("unknown_function", "faith_odd.no_such_function", []),
    ("unknown_module", "faith_no_such_module.f", []),
    ("wrong_arity", "faith_odd.add", [1]),
    ("log_everything", "faith_odd.log_everything", []),
    ("ret_sized_1mib", "faith_odd.ret_sized", [1 << 20]),
] + [("spoof_" + k, "faith_odd.spoofed_allocate_id", [k]) for k in ("none", "src", "auth_master", "auth_other",
                                                                    "src_master")]


def reference(shared, cases):
    """The real master: one child, every case; the outcome and the log records each produced."""
    sys.path.insert(0, shared)
    sys.path.insert(0, HERE)
    import mitogen.core
    import mitogen.master
    import value_json

    records = []

    class Keep(logging.Handler):
        def emit(self, rec):
            if rec.name.startswith("mitogen.ctx.") or rec.name.startswith("faith"):
                records.append([rec.name, rec.levelno, rec.getMessage()])

    logging.getLogger().addHandler(Keep())
    out = {}
    broker = mitogen.master.Broker()
    router = mitogen.master.Router(broker)
    try:
        ctx = router.local(name="child")
        for name, call, args in cases:
            del records[:]
            modname, _, fn = call.rpartition(".")
            recv = mitogen.core.Receiver(router)
            router.route(mitogen.core.Message.pickled(
                (None, modname, None, fn, tuple(args), mitogen.core.Kwargs({})),
                dst_id=ctx.context_id, handle=mitogen.core.CALL_FUNCTION, reply_to=recv.handle))
            try:
                msg = recv.get(timeout=60)
                value = msg.unpickle(throw=False)
                if isinstance(value, mitogen.core.CallError):
                    res = {"call_error": str(value)}
                else:
                    res = {"result": json.loads(value_json.to_json(value))}
            except Exception as e:
                res = {"refused": str(e)}
            finally:
                recv.close()
            # Records forwarded by the child arrive asynchronously: a round trip flushes them.
            ctx.call(os.getpid)
            res["logs"] = [r for r in records if not r[0].startswith("mitogen.ctx.child") or "faith" in r[0]]
            out[name] = res
    finally:
        broker.shutdown()
        broker.join()
    return out


LOG_LINE = re.compile(r"^log context=(\d+) (\S+) level=(\d+): (.*)$")


def ours(mitokit, name, call, args):
    proc = subprocess.run([mitokit, "parent", "--path", HERE, "--call", call, "--args", json.dumps(args),
                           "--json", "--timeout", "60", "--log-level", "1"], capture_output=True, text=True)
    res = {}
    if proc.stdout.strip():
        j = json.loads(proc.stdout)
        if j.get("call_error"):
            res["call_error"] = j["result"]["call_error"]
        else:
            res["result"] = j["result"]
    else:
        res["refused"] = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"
    res["stderr"] = proc.stderr
    return res


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mitokit", required=True)
    p.add_argument("--shared", required=True)
    p.add_argument("--case", action="append", default=[])
    a = p.parse_args()
    cases = [c for c in CASES if not a.case or any(c[0].startswith(x) for x in a.case)]
    ref = reference(a.shared, cases)
    failed = 0
    for name, call, args in cases:
        want, got = ref[name], ours(a.mitokit, name, call, args)
        problems = []
        for key in ("result", "call_error"):
            if (key in want) != (key in got) or want.get(key) != got.get(key):
                problems.append(f"{key}: ours {json.dumps(got.get(key))[:300]} != reference "
                                f"{json.dumps(want.get(key))[:300]}")
        if "refused" in want:
            text = want["refused"]
            if "refused" not in got or text.split(":")[-1].strip()[:40] not in got["refused"]:
                problems.append(f"refusal: ours {got.get('refused')!r} != reference {text!r}")
        print(f"{'ok  ' if not problems else 'FAIL'} {name}")
        for pr in problems:
            print("     " + pr)
        if name == "log_everything":
            print("     reference logs:", json.dumps(want["logs"])[:1500])
            print("     our stderr:", got["stderr"][:1500])
        failed += bool(problems)
    print(f"{len(cases) - failed} cases agree, {failed} differ")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
