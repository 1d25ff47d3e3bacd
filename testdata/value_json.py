#!/usr/bin/env python3
"""mitokit's Python side of the canonical JSON of mitogen values (docs: value-json.md in
the team's shared/ folder; the rules are summarised in docs/conformance.md).

The tests look for value_json.py in MITOKIT_SHARED_DIR: the team's shared/ folder when it
sits beside the clone, else this folder (testdata/), so a lone clone runs every test.

    to_json(value) -> str        canonical compact text
    from_json(text) -> value     fresh objects for every node
    loads(data) -> value         mitogen's own restricted unpickler (Message.unpickle)

    /usr/bin/python3 value_json.py dumps < value.json > value.pickle
    /usr/bin/python3 value_json.py loads < value.pickle
"""
import base64
import json
import pickle
import sys

import mitogen.core as core

LIMIT = 1 << 53


def _text(s):
    parts = ['"']
    for ch in s:
        cp = ord(ch)
        if ch in '"\\':
            parts.append('\\' + ch)
        elif 32 <= cp < 127:
            parts.append(ch)
        elif cp >= 0x10000:
            cp -= 0x10000
            parts.append('\\u%04x\\u%04x' % (0xD800 | (cp >> 10), 0xDC00 | (cp & 0x3FF)))
        else:
            parts.append('\\u%04x' % cp)
    parts.append('"')
    return ''.join(parts)


def _b64(data):
    return '"%s"' % base64.b64encode(bytes(data)).decode('ascii')


def _items(mapping):
    return '[%s]' % ','.join('[%s,%s]' % (to_json(k), to_json(v)) for k, v in mapping.items())


def to_json(v):
    """Subclasses first: Blob is bytes, Secret is str, Kwargs is dict, bool is int."""
    if v is None:
        return 'null'
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, int):
        return '%d' % v if -LIMIT < v < LIMIT else '{"int":"%d"}' % v
    if isinstance(v, float):
        return '{"float":"%r"}' % v
    if isinstance(v, core.Blob):
        return '{"blob":%s}' % _b64(v)
    if isinstance(v, bytes):
        return '{"bytes":%s}' % _b64(v)
    if isinstance(v, core.Secret):
        return '{"secret":%s}' % _text(str(v))
    if isinstance(v, str):
        return _text(v)
    if isinstance(v, tuple):
        return '{"tuple":[%s]}' % ','.join(to_json(x) for x in v)
    if isinstance(v, list):
        return '[%s]' % ','.join(to_json(x) for x in v)
    if isinstance(v, core.Kwargs):
        return '{"kwargs":%s}' % _items(v)
    if isinstance(v, dict):
        return '{"dict":%s}' % _items(v)
    if isinstance(v, core.CallError):
        return '{"call_error":%s}' % _text(str(v.args[0]) if v.args else '')
    if isinstance(v, core.Context):
        return '{"context":[%d,%s]}' % (v.context_id, 'null' if v.name is None else _text(v.name))
    if isinstance(v, core.Sender):
        return '{"sender":[%d,%d]}' % (v.context.context_id, v.dst_handle)
    raise TypeError('no canonical JSON for %r' % (type(v),))


def _make(node):
    if node is None or isinstance(node, (bool, int, str)):
        return node
    if isinstance(node, list):
        return [_make(x) for x in node]
    if len(node) != 1:
        raise ValueError('a tagged value has exactly one key: %r' % (node,))
    tag, arg = next(iter(node.items()))
    makers = {
        'int': int,
        'float': float,
        'bytes': base64.b64decode,
        'blob': lambda a: core.Blob(base64.b64decode(a)),
        'secret': core.Secret,
        'tuple': lambda a: tuple(_make(x) for x in a),
        'dict': lambda a: dict((_make(k), _make(v)) for k, v in a),
        'kwargs': lambda a: core.Kwargs(dict((_make(k), _make(v)) for k, v in a)),
        'call_error': core.CallError,
        'context': lambda a: core.Context(None, a[0], a[1]),
        'sender': lambda a: core.Sender(core.Context(None, a[0]), a[1]),
    }
    if tag not in makers:
        raise ValueError('unknown tag %r' % (tag,))
    return makers[tag](arg)


def from_json(text):
    return _make(json.loads(text))


class _StubRouter(core.Router):
    """Enough of a Router for Context and Sender to unpickle as they do in a live context."""

    def __init__(self):  # no broker: nothing here routes
        pass

    def context_by_id(self, context_id, via_id=None, create=True, name=None):
        return core.Context(self, context_id, name)


def loads(data):
    msg = core.Message(data=data, router=_StubRouter())
    return msg.unpickle(throw=False, throw_dead=False)


if __name__ == '__main__':
    if sys.argv[1:] == ['dumps']:
        sys.stdout.buffer.write(pickle.dumps(from_json(sys.stdin.read()), protocol=2))
    elif sys.argv[1:] == ['loads']:
        print(to_json(loads(sys.stdin.buffer.read())))
    else:
        sys.exit(__doc__)
