"""What an fp_mac accumulator can reach: subnormal results, overflow (docs/units.md
section 6).

Pure arithmetic on the formats: :class:`~macforge.hdl.fp_mac.FPMAC` builds the
hardware for gradual underflow and for overflow only where :func:`accumulator_reach`
says a sum can get there, and ``verif/tests/test_fp_mac_reach.py`` checks the proof's
steps against the golden model.
"""

from fractions import Fraction

from .products import product_bounds

__all__ = ["accumulator_reach"]


def accumulator_reach(in_format, acc_format, mul):
    """Whether an accumulator fed only by fp_mac can ever go subnormal or overflow.

    Returns ``(subnormal, overflow)``: can a result be subnormal, and can a sum of finite
    addends overflow to infinity.  Where either is impossible, FPMAC leaves out the
    hardware for it; the unit's behaviour on every input sequence is unchanged.

    Subnormal: every product is a multiple of 2^q (:func:`product_bounds`), so by
    induction every accumulator value is one too: an exact sum is, rounding to a quantum
    of 2^q or more keeps it, and a finer quantum means no rounding happens.  A nonzero
    value is then at least 2^q, so with 2^q at or above the smallest normal no result is
    subnormal (fp32 and bf16 for every allowed ``in_format``).

    Overflow: with every |p| <= P and k the smallest integer for which half an ulp of the
    binade [2^k, 2^(k+1)) exceeds P, |acc| <= 2^k by induction: from 2^k an addend below
    half an ulp rounds back to 2^k, and from below 2^k a sum under 2^k + half an ulp
    rounds to at most 2^k.  If 2^k and P are finite, no sum overflows (fp32: |acc| <=
    2^58 for every allowed ``in_format``; bf16: 2^42; every product is a multiple of
    2^-34 or coarser, far above their smallest normal 2^-126).

    Parameters
    ----------
    in_format, acc_format : FloatFormat
        Formats of the operands and of the accumulator.
    mul : str
        ``"exact"`` or ``"lmul"``: which product feeds the accumulator.
    """
    quantum, largest = product_bounds(in_format, mul)
    subnormal = quantum < 1 - acc_format.bias
    k = 0
    while Fraction(2) ** (k - acc_format.mantissa_bits - 1) <= largest:
        k += 1
    max_finite = acc_format.exact_value(acc_format.max_finite)
    overflow = not (Fraction(2) ** k <= max_finite and largest <= max_finite)
    return subnormal, overflow
