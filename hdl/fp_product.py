"""The multiply side of FPMAC: a product of two small floats, as the accumulate loop
takes it (docs/units.md section 6)."""

from dataclasses import dataclass, replace

from amaranth.hdl import C, Cat, Signal, Value

from macforge.formats.products import lmul_offset_bits

from .exact_product import normalize, significand_product
from .float_view import classify_product

__all__ = ["Product", "exact_product", "lmul_product"]

_SIGNALS = ("sign", "significand", "exponent", "zero", "nan", "inf")


@dataclass(frozen=True)
class Product:
    """What the multiply side hands to the accumulate loop.

    A finite nonzero product is ``(-1)^sign * significand / 2^point * 2^(exponent -
    acc_bias)``: the exponent is already biased for the accumulator's format.

    Attributes
    ----------
    sign, zero, nan, inf : Value
        1-bit: the sign, and the cases that override the value (``zero`` keeps the
        significand and exponent out of the sum, whatever they hold).
    significand : Value
        Unsigned, with ``integer_bits`` bits at and above bit ``point`` (2^0).
    exponent : Value
        Signed, from ``exponent_low`` to ``exponent_high``.
    exponent_low, exponent_high : int
    point : int
    """

    sign: Value
    significand: Value
    exponent: Value
    zero: Value
    nan: Value
    inf: Value
    exponent_low: int
    exponent_high: int
    point: int

    @property
    def integer_bits(self):
        """Significand bits at and above 2^0: 2 for an exact product (in [1, 4)), 1 for
        L-Mul's."""
        return len(self.significand) - self.point

    def cut(self, pipeline, *controls):
        """Pass the product, and the ``controls`` travelling with it, through the next
        cut point of ``pipeline``; returns ``(product, controls)``."""
        values = pipeline.cut(*(getattr(self, name) for name in _SIGNALS), *controls)
        product = replace(self, **dict(zip(_SIGNALS, values)))
        return product, tuple(values[len(_SIGNALS):])


def _classified(m, a, b, *, flush_subnormals):
    """The product's sign, zero, nan and inf flags as named signals (product_sign, ...)."""
    operands = classify_product(a, b, flush_subnormals=flush_subnormals)
    flags = []
    for name in ("sign", "zero", "nan", "inf"):
        flag = Signal(name=f"product_{name}")
        m.d.comb += flag.eq(getattr(operands, name))
        flags.append(flag)
    return flags


def exact_product(m, pipeline, a, b, controls, *, acc_format):
    """``a * b`` exactly: a significand of 2M+2 bits with 2^0 at bit 2M, in [1, 4).

    Subnormal operands are normalized (M-bit priority encoders) so that both significands
    have a leading one; the exponent is the operand exponents' sum, rebiased to
    ``acc_format``.  The pipeline's next cut point splits the operand unpacking from the
    multiplier; ``controls`` pass it with them.

    Parameters
    ----------
    m : Module
    pipeline : Pipeline
    a, b : FloatView
        The operands.
    controls : tuple of Value
        Values that travel with the product (``en``, ``clear``).
    acc_format : FloatFormat

    Returns
    -------
    (Product, tuple)
        The product and ``controls`` after the cut point.
    """
    fmt = a.format
    mantissa_bits = fmt.mantissa_bits
    normalized_a, normalized_b = normalize(m, a, "a"), normalize(m, b, "b")
    rebias = acc_format.bias - 2 * fmt.bias
    exponent_low = -2 * mantissa_bits + rebias
    exponent_high = 2 * fmt.exponent_field_max + rebias
    exponent = Signal(range(exponent_low, exponent_high + 1), name="product_exponent")
    m.d.comb += exponent.eq(normalized_a.exponent + normalized_b.exponent + rebias)
    sign, zero, nan, inf = _classified(m, a, b, flush_subnormals=False)
    sign, fraction_a, fraction_b, exponent, zero, nan, inf, *controls = pipeline.cut(
        sign, normalized_a.fraction, normalized_b.fraction, exponent, zero, nan, inf,
        *controls)
    # Not masked for a zero operand: the zero flag keeps it out of the adder.
    significand = Signal(2 * mantissa_bits + 2, name="product_significand")
    m.d.comb += significand.eq(significand_product(fraction_a, fraction_b))
    product = Product(sign=sign, significand=significand, exponent=exponent, zero=zero,
                      nan=nan, inf=inf, exponent_low=exponent_low,
                      exponent_high=exponent_high, point=2 * mantissa_bits)
    return product, tuple(controls)


def lmul_product(m, pipeline, a, b, controls, *, acc_format):
    """The L-Mul product before any clamp: a significand of M+1 bits, 2^0 at bit M.

    Steps 1-3 of docs/units.md section 3.1: an operand with exponent field 0 flushes the
    product to zero, and infinity times one is NaN.  The pipeline's next cut point comes
    before the adder.  Parameters and result as for :func:`exact_product`.
    """
    fmt = a.format
    mantissa_bits = fmt.mantissa_bits
    sign, zero, nan, inf = _classified(m, a, b, flush_subnormals=True)
    sign, magnitude_a, magnitude_b, zero, nan, inf, *controls = pipeline.cut(
        sign, a.magnitude, b.magnitude, zero, nan, inf, *controls)
    # r + (bias << M) = ma + mb + o: its low M bits are the mantissa and the rest is
    # floor(r / 2^M) + bias (floor toward minus infinity for free), so one adder
    # gives both.  The implicit one is constant: a zero product never reaches the
    # accumulator (the zero flag gates it).
    offset = lmul_offset_bits(mantissa_bits)
    total = Signal(fmt.magnitude_bits + 1, name="lmul_sum")
    m.d.comb += total.eq(magnitude_a + magnitude_b + offset)
    significand = Signal(mantissa_bits + 1, name="product_significand")
    m.d.comb += significand.eq(Cat(total[:mantissa_bits], C(1, 1)))
    rebias = acc_format.bias - 2 * fmt.bias
    exponent_low = rebias
    exponent_high = ((2 * fmt.magnitude_mask + offset) >> mantissa_bits) + rebias
    exponent = Signal(range(exponent_low, exponent_high + 1), name="product_exponent")
    m.d.comb += exponent.eq(total[mantissa_bits:] + rebias)
    product = Product(sign=sign, significand=significand, exponent=exponent, zero=zero,
                      nan=nan, inf=inf, exponent_low=exponent_low,
                      exponent_high=exponent_high, point=mantissa_bits)
    return product, tuple(controls)
