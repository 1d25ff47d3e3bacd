#!/usr/bin/env python3
"""Builds the seed corpora in fuzz/corpus/<target>/ from the shared reference
material: vector frames, real payloads and both directions of every TCP
conversation in the shared captures (extracted with tshark). Seeds are named by
the SHA-1 of their content, so running this again adds nothing twice.

    python3 fuzz/make_seeds.py [--shared ../shared]
"""
import argparse
import hashlib
import json
import os
import pathlib
import random
import struct
import subprocess
import zlib

HERE = pathlib.Path(__file__).resolve().parent

# FuzzedDataProvider takes integers from the END of the input: these trailers
# choose the options the harnesses read (see harnesses/*_fuzz.cpp).
def stream_trailer(rng, frames_only):
    seed = rng.getrandbits(64).to_bytes(8, 'little')
    line = b'\xff\xff'                      # max_bootstrap_line -> 4096
    start = b'\x01' if frames_only else b'\x00'
    maxsize = b'\xff\xff\xff'               # max_message_size -> about 1 MiB
    return seed + line + start + maxsize


HANDLE_INDEX = {h: i for i, h in enumerate([100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 1000, 1234])}


def payload_trailer(handle, magic, reply_to):
    enc = {0x4d49: 0, 0x4d4a: 1, 0x4d4b: 2}[magic]
    idx = HANDLE_INDEX.get(handle, HANDLE_INDEX[1000] if handle >= 1000 else 0)
    dead = 1 if reply_to == 999 else 0
    rt = b'' if dead else struct.pack('<H', min(reply_to, 1100))[::-1]
    return rt + bytes([dead, idx, enc])


def save(target, data):
    d = HERE / 'corpus' / target
    d.mkdir(parents=True, exist_ok=True)
    p = d / hashlib.sha1(data).hexdigest()
    if not p.exists():
        p.write_bytes(data)


def split_pickles(payload):
    """The payload of an MJ/MI pickled message; several pickles may follow each other."""
    return [payload] if payload[:1] == b'\x80' else []


def from_vectors(shared, rng):
    for f in sorted((shared / 'vectors').glob('*.jsonl')):
        for line in f.read_text().splitlines():
            rec = json.loads(line)
            frame = bytes.fromhex(rec['frame'])
            magic, dst, src, auth, handle, reply_to, length = struct.unpack('>hLLLLLL', frame[:26])
            payload = frame[26:]
            save('stream_decoder', frame + stream_trailer(rng, True))
            save('payloads', payload + payload_trailer(handle, magic, reply_to))
            for p in split_pickles(payload):
                save('pickle_decode', p)
                save('pickle_roundtrip', p)


def from_payloads(shared):
    manifest = json.loads((shared / 'payloads' / 'MANIFEST.json').read_text())
    for name, meta in manifest['payloads'].items():
        data = (shared / 'payloads' / meta['file']).read_bytes()
        if len(data) > 64 * 1024:
            continue  # big seeds slow every fuzzing iteration; the small ones cover the same opcodes
        save('pickle_decode', data)
        save('pickle_roundtrip', data)
        save('payloads', data + payload_trailer(meta['handle'], 0x4d49, 0))


def capture_streams(pcap):
    """Both directions of each TCP conversation, via tshark's follow,tcp,raw."""
    out = subprocess.run(['tshark', '-r', str(pcap), '-q', '-z', 'conv,tcp'], capture_output=True, text=True).stdout
    n = sum(1 for l in out.splitlines() if '<->' in l)
    for i in range(n):
        txt = subprocess.run(['tshark', '-r', str(pcap), '-q', '-z', 'follow,tcp,raw,%d' % i],
                             capture_output=True, text=True).stdout
        sides = {0: bytearray(), 1: bytearray()}
        body = txt.split('Node 1:', 1)[1].splitlines()[1:]
        for l in body:
            if l.startswith('='):
                break
            side = 1 if l.startswith('\t') else 0
            sides[side] += bytes.fromhex(l.strip())
        yield bytes(sides[0]), bytes(sides[1])


def from_captures(shared, rng):
    for pcap in sorted((shared / 'captures').glob('*/*.pcap*')):
        for a, b in capture_streams(pcap):
            for stream in (a, b):
                if not stream:
                    continue
                # The whole direction (bootstrap included), and short slices that start at a frame.
                save('stream_decoder', stream[:48 * 1024] + stream_trailer(rng, False))
                if stream[:2] == b'\x78\xda':
                    d = zlib.decompressobj()
                    d.decompress(stream)
                    preamble = stream[:len(stream) - len(d.unused_data)]
                    save('inflate', preamble)
        save('capture', pcap.read_bytes()[:64 * 1024])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--shared', default=str(HERE.parent.parent / 'shared'))
    args = ap.parse_args()
    shared = pathlib.Path(args.shared)
    rng = random.Random(20261125)
    from_vectors(shared, rng)
    from_payloads(shared)
    from_captures(shared, rng)
    save('inflate', zlib.compress(b'import os\nX = 1\n', 9))
    for t in sorted((HERE / 'corpus').iterdir()):
        print('%-18s %d seeds' % (t.name, len(list(t.iterdir()))))


if __name__ == '__main__':
    main()
