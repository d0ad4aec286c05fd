"""Floating-point multiply-accumulate unit (SPEC section 6).

``acc <- RNE_acc((clear ? +0 : acc) + p)`` with one rounding, where ``p`` is the exact
product of two small floats (``mul="exact"``) or the unclamped L-Mul product
(``mul="lmul"``).  The accumulate loop (align, add, normalize, round, special cases)
closes in one cycle; pipeline registers only ever go on the multiply side.
"""

from fractions import Fraction

from amaranth.hdl import C, Cat, Module, Mux, Signal, Value

from .exact_product import normalize, significand_product
from .float_view import FloatLayout, classify_product
from .lmul import lmul_offset_bits
from .mac import MAC_PIPELINE_STAGES, MultiplyAccumulator
from .parameters import ChoiceParameter, FormatParameter, Schema
from .pipeline import Pipeline

__all__ = ["FPMAC", "ACC_FORMAT_NAMES", "MUL_KINDS", "accumulator_reach"]

ACC_FORMAT_NAMES = ("fp32", "bf16", "fp16")
MUL_KINDS = ("exact", "lmul")
MAX_IN_EXPONENT_BITS = 5
MAX_IN_MANTISSA_BITS = 3

# Frame bits below the accumulator's LSB: guard, round and sticky, enough for a one-bit
# left normalization after a subtraction that lost bits to the sticky bit.
_GUARD_BITS = 3


def _stages_for(limit):
    """Number of binary shift stages (1, 2, 4, ...) whose total shift reaches ``limit``."""
    stages = 0
    while (1 << stages) - 1 < limit:
        stages += 1
    return stages


def _named(m, name, value):
    """``value`` as a named signal: read by several expressions, it is built once (an
    Amaranth expression is copied into each reader) and shows up by name in the Verilog."""
    value = Value.cast(value)
    signal = Signal(value.shape(), name=name)
    m.d.comb += signal.eq(value)
    return signal


def _shift_right_sticky(m, value, amount, *, name):
    """``value >> amount``, every bit shifted out ORed into bit 0 (the sticky bit).

    Each stage's result is a named signal: both the next stage's sticky OR and its
    shift read it, and an expression would be copied into every reader.
    """
    width = len(value)
    # Largest stage first: measured a little smaller than the other order.
    for stage in reversed(range(len(amount))):
        step = 1 << stage
        if step >= width:
            shifted = Cat(value.any(), C(0, width - 1))
        else:
            shifted = Cat(value[:step + 1].any(), value[step + 1:], C(0, step))
        stage_value = Signal(width, name=f"{name}_by{step}")
        m.d.comb += stage_value.eq(Mux(amount[stage], shifted, value))
        value = stage_value
    return value


def _normalize_left(m, value, stages, fill, limit=None, *, name):
    """Shift ``value`` left until its top bit is 1; returns (shifted value, shift count).

    The count is decided from its MSB down, one stage per bit: the stage shifting by 2^k
    fires when the top 2^k bits are zero and, given ``limit``, the count stays at most
    ``limit``.  ``fill`` is shifted in at the bottom.  An all-zero ``value`` shifts by
    ``2^stages - 1`` (or the limit).  Stage results are named signals, as in
    :func:`_shift_right_sticky`.
    """
    width = len(value)
    if limit is not None and len(limit) > stages:
        # A limit of 2^stages - 1 or more never binds.
        limit = _named(m, f"{name}_limit", limit[:stages] | limit[stages:].any().replicate(stages))
    count_bits = []          # most significant first
    for stage in reversed(range(stages)):
        step = 1 << stage
        if step >= width:
            count_bits.append(C(0, 1))
            continue
        fire = Signal(name=f"{name}_by{step}_fires")
        condition = ~value[width - step:].any()
        if limit is not None:
            # The count so far, with this stage's bit set, must not pass the limit.
            candidate = Cat(C(1, 1), *reversed(count_bits))
            condition = condition & (candidate <= limit[stage:])
        stage_value = Signal(width, name=f"{name}_by{step}")
        m.d.comb += [
            fire.eq(condition),
            stage_value.eq(Mux(fire, Cat(fill.replicate(step), value[:width - step]), value)),
        ]
        value = stage_value
        count_bits.append(fire)
    return value, Cat(*reversed(count_bits))


# -- what an accumulator can reach ------------------------------------------------------

