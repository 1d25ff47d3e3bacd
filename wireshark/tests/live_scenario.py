"""A python3-mitogen master whose children talk over loopback TCP, logging every
frame it sends or receives as truth (one JSON line each), for test_live.py.

mitogen gives a child its stdio as one end of a socketpair; here that pair is a
TCP connection over 127.0.0.1 whose listening end takes a port from a given
range, so a capture filter on that range sees exactly these links. The truth is
written by wrapping the protocol's send and the router's receive path, keyed
by the master-side port as in shared/captures/*/truth.jsonl.

Usage: live_scenario.py TRUTH.jsonl PORT_LO PORT_HI
"""

import hashlib
import json
import os
import socket
import sys
import threading

import mitogen.core
import mitogen.master
import mitogen.parent
import mitogen.utils

import live_workloads

TRUTH_LOCK = threading.Lock()


def local_port(fd):
    try:
        s = socket.socket(fileno=os.dup(fd))
    except OSError:
        return None
    try:
        return s.getsockname()[1] if s.family == socket.AF_INET else None
    finally:
        s.close()


def install_truth_log(path):
    out = open(path, "w")

    master_pid = os.getpid()

    def log(direction, port, msg):
        # A fork child inherits these wrappers: only the master's view is the truth.
        if port is None or os.getpid() != master_pid:
            return
        rec = {"dir": direction, "port": port, "magic": mitogen.core.Message.HEADER_MAGIC, "dst": msg.dst_id,
               "src": msg.src_id, "auth": msg.auth_id, "handle": msg.handle, "reply_to": msg.reply_to or 0,
               "len": len(msg.data), "sha1": hashlib.sha1(msg.data).hexdigest()}
        with TRUTH_LOCK:
            out.write(json.dumps(rec) + "\n")
            out.flush()

    real_send = mitogen.core.MitogenProtocol._send

    def _send(self, msg):
        log("out", local_port(self.stream.transmit_side.fd), msg)
        return real_send(self, msg)

    mitogen.core.MitogenProtocol._send = _send

    real_route = mitogen.core.Router._async_route

    def _async_route(self, msg, in_stream=None):
        if in_stream is not None:
            log("in", local_port(in_stream.receive_side.fd), msg)
        return real_route(self, msg, in_stream)

    mitogen.core.Router._async_route = _async_route
    return out


def add(a, b):
    return a + b


def fail():
    raise ValueError("expected failure for the capture")


def echo_len(data):
    return len(data)


def main():
    truth_path, lo, hi = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    # Loopback TCP in place of socketpairs, as live_workloads.py makes them.
    mitogen.parent.create_socketpair = live_workloads.tcp_socketpair_factory(lo, hi, lo, socket.AF_INET)
    out = install_truth_log(truth_path)
    broker = mitogen.master.Broker()
    router = mitogen.master.Router(broker)
    try:
        child = router.local(name="live-child")
        assert child.call(add, 2, 3) == 5
        assert child.call(os.getpid) > 0
        try:
            child.call(fail)
        except mitogen.core.CallError:
            pass
        big = b"\x00\x01mitogen" * 40000  # a 360 KB call across many segments
        assert child.call(echo_len, big) == len(big)
        assert child.call(mitogen.utils.cast, {"k": [1, 2.5, None]}) == {"k": [1, 2.5, None]}
        # A message to a handle nobody listens on: the child answers with a dead reply.
        recv = mitogen.core.Receiver(router)
        router.route(mitogen.core.Message.pickled(None, dst_id=child.context_id, handle=4321,
                                                  reply_to=recv.handle))
        try:
            recv.get(timeout=10)
        except mitogen.core.ChannelError:
            pass
        # A grandchild through the child: ALLOCATE_ID, ADD_ROUTE, proxied traffic.
        grandchild = router.local(via=child, name="live-grandchild")
        assert grandchild.call(add, 10, 20) == 30
        grandchild.shutdown(wait=True)
        # A fork child: no first stage and no preamble, only MITO002 before frames.
        forked = router.fork(name="live-fork")
        assert forked.call(add, 1, 1) == 2
        forked.shutdown(wait=True)
        child.shutdown(wait=True)
    finally:
        broker.shutdown()
        broker.join()
        out.close()


if __name__ == "__main__":
    main()
