"""A float operand seen through its format: fields and special-value predicates.

:class:`FloatLayout` is the :class:`~amaranth.lib.data.StructLayout` of a
:class:`~macforge.formats.FloatFormat` (``mantissa``, ``exponent``, ``sign`` from the
LSB up); a value seen through it is a :class:`FloatView`, whose predicates are the one
place the hardware decodes NaN, infinity and zero, kind ``fn`` and ``ieee`` alike.
:func:`classify_product` says what two operands alone decide about their product.
"""

from typing import NamedTuple

from amaranth.hdl import C, Value
from amaranth.lib import data

__all__ = ["FloatLayout", "FloatView", "ProductClass", "classify_product"]


class FloatLayout(data.StructLayout):
    """Bit fields of ``format``: ``mantissa`` (LSBs), ``exponent``, ``sign`` (MSB).

    ``FloatLayout(fmt)(value)`` views a ``fmt.width``-bit value, and
    ``Signal(FloatLayout(fmt))`` is a view of a new signal; both are :class:`FloatView`.
    Two layouts are equal when their formats are: e4m3 and e4m3ieee share field widths
    but not their meaning.

    Parameters
    ----------
    format : FloatFormat
    """

    def __init__(self, format):
        self._format = format
        super().__init__({"mantissa": format.mantissa_bits,
                          "exponent": format.exponent_bits,
                          "sign": 1})

    @property
    def float_format(self):
        # Not ``format``: Layout.format() renders values for simulator traces.
        return self._format

    def __call__(self, target):
        return FloatView(self, target)

    def __eq__(self, other):
        return isinstance(other, FloatLayout) and self._format == other._format

    def __hash__(self):
        return hash((FloatLayout, self._format))

    def __repr__(self):
        return f"FloatLayout({self._format.name})"


class FloatView(data.View):
    """A bit pattern of a :class:`FloatLayout`'s format, with what its fields encode.

    The fields ``mantissa``, ``exponent`` (the raw, biased field) and ``sign`` are
    slices of the viewed value; the properties below are 1-bit expressions except
    ``magnitude``.
    """

    @property
    def format(self):
        """The :class:`~macforge.formats.FloatFormat` of the viewed pattern."""
        return self.shape().float_format

    @property
    def magnitude(self):
        """Exponent and mantissa fields: the pattern without its sign."""
        return self.as_value()[:self.format.magnitude_bits]

    @property
    def exponent_zero(self):
        """Zero or subnormal: the exponent field is 0 (L-Mul flushes these)."""
        return self.exponent == 0

    @property
    def zero(self):
        return self.magnitude == 0

    @property
    def nan(self):
        fmt = self.format
        if fmt.kind == "fn":
            # The only NaNs have exponent and mantissa all ones.
            return self.magnitude == fmt.magnitude_mask
        # Above infinity's pattern: exponent all ones, mantissa nonzero.
        return self.magnitude > fmt.inf

    @property
    def inf(self):
        """Infinity of either sign; constant 0 for kind fn, which has none."""
        fmt = self.format
        if not fmt.has_inf:
            return C(0, 1)
        return self.magnitude == fmt.inf


    def canonical_specials(self):
        """``(nan, inf)`` of a value that can hold no NaN but the canonical one, such as
        a register only the unit itself writes.

        Kind ieee: the exponent field all ones is NaN or infinity, and the mantissa's MSB
        (set in the canonical NaN, clear in infinity) tells which; cheaper than
        :attr:`nan` and :attr:`inf`, which look at the whole mantissa.  Kind fn: as
        :attr:`nan`, and no infinity.
        """
        fmt = self.format
        if not fmt.has_inf:
            return self.nan, C(0, 1)
        special = self.exponent.all()
        tell = self.mantissa[-1]
        return special & tell, special & ~tell


class ProductClass(NamedTuple):
    """What two operands alone decide about their product (1-bit values)."""

    sign: Value     # sign(a) xor sign(b), the sign of every non-NaN product
    zero: Value     # an operand is zero (with flushing: has exponent field 0)
    nan: Value      # a NaN operand, or infinity times a zero operand
    inf: Value      # an infinite operand; only meaningful where nan is 0


def classify_product(a, b, *, flush_subnormals):
    """Sign and special cases of ``a * b`` for two :class:`FloatView` operands.

    ``flush_subnormals``: an operand with exponent field 0 counts as zero, as L-Mul
    treats it (docs/units.md section 3: infinity times such an operand is NaN);
    otherwise only a zero magnitude does (section 4).
    """
    zero_a = a.exponent_zero if flush_subnormals else a.zero
    zero_b = b.exponent_zero if flush_subnormals else b.zero
    return ProductClass(sign=a.sign ^ b.sign,
                        zero=zero_a | zero_b,
                        nan=a.nan | b.nan | (a.inf & zero_b) | (b.inf & zero_a),
                        inf=a.inf | b.inf)
