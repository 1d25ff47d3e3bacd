"""Imports of the shapes the importer meets, for tests/scripts/compare_trace.py."""
from . import util
from .sub import leaf
import json
import tracepkg.other as other

try:
    import tracepkg_optional
except ImportError:
    tracepkg_optional = None

VERSION = 1
