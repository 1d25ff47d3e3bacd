#!/usr/bin/env python3
"""Makes fresh test vectors with the real mitogen (Debian's python3-mitogen):
every message is packed by mitogen's own Message class, and the canonical JSON
of each pickle is what mitogen's own restricted unpickler returns, printed by
shared/value_json.py. One JSON object per line, the format of shared/vectors:

  {"name", "mitogen", "frame": hex, "values": [canonical JSON...] | null, "raw": hex | null,
   "fresh": hex of pickle.dumps(value built fresh from its JSON, protocol=2) (pickled records only)}

Run with /usr/bin/python3:
    make_vectors.py --shared ../shared [--out FILE]
"""
import argparse
import json
import os
import pickle
import sys
import zlib


def cases(mc):
    """(name, handle, reply_to, payload object or raw bytes, is_raw)."""
    K = mc.Kwargs
    ints = [0, 1, 255, 256, 65535, 65536, -1, -256, 2**31 - 1, 2**31, -2**31, -2**31 - 1,
            2**53 - 1, 2**53, -2**53, 2**63 - 1, 2**63, -2**63 - 1, 2**64, 2**100, -2**100, 10**40]
    floats = [0.0, -0.0, 1.5, -2.25, 1e100, 1e-300, 5e-324, 1.7976931348623157e308,
              float('inf'), float('-inf'), float('nan'), 0.1, 123456789.0, 1e16, 1e22]
    strs = ['', 'a', '\xe9', '\xff', '\u0100', 'h\xe9llo', '\u20ac uro', '\U0001f600', 'x' * 300,
            'tab\tnl\nquote"back\\', '\x00\x01\x7f']
    byts = [b'', b'a', b'\x00', b'\xff', b'\x00\x01binary\xff', bytes(range(256)), b'y' * 70000]
    out = []
    add = lambda name, h, rt, obj: out.append((name, h, rt, obj, False))
    raw = lambda name, h, rt, data: out.append((name, h, rt, data, True))

    add('call_getpid', 101, 1000, (None, 'posix', None, 'getpid', (), K({})))
    add('call_chain', 101, 1001, ('host-1-7f-5f', 'mymod', 'Klass', 'meth', (1, 'two', b'three', 4.5),
                                   K({'x': [1, 2], 'y': None})))
    add('call_forget_chain', 101, 0, (None, 'mitogen.core', 'Dispatcher', 'forget_chain', ('host-1-7f-5f',), K({})))
    add('call_proxy_connect', 101, 1002, (None, 'mitogen.parent', None, '_proxy_connect', (),
                                          K({'name': 'child', 'method_name': 'local',
                                             'kwargs': K({'debug': False, 'profiling': False,
                                                          'unidirectional': False})})))
    src = b'import os\nX = 1\n'
    add('load_module_plain', 107, 0, ('other', None, '/virtual/other.py', mc.Blob(zlib.compress(src, 9)), []))
    add('load_module_pkg', 107, 0, ('mypkg', ['deep', 'sub', 'util'], '/srv/mypkg/__init__.py',
                                    mc.Blob(zlib.compress(b'', 9)), ['mypkg.util', 'other']))
    add('load_module_negative', 107, 0, ('json', None, None, None, ()))
    add('allocate_id_reply', 1000, 0, (2, 1002))
    add('call_service', 110, 1003, ('mitogen.service.PushFileService', 'get', K({'path': '/x'})))
    add('detaching_reply', 1004, 0, None)
    add('proxy_connect_reply', 1005, 0, {'id': 3, 'name': 'child', 'msg': None})
    for i, v in enumerate(ints):
        add('reply_int_%d' % i, 1000, 0, v)
    for i, v in enumerate(floats):
        add('reply_float_%d' % i, 1000, 0, v)
    for i, v in enumerate(strs):
        add('reply_str_%d' % i, 1000, 0, v)
    for i, v in enumerate(byts):
        add('reply_bytes_%d' % i, 1000, 0, v)
    add('reply_bools', 1000, 0, [True, False, None])
    for n in range(6):
        add('reply_tuple_%d' % n, 1000, 0, tuple(range(n)))
    add('reply_list_2500', 1000, 0, list(range(2500)))
    add('reply_dict_1500', 1000, 0, dict(('k%d' % i, i) for i in range(1500)))
    add('reply_dict_keys', 1000, 0, {1: 'int', 'a': 'str', b'b': 'bytes', (1, 2): 'tuple', None: 'none', 2.5: 'f'})
    add('reply_kwargs', 1000, 0, K({'a': 1, 'b': [b'x', 'y']}))
    add('reply_blob', 1000, 0, mc.Blob(b'\x00blob\xff'))
    add('reply_secret', 1000, 0, mc.Secret('hunter2'))
    add('reply_call_error', 1000, 0, mc.CallError('builtins.ValueError: bad\n  File "x", line 1'))
    add('reply_context', 1000, 0, mc.Context(None, 5, 'name'))
    add('reply_context_noname', 1000, 0, mc.Context(None, 7, None))
    add('reply_sender', 1000, 0, mc.Sender(mc.Context(None, 3), 1234))
    shared = ['shared', 'shared']
    s = 'same-string'
    add('reply_shared_refs', 1000, 0, [shared, shared, s, s, (s,), b'r', b'r', '', ''])
    add('reply_nested', 1000, 0, {'a': [(1, [2, {'b': (b'c', mc.Blob(b'd'))}])], 'e': K({'f': mc.Secret('g')})})
    add('reply_deep', 1000, 0, [[[[[[[[[[[[[['deep']]]]]]]]]]]]]])

    raw('get_module', 100, 0, b'mypkg.sub')
    raw('forward_log', 102, 0, b'mitogen.ctx\x0030\x00disk full')
    raw('forward_log_utf8', 102, 0, 'root\x0020\x00caf\xe9 \u20ac'.encode())
    raw('add_route', 103, 0, b'4:ssh.web1')
    raw('add_route_noname', 103, 0, b'12')
    raw('del_route', 104, 0, b'4')
    raw('allocate_id_request', 105, 1000, b'')
    raw('shutdown', 106, 0, b'')
    raw('forward_module', 108, 0, b'4\x00mypkg')
    raw('detaching', 109, 1004, b'')
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--shared', required=True, help='folder with value_json.py')
    ap.add_argument('--out', default='-')
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.shared))
    import mitogen
    import mitogen.core as mc
    import value_json

    version = '.'.join(map(str, mitogen.__version__))
    mitogen.context_id = 0
    lines = []
    for name, handle, reply_to, obj, is_raw in cases(mc):
        kw = dict(dst_id=1, src_id=0, auth_id=0, handle=handle, reply_to=reply_to)
        if is_raw:
            msg = mc.Message(data=obj, **kw)
            values, rawhex = None, obj.hex()
        else:
            msg = mc.Message.pickled(obj, **kw)
            values, rawhex = [value_json.to_json(value_json.loads(msg.data))], None
        rec = {'name': name, 'mitogen': version, 'frame': msg.pack().hex(), 'values': values, 'raw': rawhex}
        if values:
            # What CPython writes for the value built fresh from its JSON (no sharing but
            # CPython's own cached objects): the bytes an encoder must reproduce.
            rec['fresh'] = pickle.dumps(value_json.from_json(values[0]), protocol=2).hex()
        lines.append(json.dumps(rec))
    for name, reason in [('dead_no_route', 'no route to 7, my ID is 0'), ('dead_empty', None),
                         ('dead_utf8', 'caf\xe9 closed')]:
        msg = mc.Message.dead(reason, dst_id=1, src_id=0, auth_id=0, handle=1000)
        lines.append(json.dumps({'name': name, 'mitogen': version, 'frame': msg.pack().hex(),
                                 'values': None, 'raw': msg.data.hex()}))
    text = '\n'.join(lines) + '\n'
    if args.out == '-':
        sys.stdout.write(text)
    else:
        with open(args.out, 'w') as f:
            f.write(text)


if __name__ == '__main__':
    main()
