"""The claims FPMAC's area rests on, checked against the golden model.

``formats.reach.accumulator_reach`` decides per configuration whether an accumulator can go
subnormal or overflow; where it says no, the hardware for it is left out.  The benches
cannot reach those cases from the ports (an fp32 accumulator would need ~2^40 additions
to stall), so this checks the two induction steps of its proof with the golden model
instead of the hardware's own reasoning:

- overflow: the largest product magnitude P (over every operand pair) added to the
  stall value S = 2^k, the smallest power of two whose half ulp exceeds P, rounds back
  to S, and S is finite: no sum of these products can ever pass S.
- subnormal: every product is a multiple of one power of two (its "grain"), so every sum
  and every rounding of one is too; with the grain at or above the accumulator's
  smallest normal, no nonzero result is subnormal.
"""

from fractions import Fraction

import numpy as np
import pytest

from macforge.formats import NAMED_FORMATS, FloatFormat
from macforge.formats.reach import accumulator_reach
from macforge.verif.golden.fp_mac import fp_mac_step
from macforge.verif.vectors import exhaustive_pairs

IN_FORMATS = ["e4m3", "e5m2", "e5m3", "e2m1", "e3m2", "e4m3ieee", "e5m1fn", "e2m3fn"]


def _products(in_format, mul):
    """Every finite nonzero product magnitude, exact in float64 (fp32 accumulator of +0)."""
    fmt = FloatFormat.parse(in_format)
    a, b = exhaustive_pairs(fmt)
    fp32 = NAMED_FORMATS["fp32"]
    products = fp32.decode(fp_mac_step(0, True, a, b, in_format=fmt, acc_format="fp32",
                                       mul=mul))
    magnitudes = np.abs(products[np.isfinite(products)])
    return magnitudes[magnitudes > 0]


@pytest.mark.parametrize("mul", ["exact", "lmul"])
@pytest.mark.parametrize("acc_format", ["fp32", "bf16"])
@pytest.mark.parametrize("in_format", IN_FORMATS)
def test_accumulators_built_without_overflow_logic_stall_below_max(in_format, acc_format, mul):
    fmt, acc = FloatFormat.parse(in_format), NAMED_FORMATS[acc_format]
    _, overflow = accumulator_reach(fmt, acc, mul)
    assert not overflow
    largest = _products(in_format, mul).max()
    k = 0
    while 2.0 ** (k - acc.mantissa_bits - 1) <= largest:
        k += 1
    stall = int(acc.encode(2.0 ** k))
    assert np.isfinite(acc.decode(stall))
    a, b = exhaustive_pairs(fmt)
    after = fp_mac_step(stall, False, a, b, in_format=fmt, acc_format=acc, mul=mul)
    values = acc.decode(after)
    finite = np.isfinite(values)
    assert finite.any()
    assert np.abs(values[finite]).max() == 2.0 ** k


@pytest.mark.parametrize("mul", ["exact", "lmul"])
@pytest.mark.parametrize("acc_format", ["fp32", "bf16", "fp16"])
@pytest.mark.parametrize("in_format", IN_FORMATS)
def test_accumulators_built_without_subnormal_logic_get_normal_quanta(in_format, acc_format,
                                                                      mul):
    acc = NAMED_FORMATS[acc_format]
    subnormal, _ = accumulator_reach(FloatFormat.parse(in_format), acc, mul)
    products = _products(in_format, mul)
    # The weight of the lowest set bit over all products: every product, so every sum
    # of them, is a multiple of it.
    grain = min(_lowest_bit_weight(value) for value in np.unique(products))
    min_normal = Fraction(float(acc.decode(acc.min_normal)))
    if not subnormal:
        assert grain >= min_normal
    else:
        # Then the claim is that a sum can be subnormal: the grain is below normal.
        assert grain < min_normal


def _lowest_bit_weight(value):
    fraction = Fraction(float(value))
    numerator = fraction.numerator
    return Fraction(numerator & -numerator, fraction.denominator)
