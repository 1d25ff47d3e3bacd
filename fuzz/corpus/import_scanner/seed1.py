import os, sys
from . import util
from .sub import (a,
    b as c)
from ..pkg.mod import *
import a.b.c as d
try:
    import json
except ImportError:
    json = None
if 0:
    import never
def f():
    import inner
class K:
    import also_inner
