"""CPython's answers for natives_test.cpp: each stdin line is a JSON list
[function, klass or null, args canonical JSON, kwargs canonical JSON]; each output
line is "value <canonical JSON>" or "<module>.<Exception>: <str(e)>", as the test's
run() prints a native's answer. Run with /usr/bin/python3 (mitogen installed).

Usage: natives_oracle.py SHARED_DIR CONFORMANCE_DIR < cases
"""
import json
import os
import sys

sys.path.insert(0, sys.argv[1])
sys.path.insert(0, os.path.join(sys.argv[2], "python"))
import mitokit_conform  # noqa: E402
import value_json  # noqa: E402

for line in sys.stdin:
    if not line.strip():
        continue
    fn, klass, args, kwargs = json.loads(line)
    target = getattr(mitokit_conform, klass) if klass else mitokit_conform
    try:
        v = getattr(target, fn)(*value_json.from_json(args), **value_json.from_json(kwargs))
        print("value " + value_json.to_json(v))
    except Exception as e:
        print("%s.%s: %s" % (type(e).__module__, type(e).__qualname__, str(e).split("\n")[0]))
    sys.stdout.flush()
