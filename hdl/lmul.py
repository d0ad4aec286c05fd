"""L-Mul: the approximate floating-point multiplier of "Addition is All You Need"."""

from amaranth.hdl import Cat, Const, Module, Mux, Signal

from macforge.formats.products import lmul_offset_bits

from .float_view import FloatLayout, classify_product
from .multiplier import FloatMultiplier, multiplier_parameters
from .pipeline import Pipeline

__all__ = ["LMul", "lmul_offset_bits"]


def _any(conditions):
    """OR of a list of 1-bit values (0 for an empty list)."""
    result = Const(0, 1)
    for condition in conditions:
        result = result | condition
    return result


class LMul(FloatMultiplier):
    """L-Mul multiplier: a float multiply replaced by one integer addition.

    The magnitude of the product is ``ma + mb - (bias << M) + o`` computed on the raw
    exponent-and-mantissa bit patterns: a single adder whose constant operand folds the
    exponent bias and the paper's offset term.  A mantissa carry ripples into the
    exponent field, which is how the integer add approximates ``(1 + xm + ym) * 2^(xe+ye)``.
    Around the adder sits only the special-case logic of docs/units.md section 3: NaN and
    infinity inputs, flushing of zero/subnormal inputs, underflow to signed zero, and
    overflow to max finite (``saturate``) or infinity/NaN.

    Parameters
    ----------
    format : FloatFormat
        Number format of both operands and the product.
    saturate : bool
        Overflow gives the largest finite value (True, default) or infinity (kind
        ieee) / the canonical NaN (kind fn).
    pipeline_stages : int
        Register banks between inputs and output (0: combinational, the default).

    Attributes
    ----------
    a, b : Signal(format.width), in
        Operand bit patterns.
    y : Signal(format.width), out
        Product bit pattern, ``latency`` cycles after ``a`` and ``b``.
    """

    kind = "lmul"
    summary = "L-Mul approximate multiplier: one integer addition of the bit patterns"
    parameters = multiplier_parameters(saturate_default=True)

    def elaborate(self, platform):
        fmt = self.format
        m = Module()
        # Cut 0 splits the adder from the output muxing; extra stages stack on the output.
        pipeline = Pipeline(m, stages=self.pipeline_stages, cut_points=2)

        exponent_bits = fmt.exponent_bits
        mantissa_bits = fmt.mantissa_bits
        a, b = FloatLayout(fmt)(self.a), FloatLayout(fmt)(self.b)

        # r = ma + mb - (bias << M) + o, split at the mantissa/exponent boundary: the
        # mantissa fields and the offset add with a carry into the exponent fields' sum.
        # Judging underflow and overflow on the small exponent sum, rather than on r, keeps
        # the range checks off the wide adder (about 10 fewer gates for e4m3).  With the
        # offset the mantissa sum can reach 2^(M+1) (M >= 4), so its carry is two bits wide,
        # and the exponent sum can then reach 2^(E+1) (kind fn, whose top exponent is finite).
        offset = lmul_offset_bits(mantissa_bits)
        largest_carry = (2 * fmt.mantissa_mask + offset) >> mantissa_bits
        mantissa_sum = Signal(mantissa_bits + 2, name="mantissa_sum")
        exponent_sum = Signal(range(2 * fmt.exponent_field_max + largest_carry + 1),
                              name="exponent_sum")
        m.d.comb += [
            mantissa_sum.eq(a.mantissa + b.mantissa + offset),
            exponent_sum.eq(a.exponent + b.exponent + mantissa_sum[mantissa_bits:]),
        ]
        mantissa = mantissa_sum[:mantissa_bits]
        exponent = Signal(exponent_bits, name="exponent")
        m.d.comb += exponent.eq(exponent_sum - fmt.bias)

        # The result exponent is exponent_sum - bias; compare exponent_sum with constants
        # shifted by the bias instead, so no signed arithmetic is needed.
        max_exponent = fmt.max_finite_exponent_field
        max_mantissa = fmt.max_finite & fmt.mantissa_mask
        underflow = exponent_sum <= fmt.bias
        overflow = exponent_sum > max_exponent + fmt.bias
        if max_mantissa < fmt.mantissa_mask:
            # kind fn: the top binade is finite below the NaN pattern.
            overflow |= (exponent_sum == max_exponent + fmt.bias) & (mantissa > max_mantissa)

        # docs/units.md section 3 steps 1-3: NaN and infinity operands, and an operand with
        # exponent field 0 flushes the product to zero (inf times one is NaN).
        operands = classify_product(a, b, flush_subnormals=True)
        sign = Signal(name="sign")
        nan = Signal(name="nan")
        inf = Signal(name="inf")
        zero = Signal(name="zero")
        overflowed = Signal(name="overflow")
        m.d.comb += [
            sign.eq(operands.sign),
            nan.eq(operands.nan),
            inf.eq(operands.inf),
            zero.eq(operands.zero | underflow),
            overflowed.eq(overflow),
        ]
        sign, nan, inf, zero, overflowed, mantissa, exponent = pipeline.cut(
            sign, nan, inf, zero, overflowed, mantissa, exponent)

        # The special cases in the priority order of docs/units.md section 3.1, made
        # mutually exclusive, each with the magnitude it forces.
        overflow_magnitude = self.overflow_magnitude
        take_nan = Signal(name="take_nan")
        take_inf = Signal(name="take_inf")
        take_zero = Signal(name="take_zero")
        take_overflow = Signal(name="take_overflow")
        m.d.comb += [
            take_nan.eq(nan),
            take_inf.eq(inf & ~nan),
            take_zero.eq(zero & ~inf & ~nan),
            take_overflow.eq(overflowed & ~zero & ~inf & ~nan),
        ]
        cases = [(take_nan, fmt.canonical_nan), (take_inf, fmt.inf or 0),
                 (take_zero, 0), (take_overflow, overflow_magnitude)]

        # Each output bit is one multiplexer selected by the adder's bit, choosing between
        # "not forced to 0" and "forced to 1": both are shared per bit pattern, so a bit
        # costs a single MUX gate where a force-then-pass AND-OR would take two.
        result = Cat(mantissa, exponent)
        product = Signal(fmt.width, name="product")
        for bit in range(fmt.magnitude_bits):
            forced_one = [case for case, magnitude in cases if magnitude >> bit & 1]
            forced_zero = [case for case, magnitude in cases if not magnitude >> bit & 1]
            m.d.comb += product[bit].eq(Mux(result[bit],
                                            ~_any(forced_zero), _any(forced_one)))
        # NaN outputs are canonical, hence positive.
        m.d.comb += product[-1].eq(sign & ~nan & ~(take_overflow & self.overflow_is_nan))

        m.d.comb += self.y.eq(pipeline.cut(product))
        pipeline.finish()
        return m
