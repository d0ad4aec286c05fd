"""Golden model of the L-Mul multiplier (docs/units.md section 3).

L-Mul (Luo & Sun, "Addition is All You Need for Energy-efficient Language Models", 2024)
replaces the significand product by an addition of the two bit patterns plus a constant
offset, so nothing is ever rounded.  :func:`lmul_product` is the unclamped L-Mul
product the fp_mac golden model needs (docs/units.md section 6, ``mul = "lmul"``).
"""

from typing import NamedTuple

import numpy as np

from .operands import ExactProduct, check_operands, check_saturate

__all__ = ["lmul", "lmul_product", "lmul_offset_exponent", "lmul_offset"]


def lmul_offset_exponent(mantissa_bits):
    """The paper's l(M): L-Mul adds 2^-l(M) in place of the dropped x_m * y_m term.

    Luo & Sun, "Addition is All You Need for Energy-efficient Language Models" (2024),
    equation for L-Mul: l(m) = m if m <= 3, 3 if m = 4, 4 if m > 4 (docs/units.md section 3).
    """
    if mantissa_bits <= 3:
        return mantissa_bits
    if mantissa_bits == 4:
        return 3
    return 4


def lmul_offset(mantissa_bits):
    """The offset o = 2^(M - l(M)): the term 2^-l(M) counted in mantissa LSBs."""
    return 1 << (mantissa_bits - lmul_offset_exponent(mantissa_bits))


class _LMulSum(NamedTuple):
    """Steps 1-4 of docs/units.md section 3; ``r`` is only meaningful where no flag is set."""

    sign: np.ndarray
    r: np.ndarray
    nan: np.ndarray     # step 1, and step 2's inf x (zero or subnormal)
    inf: np.ndarray     # step 2
    zero: np.ndarray    # step 3: an operand with exponent field 0 flushes the product


def _lmul_sum(fmt, a, b):
    """Steps 1-4 of docs/units.md section 3, the part lmul() and lmul_product() share."""
    sign = fmt.sign(a) ^ fmt.sign(b)
    a_exponent_zero = fmt.is_exponent_zero(a)
    b_exponent_zero = fmt.is_exponent_zero(b)
    a_inf, b_inf = fmt.is_inf(a), fmt.is_inf(b)
    nan = (fmt.is_nan(a) | fmt.is_nan(b)
           | (a_inf & b_exponent_zero) | (b_inf & a_exponent_zero))
    inf = ~nan & (a_inf | b_inf)
    zero = ~nan & ~inf & (a_exponent_zero | b_exponent_zero)
    r = (fmt.magnitude(a) + fmt.magnitude(b) - (fmt.bias << fmt.mantissa_bits)
         + lmul_offset(fmt.mantissa_bits))
    return _LMulSum(sign, r, nan, inf, zero)


def lmul(fmt, a, b, *, saturate=True):
    """L-Mul of bit patterns ``a`` and ``b`` in ``fmt``, exactly docs/units.md section 3.

    Parameters
    ----------
    fmt : FloatFormat or str
        The format of both operands and of the result.
    a, b : array-like of int
        Bit patterns (unsigned, ``fmt.width`` bits); broadcast against each other.
    saturate : bool
        Step 6: an overflowing result becomes the largest finite magnitude with the
        product's sign (True, the default), or infinity (kind ieee) / the canonical
        NaN (kind fn).

    Returns
    -------
    numpy.ndarray of int64 bit patterns.
    """
    fmt, a, b = check_operands(fmt, a, b)
    saturate = check_saturate(saturate)
    step = _lmul_sum(fmt, a, b)
    signed_zero = step.sign << fmt.sign_bit
    if saturate:
        overflow_result = signed_zero | fmt.max_finite
    elif fmt.has_inf:
        overflow_result = signed_zero | fmt.inf
    else:
        overflow_result = np.full_like(signed_zero, fmt.canonical_nan)
    # np.select takes the first true condition, which is the order of steps in docs/units.md.
    conditions = [step.nan,
                  step.inf,
                  step.zero,
                  step.r < (1 << fmt.mantissa_bits),
                  step.r > fmt.max_finite]
    choices = [np.full_like(signed_zero, fmt.canonical_nan),
               signed_zero | (fmt.inf if fmt.has_inf else 0),
               signed_zero,
               signed_zero,
               overflow_result]
    return np.select(conditions, choices, default=signed_zero | step.r).astype(np.int64)


def lmul_product(fmt, a, b):
    """The L-Mul product before any clamp (docs/units.md section 6, ``mul = "lmul"``).

    With r from docs/units.md section 3 step 4, p = (-1)^s * (2^M + (r mod 2^M)) *
    2^(floor(r / 2^M) - bias - M): neither the underflow of step 5 nor the overflow of
    step 6 applies.  p = +-0 where an operand has exponent field 0; steps 1-2 give the
    ``nan`` and ``inf`` flags.

    Parameters
    ----------
    fmt : FloatFormat or str
    a, b : array-like of int
        Bit patterns of ``fmt``, broadcast against each other.

    Returns
    -------
    ExactProduct
        ``(sign, significand, exponent, nan, inf)``: int64 arrays of 0/1, of integers
        below 2^(M+1) and of integers, then two bool arrays.
    """
    fmt, a, b = check_operands(fmt, a, b)
    step = _lmul_sum(fmt, a, b)
    finite_nonzero = ~(step.nan | step.inf | step.zero)
    # An arithmetic right shift floors toward minus infinity, as docs/units.md asks for
    # a negative r.
    significand = (step.r & fmt.mantissa_mask) | (1 << fmt.mantissa_bits)
    exponent = (step.r >> fmt.mantissa_bits) - fmt.bias - fmt.mantissa_bits
    return ExactProduct(sign=np.where(step.nan, 0, step.sign).astype(np.int64),
                        significand=np.where(finite_nonzero, significand, 0).astype(np.int64),
                        exponent=np.where(finite_nonzero, exponent, 0).astype(np.int64),
                        nan=step.nan,
                        inf=step.inf)
