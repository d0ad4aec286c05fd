"""Golden model of the integer multiply-accumulate unit (docs/units.md section 5).

On every cycle with ``en = 1``: ``acc <- f((clear ? 0 : acc) + a * b)``, where ``f`` wraps
modulo ``2^acc_width`` or saturates to the accumulator's range; ``en = 0`` holds ``acc``.
Ports carry raw bit patterns, so the model converts them to values, adds exactly and
converts back.  Every intermediate fits an int64: ``|acc| <= 2^48`` and ``|a * b| <= 2^32``.

The parameter checks repeat the hardware's on purpose: the golden model never imports
``hdl``, so that it checks the hardware instead of sharing its mistakes.
"""

import numpy as np

from .operands import check_flags
from .sequence import run_accumulator

__all__ = ["int_mac", "int_mac_step", "check_int_mac_params"]

_OVERFLOW_MODES = ("wrap", "saturate")
_MIN_OPERAND_WIDTH, _MAX_OPERAND_WIDTH = 2, 16
_MAX_ACC_WIDTH = 48


def _check_int(name, value, low, high):
    if not isinstance(value, (int, np.integer)) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer from {low} to {high}, not {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}, not {value!r}")
    return int(value)


def check_int_mac_params(*, a_width, b_width, signed, acc_width, overflow):
    """Validate the parameters of docs/units.md section 5; return them as a tuple.

    Raises
    ------
    TypeError, ValueError
        Naming the parameter, quoting the bad value and saying what is allowed.
    """
    a_width = _check_int("a_width", a_width, _MIN_OPERAND_WIDTH, _MAX_OPERAND_WIDTH)
    b_width = _check_int("b_width", b_width, _MIN_OPERAND_WIDTH, _MAX_OPERAND_WIDTH)
    if not isinstance(signed, (bool, np.bool_)):
        raise TypeError(f"signed must be True or False, not {signed!r}")
    product_width = a_width + b_width
    if not isinstance(acc_width, (int, np.integer)) or isinstance(acc_width, (bool, np.bool_)):
        raise TypeError(f"acc_width must be an integer from a_width + b_width ({product_width}) "
                        f"to {_MAX_ACC_WIDTH}, not {acc_width!r}")
    if acc_width < product_width:
        raise ValueError(f"acc_width must be an integer from a_width + b_width ({product_width}) "
                         f"to {_MAX_ACC_WIDTH} (narrower would truncate the product), "
                         f"not {acc_width!r}")
    if acc_width > _MAX_ACC_WIDTH:
        raise ValueError(f"acc_width must be an integer from a_width + b_width ({product_width}) "
                         f"to {_MAX_ACC_WIDTH}, not {acc_width!r}")
    if not isinstance(overflow, str):
        raise TypeError(f"overflow must be 'wrap' or 'saturate', not {overflow!r}")
    if overflow not in _OVERFLOW_MODES:
        raise ValueError(f"overflow must be 'wrap' or 'saturate', not {overflow!r}")
    return a_width, b_width, bool(signed), int(acc_width), overflow


def _check_patterns(name, bits, width):
    """``bits`` as an int64 array, or raise if it holds anything but ``width``-bit patterns."""
    array = np.asarray(bits)
    if array.size == 0:
        # An empty list is float64 to numpy; an empty sequence holds no bad pattern.
        return array.astype(np.int64)
    if array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"{name} must hold integer {width}-bit patterns, "
                        f"not an array of {array.dtype}")
    array = array.astype(np.int64)
    outside = (array < 0) | (array >= (1 << width))
    if np.any(outside):
        raise ValueError(f"{name} must hold {width}-bit patterns in [0, {1 << width:#x}), "
                         f"not {int(array[outside].flat[0])!r}")
    return array


def _value(bits, width, signed):
    """The integer a ``width``-bit pattern stands for (two's complement if ``signed``)."""
    if not signed:
        return bits
    return bits - ((bits >> (width - 1) & 1) << width)


def _step(acc, clear, a, b, *, a_width, b_width, signed, acc_width, overflow):
    """One enabled cycle on already validated int64 patterns and a bool ``clear``."""
    total = (np.where(clear, 0, _value(acc, acc_width, signed))
             + _value(a, a_width, signed) * _value(b, b_width, signed))
    if overflow == "saturate":
        if signed:
            low, high = -(1 << (acc_width - 1)), (1 << (acc_width - 1)) - 1
        else:
            low, high = 0, (1 << acc_width) - 1
        total = np.clip(total, low, high)
    # Two's complement int64 makes the mask a reduction modulo 2^acc_width for negative
    # totals too.
    return (total & ((1 << acc_width) - 1)).astype(np.int64)


def int_mac_step(acc, clear, a, b, *, a_width, b_width, signed, acc_width, overflow):
    """The next ``acc`` of one enabled cycle (``en = 1``), elementwise.

    Parameters
    ----------
    acc : array-like of int
        Current accumulator, unsigned ``acc_width``-bit patterns.
    clear : array-like of 0/1 or bool
        Start from zero instead of ``acc``.
    a, b : array-like of int
        Operands, unsigned ``a_width``- / ``b_width``-bit patterns (two's complement
        values if ``signed``).
    a_width, b_width, signed, acc_width, overflow
        As for :func:`int_mac`.

    Returns
    -------
    numpy.ndarray of int64: the new accumulator patterns, broadcast shape of the inputs.
    """
    a_width, b_width, signed, acc_width, overflow = check_int_mac_params(
        a_width=a_width, b_width=b_width, signed=signed, acc_width=acc_width, overflow=overflow)
    acc = _check_patterns("acc", acc, acc_width)
    clear = check_flags("clear", clear)
    a = _check_patterns("a", a, a_width)
    b = _check_patterns("b", b, b_width)
    return _step(acc, clear, a, b, a_width=a_width, b_width=b_width, signed=signed,
                 acc_width=acc_width, overflow=overflow)


def int_mac(a, b, en, clear, *, a_width=8, b_width=8, signed=True, acc_width=32,
            overflow="wrap"):
    """The accumulator after every cycle of a sequence, from reset (acc = 0).

    Parameters
    ----------
    a, b : array-like of int
        Per-cycle operand bit patterns (unsigned ``a_width``- / ``b_width``-bit integers).
    en, clear : array-like of 0/1
        Per-cycle controls: ``en = 0`` holds ``acc`` (``clear`` is then ignored);
        ``clear = 1`` accumulates onto zero instead of ``acc``.
    a_width, b_width : int
        Operand widths, 2 to 16.
    signed : bool
        Operands and accumulator are two's complement (True, default) or unsigned.
    acc_width : int
        Accumulator width, a_width + b_width to 48.
    overflow : {"wrap", "saturate"}
        Wrap modulo 2^acc_width, or clamp to the accumulator's range.

    Returns
    -------
    numpy.ndarray of int64: element t is the ``acc`` pattern after cycle t.
    """
    params = dict(zip(("a_width", "b_width", "signed", "acc_width", "overflow"),
                      check_int_mac_params(a_width=a_width, b_width=b_width, signed=signed,
                                           acc_width=acc_width, overflow=overflow)))
    a = _check_patterns("a", a, params["a_width"]).ravel()
    b = _check_patterns("b", b, params["b_width"]).ravel()
    en = check_flags("en", en).ravel()
    clear = check_flags("clear", clear).ravel()

    def step(acc, clear, a, b):
        return _step(acc, clear, a, b, **params)

    return run_accumulator(step, en, clear, (a, b))
