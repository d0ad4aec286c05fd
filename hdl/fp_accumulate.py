"""The accumulate loop of FPMAC: accumulator plus product, rounded once, in one cycle.

:class:`AccumulateLoop` has one method per step of the FPMAC notes (2. unpack the
accumulator, 3. align, 4. add, 5. normalize, 6. round, 7. special values); what a step
hands to the next is a named record.  The loop adds a wide operand, the accumulator (Ma + 1
significand bits), and a narrow one, the :class:`~macforge.hdl.fp_product.Product`, in
a frame that holds the accumulator, guard bits below it and the product's integer bits
and the sum's carry above it.
"""

from typing import NamedTuple

from amaranth.hdl import C, Cat, Mux, Signal, Value

from .float_view import FloatLayout
from .named import named
from .shifters import normalize_left, shift_right_sticky, stages_for

__all__ = ["AccumulateLoop", "Addend", "Aligned", "Sum", "Normalized", "Rounded"]

# Frame bits below the accumulator's LSB: guard, round and sticky, enough for a one-bit
# left normalization after a subtraction that lost bits to the sticky bit.
_GUARD_BITS = 3


class Addend(NamedTuple):
    """The accumulator as an addend, ``clear`` applied (a cleared one is +0)."""

    sign: Value
    exponent: Value      # 1 .. 2^E - 1: exponent field 0 (zero, subnormal) reads as 1
    significand: Value   # the mantissa below the implicit bit
    nan: Value
    inf: Value


class Aligned(NamedTuple):
    """Both addends in the frame, the smaller shifted to the larger's exponent."""

    swap: Value          # the product is the big operand
    exponent: Value      # the big operand's exponent
    big: Value
    small: Value         # shifted right, the bits shifted out ORed into its LSB


class Sum(NamedTuple):
    """``big +- small``; a negative sum is inverted, not negated."""

    subtract: Value      # the addends' signs differ
    value: Value         # two's complement in the frame
    negative: Value
    magnitude: Value     # value, or ~value = |value| - 1 when negative


class Normalized(NamedTuple):
    """The magnitude shifted left until its top bit is set (or the exponent reaches 1)."""

    value: Value
    leading: Value       # its top bit: 0 for a zero or subnormal result
    exponent: Value      # of the top bit


class Rounded(NamedTuple):
    magnitude: Value     # exponent and mantissa fields, rounded to nearest even
    sign: Value


def _bit(value, index):
    return value[index] if 0 <= index < len(value) else None


def _select(acc_bit, acc_enable, product_bit, product_enable):
    """One frame bit: the product's where enabled, else the accumulator's where enabled."""
    if acc_bit is None and product_bit is None:
        return C(0, 1)
    if acc_bit is None:
        return product_bit & product_enable
    if product_bit is None:
        return acc_bit & acc_enable
    return Mux(product_enable, product_bit, acc_bit & acc_enable)


