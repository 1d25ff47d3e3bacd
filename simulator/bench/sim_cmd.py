"""What the simulator benchmark scripts (scale.py, ab.py, ir.py) share: the
`mitokit-sim simulate` command line of their workload, and the check of the
binaries they are given."""
import os


def simulate_command(exe, levels, calls, sequential=True, call_window=0):
    """The benchmark workload on a `levels` tree: no modules, no logs, `calls`
    getpid calls per leaf, a JSON report; built one connect at a time in tree order
    (as a program calling router.local() in turn) unless `sequential` is false; the
    leaf calls all at once, or `call_window` in flight at a time."""
    return ([exe, 'simulate', '--levels', levels, '--modules', 'none', '--calls', str(calls), '--logs', '0', '--json'] +
            (['--sequential-connects'] if sequential else []) +
            (['--call-window', str(call_window)] if call_window else []))


def require_executables(parser, paths):
    """A usage error (exit 2, one line) for the first path that is no executable file."""
    for exe in paths:
        if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
            parser.error(f'{exe}: not an executable file')
