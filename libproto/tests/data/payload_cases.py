#!/usr/bin/python3
"""Prints `name hex` lines: payloads pickled by the real mitogen 0.3.3 (run with
/usr/bin/python3), for payloads_pickled_test.cpp. Names starting with `bad_` are
shapes a receiver would refuse; the test checks the error for each."""
import mitogen.core as c

P = lambda v: c.Message.pickled(v).data
K = c.Kwargs
Z = c.Blob(__import__('zlib').compress(b'def f():\n    return 1\n', 9))

cases = {
    # CALL_FUNCTION, as Context.call_async / CallChain build it
    'cf_getpid': (None, 'posix', None, 'getpid', (), K({})),
    'cf_klass': (None, 'mitogen.core', 'Dispatcher', 'forget_chain', ('host-1-2-3',), K({})),
    'cf_chain': ('host-1234-7f00-5f5e100', 'mymod', None, 'fn', (1, 'two', b'three', 4.5, [1, 2], {'k': None}),
                 K({'x': [1, 2], 'y': None, 'z': c.Secret('s')})),
    'cf_proxy': (None, 'mitogen.parent', None, '_proxy_connect', (),
                 K({'name': 'c2', 'method_name': 'local', 'kwargs': K({'debug': False, 'profiling': False})})),
    # LOAD_MODULE, as ModuleResponder._build_tuple makes it
    'lm_module': ('other', None, '/tmp/mtest/other.py', Z, []),
    'lm_package': ('mypkg', ['deep', 'sub', 'util'], '/tmp/mtest/mypkg/__init__.py', Z, ['mypkg.util']),
    'lm_negative': ('json', None, None, None, ()),
    'lm_bytes': ('other', None, '/x.py', b'x\xda\x03\x00\x00\x00\x00\x01', ()),
    # CALL_SERVICE and the ALLOCATE_ID reply
    'cs_get': ('mitogen.service.PushFileService', 'get', K({'path': '/x'})),
    'cs_empty': ('svc.Klass', 'm', K({})),
    'ai_reply': (2, 1002),
    'ai_big': (1001002, 1002002),
    # shapes the receivers refuse
    'bad_cf_short': (None, 'posix', None, 'getpid', ()),
    'bad_cf_modname': (None, b'posix', None, 'getpid', (), K({})),
    'bad_cf_klass': (None, 'posix', 5, 'getpid', (), K({})),
    'bad_cf_args': (None, 'posix', None, 'getpid', {}, K({})),
    'bad_cf_kwargs': (None, 'posix', None, 'getpid', (), [1]),
    'bad_cf_key': (None, 'posix', None, 'getpid', (), {1: 2}),
    'bad_cf_chain': ([1], 'posix', None, 'getpid', (), K({})),
    'bad_cf_notuple': 'posix.getpid',
    'bad_lm_four': ('x', None, None, None),
    'bad_lm_name': (b'x', None, None, None, ()),
    'bad_lm_present': ('x', 'deep', '/x', Z, []),
    'bad_lm_present_item': ('x', [b'deep'], '/x', Z, []),
    'bad_lm_path': ('x', None, 5, Z, []),
    'bad_lm_compressed': ('x', None, '/x', 'zzz', []),
    'bad_lm_related': ('x', None, '/x', Z, None),
    'bad_lm_related_item': ('x', None, '/x', Z, [1]),
    'bad_cs_list': ['svc', 'm', K({})],
    'bad_cs_method': ('svc', None, K({})),
    'bad_cs_kwargs': ('svc', 'm', ()),
    'bad_ai_one': (2,),
    'bad_ai_str': ('2', 1002),
    'bad_ai_big': (2 ** 70, 1),
}
for name, value in cases.items():
    print(name, P(value).hex())
# Shapes the reference accepts though it never sends them.
print('ok_lm_list', P(['x', ('a',), '/x', Z, ('x.a',)]).hex())
print('ok_cf_list', P([None, 'posix', None, 'getpid', [], {'a': 1}]).hex())
print('ok_ai_list', P([5, 6]).hex())
print('ok_ai_bool', P((True, 3)).hex())  # range(True, 3) is range(1, 3)
# Dispatcher._parse_request looks a class up only `if klass:` and passes the names to
# import_module/getattr, which take a Secret (a str subclass) as str.
print('ok_cf_klass_empty', P((None, 'posix', '', 'getpid', (), K({}))).hex())
print('ok_cf_klass_zero', P((None, 'posix', 0, 'getpid', (), K({}))).hex())
print('ok_cf_klass_false', P((None, 'posix', False, 'getpid', (), K({}))).hex())
print('ok_cf_klass_tuple', P((None, 'posix', (), 'getpid', (), K({}))).hex())
print('ok_cf_secret_names', P((None, c.Secret('os.path'), c.Secret(''), c.Secret('join'), ('a', 'b'),
                               {c.Secret('x'): 1})).hex())
print('ok_cs_secret_names', P((c.Secret('svc.Name'), c.Secret('get'), {c.Secret('path'): '/x'})).hex())
print('bad_cf_klass_bytes', P((None, 'posix', b'K', 'getpid', (), K({}))).hex())

# Bytes after the pickle: 0.3.3's Message.unpickle reads one pickle and never
# looks at the rest. A `tr_<case>` line is printed only once the reference has
# accepted it with the same value as the bare `<case>` payload.
U = lambda data: c.Message(data=data).unpickle(throw=False)
trailing = {
    'cf_chain': b'garbage',                   # not a pickle at all
    'cf_getpid': b'(\x80\x02X',               # a pickle cut short
    'lm_package': P(5),                       # a second, complete pickle
    'cs_get': b'.',                           # STOP on an empty stack
    'ai_reply': b'\xff\x00',                  # an opcode that does not exist
}
for base, extra in trailing.items():
    data = P(cases[base]) + extra
    assert U(data) == U(P(cases[base])), base
    print('tr_' + base, data.hex())
