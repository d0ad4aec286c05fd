"""What every command of the CLI shares: the usage error that exits 2, and checks that
turn bad input into it."""

import os
from pathlib import Path

__all__ = ["EXIT_USAGE", "UsageError", "checked", "check_count", "writable_file"]

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input, found before any hardware is built: exit status 2."""


def checked(check, *args, **kwargs):
    """Run a validation step; its ValueError/TypeError becomes a UsageError."""
    try:
        return check(*args, **kwargs)
    except (ValueError, TypeError) as error:
        raise UsageError(str(error)) from None


def check_count(name, value, *, least, most=None, limit_of="one run", counted=""):
    """Check a count option (``--vectors``, ``--seed``): an integer, at least ``least``
    and, given ``most``, at most that; ValueError naming it, the value and the bound.
    ``limit_of`` and ``counted`` say whose bound it is and what it counts."""
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValueError(f"{name} must be an integer >= {least}, not {value!r}")
    if most is not None and value > most:
        raise ValueError(f"{name} {value:,} is more than {limit_of} takes: at most "
                         f"{most:,}{counted}")


def writable_file(path):
    """``path`` as a Path once its directory exists and is writable (the ``--json``
    file); ValueError naming it and why otherwise."""
    target = Path(path)
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"json {str(path)!r}: cannot create its directory: "
                         f"{error.strerror or error}") from None
    if target.is_dir():
        raise ValueError(f"json {str(path)!r} is a directory")
    if not os.access(parent, os.W_OK):
        raise ValueError(f"json {str(path)!r}: directory {str(parent)!r} is not writable")
    return target
