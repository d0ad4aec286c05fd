"""BitMoD's weight datatypes (docs/units.md section 7), the one table every layer shares.

A weight is a 3- or 4-bit code of its group's datatype, and every datatype decodes to a
small signed integer (the floating types scaled by 2 so that their values are integers).
The bit-serial PE, its bit-parallel reference, the golden model, the command line and
the benches all read the values from the :class:`WeightDtype` objects in :data:`DTYPES`;
nothing else states what a code means.

A mixture datatype (``fp4_mixed``, ``fp3_mixed``) carries one value table per selector:
a group's 2-bit ``sel`` picks er_pos (0), er_neg (1), ea_pos (2) or ea_neg (3).
"""

from dataclasses import dataclass

import numpy as np

__all__ = ["WeightDtype", "DTYPES", "MAX_WEIGHT_MAGNITUDE", "signed_width", "signed_range"]


def signed_range(bits):
    """``(lowest, highest)`` of a two's complement integer of ``bits`` bits."""
    return -(1 << (bits - 1)), (1 << (bits - 1)) - 1


def signed_width(low, high):
    """Bits of the narrowest two's complement integer holding every value of
    ``[low, high]``."""
    return max((-low - 1).bit_length() if low < 0 else 0, high.bit_length()) + 1


@dataclass(frozen=True)
class WeightDtype:
    """A weight datatype: ``code_bits`` wide codes, each meaning one signed integer.

    Parameters
    ----------
    name : str
        The datatype's name (``int4``, ``fp4_er_pos``, ``fp3_mixed``).
    code_bits : int
        Bits of a code, 3 or 4.
    tables : tuple of tuple of int
        ``tables[sel][code]``: the value of ``code`` under selector ``sel``.  One table
        for a plain datatype; four (er_pos, er_neg, ea_pos, ea_neg) for a mixture.
    sign_magnitude : bool
        Codes are a sign bit over a magnitude (the floating types) rather than two's
        complement integers; the PE's digit recodings follow the code's own form.
    """

    name: str
    code_bits: int
    tables: tuple
    sign_magnitude: bool

    def __post_init__(self):
        if len(self.tables) not in (1, 4):
            raise ValueError(f"a datatype has 1 value table or 4 (one per selector), "
                             f"not {len(self.tables)}")
        for table in self.tables:
            if len(table) != 1 << self.code_bits:
                raise ValueError(f"a {self.code_bits}-bit datatype's table has "
                                 f"{1 << self.code_bits} values, not {len(table)}")

    @property
    def mixed(self):
        """True when each group selects one of four tables with a ``sel`` of 2 bits."""
        return len(self.tables) > 1

    @property
    def selector_bits(self):
        return 2 if self.mixed else 0

    @property
    def selectors(self):
        """The selector values a group may carry: ``(0,)`` for a plain datatype."""
        return tuple(range(len(self.tables)))

    @property
    def values(self):
        """Every value any code decodes to under any selector, sorted, distinct."""
        return tuple(sorted({value for table in self.tables for value in table}))

    @property
    def min_value(self):
        return self.values[0]

    @property
    def max_value(self):
        return self.values[-1]

    @property
    def max_magnitude(self):
        return max(-self.min_value, self.max_value)

    @property
    def sign_code(self):
        """The code with only its sign bit set: -0 of a sign-magnitude type (what its
        er/ea variants give their special value), the most negative two's complement
        integer."""
        return 1 << (self.code_bits - 1)

    def value(self, code, sel=0):
        """The value of one ``code`` under selector ``sel``."""
        return self.tables[sel][code]

    def decode(self, codes, sel=0):
        """Values of an array of codes (int64); ``sel`` a selector or an array of them
        broadcast against ``codes``."""
        codes = np.asarray(codes, dtype=np.int64)
        sel = np.asarray(sel, dtype=np.int64)
        if codes.size and (codes.min() < 0 or codes.max() >= 1 << self.code_bits):
            raise ValueError(f"{self.name} codes are {self.code_bits}-bit, 0 to "
                             f"{(1 << self.code_bits) - 1}")
        if sel.size and (sel.min() < 0 or sel.max() >= len(self.tables)):
            raise ValueError(f"{self.name} selectors are {self.selectors}")
        return np.asarray(self.tables, dtype=np.int64)[sel, codes]

    def codes_of(self, value, sel=0):
        """Every code that decodes to ``value`` under ``sel`` (benches pick extremes)."""
        return tuple(code for code, decoded in enumerate(self.tables[sel]) if decoded == value)

    @classmethod
    def parse(cls, spec, *, parameter="dtype"):
        """The datatype a name spells, or ValueError naming the parameter, the value and
        every allowed name."""
        if isinstance(spec, WeightDtype):
            return spec
        if isinstance(spec, str) and spec.strip().lower() in DTYPES:
            return DTYPES[spec.strip().lower()]
        raise ValueError(f"{parameter} must be one of {', '.join(DTYPES)}, not {spec!r}")

    def __str__(self):
        return self.name


def _twos_complement(bits):
    return tuple(code - (1 << bits) if code >> (bits - 1) else code for code in range(1 << bits))


def _sign_magnitude(magnitudes, negative_zero=None):
    # Code s.m: magnitudes[m], negated when s is set; code 10..0 (-0) may mean a special value.
    table = list(magnitudes) + [-magnitude for magnitude in magnitudes]
    if negative_zero is not None:
        table[len(magnitudes)] = negative_zero
    return tuple(table)


# FP4 is E2M1 scaled by 2: eem = 000..111 -> 0, 1, 2, 3, 4, 6, 8, 12.
_FP4_MAGNITUDES = (0, 1, 2, 3, 4, 6, 8, 12)
_FP3_MAGNITUDES = (0, 1, 2, 4)
# What -0 means in each special-value variant, in selector order.
_VARIANTS = ("er_pos", "er_neg", "ea_pos", "ea_neg")
_SPECIAL = {"fp4": (10, -10, 16, -16), "fp3": (3, -3, 6, -6)}


def _build():
    dtypes = {"int4": WeightDtype("int4", 4, (_twos_complement(4),), False),
              "int3": WeightDtype("int3", 3, (_twos_complement(3),), False)}
    for base, magnitudes, bits in (("fp4", _FP4_MAGNITUDES, 4), ("fp3", _FP3_MAGNITUDES, 3)):
        dtypes[base] = WeightDtype(base, bits, (_sign_magnitude(magnitudes),), True)
        variants = [_sign_magnitude(magnitudes, special) for special in _SPECIAL[base]]
        for variant, table in zip(_VARIANTS, variants):
            name = f"{base}_{variant}"
            dtypes[name] = WeightDtype(name, bits, (table,), True)
        dtypes[f"{base}_mixed"] = WeightDtype(f"{base}_mixed", bits, tuple(variants), True)
    return dtypes


DTYPES = _build()
"""Every weight datatype by name: int4, int3, fp4, fp3, their er/ea variants, mixtures."""

MAX_WEIGHT_MAGNITUDE = max(dtype.max_magnitude for dtype in DTYPES.values())
"""The largest magnitude any datatype decodes to (16): it sizes the default output."""
