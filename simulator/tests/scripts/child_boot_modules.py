#!/usr/bin/python3
"""Prints the standard library modules in a fresh python3-mitogen child's
sys.modules, one per line: the list behind sim::in_child_boot (module_sets.cpp).

usage: /usr/bin/python3 child_boot_modules.py

A real master starts a router.local() child and asks it for sorted(sys.modules);
names that are not the standard library's (mitogen, whatever a .pth file
imports) are left out, since the simulator serves or models those itself.
"""
import os
import sys
import sysconfig
import tempfile

import mitogen.master

STDLIB = (sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"])


def is_stdlib(name):
    top = name.split(".")[0]
    if top in sys.builtin_module_names or top.startswith("_frozen_importlib"):
        return True
    # By the top-level module's file: typing.io has none of its own.
    path = getattr(sys.modules.get(top), "__file__", None)
    return bool(path) and os.path.abspath(path).startswith(STDLIB) and "-packages" not in path


def main():
    with tempfile.TemporaryDirectory() as tmp:
        # The child imports the function's module from the master: give it one.
        with open(os.path.join(tmp, "bootmods.py"), "w") as f:
            f.write("def names():\n    import sys\n    return sorted(sys.modules)\n")
        sys.path.insert(0, tmp)
        import bootmods
        broker = mitogen.master.Broker()
        router = mitogen.master.Router(broker)
        try:
            names = router.local().call(bootmods.names)
        finally:
            broker.shutdown()
            broker.join()
    for name in names:
        # Judged by the master's copy: the same interpreter and library.
        if name not in sys.modules:
            try:
                __import__(name)
            except Exception:
                continue
        if is_stdlib(name):
            print(name)


if __name__ == "__main__":
    main()
