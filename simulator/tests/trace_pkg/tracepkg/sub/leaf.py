from .. import consts
from ..util import os as _os
