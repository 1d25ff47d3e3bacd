import textwrap

from tracepkg.sub import leaf


def later():
    # Not at module level: not part of what the master sends with it.
    from tracepkg.sub import unused
    return unused
