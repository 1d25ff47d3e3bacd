"""Ask the real python3-mitogen master what it sends for GET_MODULE requests.

usage: /usr/bin/python3 reference_plan.py LOADED_OUT PATHS_OUT IMPORT[,IMPORT..] REQUEST...

Starts a master (Broker + Router) in this process, imports the IMPORT modules into
it, opens a UNIX listener and connects a raw socket client to it (the handshake
of protocol-notes section 7). The client sends GET_MODULE for each REQUEST in
order, then one for a sentinel name; every LOAD_MODULE received before the
sentinel's answer is printed as one JSON line in `mitokit modules plan`'s format.
The master's sys.modules (with is_stdlib_name marks and each module's source
file) goes to LOADED_OUT and its
sys.path directories to PATHS_OUT, so the planner can be given the same inputs.
"""
import hashlib
import importlib
import json
import os
import socket
import struct
import sys
import tempfile
import zlib

import mitogen.core
import mitogen.master
import mitogen.unix

SENTINEL = 'mitokit_reference_plan_sentinel_zz'


def recv_exact(sock, n):
    buf = b''
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError('master closed the connection')
        buf += chunk
    return buf


def source_file(name, mod):
    """The file the master's finder reads for a loaded module: its __file__ (as
    .py) when the module is loaded under its own name, else '-'. Import hooks load
    modules from files a directory lookup cannot find (pkg_resources.extern.*,
    setuptools' distutils), and aliases (__name__ differs) are not served."""
    path = getattr(mod, '__file__', None)
    if getattr(mod, '__name__', None) != name or not isinstance(path, str):
        return '-'
    if path[-4:] in ('.pyc', '.pyo'):
        path = path[:-1]
    return path if path.endswith('.py') and os.path.isabs(path) else '-'


def main():
    loaded_out, paths_out, imports = sys.argv[1], sys.argv[2], sys.argv[3]
    requests = sys.argv[4:]
    for name in imports.split(','):
        if name:
            importlib.import_module(name)

    broker = mitogen.master.Broker()
    router = mitogen.master.Router(broker)
    path = os.path.join(tempfile.mkdtemp(prefix='mitokit-plan-'), 'sock')
    mitogen.unix.Listener.build_stream(router, path)

    with open(loaded_out, 'w') as f:
        for name, mod in sorted(sys.modules.items()):
            if mod is None:
                continue
            try:
                mark = 'stdlib' if mitogen.master.is_stdlib_name(name) else '-'
            except TypeError:  # namespace packages: __file__ is None
                mark = 'nofile'
            own = source_file(name, mod)
            # A fourth field 'getsource' when the finder cannot use the module's loader
            # (an import hook's, with no get_filename) and reads it through sys.modules.
            how = '\tgetsource' if own != '-' and mitogen.master.PkgutilMethod().find(name) is None else ''
            f.write('%s\t%s\t%s%s\n' % (name, mark, own, how))
    with open(paths_out, 'w') as f:
        for p in sys.path[1:]:  # [0] is this script's directory
            if p and os.path.isdir(p):
                f.write(p + '\n')

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    sock.sendall(struct.pack('>L', os.getpid()))
    my_id, remote_id, _ = struct.unpack('>LLL', recv_exact(sock, 12))

    for name in requests + [SENTINEL]:
        data = name.encode()
        hdr = struct.pack('>hLLLLLL', mitogen.core.Message.HEADER_MAGIC, remote_id,
                          my_id, my_id, mitogen.core.GET_MODULE, 0, len(data))
        sock.sendall(hdr + data)

    while True:
        hdr = recv_exact(sock, mitogen.core.Message.HEADER_LEN)
        magic, dst, src, auth, handle, reply_to, length = struct.unpack('>hLLLLLL', hdr)
        data = recv_exact(sock, length)
        if handle != mitogen.core.LOAD_MODULE:
            continue
        msg = mitogen.core.Message(data=data, handle=handle)
        fullname, pkg_present, mpath, compressed, related = msg.unpickle(throw=False)
        if fullname == SENTINEL:
            break
        src = zlib.decompress(compressed) if compressed is not None else None
        print(json.dumps({
            'fullname': fullname,
            'pkg_present': list(pkg_present) if pkg_present is not None else None,
            'path': mpath,
            'related': list(related),
            'source_sha1': hashlib.sha1(src).hexdigest() if src is not None else None,
        }, separators=(',', ':')))
    sock.close()
    broker.shutdown()
    broker.join()


main()
