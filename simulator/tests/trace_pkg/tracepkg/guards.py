"""Guarded imports: what a child asks for is what its Python runs, not every
import statement (compare_trace.py, case chain3.guards)."""
import sys

PY2 = sys.version_info[0] == 2

try:
    from tracepkg import consts
except ImportError:
    from tracepkg import guards_never  # the try body worked: never run
else:
    from tracepkg import guards_else

try:
    import tracepkg_accel  # nowhere: asked for, and the master answers no
except ImportError:
    pass

if PY2:
    from tracepkg import guards_py2

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracepkg import guards_hint