def _value(fmt, magnitude):
    """Exact value of a finite magnitude pattern of ``fmt``."""
    field = magnitude >> fmt.mantissa_bits
    significand = (magnitude & fmt.mantissa_mask) | ((1 << fmt.mantissa_bits) if field else 0)
    return Fraction(significand) * Fraction(2) ** (max(field, 1) - fmt.bias - fmt.mantissa_bits)


def _product_bounds(in_format, mul):
    """``(q, largest)``: every finite product is a multiple of 2^q and at most ``largest``."""
    fmt, mantissa_bits = in_format, in_format.mantissa_bits
    if mul == "exact":
        # The smallest subnormals' LSBs multiply; the largest finite values square.
        return 2 * (1 - fmt.bias - mantissa_bits), _value(fmt, fmt.max_finite) ** 2
    # L-Mul flushes exponent-field-0 operands, so both are normal: r is smallest for two
    # smallest normals and largest for two largest finite patterns (SPEC section 3).
    offset = lmul_offset_bits(mantissa_bits)
    r_low = 2 * fmt.min_normal - (fmt.bias << mantissa_bits) + offset
    r_high = 2 * fmt.max_finite - (fmt.bias << mantissa_bits) + offset
    quantum = (r_low >> mantissa_bits) - fmt.bias - mantissa_bits
    largest = (Fraction((r_high & fmt.mantissa_mask) | (1 << mantissa_bits))
               * Fraction(2) ** ((r_high >> mantissa_bits) - fmt.bias - mantissa_bits))
    return quantum, largest


def accumulator_reach(in_format, acc_format, mul):
    """Whether an accumulator fed only by fp_mac can ever go subnormal or overflow.

    Returns ``(subnormal, overflow)``: can a result be subnormal, and can a sum of finite
    addends overflow to infinity.  Where either is impossible, :class:`FPMAC` leaves out
    the hardware for it; the unit's behaviour on every input sequence is unchanged.

    Subnormal: every product is a multiple of 2^q (:func:`_product_bounds`), so by
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
    """
    quantum, largest = _product_bounds(in_format, mul)
    subnormal = quantum < 1 - acc_format.bias
    k = 0
    while Fraction(2) ** (k - acc_format.mantissa_bits - 1) <= largest:
        k += 1
    max_finite = _value(acc_format, acc_format.max_finite)
    overflow = not (Fraction(2) ** k <= max_finite and largest <= max_finite)
    return subnormal, overflow


