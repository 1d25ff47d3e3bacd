x = """
import not_code
"""
# import comment
if x: import a; import b
with open(x) as f: from c import (d, e,)
import \
  continued
