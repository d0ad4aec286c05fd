"""The exact significand product shared by FMul and FPMAC (docs/units.md sections 4 and 6).

Both units multiply two operands of one format exactly: subnormal operands are first
normalized (their leading one moved into the implicit position, the exponent lowered to
match), so both significands have a leading one and their product lies in [1, 4).
"""

from typing import NamedTuple

from amaranth.hdl import C, Cat, Mux, Signal, Value

__all__ = ["leading_zeros", "NormalizedOperand", "normalize", "significand_product"]


def leading_zeros(value):
    """Number of leading zeros of ``value`` (its width when it is zero), as a priority chain."""
    width = len(value)
    count = C(width, range(width + 1))
    for index in range(width):
        count = Mux(value[index], width - 1 - index, count)
    return count


class NormalizedOperand(NamedTuple):
    """A nonzero finite operand as ``(1 + fraction / 2^M) * 2^(exponent - bias)``."""

    fraction: Value     # M bits below the leading one
    exponent: Value     # signed, -M .. 2^E - 1 (biased; below 1 for subnormals)


def normalize(m, operand, name):
    """Normalize a :class:`~macforge.hdl.float_view.FloatView` operand if subnormal.

    A priority encoder counts the leading zeros ``lz`` of a subnormal's fraction, the
    fraction is shifted left past its leading one and the exponent becomes ``-lz``.
    Normalizing the M-bit fractions is cheaper than a leading-zero count and shift over
    the 2M+2-bit product.  A zero operand comes out with exponent ``-M``: its flag
    (:attr:`FloatView.zero`) keeps it out of the result.

    Parameters
    ----------
    m : Module
        Receives the named signals ``<name>_leading_zeros``, ``<name>_fraction`` and
        ``<name>_exponent``.
    operand : FloatView
    name : str

    Returns
    -------
    NormalizedOperand
    """
    fmt = operand.format
    mantissa_bits = fmt.mantissa_bits
    fraction = operand.mantissa
    exponent_zero = operand.exponent_zero
    count = Signal(range(mantissa_bits + 1), name=f"{name}_leading_zeros")
    m.d.comb += count.eq(leading_zeros(fraction))
    # A subnormal's leading one moves out into the implicit position.
    normalized = Signal(mantissa_bits, name=f"{name}_fraction")
    exponent = Signal(range(-mantissa_bits, fmt.exponent_field_max + 1), name=f"{name}_exponent")
    m.d.comb += [
        normalized.eq(Mux(exponent_zero, (fraction << (count + 1))[:mantissa_bits], fraction)),
        exponent.eq(Mux(exponent_zero, -count, operand.exponent)),
    ]
    return NormalizedOperand(normalized, exponent)


def significand_product(fraction_a, fraction_b):
    """``(1.fraction_a) * (1.fraction_b)`` as a 2M+2-bit integer (value in [2^2M, 2^(2M+2))).

    Both significands have a leading one.  Written as shift-and-add rows over that known
    one, which Yosys/ABC map to a netlist no larger (and, for most formats measured, a few
    cells smaller) than the ``*`` operator's.
    """
    mantissa_bits = len(fraction_a)
    significand_a = Cat(fraction_a, C(1, 1))
    partial_sum = significand_a << mantissa_bits
    for index in range(mantissa_bits):
        partial_sum = partial_sum + Mux(fraction_b[index], significand_a << index, 0)
    return partial_sum
