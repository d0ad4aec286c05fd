"""How the bit-serial PE splits a decoded weight into one digit per cycle.

Every digit is zero or a signed power of two, and a weight's digits add up to its value,
so one cycle of the PE adds ``sum over lanes of a_l * digit_l`` into the group's partial
sum.  A datatype's digit count is the same for every code and selector: that is its
``cycles_per_beat``.  The recodings follow the code's own form:

- ``bits_per_cycle = 1``: the binary digits, least significant first.  Two's complement
  codes (int4, int3): bit c weighs 2^c, the top bit -2^c.  Sign-magnitude codes (the
  floating types): bit c of the magnitude weighs 2^c, signed by the code's sign.
- ``bits_per_cycle = 2``: two's complement codes take radix-4 Booth digits, digit j =
  (b[2j-1] + b[2j] - 2 b[2j+1]) * 4^j, each in {0, +-1, +-2} * 4^j, the code sign-extended
  to an even width (int4 and int3: 2 digits).  A sign-magnitude value is a sum of at most
  two powers of two (the magnitudes are 0, 1, 2, 3, 4, 6, 8, 12 and the special 10 and 16
  for FP4; 0, 1, 2, 4 and the special 3 and 6 for FP3): one set bit of the magnitude per
  cycle, the largest first, so zero bits cost no cycle (FP4 and its variants: 2 digits;
  plain FP3 1; FP3's variants and mixture 2).

Pure Python: the hardware generator builds its digit decoder from :func:`serial_digits`,
and the tests check it against the datatype table.
"""

from dataclasses import dataclass

from .weight_dtype import WeightDtype

__all__ = ["BITS_PER_CYCLE", "DigitPlan", "serial_digits"]

BITS_PER_CYCLE = (1, 2)


@dataclass(frozen=True)
class DigitPlan:
    """A datatype's digits at a ``bits_per_cycle``.

    Attributes
    ----------
    dtype : WeightDtype
    bits_per_cycle : int
    digits : tuple
        ``digits[sel][code]``: the code's ``cycles_per_beat`` digits, in the order the PE
        consumes them; each is 0 or +-2^k and they add up to the code's value.
    """

    dtype: WeightDtype
    bits_per_cycle: int
    digits: tuple

    @property
    def cycles_per_beat(self):
        return len(self.digits[0][0])

    def cycle_digits(self, cycle):
        """Every value digit ``cycle`` takes, over all codes and selectors."""
        return sorted({code_digits[cycle] for table in self.digits for code_digits in table})

    def cycle_shifts(self, cycle):
        """The powers of two (``k`` of ``+-2^k``) that digit ``cycle`` takes when not zero."""
        return sorted({abs(digit).bit_length() - 1 for digit in self.cycle_digits(cycle)
                       if digit})


def _binary(dtype, value):
    if not dtype.sign_magnitude:
        bits = value & ((1 << dtype.code_bits) - 1)
        top = dtype.code_bits - 1
        return [-(bits >> c & 1) << c if c == top else (bits >> c & 1) << c
                for c in range(dtype.code_bits)]
    sign = -1 if value < 0 else 1
    width = dtype.max_magnitude.bit_length()
    return [sign * ((abs(value) >> c & 1) << c) for c in range(width)]


def _radix4(dtype, value):
    if not dtype.sign_magnitude:
        count = (dtype.code_bits + 1) // 2

        def bit(index):  # two's complement bit, sign-extended above, 0 below
            return (value >> index) & 1 if index >= 0 else 0

        return [(bit(2 * j - 1) + bit(2 * j) - 2 * bit(2 * j + 1)) << (2 * j)
                for j in range(count)]
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    powers = [1 << k for k in reversed(range(magnitude.bit_length())) if magnitude >> k & 1]
    count = max(bin(abs(other)).count("1") for other in dtype.values)
    return [sign * power for power in powers] + [0] * (count - len(powers))


def serial_digits(dtype, bits_per_cycle):
    """The :class:`DigitPlan` of ``dtype`` (a :class:`WeightDtype` or its name) at
    ``bits_per_cycle`` 1 or 2."""
    dtype = WeightDtype.parse(dtype)
    if bits_per_cycle not in BITS_PER_CYCLE:
        raise ValueError(f"bits_per_cycle must be 1 or 2, not {bits_per_cycle!r}")
    recode = _binary if bits_per_cycle == 1 else _radix4
    digits = tuple(tuple(tuple(recode(dtype, value)) for value in table)
                   for table in dtype.tables)
    return DigitPlan(dtype, bits_per_cycle, digits)
