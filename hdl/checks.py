"""Eager parameter checks shared by the components.

Each returns the value (a format name becomes its :class:`~formats.FloatFormat`) or
raises TypeError / ValueError naming the parameter, the bad value and what is allowed,
before any hardware is built.
"""

from macforge.formats import NAMED_FORMATS, FloatFormat

__all__ = ["check_bool", "check_int", "check_choice", "check_format"]


def check_bool(name, value):
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {value!r}")
    return value


def check_int(name, value, *, minimum, maximum, allowed=None, why=""):
    """An int (not a bool) in ``[minimum, maximum]``.

    ``allowed`` replaces the range text of the message (``"from a_width + b_width (16)
    to 48"``); ``why`` is appended when the value is below ``minimum``.
    """
    allowed = f"an integer {allowed or f'from {minimum} to {maximum}'}"
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be {allowed}, not {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be {allowed}{why}, not {value!r}")
    if value > maximum:
        raise ValueError(f"{name} must be {allowed}, not {value!r}")
    return value


def check_choice(name, value, choices):
    allowed = " or ".join(map(repr, choices))
    if not isinstance(value, str):
        raise TypeError(f"{name} must be {allowed}, not {value!r}")
    if value not in choices:
        raise ValueError(f"{name} must be {allowed}, not {value!r}")
    return value


def check_format(name, value, *, choices=None):
    """A :class:`FloatFormat`, or a format name as :meth:`FloatFormat.parse` spells it.

    With ``choices`` (format names), only those formats are allowed.
    """
    if choices is not None:
        allowed = ", ".join(choices)
        if isinstance(value, str) and value.strip().lower() in choices:
            return NAMED_FORMATS[value.strip().lower()]
        if isinstance(value, FloatFormat) and value in [NAMED_FORMATS[c] for c in choices]:
            return value
        if not isinstance(value, (str, FloatFormat)):
            raise TypeError(f"{name} must be a FloatFormat or one of {allowed}, not {value!r}")
        shown = value.name if isinstance(value, FloatFormat) else value
        raise ValueError(f"{name} must be one of {allowed}, not {shown!r}")
    if isinstance(value, str):
        return FloatFormat.parse(value, parameter=name)
    if not isinstance(value, FloatFormat):
        raise TypeError(f"{name} must be a FloatFormat or a format name such as 'e4m3', "
                        f"not {value!r}")
    return value
