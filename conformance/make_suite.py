#!/usr/bin/env python3
"""Writes the portable conformance vectors (conformance/vectors/, format in
docs/conformance.md) from the real mitogen (Debian's python3-mitogen):

  pickles.jsonl  pickle bytes -> the values mitogen's restricted unpickler returns
                 (canonical JSON), or the error it raises, with the byte offset of
                 the opcode at fault where one opcode is at fault
  encode.jsonl   canonical JSON -> the exact protocol-2 bytes CPython writes
  frames.jsonl   a byte stream of one link direction -> messages, bootstrap events,
                 or the error that drops the connection and its offset

Run with /usr/bin/python3:   make_suite.py --shared ../shared [--out conformance/vectors]
"""
import argparse
import json
import os
import pickle
import pickletools
import struct
import sys
import zlib


def j(obj):
    return json.dumps(obj, sort_keys=False, separators=(',', ':'))


# ----------------------------------------------------------------------------- pickles

def opcode_offsets(data):
    """Offsets of each opcode pickletools can walk, and where the walk failed."""
    offs = []
    try:
        for op, arg, pos in pickletools.genops(data):
            offs.append((pos, op.name, arg))
            if op.name == 'STOP':
                break
        return offs, None
    except Exception as e:  # noqa: BLE001 (pickletools raises ValueError, and others on junk)
        return offs, str(e)


def reference_outcome(vj, data):
    """('values', [json]) or ('error', kind, text, offset)."""
    import mitogen.core as mc
    values = []
    pos = 0
    if not data:
        try:
            vj.loads(data)
        except Exception as e:  # noqa: BLE001
            return ('error', 'truncated', '%s: %s' % (type(e).__name__, e), 0)
    # The reference reads one pickle per message; 0.3.39+ reads several. Decode the first, then
    # any that follow, each with mitogen's own unpickler.
    while pos < len(data):
        chunk = data[pos:]
        offs, walk_err = opcode_offsets(chunk)
        stop = [p for p, name, _ in offs if name == 'STOP']
        end = stop[0] + 1 if stop else len(chunk)
        try:
            obj = vj.loads(chunk[:end])
        except mc.StreamError as e:
            text = str(e)
            if text.startswith('cannot unpickle'):
                glob = [p for p, name, _ in offs if name in ('GLOBAL', 'STACK_GLOBAL', 'INST', 'OBJ', 'EXT1', 'EXT2', 'EXT4')]
                return ('error', 'refused_global', text, pos + glob[0] if glob else None)
            return ('error', 'bad_argument', text, None)
        except Exception as e:  # noqa: BLE001
            kind = 'truncated' if (isinstance(e, EOFError) or 'ran out' in str(e) or 'truncated' in str(e)) else 'bad_value'
            return ('error', kind, '%s: %s' % (type(e).__name__, e), None)
        try:
            values.append(vj.to_json(obj))
        except TypeError as e:
            return ('error', 'no_canonical_json', str(e), None)
        pos += end
    return ('values', values)


