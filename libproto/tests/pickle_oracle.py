#!/usr/bin/env python3
"""CPython + mitogen side of the pickle tests: one request per input line, one answer per output line.

    python3 pickle_oracle.py SHARED_DIR MODE < requests > answers

MODE dumps:  JSON line            -> hex of pickle.dumps(from_json(line), protocol=2) | ERR ...
MODE loads:  hex line             -> to_json(mitogen loads(bytes))                  | ERR Type: msg
MODE proto:  "<p> <json>" line    -> hex of pickle.dumps(from_json(json), protocol=p)
MODE dis:    hex line             -> pickletools.dis listing, as a JSON string      | ERR ...
Run with /usr/bin/python3 (mitogen installed).
"""
import io
import json
import logging
import pickle
import pickletools
import sys

sys.path.insert(0, sys.argv[1])
import value_json as vj  # noqa: E402

logging.disable(logging.CRITICAL)  # mitogen logs every refused pickle


def err(e):
    return 'ERR %s: %s' % (type(e).__name__, str(e).replace('\n', ' '))


def answer(mode, line):
    try:
        if mode == 'dumps':
            return pickle.dumps(vj.from_json(line), protocol=2).hex()
        if mode == 'loads':
            return vj.to_json(vj.loads(bytes.fromhex(line)))
        if mode == 'proto':
            p, text = line.split(' ', 1)
            return pickle.dumps(vj.from_json(text), protocol=int(p)).hex()
        if mode == 'dis':
            out = io.StringIO()
            data = bytes.fromhex(line)
            f = io.BytesIO(data)
            memo = {}
            while f.tell() < len(data):
                pickletools.dis(f, out=out, memo=memo)
            return json.dumps(out.getvalue())
    except Exception as e:  # the answer says what failed
        return err(e)
    raise SystemExit('unknown mode %r' % mode)


def main():
    mode = sys.argv[2]
    out = sys.stdout
    for line in sys.stdin:
        out.write(answer(mode, line.rstrip('\n')) + '\n')


if __name__ == '__main__':
    main()
