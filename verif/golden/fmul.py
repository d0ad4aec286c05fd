"""Golden model of the exact floating-point multiplier (docs/units.md section 4).

The product of two significands of at most 24 bits fits an int64 exactly, so the model
multiplies integers and rounds once with :meth:`FloatFormat.round_exact` (nearest-even,
gradual underflow).  :func:`fmul_product` exposes the unrounded product for the future
fp_mac golden model (docs/units.md section 6, ``mul = "exact"``).
"""

import numpy as np

from .operands import ExactProduct, check_operands, check_saturate

__all__ = ["fmul", "fmul_product"]


def fmul_product(fmt, a, b):
    """The exact product a * b of bit patterns of ``fmt``, unrounded.

    Subnormal operands are honoured.  ``nan`` is set where an operand is NaN or (kind
    ieee) infinity meets a zero; ``inf`` where infinity meets anything else nonzero.

    Parameters
    ----------
    fmt : FloatFormat or str
    a, b : array-like of int
        Bit patterns of ``fmt``, broadcast against each other.

    Returns
    -------
    ExactProduct
        ``(sign, significand, exponent, nan, inf)``: the product is
        (-1)^sign * significand * 2^exponent wherever neither flag is set.
    """
    fmt, a, b = check_operands(fmt, a, b)
    sign = fmt.sign(a) ^ fmt.sign(b)
    a_inf, b_inf = fmt.is_inf(a), fmt.is_inf(b)
    nan = (fmt.is_nan(a) | fmt.is_nan(b)
           | (a_inf & fmt.is_zero(b)) | (b_inf & fmt.is_zero(a)))
    inf = ~nan & (a_inf | b_inf)
    finite = ~(nan | inf)
    significand = fmt.significand(a) * fmt.significand(b)
    exponent = fmt.scale_exponent(a) + fmt.scale_exponent(b)
    return ExactProduct(sign=np.where(nan, 0, sign).astype(np.int64),
                        significand=np.where(finite, significand, 0).astype(np.int64),
                        exponent=np.where(finite, exponent, 0).astype(np.int64),
                        nan=nan,
                        inf=inf)


def fmul(fmt, a, b, *, saturate=False):
    """Round-to-nearest-even product of bit patterns ``a`` and ``b`` (docs/units.md section 4).

    Parameters
    ----------
    fmt : FloatFormat or str
        The format of both operands and of the result.
    a, b : array-like of int
        Bit patterns (unsigned, ``fmt.width`` bits); broadcast against each other.
    saturate : bool
        An overflowing rounded magnitude becomes the largest finite magnitude with the
        product's sign (True), or infinity (kind ieee) / the canonical NaN (kind fn,
        the ml_dtypes behaviour) (False, the default).

    Returns
    -------
    numpy.ndarray of int64 bit patterns.  A zero result keeps the product's sign.
    """
    saturate = check_saturate(saturate)
    fmt, a, b = check_operands(fmt, a, b)
    product = fmul_product(fmt, a, b)
    result = fmt.round_exact(product.sign, product.significand, product.exponent,
                             saturate=saturate)
    if fmt.has_inf:
        result = np.where(product.inf, (product.sign << fmt.sign_bit) | fmt.inf, result)
    return np.where(product.nan, fmt.canonical_nan, result).astype(np.int64)
