"""Products of two operands of one format, as pure arithmetic (no hardware here).

The L-Mul offset is part of the L-Mul product's definition, which the multiplier, the
MAC's multiply side and the accumulator reach analysis all share; the bounds say what
every finite product of an exact or an L-Mul multiply is a multiple of, and how large
it can get.
"""

from fractions import Fraction

__all__ = ["PRODUCT_KINDS", "lmul_offset_bits", "product_bounds"]

PRODUCT_KINDS = ("exact", "lmul")


def lmul_offset_bits(mantissa_bits):
    """Offset term of L-Mul, in mantissa LSBs: o = 2^(M - l(M)) (docs/units.md section 3).

    Luo & Sun, "Addition is All You Need for Energy-efficient Language Models" (2024):
    l(M) = M for M <= 3, 3 for M = 4, 4 for M > 4; the offset 2^-l(M) stands in for the
    dropped x_m * y_m term.
    """
    if mantissa_bits <= 3:
        offset_exponent = mantissa_bits
    elif mantissa_bits == 4:
        offset_exponent = 3
    else:
        offset_exponent = 4
    return 1 << (mantissa_bits - offset_exponent)


def product_bounds(fmt, mul):
    """``(q, largest)``: every finite product of two ``fmt`` operands is a multiple of
    2^q and at most ``largest`` (a Fraction) in magnitude.

    ``mul`` is ``"exact"`` (``a * b``, subnormal operands honoured) or ``"lmul"`` (the
    L-Mul product of docs/units.md section 3 before any clamp).
    """
    if mul not in PRODUCT_KINDS:
        raise ValueError(f"mul must be one of {', '.join(PRODUCT_KINDS)}, not {mul!r}")
    mantissa_bits = fmt.mantissa_bits
    if mul == "exact":
        # The smallest subnormals' LSBs multiply; the largest finite values square.
        return 2 * (1 - fmt.bias - mantissa_bits), fmt.exact_value(fmt.max_finite) ** 2
    # L-Mul flushes exponent-field-0 operands, so both are normal:
    # r = ma + mb - (bias << M) + o is smallest for two smallest normals and largest for
    # two largest finite patterns, and r is read as a magnitude pattern of fmt (with an
    # exponent field that may run past the format's range).
    offset = lmul_offset_bits(mantissa_bits)
    r_low = 2 * fmt.min_normal - (fmt.bias << mantissa_bits) + offset
    r_high = 2 * fmt.max_finite - (fmt.bias << mantissa_bits) + offset
    quantum = (r_low >> mantissa_bits) - fmt.bias - mantissa_bits
    largest = (Fraction((r_high & fmt.mantissa_mask) | (1 << mantissa_bits))
               * Fraction(2) ** ((r_high >> mantissa_bits) - fmt.bias - mantissa_bits))
    return quantum, largest