def pickle_cases(mc):
    K = mc.Kwargs
    vals = {
        'none': None, 'true': True, 'false': False, 'int_small': 7, 'int_2byte': 300, 'int_neg': -5,
        'int_32': 2**31 - 1, 'int_long1': 2**64, 'int_big': 10**50, 'int_neg_big': -2**70,
        'float': 1.5, 'float_neg_zero': -0.0, 'float_inf': float('inf'), 'float_nan': float('nan'),
        'str': 'h\xe9llo \u20ac \U0001f600', 'str_empty': '', 'bytes': b'\x00\xff\x80abc', 'bytes_empty': b'',
        'tuple0': (), 'tuple1': (1,), 'tuple2': (1, 2), 'tuple3': (1, 2, 3), 'tuple5': (1, 2, 3, 4, 5),
        'list': [1, [2, 3], []], 'list_1001': list(range(1001)), 'dict': {'a': 1, 2: 'b', (1,): None},
        'dict_1001': {i: i for i in range(1001)}, 'kwargs': K({'x': 1}), 'blob': mc.Blob(b'\x01\x02'),
        'secret': mc.Secret('pw'), 'call_error': mc.CallError('builtins.KeyError: x'),
        'context': mc.Context(None, 3, 'web'), 'context_noname': mc.Context(None, 0, None),
        'sender': mc.Sender(mc.Context(None, 1), 1000),
        'shared': (lambda l: [l, l, (l,)])([1, 2]),
    }
    for proto in range(0, 6):
        for name, v in vals.items():
            try:
                data = pickle.dumps(v, protocol=proto)
            except Exception:  # noqa: BLE001 (some values cannot be written in old protocols)
                continue
            yield 'p%d_%s' % (proto, name), data
    # Hand-made inputs: Python 2 peers, text opcodes, refused globals, argument checks, malformed input.
    P = b'\x80\x02'
    hand = {
        'py2_short_binstring': P + b'U\x03abcq\x00.',
        'py2_binstring': P + b'T\x03\x00\x00\x00abc.',
        'py2_int_text': P + b'I12345678901234\n.',
        'py2_long_text': b'L12345678901234567890L\n.',
        'py2_blob': P + b'cmitogen.core\nBlob\nU\x02hi\x85R.',
        'py2_kwargs_bytes_keys': P + b'cmitogen.core\nKwargs\n}U\x01aK\x01s\x85R.',
        'int_true_text': b'I01\n.',
        'int_false_text': b'I00\n.',
        'refused_os_system': P + b'cos\nsystem\nX\x04\x00\x00\x00echo\x85R.',
        'refused_builtins_set': P + b'cbuiltins\nset\n)R.',
        'refused_builtin_set': P + b'c__builtin__\nset\n)R.',
        'refused_builtins_bytes': P + b'cbuiltins\nbytes\n)R.',
        'refused_mitogen_router': P + b'cmitogen.core\nRouter\n)R.',
        'refused_stack_global': b'\x80\x04\x8c\x02os\x8c\x06system\x93).',
        'refused_inst': b'(ios\nsystem\n.',
        'refused_ext1': P + b'\x82\x01.',
        'persid': b'Pabc\n.',
        'call_error_not_str': P + b'cmitogen.core\n_unpickle_call_error\nK\x01\x85R.',
        'call_error_too_long': P + b'cmitogen.core\nCallError\nX\x10\x27\x00\x00' + b'x' * 10000 + b'\x85R.',
        'call_error_9999': P + b'cmitogen.core\nCallError\nX\x0f\x27\x00\x00' + b'x' * 9999 + b'\x85R.',
        'context_negative_id': P + b'cmitogen.core\n_unpickle_context\nJ\xff\xff\xff\xffN\x86R.',
        'context_bool_id': P + b'cmitogen.core\n_unpickle_context\n\x88N\x86R.',
        'context_name_100': P + b'cmitogen.core\n_unpickle_context\nK\x01Xd\x00\x00\x00' + b'n' * 100 + b'\x86R.',
        'context_name_99': P + b'cmitogen.core\n_unpickle_context\nK\x01Xc\x00\x00\x00' + b'n' * 99 + b'\x86R.',
        'context_name_bytes': P + b'cmitogen.core\n_unpickle_context\nK\x01U\x01n\x86R.',
        'sender_handle_zero': P + b'cmitogen.core\n_unpickle_sender\nK\x01K\x00\x86R.',
        'sender_negative_ctx': P + b'cmitogen.core\n_unpickle_sender\nJ\xff\xff\xff\xffK\x05\x86R.',
        'codecs_encode_non_latin1': P + b'c_codecs\nencode\nX\x03\x00\x00\x00\xe2\x82\xacX\x06\x00\x00\x00latin1\x86R.',
        'codecs_encode_other_encoding': P + b'c_codecs\nencode\nX\x01\x00\x00\x00aX\x05\x00\x00\x00utf-8\x86R.',
        'builtin_bytes_with_arg': P + b'c__builtin__\nbytes\nK\x03\x85R.',
        'kwargs_from_list': P + b'cmitogen.core\nKwargs\n]\x85R.',
        'blob_from_str': P + b'cmitogen.core\nBlob\nX\x01\x00\x00\x00a\x85R.',
        'secret_from_bytes': P + b'cmitogen.core\nSecret\nU\x01a\x85R.',
        'dict_unhashable_key': P + b'}]K\x01s.',
        'dict_duplicate_keys': P + b'}(K\x01X\x01\x00\x00\x00aK\x01X\x01\x00\x00\x00bu.',
        'dict_int_float_bool_keys': P + b'}(K\x01K\x0aG?\xf0\x00\x00\x00\x00\x00\x00K\x0b\x88K\x0cu.',
        'truncated_binunicode': P + b'X\x05\x00\x00\x00ab',
        'truncated_no_stop': P + b'K\x01',
        'empty_input': b'',
        'bad_opcode': P + b'\xff.',
        'stack_underflow_tuple2': P + b'K\x01\x86.',
        'binget_missing_memo': P + b'h\x05.',
        'mark_missing': P + b'K\x01t.',
        'stop_with_two_items': P + b'K\x01K\x02.',
        'unsupported_protocol_6': b'\x80\x06N.',
        'two_pickles': P + b'K\x01.' + P + b'K\x02.',
        'trailing_garbage': P + b'K\x01.zz',
        'set_protocol4': pickle.dumps({1, 2}, protocol=4),
        'bytearray_protocol5': pickle.dumps(bytearray(b'x'), protocol=5),
        'next_buffer': b'\x80\x05\x97.',
    }
    for name, data in hand.items():
        yield name, data


