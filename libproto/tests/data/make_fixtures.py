#!/usr/bin/python3
"""Regenerates the stream fixtures in this folder (run with /usr/bin/python3).

* mitogen-0.3.52-*.bin: both directions of the second child link (master port 58226)
  of shared/captures/mitogen-0.3.52-basic/real.pcapng, reassembled with tshark.
* mitogen-0.3.3-{local,fork}-*.bin: the bytes a real python3-mitogen 0.3.3 master
  read and wrote on a child link from connect time (router.local() / router.fork()),
  recorded by wrapping mitogen.core.Side.read/write.
* *.expect: the events each stream must decode to, worked out here independently
  of the C++ decoder: reference-style line splitting with a regex search for the
  markers, zlib.decompressobj() for the preamble end, struct '>HLLLLLL' for frames.
  One line per event: `line <kind> <offset> <length>`, `preamble <offset> <length>
  <inflated>`, `frame <magic hex> <dst> <src> <auth> <handle> <reply_to> <len> <offset>`.

Usage: make_fixtures.py SHARED_DIR
"""
import os
import re
import struct
import subprocess
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def follow(cap, stream):
    txt = subprocess.run(['tshark', '-r', cap, '-q', '-z', 'follow,tcp,raw,%d' % stream],
                         capture_output=True, text=True, check=True).stdout
    nodes = {0: bytearray(), 1: bytearray()}
    started = False
    for line in txt.splitlines():
        if line.startswith('Node 1:'):
            started = True
            continue
        if not started or line.startswith('=') or not line.strip():
            continue
        nodes[1 if line.startswith('\t') else 0] += bytes.fromhex(line.strip())
    return bytes(nodes[0]), bytes(nodes[1])


def record(method):
    code = r'''
import os, sys, collections
import mitogen.core, mitogen.master, mitogen.utils
log = collections.defaultdict(bytearray)
rd0, wr0 = mitogen.core.Side.read, mitogen.core.Side.write
def rd(self, n=mitogen.core.CHUNK_SIZE):
    s = rd0(self, n)
    if s and self.stream and self.stream.name == 'c1': log['in'] += s
    return s
def wr(self, s):
    n = wr0(self, s)
    if n and self.stream and self.stream.name == 'c1': log['out'] += bytes(s[:n])
    return n
mitogen.core.Side.read, mitogen.core.Side.write = rd, wr
broker = mitogen.master.Broker()
router = mitogen.master.Router(broker)
try:
    ctx = getattr(router, sys.argv[1])(name='c1')
    ctx.call(os.getpid)
    ctx.call(mitogen.utils.cast, [1, 'two'])
    ctx.shutdown(wait=True)
finally:
    broker.shutdown()
    broker.join()
open(sys.argv[2] + '-c2p.bin', 'wb').write(log['in'])
open(sys.argv[2] + '-p2c.bin', 'wb').write(log['out'])
'''
    subprocess.run(['/usr/bin/python3', '-c', code, method,
                    os.path.join(HERE, 'mitogen-0.3.3-%s' % method)], check=True)


def expect(data):
    out = []
    pos = 0
    if data[:4] != b'MITO' and data[:1] == b'x':
        d = zlib.decompressobj()
        inflated = len(d.decompress(data))
        assert d.eof
        used = len(data) - len(d.unused_data)
        out.append('preamble 0 %d %d' % (used, inflated))
        pos = used
    elif data[:4] == b'MITO' or data[:2] not in (b'MI', b'MJ', b'MK'):
        while True:
            nl = data.index(b'\n', pos)
            line = data[pos:nl]
            kind = 'noise'
            for marker in (b'MITO000', b'MITO001', b'MITO002'):
                if re.search(marker, line):
                    kind = marker.decode()
                    break
            out.append('line %s %d %d' % (kind, pos, nl + 1 - pos))
            pos = nl + 1
            if kind == 'MITO002':
                break
    while pos < len(data):
        f = struct.unpack('>HLLLLLL', data[pos:pos + 26])
        out.append('frame %04x %d %d %d %d %d %d %d' % (f + (pos,)))
        pos += 26 + f[6]
    assert pos == len(data), 'trailing partial frame'
    return '\n'.join(out) + '\n'


def main():
    shared = sys.argv[1]
    cap = os.path.join(shared, 'captures', 'mitogen-0.3.52-basic', 'real.pcapng')
    p2c, c2p = follow(cap, 1)
    for name, data in (('p2c', p2c), ('c2p', c2p)):
        open(os.path.join(HERE, 'mitogen-0.3.52-child2-%s.bin' % name), 'wb').write(data)
    record('local')
    record('fork')
    for f in sorted(os.listdir(HERE)):
        if f.endswith('.bin'):
            data = open(os.path.join(HERE, f), 'rb').read()
            open(os.path.join(HERE, f[:-4] + '.expect'), 'w').write(expect(data))


if __name__ == '__main__':
    main()