class FPMAC(MultiplyAccumulator):
    """Floating-point multiply-accumulate: ``acc <- RNE_acc((clear ? +0 : acc) + a * b)``.

    On every rising clock edge with ``en`` = 1 the accumulator takes the sum of its value
    (+0 when ``clear`` = 1) and the product, rounded once to nearest even in
    ``acc_format`` with gradual underflow.  A NaN operand or accumulator, inf * 0 and
    inf - inf give the canonical NaN, which stays until a clear; an overflowing sum gives
    +-inf; an exact zero sum is +0 unless both addends are -0 (SPEC section 6).  With
    ``en`` = 0 the accumulator holds and ``clear`` is ignored; ``rst`` sets it to +0.

    Parameters
    ----------
    in_format : FloatFormat or str
        Format of ``a`` and ``b``: any SPEC section 2 format with at most 5 exponent and 3
        mantissa bits (e4m3, e5m2, e3m2, e2m1, e4m3ieee, e5m3fn, ...).
    acc_format : FloatFormat or str
        Format of the accumulator: ``fp32`` (default), ``bf16`` or ``fp16``.
    mul : str
        ``"exact"`` (default): the product is ``a * b`` exactly, subnormal operands
        honoured.  ``"lmul"``: the L-Mul product of SPEC section 3 before any clamp
        (+-0 when an operand has exponent field 0).
    pipeline_stages : int
        Register banks on the multiply side, default 0.  ``a``, ``b``, ``en`` and
        ``clear`` travel through them with the product, so one MAC per clock holds at
        every depth; the accumulate loop always closes in one cycle.  The first bank
        registers the product in front of the loop, the second splits the operand
        unpacking from the multiplier; further banks stack on the product.

    Attributes
    ----------
    a, b : In(in_format.width)
        Operand bit patterns.
    en : In(1)
        Apply this cycle's operation.
    clear : In(1)
        Start this operation from +0 instead of ``acc``.
    acc : Out(acc_format.width)
        The accumulator's bit pattern; an operation applied before a rising edge shows
        ``latency`` edges later.

    Notes
    -----
    The accumulate loop is a single-path floating-point adder specialised for one wide
    operand (the accumulator, Ma + 1 significand bits) and one narrow one (the product:
    2M + 2 bits exact, M + 1 bits L-Mul):

    1. **Product.**  Exact: subnormal operands are normalized (M-bit priority encoders)
       so the significand product lies in [1, 4); its exponent is the operand exponents'
       sum, rebiased to ``acc_format``.  L-Mul: ``ma + mb + o`` is one adder whose low M
       bits are the product's mantissa and whose upper bits are ``floor(r / 2^M) + bias``.
    2. **Swap and align.**  One exponent difference decides which operand is "big"; only
       the other one goes through the alignment shifter (sticky bits ORed into the
       frame's LSB).  When the product is big, the accumulator enters the shifter
       pre-shifted by one, so the shift amount is the difference's one's complement and
       no negation is needed.  ``clear`` gates the accumulator's bits in the same select.
       The frame holds the accumulator, three guard bits below it and room for the
       product's second integer bit and the sum's carry above it.
    3. **Add.**  One adder; a negative difference (the product was the larger operand
       after all: only possible without loss to the sticky bit, or for tiny results) is
       inverted, not negated: ``~x = |x| - 1``, and shifting in ones while normalizing
       keeps ``value - 1``, so the rounding step adds the missing one back.
    4. **Normalize.**  A leading-zero shift decided stage by stage from the top; where
       subnormal results are possible, each stage also checks that the exponent does not
       go below 1 (gradual underflow).
    5. **Round.**  One increment of the concatenated exponent and mantissa fields, so a
       mantissa carry moves into the exponent (subnormal to normal, or the largest finite
       value to infinity).  The rounding decision folds in the inverted case.
    6. **Special values.**  The accumulator only ever holds results of this unit, so a
       stored NaN is the canonical one and the all-ones exponent with mantissa MSB 0 is
       infinity: two flags from three bits.  NaN and infinity force the exponent field to
       all ones and the mantissa to the canonical NaN's or zero.

    :func:`accumulator_reach` proves, per configuration, whether a subnormal result or
    an overflow can happen at all; the limit of step 4 and the overflow check exist only
    where one can (fp16 for most input formats).
    """

    kind = "fp_mac"
    summary = ("floating-point multiply-accumulate, one rounding: "
               "acc <- RNE((clear ? +0 : acc) + a * b)")
    parameters = Schema(
        FormatParameter("in_format", "e4m3",
                        f"format of a and b: e4m3, e5m2 or any e<E>m<M>[fn|ieee] with "
                        f"E <= {MAX_IN_EXPONENT_BITS}, M <= {MAX_IN_MANTISSA_BITS}",
                        max_exponent_bits=MAX_IN_EXPONENT_BITS,
                        max_mantissa_bits=MAX_IN_MANTISSA_BITS),
        FormatParameter("acc_format", "fp32",
                        f"accumulator format ({', '.join(ACC_FORMAT_NAMES)})",
                        allowed=ACC_FORMAT_NAMES),
        ChoiceParameter("mul", "exact", "product: exact, or the L-Mul approximation",
                        options=MUL_KINDS),
        MAC_PIPELINE_STAGES,
    )
    report_configs = tuple({"in_format": in_format, "acc_format": acc_format, "mul": mul}
                           for in_format in ("e4m3", "e5m2")
                           for acc_format in ACC_FORMAT_NAMES
                           for mul in MUL_KINDS)

    def __init__(self, **params):
        params = self.check_parameters(params)
        super().__init__(params, a_width=params["in_format"].width,
                         b_width=params["in_format"].width,
                         acc_width=params["acc_format"].width)

    @property
    def in_format(self):
        return self._params["in_format"]

    @property
    def acc_format(self):
        return self._params["acc_format"]

    @property
    def mul(self):
        return self._params["mul"]

    def _operand_role(self, name):
        return f"operand, {self.in_format.name} bits"

    def _accumulator_role(self):
        return f"accumulator, {self.acc_format.name} bits; NaN sticks until clear"

    def port_formats(self):
        return {"a": self.in_format, "b": self.in_format, "acc": self.acc_format}

    # -- the multiply side ------------------------------------------------------------

    def _exact_product(self, m, pipeline):
        """Exact product: a significand of 2M+2 bits with 2^0 at bit 2M, in [1, 4)."""
        fmt, acc_fmt = self.in_format, self.acc_format
        mantissa_bits = fmt.mantissa_bits
        a, b = FloatLayout(fmt)(self.a), FloatLayout(fmt)(self.b)
        normalized_a, normalized_b = normalize(m, a, "a"), normalize(m, b, "b")
        operands = classify_product(a, b, flush_subnormals=False)
        rebias = acc_fmt.bias - 2 * fmt.bias
        exponent_range = (-2 * mantissa_bits + rebias, 2 * fmt.exponent_field_max + rebias)
        exponent = Signal(range(exponent_range[0], exponent_range[1] + 1),
                          name="product_exponent")
        sign = Signal(name="product_sign")
        zero = Signal(name="product_zero")
        nan = Signal(name="product_nan")
        inf = Signal(name="product_inf")
        m.d.comb += [
            exponent.eq(normalized_a.exponent + normalized_b.exponent + rebias),
            sign.eq(operands.sign),
            zero.eq(operands.zero),
            nan.eq(operands.nan),
            inf.eq(operands.inf),
        ]
        fraction_a, fraction_b = normalized_a.fraction, normalized_b.fraction
        sign, fraction_a, fraction_b, exponent, zero, nan, inf, en, clear = pipeline.cut(
            sign, fraction_a, fraction_b, exponent, zero, nan, inf, self.en, self.clear)
        # Not masked for a zero operand: the zero flag keeps it out of the adder.
        significand = Signal(2 * mantissa_bits + 2, name="product_significand")
        m.d.comb += significand.eq(significand_product(fraction_a, fraction_b))
        return sign, significand, exponent, exponent_range, zero, nan, inf, en, clear

    def _lmul_product(self, m, pipeline):
        """L-Mul product before any clamp: a significand of M+1 bits, 2^0 at bit M."""
        fmt, acc_fmt = self.in_format, self.acc_format
        mantissa_bits = fmt.mantissa_bits

        a, b = FloatLayout(fmt)(self.a), FloatLayout(fmt)(self.b)
        # SPEC section 3 steps 1-3: inf times exponent-field-0 is NaN, and an
        # exponent-field-0 operand flushes the product to zero.
        operands = classify_product(a, b, flush_subnormals=True)
        sign = Signal(name="product_sign")
        zero = Signal(name="product_zero")
        nan = Signal(name="product_nan")
        inf = Signal(name="product_inf")
        m.d.comb += [
            sign.eq(operands.sign),
            zero.eq(operands.zero),
            nan.eq(operands.nan),
            inf.eq(operands.inf),
        ]
        sign, magnitude_a, magnitude_b, zero, nan, inf, en, clear = pipeline.cut(
            sign, a.magnitude, b.magnitude, zero, nan, inf,
            self.en, self.clear)
        # r + (bias << M) = ma + mb + o: its low M bits are the mantissa and the rest is
        # floor(r / 2^M) + bias (floor toward minus infinity for free), so one adder
        # gives both.  The implicit one is constant: a zero product never reaches the
        # accumulator (the zero flag gates it).
        total = Signal(fmt.magnitude_bits + 1, name="lmul_sum")
        m.d.comb += total.eq(magnitude_a + magnitude_b + lmul_offset_bits(mantissa_bits))
        significand = Signal(mantissa_bits + 1, name="product_significand")
        m.d.comb += significand.eq(Cat(total[:mantissa_bits], C(1, 1)))
        rebias = acc_fmt.bias - 2 * fmt.bias
        largest_total = 2 * fmt.magnitude_mask + lmul_offset_bits(mantissa_bits)
        exponent_range = (rebias, (largest_total >> mantissa_bits) + rebias)
        exponent = Signal(range(exponent_range[0], exponent_range[1] + 1),
                          name="product_exponent")
        m.d.comb += exponent.eq(total[mantissa_bits:] + rebias)
        return sign, significand, exponent, exponent_range, zero, nan, inf, en, clear

    # -- the accumulate loop ----------------------------------------------------------

    def elaborate(self, platform):
        acc_fmt = self.acc_format
        acc_mantissa_bits = acc_fmt.mantissa_bits
        acc_exponent_bits = acc_fmt.exponent_bits
        acc_exponent_max = acc_fmt.exponent_field_max
        subnormal_reachable, overflow_reachable = accumulator_reach(
            self.in_format, acc_fmt, self.mul)

        m = Module()
        # Cut 0 splits operand unpacking from the multiplier, cut 1 registers the product
        # in front of the loop; one bank goes to cut 1, two use both, more stack on cut 1.
        pipeline = Pipeline(m, stages=self.pipeline_stages, cut_points=2)
        if self.mul == "exact":
            product = self._exact_product(m, pipeline)
        else:
            product = self._lmul_product(m, pipeline)
        exponent_low, exponent_high = product[3]
        (product_sign, product_significand, product_exponent, product_zero,
         product_nan, product_inf, en, clear) = pipeline.cut(*product[:3], *product[4:])
        pipeline.finish()

        acc = Signal(acc_fmt.width, name="acc_value")
        m.d.comb += self.acc.eq(acc)

        # -- unpack the accumulator ------------------------------------------------------
        acc_sign = _named(m, "acc_sign", acc[-1] & ~clear)
        acc_field = acc[acc_mantissa_bits:acc_fmt.magnitude_bits]
        if subnormal_reachable:
            # A cleared accumulator is +0, exponent 1: a tiny product is aligned to it
            # and so denormalized.
            acc_field = _named(m, "acc_field", acc_field & (~clear).replicate(acc_exponent_bits))
        acc_mantissa = acc[:acc_mantissa_bits]
        # Only canonical NaNs and infinities are ever stored: the mantissa MSB tells
        # them apart.
        acc_special = _named(m, "acc_special", acc_field.all() & ~clear)
        acc_nan = _named(m, "acc_nan", acc_special & acc_mantissa[-1])
        acc_inf = _named(m, "acc_inf", acc_special & ~acc_mantissa[-1])
        acc_normal = _named(m, "acc_normal", acc_field.any())
        acc_exponent = Signal(range(1, acc_exponent_max + 1), name="acc_exponent")
        m.d.comb += acc_exponent.eq(Cat(acc_field[0] | ~acc_normal, acc_field[1:]))
        acc_significand = Cat(acc_mantissa, acc_normal)

        # -- swap and align --------------------------------------------------------------
        # Frame bit `unit` weighs 2^0 at the big operand's exponent; the accumulator's
        # LSB sits _GUARD_BITS above bit 0; an exact product (below 4) reaches one bit
        # above `unit`, and the sum one more.
        wide_product = self.mul == "exact"
        product_point = len(product_significand) - (2 if wide_product else 1)
        unit = acc_mantissa_bits + _GUARD_BITS
        width = unit + (3 if wide_product else 2)
        above_unit = width - 1 - unit

        difference = Signal(range(1 - exponent_high, acc_exponent_max - exponent_low + 1),
                            name="exponent_difference")
        m.d.comb += difference.eq(acc_exponent - product_exponent)
        swap = Signal(name="swap")          # the product is the big operand
        if subnormal_reachable:
            m.d.comb += swap.eq((difference < 0) & ~product_zero)
        else:
            # A cleared accumulator never decides: the product (normal in acc_format) is
            # big and the gated accumulator adds nothing.
            m.d.comb += swap.eq(((difference < 0) | clear) & ~product_zero)
        big_exponent = Signal(range(min(1, exponent_low),
                                    max(acc_exponent_max, exponent_high) + 1),
                              name="big_exponent")
        m.d.comb += big_exponent.eq(Mux(swap, product_exponent, acc_exponent))
        # With the accumulator pre-shifted by one when it is small, the shift is
        # ~difference = |difference| - 1 then: no negation.
        distance = Signal(len(difference), name="distance")
        m.d.comb += distance.eq(difference ^ swap.replicate(len(difference)))
        shift_stages = _stages_for(width - 2)
        amount = Signal(shift_stages, name="align_amount")
        m.d.comb += amount.eq(distance[:shift_stages]
                              | distance[shift_stages:].any().replicate(shift_stages))

        # The accumulator reaches big only when it is the big operand and not cleared,
        # small likewise; a zero product reaches neither.
        acc_to_big = _named(m, "acc_to_big", ~swap & ~clear)
        acc_to_small = _named(m, "acc_to_small", swap & ~clear)
        product_to_small = _named(m, "product_to_small", ~swap & ~product_zero)
        product_low = unit - product_point

        def select(acc_bit, acc_enable, product_bit, product_enable):
            if acc_bit is None and product_bit is None:
                return C(0, 1)
            if acc_bit is None:
                return product_bit & product_enable
            if product_bit is None:
                return acc_bit & acc_enable
            return Mux(product_enable, product_bit, acc_bit & acc_enable)

        def bit(value, index):
            return value[index] if 0 <= index < len(value) else None

        big_bits, small_bits = [], []
        for index in range(width):
            product_bit = bit(product_significand, index - product_low)
            big_bits.append(select(bit(acc_significand, index - _GUARD_BITS), acc_to_big,
                                   product_bit, swap))
            small_bits.append(select(bit(acc_significand, index - _GUARD_BITS + 1),
                                     acc_to_small, product_bit, product_to_small))
        big = Signal(width, name="big_operand")
        small = Signal(width, name="small_aligned")
        m.d.comb += [
            big.eq(Cat(*big_bits)),
            small.eq(_shift_right_sticky(m, Cat(*small_bits), amount, name="align")),
        ]

        # -- add -------------------------------------------------------------------------
        subtract = Signal(name="subtract")
        m.d.comb += subtract.eq(acc_sign ^ product_sign)
        total = Signal(width, name="total")
        m.d.comb += total.eq(big + (small ^ subtract.replicate(width)) + subtract)
        negative = Signal(name="negative")
        m.d.comb += negative.eq(subtract & total[-1])
        # ~total = |total| - 1 when negative; normalizing with ones shifted in keeps the
        # "- 1", which the rounding decision below adds back.
        magnitude = Signal(width, name="sum_magnitude")
        m.d.comb += magnitude.eq(total ^ negative.replicate(width))

        # -- normalize -------------------------------------------------------------------
        norm_stages = _stages_for(width - 1)
        limit = None
        if subnormal_reachable:
            # Gradual underflow: stop where the result exponent reaches 1.
            limit = Signal(range(above_unit, max(acc_exponent_max, exponent_high) + above_unit),
                           name="normalize_limit")
            m.d.comb += limit.eq(big_exponent + above_unit - 1)
        normalized_value, shift_value = _normalize_left(m, magnitude, norm_stages, negative, limit,
                                                         name="normalize")
        normalized = Signal(width, name="normalized")
        shift = Signal(norm_stages, name="normalize_shift")
        m.d.comb += [normalized.eq(normalized_value), shift.eq(shift_value)]
        leading = normalized[-1]
        result_exponent = Signal(range(min(1, exponent_low) + above_unit - (1 << norm_stages),
                                       max(acc_exponent_max, exponent_high) + above_unit + 1),
                                 name="result_exponent")
        m.d.comb += result_exponent.eq(big_exponent + above_unit - shift)

        # -- round -----------------------------------------------------------------------
        mantissa = normalized[width - 1 - acc_mantissa_bits:width - 1]
        guard = normalized[width - 2 - acc_mantissa_bits]
        low_bits = normalized[:width - 2 - acc_mantissa_bits]
        # Inverted case: the true low bits are these plus one.  All ones below the guard
        # bit carry into it (a guard of 1 then carries on, a whole increment); anything
        # else leaves them nonzero, so the guard bit alone decides.
        round_up = _named(m, "round_up", Mux(negative, guard | (low_bits.all() & mantissa[0]),
                       guard & (low_bits.any() | mantissa[0])))
        # A subnormal (or zero) result has exponent field 0.
        field = Mux(leading, result_exponent[:acc_exponent_bits], 0)
        rounded = Signal(acc_fmt.magnitude_bits, name="rounded")
        m.d.comb += rounded.eq(Cat(mantissa, field) + round_up)

        # An exactly zero sum is +0 unless both addends are -0.  Without subnormal
        # results the normalized top bit is 0 for a zero sum only.
        zero_sum = ~total.any() if subnormal_reachable else ~leading
        sign_big = Mux(swap, product_sign, acc_sign)
        result_sign = _named(m, "result_sign", (sign_big ^ negative) & ~(subtract & zero_sum))

        # -- special values --------------------------------------------------------------
        nan = Signal(name="nan")
        inf = Signal(name="inf")
        infinite = acc_inf | product_inf
        if overflow_reachable:
            infinite = infinite | (leading & (result_exponent >= acc_exponent_max))
        m.d.comb += [
            nan.eq(acc_nan | product_nan | (acc_inf & product_inf & subtract)),
            inf.eq(infinite),
        ]
        inf_sign = Mux(acc_inf, acc_sign, Mux(product_inf, product_sign, result_sign))
        special = _named(m, "special", nan | inf)
        next_acc = Signal(acc_fmt.width, name="next_acc")
        m.d.comb += next_acc.eq(Cat(
            rounded[:acc_mantissa_bits - 1] & ~special.replicate(acc_mantissa_bits - 1),
            Mux(special, nan, rounded[acc_mantissa_bits - 1]),
            rounded[acc_mantissa_bits:] | special.replicate(acc_exponent_bits),
            Mux(special, inf_sign & ~nan, result_sign)))
        with m.If(en):
            m.d.sync += acc.eq(next_acc)
        return m
