"""Floating-point number formats (docs/units.md section 2), the one definition every
layer shares.

A :class:`FloatFormat` is pure Python and numpy: the hardware generators read its field
widths and constants, the golden models decode, round and encode through it, the CLI
parses its names, and the benches pick their special values from it.  Nothing else in
macforge derives a bias, a mask or a maximum on its own.

Spelling a format
-----------------
Named formats: ``e4m3`` (OCP E4M3, kind ``fn``), ``e5m2``, ``fp16``, ``bf16``, ``fp32``
(kind ``ieee``).  Generic formats: ``e<E>m<M>`` is kind ``ieee`` (``e3m4``, ``e6m9``),
``e<E>m<M>fn`` is kind ``fn`` (``e3m4fn``, ``e4m3fn`` is ``e4m3``).  Where the plain
``e<E>m<M>`` spelling is taken by a named format of the other kind, ``e<E>m<M>ieee``
spells the IEEE-style one (``e4m3ieee``).  Every format prints as its canonical name.
"""

import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

__all__ = ["FloatFormat", "NAMED_FORMATS", "KINDS", "formats_up_to"]

KINDS = ("ieee", "fn")

# docs/units.md section 2: the allowed generic ranges.
MIN_EXPONENT_BITS, MAX_EXPONENT_BITS = 2, 8
MIN_MANTISSA_BITS, MAX_MANTISSA_BITS = 1, 23
MAX_FN_MAGNITUDE_BITS = 8

_GENERIC_NAME = re.compile(r"^e(\d+)m(\d+)(fn|ieee)?$")

# Significands handed to round_exact() must stay below this so that int64 shifts with a
# sticky remainder never overflow.
_SIGNIFICAND_LIMIT_BITS = 62


