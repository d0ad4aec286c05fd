"""Golden model of the floating-point multiply-accumulate unit (docs/units.md section 6).

On every enabled cycle ``acc <- RNE_acc((clear ? +0 : acc) + p)``, rounded once (fused),
where ``p`` is the exact, unrounded product of the operands: ``a * b`` (``mul="exact"``,
:func:`fmul_product`) or the unclamped L-Mul product (``mul="lmul"``,
:func:`lmul_product`).

Two ways to add, as docs/units.md section 6 asks:

- ``acc_format`` fp32: ``float32(acc) + float32(p)`` with numpy.  Every product of an
  allowed ``in_format`` (E <= 5, M <= 3) has at most 8 significant bits and a power of
  two far inside the fp32 normal range, so ``float32(p)`` is exact and the one IEEE
  float32 addition is the one rounding (the tests check the exactness claim on every
  operand pair of every allowed ``in_format``).
- ``acc_format`` bf16 / fp16: exact int64 arithmetic on (sign, significand, exponent)
  triples, one :meth:`FloatFormat.round_exact`.  A far smaller addend is replaced by a
  sticky bit; :func:`_exact_sum` explains why that cannot change the rounded result.

:func:`fp_mac_step` is one enabled cycle over arrays; :func:`fp_mac` runs a whole cycle
sequence through :func:`verif.golden.sequence.run_accumulator`.
"""

import numpy as np

from macforge.formats import NAMED_FORMATS, FloatFormat

from .fmul import fmul_product
from .lmul import lmul_product
from .operands import ExactProduct, check_flags, check_operands, check_patterns
from .sequence import run_accumulator

__all__ = ["fp_mac", "fp_mac_step", "FP_MAC_ACC_FORMATS", "FP_MAC_MUL_KINDS",
           "FP_MAC_MAX_IN_EXPONENT_BITS", "FP_MAC_MAX_IN_MANTISSA_BITS"]

# docs/units.md section 6: the accumulator formats and multiplier kinds a unit may have.
FP_MAC_ACC_FORMATS = ("fp32", "bf16", "fp16")
FP_MAC_MUL_KINDS = ("exact", "lmul")
# docs/units.md section 6: in_format is any section 2 format with E <= 5 and M <= 3.
FP_MAC_MAX_IN_EXPONENT_BITS = 5
FP_MAC_MAX_IN_MANTISSA_BITS = 3

_PRODUCTS = {"exact": fmul_product, "lmul": lmul_product}
_FP32 = NAMED_FORMATS["fp32"]
# Products of two (M+1)-bit significands (the L-Mul one has M+1 bits) stay below 2^8.
_PRODUCT_SIGNIFICAND_BITS = 2 * (FP_MAC_MAX_IN_MANTISSA_BITS + 1)


# -- parameter validation ---------------------------------------------------------------

def _check_in_format(in_format):
    if not isinstance(in_format, (str, FloatFormat)):
        raise TypeError(f"in_format must be a FloatFormat or a format name such as 'e4m3', "
                        f"not {in_format!r}")
    fmt = FloatFormat.parse(in_format, parameter="in_format")
    if (fmt.exponent_bits > FP_MAC_MAX_IN_EXPONENT_BITS
            or fmt.mantissa_bits > FP_MAC_MAX_IN_MANTISSA_BITS):
        raise ValueError(
            f"in_format {in_format!r} ({fmt}, E={fmt.exponent_bits}, M={fmt.mantissa_bits}) "
            f"is not allowed: fp_mac takes e4m3, e5m2 or any format with "
            f"E <= {FP_MAC_MAX_IN_EXPONENT_BITS} and M <= {FP_MAC_MAX_IN_MANTISSA_BITS} "
            f"(e.g. e3m2, e2m1, e5m3fn)")
    return fmt


def _check_acc_format(acc_format):
    if not isinstance(acc_format, (str, FloatFormat)):
        raise TypeError(f"acc_format must be a FloatFormat or one of the names "
                        f"{', '.join(FP_MAC_ACC_FORMATS)}, not {acc_format!r}")
    fmt = FloatFormat.parse(acc_format, parameter="acc_format")
    if fmt not in [NAMED_FORMATS[name] for name in FP_MAC_ACC_FORMATS]:
        raise ValueError(f"acc_format must be one of {', '.join(FP_MAC_ACC_FORMATS)}, "
                         f"not {acc_format!r}")
    return fmt


def _check_mul(mul):
    if not isinstance(mul, str):
        raise TypeError(f"mul must be one of {', '.join(map(repr, FP_MAC_MUL_KINDS))}, "
                        f"not {mul!r}")
    if mul not in FP_MAC_MUL_KINDS:
        raise ValueError(f"mul must be one of {', '.join(map(repr, FP_MAC_MUL_KINDS))}, "
                         f"not {mul!r}")
    return mul


def _check_parameters(in_format, acc_format, mul):
    return _check_in_format(in_format), _check_acc_format(acc_format), _check_mul(mul)


