"""What every command of the CLI shares: the usage error that exits 2, and checks that
turn bad input into it."""

import os
from pathlib import Path

__all__ = ["EXIT_USAGE", "UsageError", "checked", "writable_file"]

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input, found before any hardware is built: exit status 2."""


def checked(check, *args, **kwargs):
    """Run a validation step; its ValueError/TypeError becomes a UsageError."""
    try:
        return check(*args, **kwargs)
    except (ValueError, TypeError) as error:
        raise UsageError(str(error)) from None


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