@dataclass(frozen=True)
class FloatFormat:
    """A binary floating-point format: sign, ``exponent_bits``, ``mantissa_bits``, kind.

    Parameters
    ----------
    exponent_bits : int
        Width of the exponent field, 2..8.
    mantissa_bits : int
        Width of the stored mantissa (fraction) field, 1..23.
    kind : str
        ``"ieee"``: exponent all ones encodes infinities and NaNs.  ``"fn"`` (finite,
        OCP E4M3 style): no infinities, the only NaNs have exponent and mantissa all
        ones, and requires ``exponent_bits + mantissa_bits <= 8``.

    Raises
    ------
    TypeError, ValueError
        If a parameter is outside what docs/units.md section 2 allows; the message names
        the parameter, the value and the allowed range.
    """

    exponent_bits: int
    mantissa_bits: int
    kind: str = "ieee"

    def __post_init__(self):
        for field, low, high in (("exponent_bits", MIN_EXPONENT_BITS, MAX_EXPONENT_BITS),
                                 ("mantissa_bits", MIN_MANTISSA_BITS, MAX_MANTISSA_BITS)):
            value = getattr(self, field)
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{field} must be an integer, not {value!r}")
            if not low <= value <= high:
                raise ValueError(f"{field} must be between {low} and {high}, not {value!r}")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.kind == "fn" and self.magnitude_bits > MAX_FN_MAGNITUDE_BITS:
            raise ValueError(
                f"kind 'fn' needs exponent_bits + mantissa_bits <= {MAX_FN_MAGNITUDE_BITS}, "
                f"not {self.exponent_bits} + {self.mantissa_bits} = {self.magnitude_bits}")

    # -- names ------------------------------------------------------------------------

    @classmethod
    def parse(cls, spec, *, parameter="format"):
        """Return the format a name spells (see the module docstring), or raise ValueError.

        ``parameter`` names the setting in error messages (``in_format``, ...).
        """
        if isinstance(spec, FloatFormat):
            return spec
        if not isinstance(spec, str):
            raise TypeError(f"{parameter} must be a format name such as 'e4m3', not {spec!r}")
        text = spec.strip().lower()
        if text in NAMED_FORMATS:
            return NAMED_FORMATS[text]
        match = _GENERIC_NAME.match(text)
        if match is None:
            raise ValueError(
                f"{parameter} {spec!r} is not a format name: use one of "
                f"{', '.join(NAMED_FORMATS)} or e<E>m<M>[fn|ieee] with "
                f"{MIN_EXPONENT_BITS} <= E <= {MAX_EXPONENT_BITS}, "
                f"{MIN_MANTISSA_BITS} <= M <= {MAX_MANTISSA_BITS} (fn: E + M <= "
                f"{MAX_FN_MAGNITUDE_BITS})")
        exponent_bits, mantissa_bits = int(match.group(1)), int(match.group(2))
        kind = match.group(3) or "ieee"
        try:
            return cls(exponent_bits, mantissa_bits, kind)
        except ValueError as error:
            raise ValueError(f"{parameter} {spec!r}: {error}") from None

    @property
    def name(self):
        """Canonical name: the named format's name, else ``e<E>m<M>`` plus a kind suffix."""
        for name, named in NAMED_FORMATS.items():
            if named == self:
                return name
        base = f"e{self.exponent_bits}m{self.mantissa_bits}"
        if self.kind == "fn":
            return base + "fn"
        if base in NAMED_FORMATS:
            return base + "ieee"
        return base

    def __str__(self):
        return self.name

    # -- fields and constants ---------------------------------------------------------

    @property
    def width(self):
        """Total bits: sign, exponent and mantissa."""
        return 1 + self.exponent_bits + self.mantissa_bits

    @property
    def magnitude_bits(self):
        """Bits below the sign: exponent and mantissa fields."""
        return self.exponent_bits + self.mantissa_bits

    @property
    def bias(self):
        return (1 << (self.exponent_bits - 1)) - 1

    @property
    def sign_bit(self):
        """Index of the sign bit; also the sign's shift."""
        return self.magnitude_bits

    @property
    def exponent_field_max(self):
        """The all-ones exponent field value."""
        return (1 << self.exponent_bits) - 1

    @property
    def max_finite_exponent_field(self):
        """The exponent field of the largest finite value: all ones for kind fn, one
        below for kind ieee."""
        return self.max_finite >> self.mantissa_bits

    @property
    def mantissa_mask(self):
        return (1 << self.mantissa_bits) - 1

    @property
    def magnitude_mask(self):
        return (1 << self.magnitude_bits) - 1

    @property
    def has_inf(self):
        return self.kind == "ieee"

    @property
    def max_finite(self):
        """Magnitude pattern (no sign) of the largest finite value."""
        if self.kind == "fn":
            return self.magnitude_mask - 1
        return (self.exponent_field_max << self.mantissa_bits) - 1

    @property
    def inf(self):
        """Magnitude pattern of infinity; None for kind fn, which has none."""
        if self.kind == "fn":
            return None
        return self.exponent_field_max << self.mantissa_bits

    @property
    def min_normal(self):
        """Magnitude pattern of the smallest normal value."""
        return 1 << self.mantissa_bits

    @property
    def max_subnormal(self):
        """Magnitude pattern of the largest subnormal value: exponent field 0, mantissa
        all ones."""
        return self.min_normal - 1

    @property
    def canonical_nan(self):
        """The one NaN pattern units output: sign 0, see docs/units.md section 2."""
        if self.kind == "fn":
            return self.magnitude_mask
        return (self.exponent_field_max << self.mantissa_bits) | (1 << (self.mantissa_bits - 1))

    @property
    def max_value(self):
        """The largest finite value as a Python float."""
        return float(self.decode(self.max_finite))

    def overflow_magnitude(self, *, saturate):
        """Magnitude pattern a finite result too large for the format becomes.

        With ``saturate`` the largest finite value, else infinity (kind ieee) or the
        canonical NaN (kind fn, which has no infinity).  An overflow keeps the result's
        sign unless this is a NaN: NaN outputs are canonical, hence positive.
        """
        if saturate:
            return self.max_finite
        if self.kind == "fn":
            return self.canonical_nan
        return self.inf

    def exact_value(self, bits):
        """Exact value of one finite bit pattern (a Python int) as a Fraction."""
        significand = int(self.significand(bits))
        value = Fraction(significand) * Fraction(2) ** int(self.scale_exponent(bits))
        return -value if self.sign(bits) else value

    # -- vectorized field access ------------------------------------------------------

    def _bits(self, bits):
        return np.asarray(bits, dtype=np.int64)

    def sign(self, bits):
        return (self._bits(bits) >> self.sign_bit) & 1

    def exponent(self, bits):
        """The raw (biased) exponent field."""
        return (self._bits(bits) >> self.mantissa_bits) & self.exponent_field_max

    def mantissa(self, bits):
        return self._bits(bits) & self.mantissa_mask

    def magnitude(self, bits):
        return self._bits(bits) & self.magnitude_mask

    def is_nan(self, bits):
        magnitude = self.magnitude(bits)
        if self.kind == "fn":
            return magnitude == self.magnitude_mask
        return magnitude > self.inf

    def is_inf(self, bits):
        if self.kind == "fn":
            return np.zeros(np.shape(bits), dtype=bool)
        return self.magnitude(bits) == self.inf

    def is_zero(self, bits):
        return self.magnitude(bits) == 0

    def is_exponent_zero(self, bits):
        """Zero or subnormal."""
        return self.exponent(bits) == 0

    def significand(self, bits):
        """Integer significand including the implicit bit (0 for zeros and subnormals).

        For finite values, value = (-1)^sign * significand * 2^scale_exponent.
        """
        exponent = self.exponent(bits)
        return self.mantissa(bits) | (np.where(exponent != 0, 1, 0) << self.mantissa_bits)

    def scale_exponent(self, bits):
        """Power of two of the significand's LSB for finite values."""
        return np.maximum(self.exponent(bits), 1) - self.bias - self.mantissa_bits

    # -- values -----------------------------------------------------------------------

    def decode(self, bits):
        """Bit patterns to float64 values (exact: every allowed format fits float64)."""
        bits = self._bits(bits)
        value = np.ldexp(self.significand(bits).astype(np.float64),
                         self.scale_exponent(bits).astype(np.int32))
        value = np.where(self.is_inf(bits), np.inf, value)
        value = np.where(self.is_nan(bits), np.nan, value)
        return np.where(self.sign(bits) == 1, -value, value)

    def round_exact(self, sign, significand, exponent, *, saturate=False):
        """Round (-1)^sign * significand * 2^exponent to this format, nearest-even.

        Parameters
        ----------
        sign : array of 0/1
        significand : array of non-negative integers below 2^62
        exponent : array of integers
        saturate : bool
            What an overflowing magnitude becomes: see :meth:`overflow_magnitude`.

        Returns
        -------
        numpy.ndarray of int64 bit patterns.  Gradual underflow; a zero keeps its sign.
        """
        sign = np.asarray(sign, dtype=np.int64)
        significand = np.asarray(significand, dtype=np.int64)
        exponent = np.asarray(exponent, dtype=np.int64)
        sign, significand, exponent = np.broadcast_arrays(sign, significand, exponent)
        if np.any(significand < 0) or np.any(significand >> _SIGNIFICAND_LIMIT_BITS):
            raise ValueError(f"significands must lie in [0, 2^{_SIGNIFICAND_LIMIT_BITS})")
        length = _bit_length(significand)
        lead_exponent = exponent + length - 1
        min_normal_exponent = 1 - self.bias
        # Power of two of the result's last kept bit: normal results keep mantissa_bits
        # below the leading one, subnormal ones are quantized at the subnormal LSB.
        quantum = np.maximum(lead_exponent, min_normal_exponent) - self.mantissa_bits
        shift = np.clip(quantum - exponent, -_SIGNIFICAND_LIMIT_BITS, 63)
        right = np.maximum(shift, 0)
        kept = significand >> right
        remainder = significand - (kept << right)
        half = np.where(right > 0, np.left_shift(1, np.maximum(right - 1, 0)), 0)
        round_up = (right > 0) & ((remainder > half) | ((remainder == half) & (kept & 1 == 1)))
        rounded = np.where(shift < 0, significand << np.maximum(-shift, 0), kept + round_up)
        # The implicit bit of a normal result adds one to the exponent field, so a
        # rounding carry into the next binade (or out of the subnormals) needs no fix-up.
        biased = quantum + self.bias + self.mantissa_bits - 1
        magnitude = np.where(rounded == 0, 0, (biased << self.mantissa_bits) + rounded)
        magnitude = np.where(magnitude > self.max_finite,
                             self.overflow_magnitude(saturate=saturate), magnitude)
        return np.where(self.is_nan(magnitude), magnitude, (sign << self.sign_bit) | magnitude)

    def encode(self, values, *, saturate=False):
        """float64 values to bit patterns, nearest-even; NaN becomes the canonical NaN.

        Infinities encode as infinity (kind ieee) or NaN (kind fn, which has none);
        ``saturate`` only changes what finite values too large for the format become.
        """
        values = np.asarray(values, dtype=np.float64)
        sign = np.signbit(values).astype(np.int64)
        finite = np.isfinite(values)
        fraction, power = np.frexp(np.where(finite, np.abs(values), 0.0))
        significand = np.ldexp(fraction, 53).astype(np.int64)
        result = self.round_exact(sign, significand, power.astype(np.int64) - 53,
                                  saturate=saturate)
        infinity = self.canonical_nan if self.kind == "fn" else (sign << self.sign_bit) | self.inf
        result = np.where(np.isinf(values), infinity, result)
        return np.where(np.isnan(values), self.canonical_nan, result)

    def canonicalize_nan(self, bits):
        """Replace every NaN pattern with the canonical NaN."""
        bits = self._bits(bits)
        return np.where(self.is_nan(bits), self.canonical_nan, bits)

    # -- test vectors -----------------------------------------------------------------

    def all_patterns(self):
        """Every bit pattern of the format, ascending (formats of up to 16 bits)."""
        if self.width > 16:
            raise ValueError(f"all_patterns() lists at most 16-bit formats, {self} has {self.width}")
        return np.arange(1 << self.width, dtype=np.int64)

    def special_patterns(self):
        """Zeros, subnormals, min/max normal, neighbours, inf and NaN, both signs."""
        magnitudes = {0, 1, 2, self.max_subnormal, self.min_normal, self.min_normal + 1,
                      self.max_finite, self.max_finite - 1, self.canonical_nan,
                      (self.bias << self.mantissa_bits),                  # 1.0
                      (self.bias << self.mantissa_bits) | self.mantissa_mask,
                      ((self.bias + 1) << self.mantissa_bits)}            # 2.0
        if self.has_inf:
            magnitudes |= {self.inf, self.magnitude_mask, self.inf + 1}
        magnitudes = sorted(m for m in magnitudes if 0 <= m <= self.magnitude_mask)
        sign = 1 << self.sign_bit
        return np.array(magnitudes + [sign | m for m in magnitudes], dtype=np.int64)


