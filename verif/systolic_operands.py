"""Operand bit patterns for a systolic array's PEs: typical values, special values and
extremes, for integer and floating-point PEs alike.

Typical floating-point operands are mostly moderate finite values, so that long sums stay
finite and their rounding is what gets compared; special values (NaN, infinities where
the format has them, zeros of both signs, subnormals, max finite) come in their own
share and in constant tiles (:meth:`Operands.extremes`) that reach overflow, cancellation
and NaN on purpose.
"""

import numpy as np

__all__ = ["Operands"]

_SPECIAL_SHARE = 0.4
_MODERATE = (2.0 ** -4, 8.0)  # magnitudes whose sums of 64 stay well inside fp16


class Operands:
    """The ``a`` (A, X) and ``b`` (B, W) operands of one array's PEs.

    Parameters
    ----------
    params : dict
        The array's resolved parameters (``pe_params`` with FloatFormat values).
    """

    def __init__(self, params):
        pe_params = params["pe_params"]
        self.format = pe_params.get("in_format")
        if self.format is not None:
            patterns = self.format.all_patterns()
            values = self.format.decode(patterns)
            magnitudes = np.abs(values)
            self._finite = patterns[np.isfinite(values)]
            self._moderate = patterns[(magnitudes >= _MODERATE[0]) & (magnitudes <= _MODERATE[1])]
            self._special = self.format.special_patterns()
            self.widths = (self.format.width, self.format.width)
        else:
            self.widths = (pe_params["a_width"], pe_params["b_width"])
            self._signed = pe_params["signed"]

    def _int_extremes(self, width):
        """(most negative or 0, most positive) as bit patterns, and -1 (or 1)."""
        if self._signed:
            return 1 << (width - 1), (1 << (width - 1)) - 1, (1 << width) - 1
        return 0, (1 << width) - 1, 1

    def random(self, rng, shape, operand):
        """Typical operands: uniform integers; moderate or any finite floats.  No NaN or
        infinity: one in a sum of 64 products would leave little else to compare."""
        if self.format is None:
            return rng.integers(0, 1 << self.widths[operand], shape, dtype=np.int64)
        return np.where(rng.random(shape) < 0.6, rng.choice(self._moderate, shape),
                        rng.choice(self._finite, shape))

    def special(self, rng, shape, operand):
        """Special values in :data:`_SPECIAL_SHARE` of the elements (integer extremes for
        integer PEs), typical ones elsewhere."""
        if self.format is None:
            pool = np.array(self._int_extremes(self.widths[operand]) + (0, 1), dtype=np.int64)
        else:
            pool = self._special
        return np.where(rng.random(shape) < _SPECIAL_SHARE, rng.choice(pool, shape),
                        self.random(rng, shape, operand))

    def extremes(self):
        """Constant work that drives the accumulators to their edges: (name, a cycle, b
        cycle), each cycle repeated along the summed dimension (k for os, r for ws)."""
        if self.format is None:
            a_low, a_high, a_unit = self._int_extremes(self.widths[0])
            b_low, b_high, _ = self._int_extremes(self.widths[1])
            if not self._signed:
                return [("largest everywhere", (a_high,), (b_high,)),
                        ("zeros and largest", (a_low, a_high), (b_high,)),
                        ("mixed extremes", (a_high, a_unit, a_low), (b_high, b_low))]
            return [("most negative everywhere", (a_low,), (b_low,)),
                    ("most negative times most positive", (a_low,), (b_high,)),
                    ("largest positive", (a_high,), (b_high,)),
                    ("mixed extremes", (a_low, a_high, a_unit), (b_low, b_high))]
        fmt = self.format
        sign = 1 << fmt.sign_bit
        one = int(fmt.encode(1.0))
        top, sub_max = fmt.max_finite, fmt.max_subnormal
        cases = [("max finite", (top,), (top,)),
                 ("max finite, alternating signs", (top, top | sign), (top,)),
                 ("negative zero", (sign,), (one, sign)),
                 ("subnormals", (1, sub_max, sign | 1), (sub_max, one)),
                 ("NaN", (fmt.canonical_nan, one), (one,))]
        if fmt.has_inf:
            cases += [("infinities of both signs", (fmt.inf, fmt.inf | sign), (one,)),
                      ("infinity times zero", (fmt.inf,), (0, one))]
        return cases


def cycled(values, count):
    """``values`` repeated to ``count`` elements."""
    return np.resize(np.asarray(values, dtype=np.int64), count)
