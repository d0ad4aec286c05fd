"""What the golden models share: operand and control-flag validation, and the
unrounded-product record."""

from typing import NamedTuple

import numpy as np

from macforge.formats import FloatFormat

__all__ = ["ExactProduct", "check_format", "check_saturate", "check_patterns", "check_operands",
           "check_flags"]


class ExactProduct(NamedTuple):
    """An unrounded product: (-1)^sign * significand * 2^exponent, unless nan or inf.

    All fields are arrays of the operands' broadcast shape.  Where ``nan`` is set the
    other fields are 0; where ``inf`` is set the value is infinity with ``sign`` and the
    significand is 0.  A zero product has significand 0 and keeps its sign.
    """

    sign: np.ndarray
    significand: np.ndarray
    exponent: np.ndarray
    nan: np.ndarray
    inf: np.ndarray


def check_format(fmt):
    """Return ``fmt`` as a FloatFormat (a format name is parsed), or raise TypeError."""
    if isinstance(fmt, str):
        return FloatFormat.parse(fmt)
    if not isinstance(fmt, FloatFormat):
        raise TypeError(f"fmt must be a FloatFormat or a format name such as 'e4m3', "
                        f"not {fmt!r}")
    return fmt


def check_saturate(saturate):
    if not isinstance(saturate, bool):
        raise TypeError(f"saturate must be True or False, not {saturate!r}")
    return saturate


def check_patterns(fmt, name, bits):
    """Return ``bits`` as an int64 array, or raise if it holds anything but patterns of fmt."""
    array = np.asarray(bits)
    if array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"{name} must hold integer bit patterns of {fmt}, "
                        f"not an array of {array.dtype}")
    array = array.astype(np.int64)
    limit = 1 << fmt.width
    outside = (array < 0) | (array >= limit)
    if np.any(outside):
        bad = array[outside].flat[0]
        raise ValueError(f"{name} must hold {fmt} bit patterns in [0, {limit:#x}), "
                         f"not {int(bad)!r}")
    return array


def check_operands(fmt, a, b):
    """Validate the format and both operands; return them broadcast to one shape."""
    fmt = check_format(fmt)
    a = check_patterns(fmt, "a", a)
    b = check_patterns(fmt, "b", b)
    try:
        a, b = np.broadcast_arrays(a, b)
    except ValueError:
        raise ValueError(f"a and b must broadcast to one shape, not {a.shape} and "
                         f"{b.shape}") from None
    return fmt, a, b


def check_flags(name, flags):
    """``flags`` (a MAC's per-cycle ``en`` or ``clear``) as a bool array, or raise if it
    holds anything but booleans or 0/1 integers."""
    array = np.asarray(flags)
    if array.dtype != np.bool_ and array.size:
        if not np.issubdtype(array.dtype, np.integer):
            raise TypeError(f"{name} must hold 0/1 or booleans, not an array of {array.dtype}")
        outside = (array != 0) & (array != 1)
        if np.any(outside):
            raise ValueError(f"{name} must hold 0/1 or booleans, not "
                             f"{int(array[outside].flat[0])!r}")
    return array.astype(bool)
