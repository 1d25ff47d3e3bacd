"""Functions the live conformance suite calls in a context.

A Python context imports this module from its master; a C++ context registers
native functions under the same names (conformance/src/natives.cpp). Both must
behave the same: the suite compares what each returns or raises.
"""


def echo(value):
    return value


def add(a, b):
    return a + b


def kwargs_items(**kwargs):
    return sorted(kwargs.items())


def fail(text):
    raise ValueError(text)


def blob(n):
    if not 0 <= n <= (16 << 20):
        raise ValueError('blob size out of range')
    return b'\xa5' * n


def length(value):
    return len(value)


class Calc(object):
    @classmethod
    def double(cls, x):
        return 2 * x