# -- the addition ---------------------------------------------------------------------

def _accumulate(acc, clear, product, acc_format):
    """``RNE_acc((clear ? +0 : acc) + p)`` with the IEEE special cases, vectorized.

    ``acc`` holds valid acc_format patterns, ``clear`` bools, ``product`` an
    :class:`ExactProduct`; all broadcast to one shape.
    """
    acc = np.where(clear, 0, acc)
    if acc_format == _FP32:
        return _accumulate_fp32(acc, product)
    return _accumulate_exact(acc, product, acc_format)


def _accumulate_fp32(acc, product):
    """docs/units.md section 6's fp32 model: ``float32(acc) + float32(p)``, NaN canonicalized."""
    acc_value = acc.astype(np.uint32).view(np.float32)
    # float64 holds significand * 2^exponent exactly; the cast to float32 is exact for
    # every allowed in_format (tested), so no rounding happens before the addition.
    magnitude = np.ldexp(product.significand.astype(np.float64),
                         product.exponent.astype(np.int32))
    magnitude = np.where(product.inf, np.inf, magnitude)
    magnitude = np.where(product.nan, np.nan, magnitude).astype(np.float32)
    product_value = np.where(product.sign == 1, -magnitude, magnitude)
    # IEEE float32 addition: one correctly rounded result, inf - inf = NaN, overflow to
    # inf, +0 for an exact cancellation, -0 only for -0 + -0, gradual underflow.
    with np.errstate(over="ignore", invalid="ignore"):
        total = (acc_value + product_value).astype(np.float32)
    bits = total.view(np.uint32).astype(np.int64)
    return _FP32.canonicalize_nan(bits)


def _exact_sum(acc_format, acc_sign, acc_significand, acc_exponent,
               product_sign, product_significand, product_exponent, product_bits):
    """(-1)^sa * Sa * 2^ea + (-1)^sp * Sp * 2^ep rounded once to acc_format (finite inputs).

    ``product_bits`` bounds the width of Sp.  Returns int64 bit patterns; an exact zero is
    +0 unless both addends are -0.

    Why the sticky bit is exact
    ---------------------------
    Let X be the addend with the larger exponent ex (Sx >= 1: a zero addend takes the
    other's exponent first, so a clamp never happens behind a zero; two zeros stay zero)
    and Y the other, with gap d = ex - ey > D and 0 < Sy < 2^w.  ex >= qmin, the acc format's subnormal quantum
    exponent, because one addend is the accumulator, whose exponent is >= qmin.
    |X| >= 2^ex and |Y| < 2^(ey + w), so the sum's magnitude stays above 2^(ex - 1)
    once D >= w + 1.  At magnitudes >= 2^(ex-1) every representable value, every midpoint
    and the overflow threshold (max finite + half an ulp, a midpoint) is a multiple of
    2^(q-1) with q = max(ex - 1 - M, qmin) <= ex; X is a multiple of 2^ex, so X lies on that
    grid and the open intervals (|X| - 2^(q-1), |X|) and (|X|, |X| + 2^(q-1)), which stay
    above 2^(ex-1), hold no rounding decision point.  With D >= w + M + 2 both |Y| and the
    replacement 2^(ex - D) (same sign) are below 2^(ex-2-M) <= 2^(q-1), so X + Y and
    X + sign(Y) * 2^(ex-D) fall into the same interval and round (or overflow) alike; the sum
    is never zero, so the signed-zero rule is not involved either.  With the clamp every
    shift is at most D, so every integer stays below 2^(w + D + 1) < 2^62.
    """
    mantissa_bits = acc_format.mantissa_bits
    width = max(mantissa_bits + 1, product_bits)
    max_gap = width + mantissa_bits + 2
    if width + max_gap + 1 >= 62:
        raise ValueError(f"acc_format {acc_format} is too wide for the int64 exact sum")
    acc_zero = acc_significand == 0
    product_zero = product_significand == 0
    acc_exponent, product_exponent = (np.where(acc_zero, product_exponent, acc_exponent),
                                      np.where(product_zero, acc_exponent, product_exponent))
    high = np.maximum(acc_exponent, product_exponent)
    acc_gap = high - acc_exponent
    product_gap = high - product_exponent
    # The far addend becomes a sticky one at exponent high - max_gap (see above).
    acc_significand = np.where(acc_gap > max_gap, np.minimum(acc_significand, 1),
                               acc_significand)
    product_significand = np.where(product_gap > max_gap, np.minimum(product_significand, 1),
                                   product_significand)
    acc_gap = np.minimum(acc_gap, max_gap)
    product_gap = np.minimum(product_gap, max_gap)
    low_gap = np.maximum(acc_gap, product_gap)
    acc_term = acc_significand << (low_gap - acc_gap)
    product_term = product_significand << (low_gap - product_gap)
    total = (np.where(acc_sign == 1, -acc_term, acc_term)
             + np.where(product_sign == 1, -product_term, product_term))
    # Exactly zero: +0, except -0 + -0 (opposite-signed nonzero addends have sign bits
    # that differ, so the AND is 0 for them).
    sign = np.where(total == 0, acc_sign & product_sign, (total < 0).astype(np.int64))
    return acc_format.round_exact(sign, np.abs(total), high - low_gap)


