"""The reference side of the live conformance suite: a real mitogen master.

Starts a mitogen master with one Python child (the "target", context 1) and a
mitogen.unix.Listener at --socket, then prints one JSON line
{"socket", "pid", "target"} and serves until stdin closes or SIGTERM.

It also answers control requests on handle CONTROL_HANDLE (a plain mitogen
message, any sender), so a C++ peer that joined through the listener can have
the master call functions in it and read the master's log:
  ('call', name, args, kwargs) -> {'peer': outcome, 'reference': outcome}
      the master calls mitokit_conform.<name> in the sender and in the target;
      outcome is ('ok', value) or ('error', first line of the CallError)
  ('chain',) -> {'peer': [outcome, ...], 'reference': [...]}: a pipelined
      CallChain whose first call fails, then after reset()
  ('logs',) -> [(logger, level, message), ...] forwarded records seen so far
Run with /usr/bin/python3 (Debian's python3-mitogen).
"""
import argparse
import json
import logging
import os
import signal
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, 'python'))

import mitogen.core
import mitogen.master
import mitogen.parent
import mitogen.unix

import mitokit_conform
# The master's sys.modules decides what is pushed as related: import it all.
import mitokit_conform_other
import mitokit_conform_pkg
import mitokit_conform_pkg.deep.thing
import mitokit_conform_pkg.sub
import mitokit_conform_pkg.util

CONTROL_HANDLE = 500


class Records(logging.Handler):
    def __init__(self):
        logging.Handler.__init__(self)
        self.items_lock = threading.Lock()
        self.items = []

    def emit(self, record):
        if getattr(record, 'mitogen_name', None) is None:
            return
        with self.items_lock:
            self.items.append((record.name, record.levelno, record.getMessage()))

    def snapshot(self):
        with self.items_lock:
            return list(self.items)


def first_line(e):
    return str(e).split('\n', 1)[0]


def resolve(name):
    obj = mitokit_conform
    for part in name.split('.'):
        obj = getattr(obj, part)
    return obj


def settle(send, timeout):
    """('ok', value), ('error', text), ('dead', text) or ('timeout', '') for the
    call that send() makes."""
    try:
        return ('ok', send().get(timeout=timeout).unpickle())
    except mitogen.core.CallError as e:
        return ('error', first_line(e))
    except mitogen.core.ChannelError as e:
        return ('dead', str(e))
    except mitogen.core.TimeoutError:
        return ('timeout', '')


def outcome(context, fn, args, kwargs, timeout):
    return settle(lambda: context.call_async(fn, *args, **kwargs), timeout)


def chain_outcomes(context, timeout):
    chain = mitogen.parent.CallChain(context, pipelined=True)
    chain.call_no_reply(mitokit_conform.fail, 'chain broken')
    out = [outcome_chain(chain, mitokit_conform.echo, (1,), timeout)]
    chain.reset()
    out.append(outcome_chain(chain, mitokit_conform.echo, (2,), timeout))
    return out


def outcome_chain(chain, fn, args, timeout):
    return settle(lambda: chain.call_async(fn, *args), timeout)


class Control(object):
    def __init__(self, router, target, records, timeout):
        self.router = router
        self.target = target
        self.records = records
        self.timeout = timeout
        router.add_handler(fn=self.on_message, handle=CONTROL_HANDLE)

    def on_message(self, msg):
        if msg.is_dead:
            return
        # The broker thread must not block on the calls it is about to route.
        threading.Thread(target=self.serve, args=(msg,), daemon=True).start()

    def serve(self, msg):
        try:
            req = msg.unpickle()
            op = req[0]
            peer = self.router.context_by_id(msg.src_id)
            if op == 'call':
                _, name, args, kwargs = req
                fn = resolve(name)
                result = {
                    'peer': outcome(peer, fn, tuple(args), dict(kwargs), self.timeout),
                    'reference': outcome(self.target, fn, tuple(args), dict(kwargs), self.timeout),
                }
            elif op == 'chain':
                result = {
                    'peer': chain_outcomes(peer, self.timeout),
                    'reference': chain_outcomes(self.target, self.timeout),
                }
            elif op == 'logs':
                result = self.records.snapshot()
            else:
                result = {'error': 'unknown control request %r' % (op,)}
        except Exception as e:
            result = {'error': '%s: %s' % (type(e).__name__, e)}
        msg.reply(result)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    ap.add_argument('--socket', required=True, help='UNIX listener path')
    ap.add_argument('--timeout', type=float, default=20.0, help='seconds per control call')
    opts = ap.parse_args()

    records = Records()
    logging.getLogger().addHandler(records)
    logging.getLogger().setLevel(logging.INFO)
    # The reference logs refusals (bad auth_id, ...) at ERROR: keep them on stderr.
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(logging.WARNING)
    logging.getLogger().addHandler(stderr)

    broker = mitogen.master.Broker()
    router = mitogen.master.Router(broker)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        target = router.local(name='target')
        Control(router, target, records, opts.timeout)
        listener = mitogen.unix.Listener.build_stream(router, path=opts.socket)
        print(json.dumps({'socket': opts.socket, 'pid': os.getpid(), 'target': target.context_id}), flush=True)
        threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
        done.wait()
    finally:
        broker.shutdown()
        broker.join()


if __name__ == '__main__':
    main()