def write_pickles(vj, mc, out):
    n = 0
    with open(os.path.join(out, 'pickles.jsonl'), 'w') as f:
        for name, data in pickle_cases(mc):
            res = reference_outcome(vj, data)
            rec = {'case': name, 'pickle': data.hex()}
            if res[0] == 'values':
                rec['expect'] = {'values': res[1]}
            else:
                rec['expect'] = {'error': res[1], 'offset': res[3], 'reference': res[2]}
            f.write(j(rec) + '\n')
            n += 1
    return n


# ----------------------------------------------------------------------------- encode

def write_encode(vj, mc, out):
    n = 0
    with open(os.path.join(out, 'encode.jsonl'), 'w') as f:
        for name, data in pickle_cases(mc):
            if not name.startswith('p2_'):
                continue
            res = reference_outcome(vj, data)
            if res[0] != 'values':
                continue
            for text in res[1]:
                fresh = pickle.dumps(vj.from_json(text), protocol=2)
                f.write(j({'case': name[3:], 'json': text, 'pickle': fresh.hex()}) + '\n')
                n += 1
    return n


# ----------------------------------------------------------------------------- frames

HDR = '>HLLLLLL'


def frame(dst, src, handle, data, reply_to=0, enc=0x4d49, auth=None):
    auth = src if auth is None else auth
    return struct.pack(HDR, enc, dst, src, auth, handle, reply_to, len(data)) + data


def msg_expect(offset, fr):
    enc, dst, src, auth, handle, reply_to, length = struct.unpack(HDR, fr[:26])
    return {'message': {'offset': offset, 'enc': enc, 'dst': dst, 'src': src, 'auth': auth, 'handle': handle,
                        'reply_to': reply_to, 'length': length, 'payload': fr[26:].hex()}}