def _accumulate_exact(acc, product, acc_format):
    """bf16 / fp16: exact integer sum, one rounding, IEEE special cases."""
    acc_sign = acc_format.sign(acc)
    acc_nan = acc_format.is_nan(acc)
    acc_inf = acc_format.is_inf(acc)
    result = _exact_sum(acc_format, acc_sign, acc_format.significand(acc),
                        acc_format.scale_exponent(acc), product.sign, product.significand,
                        product.exponent, _PRODUCT_SIGNIFICAND_BITS)
    nan = acc_nan | product.nan | (acc_inf & product.inf & (acc_sign != product.sign))
    inf = acc_inf | product.inf
    inf_sign = np.where(acc_inf, acc_sign, product.sign)
    result = np.where(inf, (inf_sign << acc_format.sign_bit) | acc_format.inf, result)
    return np.where(nan, acc_format.canonical_nan, result).astype(np.int64)


# -- public API -----------------------------------------------------------------------

def fp_mac_step(acc, clear, a, b, *, in_format, acc_format, mul):
    """The accumulator after one enabled cycle: ``RNE_acc((clear ? +0 : acc) + a * b)``.

    Parameters
    ----------
    acc : array-like of int
        Accumulator bit patterns of ``acc_format``.
    clear : array-like of bool or 0/1
        Start from +0 instead of ``acc``.
    a, b : array-like of int
        Operand bit patterns of ``in_format``.
    in_format : FloatFormat or str
        e4m3, e5m2 or any docs/units.md section 2 format with E <= 5 and M <= 3.
    acc_format : FloatFormat or str
        ``"fp32"``, ``"bf16"`` or ``"fp16"``.
    mul : str
        ``"exact"`` (p = a * b exactly, subnormal operands honoured) or ``"lmul"`` (p is the
        L-Mul product before any clamp, +-0 where an operand has exponent field 0).

    Returns
    -------
    numpy.ndarray of int64 acc_format bit patterns, the broadcast shape of the inputs.
    The sum is rounded once (fused), nearest-even with gradual underflow; NaN anywhere,
    inf * 0 and inf - inf give the canonical NaN; an overflowing sum gives +-inf; an exact
    zero is +0 unless both addends are -0.
    """
    in_format, acc_format, mul = _check_parameters(in_format, acc_format, mul)
    acc = check_patterns(acc_format, "acc", acc)
    clear = check_flags("clear", clear)
    _, a, b = check_operands(in_format, a, b)
    try:
        acc, clear, a, b = np.broadcast_arrays(acc, clear, a, b)
    except ValueError:
        raise ValueError(f"acc, clear, a and b must broadcast to one shape, not {acc.shape}, "
                         f"{clear.shape}, {a.shape} and {b.shape}") from None
    product = _PRODUCTS[mul](in_format, a, b)
    return _accumulate(acc, clear, product, acc_format)


def fp_mac(a, b, en, clear, *, in_format="e4m3", acc_format="fp32", mul="exact"):
    """The fp_mac accumulator after every cycle of a sequence (docs/units.md section 6).

    Cycle t with ``en[t] = 1`` sets ``acc <- RNE_acc((clear[t] ? +0 : acc) + a[t] * b[t])``
    (see :func:`fp_mac_step`); ``en[t] = 0`` holds acc, whatever ``clear[t]`` is.  The
    value before the first cycle (reset) is +0.

    Parameters
    ----------
    a, b : array-like of int
        One in_format bit pattern per cycle.
    en, clear : array-like of bool or 0/1
        One control value per cycle.
    in_format, acc_format, mul
        As for :func:`fp_mac_step`; defaults e4m3, fp32, exact.

    Returns
    -------
    numpy.ndarray of int64: element t is the acc_format pattern of acc after cycle t.
    """
    in_format, acc_format, mul = _check_parameters(in_format, acc_format, mul)
    en = check_flags("en", en).ravel()
    clear = check_flags("clear", clear).ravel()
    a = check_patterns(in_format, "a", a).ravel()
    b = check_patterns(in_format, "b", b).ravel()
    if not en.size == clear.size == a.size == b.size:
        raise ValueError(f"a, b, en and clear must have one entry per cycle, not "
                         f"{a.size}, {b.size}, {en.size} and {clear.size} entries")
    # The products do not depend on acc: compute them for all cycles at once and let the
    # sequential part only add.
    product = _PRODUCTS[mul](in_format, a, b)

    def step(acc, clear, sign, significand, exponent, nan, inf):
        return _accumulate(acc, clear, ExactProduct(sign, significand, exponent,
                                                    nan.astype(bool), inf.astype(bool)),
                           acc_format)

    return run_accumulator(step, en, clear, tuple(product), initial=0)
