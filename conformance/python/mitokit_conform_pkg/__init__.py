"""A package with related imports, for the suite's LOAD_MODULE sequence cases."""
import json  # stdlib: never related

from mitokit_conform_pkg import util

NAME = 'pkg'
