"""A real mitogen master doing what `mitokit parent` does, for comparison.

usage: /usr/bin/python3 python_master.py --value-json DIR [--path DIR]... --call MOD.FUNC
                                         [--args JSON] [--repeat N]
Prints one JSON line: the result (canonical JSON), the GET_MODULE requests its
responder received and the LOAD_MODULE messages it sent, and (with --repeat N)
the calls per second of N sequential calls after the first.
"""
import argparse
import importlib
import json
import sys
import time

import mitogen.core
import mitogen.master
import mitogen.utils


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--value-json', required=True, help='folder holding value_json.py')
    ap.add_argument('--path', action='append', default=[])
    ap.add_argument('--call', required=True)
    ap.add_argument('--args', default='[]')
    ap.add_argument('--repeat', type=int, default=0)
    ap.add_argument('--dump-loaded', help='write sys.modules here after the call (LoadedFile format)')
    opt = ap.parse_args()
    sys.path.insert(0, opt.value_json)
    import value_json
    for p in reversed(opt.path):
        sys.path.insert(0, p)

    counts = {'get_module': 0, 'load_module': 0}
    orig_get = mitogen.master.ModuleResponder._on_get_module
    orig_load = mitogen.master.ModuleResponder._send_load_module
    orig_failed = mitogen.master.ModuleResponder._send_module_load_failed

    def on_get(self, msg):
        if not msg.is_dead:
            counts['get_module'] += 1
        return orig_get(self, msg)

    def send_load(self, stream, fullname):
        # It returns without sending for names the stream already had.
        if fullname not in stream.protocol.sent_modules:
            counts['load_module'] += 1
        return orig_load(self, stream, fullname)

    def load_failed(self, stream, fullname):
        counts['load_module'] += 1
        return orig_failed(self, stream, fullname)

    mitogen.master.ModuleResponder._on_get_module = on_get
    mitogen.master.ModuleResponder._send_load_module = send_load
    mitogen.master.ModuleResponder._send_module_load_failed = load_failed

    modname, _, funcname = opt.call.rpartition('.')
    fn = getattr(importlib.import_module(modname), funcname)
    args = value_json.from_json(opt.args)

    broker = mitogen.master.Broker()
    router = mitogen.master.Router(broker)
    out = {}
    try:
        ctx = router.local()
        try:
            out['result'] = json.loads(value_json.to_json(ctx.call(fn, *args)))
            out['call_error'] = False
        except mitogen.core.CallError as e:
            out['result'] = {'call_error': str(e)}
            out['call_error'] = True
        out.update(counts)
        if opt.dump_loaded:
            with open(opt.dump_loaded, 'w') as f:
                for name, mod in sorted(sys.modules.items()):
                    if mod is None:
                        continue
                    try:
                        mark = 'stdlib' if mitogen.master.is_stdlib_name(name) else '-'
                    except TypeError:
                        mark = 'nofile'
                    f.write('%s\t%s\n' % (name, mark))
        if opt.repeat:
            t0 = time.perf_counter()
            for _ in range(opt.repeat):
                ctx.call(fn, *args)
            out['calls_per_second'] = opt.repeat / (time.perf_counter() - t0)
    finally:
        broker.shutdown()
        broker.join()
    print(json.dumps(out, sort_keys=True))


if __name__ == '__main__':
    main()