def _bit_length(values):
    """Vectorized int.bit_length() for non-negative int64 arrays."""
    length = np.zeros(values.shape, dtype=np.int64)
    remaining = values.copy()
    for step in (32, 16, 8, 4, 2, 1):
        big = remaining >> step != 0
        length += np.where(big, step, 0)
        remaining = np.where(big, remaining >> step, remaining)
    return length + (remaining != 0)


NAMED_FORMATS = {
    "e4m3": FloatFormat(4, 3, "fn"),
    "e5m2": FloatFormat(5, 2, "ieee"),
    "fp16": FloatFormat(5, 10, "ieee"),
    "bf16": FloatFormat(8, 7, "ieee"),
    "fp32": FloatFormat(8, 23, "ieee"),
}


def formats_up_to(width):
    """Every format, named and generic, of at most ``width`` bits, each once, ordered by
    exponent width, mantissa width and kind."""
    formats = []
    for exponent_bits in range(MIN_EXPONENT_BITS, MAX_EXPONENT_BITS + 1):
        widest = min(MAX_MANTISSA_BITS, width - 1 - exponent_bits)
        for mantissa_bits in range(MIN_MANTISSA_BITS, widest + 1):
            for kind in KINDS:
                if kind == "fn" and exponent_bits + mantissa_bits > MAX_FN_MAGNITUDE_BITS:
                    continue
                formats.append(FloatFormat(exponent_bits, mantissa_bits, kind))
    return formats