class AccumulateLoop:
    """Builds the accumulate loop into ``m``, one method per step.

    Parameters
    ----------
    m : Module
    acc_format : FloatFormat
    product : Product
        The product as it enters the loop.
    clear : Value
        1: add the product to +0 instead of the accumulator.
    subnormal_reachable, overflow_reachable : bool
        From :func:`~macforge.formats.reach.accumulator_reach`: the hardware for gradual
        underflow and for overflow is built only where a sum can get there.
    """

    def __init__(self, m, *, acc_format, product, clear, subnormal_reachable,
                 overflow_reachable):
        self._m = m
        self._format = acc_format
        self._product = product
        self._clear = clear
        self._subnormal_reachable = subnormal_reachable
        self._overflow_reachable = overflow_reachable
        # Frame bit `unit` weighs 2^0 at the big operand's exponent; the accumulator's
        # LSB sits _GUARD_BITS above bit 0; the product's integer bits reach above `unit`,
        # and the sum's carry one more.
        self._unit = acc_format.mantissa_bits + _GUARD_BITS
        self._width = self._unit + product.integer_bits + 1
        self._above_unit = self._width - 1 - self._unit
        # The big operand's exponent range.
        self._exponent_low = min(1, product.exponent_low)
        self._exponent_high = max(acc_format.exponent_field_max, product.exponent_high)

    def unpack_accumulator(self, acc):
        """Step 2: the accumulator register (a FloatView) as an :class:`Addend`."""
        m, clear, fmt = self._m, self._clear, self._format
        sign = named(m, "acc_sign", acc.sign & ~clear)
        field = acc.exponent
        if self._subnormal_reachable:
            # A cleared accumulator is +0, exponent 1: a tiny product is aligned to it
            # and so denormalized.
            field = named(m, "acc_field", field & (~clear).replicate(fmt.exponent_bits))
        # Only this unit's results are ever stored, so a NaN is the canonical one.
        stored_nan, stored_inf = FloatLayout(fmt)(
            Cat(acc.mantissa, field, acc.sign)).canonical_specials()
        nan = named(m, "acc_nan", stored_nan & ~clear)
        inf = named(m, "acc_inf", stored_inf & ~clear)
        normal = named(m, "acc_normal", field.any())
        exponent = Signal(range(1, fmt.exponent_field_max + 1), name="acc_exponent")
        m.d.comb += exponent.eq(Cat(field[0] | ~normal, field[1:]))
        return Addend(sign, exponent, Cat(acc.mantissa, normal), nan, inf)

    def align(self, acc):
        """Step 3: swap and align.  Only the small operand goes through the shifter.

        When the product is big, the accumulator enters the shifter pre-shifted by one,
        so the shift is the exponent difference's one's complement: no negation.
        ``clear`` gates the accumulator's bits in the same select.
        """
        m, clear, product, width = self._m, self._clear, self._product, self._width
        acc_exponent_max = self._format.exponent_field_max
        difference = Signal(range(1 - product.exponent_high,
                                  acc_exponent_max - product.exponent_low + 1),
                            name="exponent_difference")
        m.d.comb += difference.eq(acc.exponent - product.exponent)
        swap = Signal(name="swap")
        if self._subnormal_reachable:
            m.d.comb += swap.eq((difference < 0) & ~product.zero)
        else:
            # A cleared accumulator never decides: the product (normal in acc_format) is
            # big and the gated accumulator adds nothing.
            m.d.comb += swap.eq(((difference < 0) | clear) & ~product.zero)
        big_exponent = Signal(range(self._exponent_low, self._exponent_high + 1),
                              name="big_exponent")
        m.d.comb += big_exponent.eq(Mux(swap, product.exponent, acc.exponent))
        # With the accumulator pre-shifted by one when it is small, the shift is
        # ~difference = |difference| - 1 then.
        distance = Signal(len(difference), name="distance")
        m.d.comb += distance.eq(difference ^ swap.replicate(len(difference)))
        shift_stages = stages_for(width - 2)
        amount = Signal(shift_stages, name="align_amount")
        m.d.comb += amount.eq(distance[:shift_stages]
                              | distance[shift_stages:].any().replicate(shift_stages))

        # The accumulator reaches big only when it is the big operand and not cleared,
        # small likewise; a zero product reaches neither.
        acc_to_big = named(m, "acc_to_big", ~swap & ~clear)
        acc_to_small = named(m, "acc_to_small", swap & ~clear)
        product_to_small = named(m, "product_to_small", ~swap & ~product.zero)
        product_low = self._unit - product.point
        big_bits, small_bits = [], []
        for index in range(width):
            product_bit = _bit(product.significand, index - product_low)
            big_bits.append(_select(_bit(acc.significand, index - _GUARD_BITS), acc_to_big,
                                    product_bit, swap))
            small_bits.append(_select(_bit(acc.significand, index - _GUARD_BITS + 1),
                                      acc_to_small, product_bit, product_to_small))
        big = Signal(width, name="big_operand")
        small = Signal(width, name="small_aligned")
        m.d.comb += [
            big.eq(Cat(*big_bits)),
            small.eq(shift_right_sticky(m, Cat(*small_bits), amount, name="align")),
        ]
        return Aligned(swap, big_exponent, big, small)

    def add(self, acc, aligned):
        """Step 4: one adder.  A negative sum (the product was the larger operand after
        all: only possible without loss to the sticky bit, or for tiny results) is
        inverted: ``~x = |x| - 1``, and the rounding step adds the one back."""
        m, width = self._m, self._width
        subtract = Signal(name="subtract")
        m.d.comb += subtract.eq(acc.sign ^ self._product.sign)
        total = Signal(width, name="total")
        m.d.comb += total.eq(aligned.big + (aligned.small ^ subtract.replicate(width))
                             + subtract)
        negative = Signal(name="negative")
        m.d.comb += negative.eq(subtract & total[-1])
        magnitude = Signal(width, name="sum_magnitude")
        m.d.comb += magnitude.eq(total ^ negative.replicate(width))
        return Sum(subtract, total, negative, magnitude)

    def normalize(self, aligned, total):
        """Step 5: a leading-zero shift decided stage by stage from the top; where
        subnormal results are possible, the exponent stops at 1 (gradual underflow).
        Ones shift in below a negative sum's magnitude, keeping its ``- 1``."""
        m, width, above_unit = self._m, self._width, self._above_unit
        stages = stages_for(width - 1)
        limit = None
        if self._subnormal_reachable:
            limit = Signal(range(above_unit, self._exponent_high + above_unit),
                           name="normalize_limit")
            m.d.comb += limit.eq(aligned.exponent + above_unit - 1)
        shifted, count = normalize_left(m, total.magnitude, stages, total.negative, limit,
                                        name="normalize")
        normalized = Signal(width, name="normalized")
        shift = Signal(stages, name="normalize_shift")
        m.d.comb += [normalized.eq(shifted), shift.eq(count)]
        exponent = Signal(range(self._exponent_low + above_unit - (1 << stages),
                                self._exponent_high + above_unit + 1),
                          name="result_exponent")
        m.d.comb += exponent.eq(aligned.exponent + above_unit - shift)
        return Normalized(normalized, normalized[-1], exponent)

    def round(self, acc, aligned, total, normalized):
        """Step 6: one increment of the concatenated exponent and mantissa fields, so a
        mantissa carry moves into the exponent (subnormal to normal, or the largest
        finite value to infinity); and the sum's sign."""
        m, width, fmt = self._m, self._width, self._format
        mantissa_bits = fmt.mantissa_bits
        mantissa = normalized.value[width - 1 - mantissa_bits:width - 1]
        guard = normalized.value[width - 2 - mantissa_bits]
        low_bits = normalized.value[:width - 2 - mantissa_bits]
        # Inverted case: the true low bits are these plus one.  All ones below the guard
        # bit carry into it (a guard of 1 then carries on, a whole increment); anything
        # else leaves them nonzero, so the guard bit alone decides.
        round_up = named(m, "round_up", Mux(total.negative,
                                            guard | (low_bits.all() & mantissa[0]),
                                            guard & (low_bits.any() | mantissa[0])))
        # A subnormal (or zero) result has exponent field 0.
        field = Mux(normalized.leading, normalized.exponent[:fmt.exponent_bits], 0)
        rounded = Signal(fmt.magnitude_bits, name="rounded")
        m.d.comb += rounded.eq(Cat(mantissa, field) + round_up)

        # An exactly zero sum is +0 unless both addends are -0.  Without subnormal
        # results the normalized top bit is 0 for a zero sum only.
        zero_sum = ~total.value.any() if self._subnormal_reachable else ~normalized.leading
        sign_big = Mux(aligned.swap, self._product.sign, acc.sign)
        sign = named(m, "result_sign",
                     (sign_big ^ total.negative) & ~(total.subtract & zero_sum))
        return Rounded(rounded, sign)

    def special_values(self, acc, total, normalized, rounded):
        """Step 7: the next accumulator value.  NaN (an operand's, or inf - inf) and
        infinity (an operand's, or an overflow where one can happen) force the exponent
        field to all ones and the mantissa to the canonical NaN's or zero."""
        m, fmt, product = self._m, self._format, self._product
        mantissa_bits = fmt.mantissa_bits
        nan = Signal(name="nan")
        inf = Signal(name="inf")
        infinite = acc.inf | product.inf
        if self._overflow_reachable:
            infinite = infinite | (normalized.leading
                                   & (normalized.exponent >= fmt.exponent_field_max))
        m.d.comb += [
            nan.eq(acc.nan | product.nan | (acc.inf & product.inf & total.subtract)),
            inf.eq(infinite),
        ]
        inf_sign = Mux(acc.inf, acc.sign, Mux(product.inf, product.sign, rounded.sign))
        special = named(m, "special", nan | inf)
        next_acc = Signal(fmt.width, name="next_acc")
        m.d.comb += next_acc.eq(Cat(
            rounded.magnitude[:mantissa_bits - 1] & ~special.replicate(mantissa_bits - 1),
            Mux(special, nan, rounded.magnitude[mantissa_bits - 1]),
            rounded.magnitude[mantissa_bits:] | special.replicate(fmt.exponent_bits),
            Mux(special, inf_sign & ~nan, rounded.sign)))
        return next_acc