def frame_cases(mc):
    """(case, start, max_message_size, [parts]): parts are frames or ('raw', bytes, expect)."""
    big = b'z' * 300000
    getpid = pickle.dumps((None, 'posix', None, 'getpid', (), mc.Kwargs({})), protocol=2)
    ok = [frame(1, 0, 101, getpid, 1000), frame(0, 1, 1000, pickle.dumps(1234, protocol=2)),
          frame(0, 1, 100, b'mypkg'), frame(1, 0, 106, b''), frame(0, 1, 1001, b'invalid handle', 999),
          frame(1, 0, 1000, b'\x80\x02K\x01.\x80\x02K\x02.', enc=0x4d4a), frame(1, 0, 1000, b'\x00raw', enc=0x4d4b)]
    yield 'frames_basic', 'frames', 134217728, ok
    yield 'frames_big_payload', 'frames', 134217728, [frame(1, 0, 107, big), frame(1, 0, 106, b'')]
    yield 'frames_empty_stream', 'frames', 134217728, []
    yield 'bad_magic_first', 'frames', 134217728, [('raw', b'XX' + b'\x00' * 24, {'error': 'bad_encoding', 'offset': 0})]
    yield 'bad_magic_after_frame', 'frames', 134217728, [ok[2], ('raw', b'MZ' + b'\x00' * 30, {'error': 'bad_encoding', 'offset': len(ok[2])})]
    yield 'oversize_default', 'frames', 134217728, [ok[3], ('raw', struct.pack(HDR, 0x4d49, 1, 0, 0, 101, 0, 134217729), {'error': 'oversize', 'offset': len(ok[3])})]
    yield 'oversize_small_limit', 'frames', 100, [ok[3], ('raw', frame(1, 0, 107, b'q' * 101), {'error': 'oversize', 'offset': len(ok[3])})]
    yield 'at_limit_ok', 'frames', 101, [frame(1, 0, 107, b'q' * 101)]
    yield 'truncated_header', 'frames', 134217728, [ok[2], ('raw', ok[3][:10], {'error': 'truncated', 'offset': len(ok[2])})]
    yield 'truncated_payload', 'frames', 134217728, [('raw', ok[0][:40], {'error': 'truncated', 'offset': 0})]
    # A child link from connect time (child -> parent direction), with an ssh-style banner line first.
    child = [('raw', b'Warning: Permanently added host\n', {'event': 'noise', 'offset': 0}),
             ('raw', b'MITO000\n', {'event': 'MITO000'}), ('raw', b'MITO001\n', {'event': 'MITO001'}),
             ('raw', b'MITO002\n', {'event': 'MITO002'}), ok[2], ok[1]]
    yield 'bootstrap_child_side', 'detect', 134217728, child
    pre = zlib.compress(b'# core source\n' * 50 + b"ExternalContext({'context_id': 1}).main()\n", 9)
    yield 'bootstrap_parent_side', 'detect', 134217728, [('raw', pre, {'event': 'preamble', 'inflated_size': len(zlib.decompress(pre))}), ok[0], ok[3]]
    yield 'bootstrap_fork_only_mito002', 'detect', 134217728, [('raw', b'MITO002\n', {'event': 'MITO002'}), ok[2]]


def write_frames(mc, out):
    n = 0
    with open(os.path.join(out, 'frames.jsonl'), 'w') as f:
        for name, start, maxsize, parts in frame_cases(mc):
            stream = b''
            expect = []
            for p in parts:
                off = len(stream)
                if isinstance(p, tuple):
                    _, data, exp = p
                    exp = dict(exp)
                    if 'event' in exp:
                        exp.setdefault('offset', off)
                        exp['length'] = len(data)
                    expect.append(exp)
                    stream += data
                else:
                    expect.append(msg_expect(off, p))
                    stream += p
            f.write(j({'case': name, 'start': start, 'max_message_size': maxsize,
                       'stream': stream.hex(), 'expect': expect}) + '\n')
            n += 1
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--shared', required=True, help='folder with value_json.py')
    ap.add_argument('--out', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), 'vectors'))
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.shared))
    import logging
    logging.disable(logging.CRITICAL)  # mitogen logs every refused pickle; the vectors record them
    import mitogen.core as mc
    import value_json as vj
    os.makedirs(args.out, exist_ok=True)
    counts = (write_pickles(vj, mc, args.out), write_encode(vj, mc, args.out), write_frames(mc, args.out))
    print('pickles.jsonl %d, encode.jsonl %d, frames.jsonl %d cases' % counts)


if __name__ == '__main__':
    main()
