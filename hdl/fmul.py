"""Exact floating-point multiplier (docs/units.md section 4), the baseline L-Mul is
measured against."""

from amaranth.hdl import C, Cat, Module, Mux, Signal
from .exact_product import normalize, significand_product
from .float_view import FloatLayout, classify_product
from .multiplier import FloatMultiplier, multiplier_parameters
from .pipeline import Pipeline

__all__ = ["FMul"]


def _prefix_or(m, value, *, name):
    """``result[k]`` is the OR of ``value[0:k]``: sticky bits for every shift at once.

    Each running OR is its own named 1-bit signal: an expression would be copied into
    every later bit (quadratic Verilog), and bits of one vector feeding each other make
    Verilator report UNOPTFLAT.
    """
    bits = [C(0, 1)]
    for index in range(len(value)):
        running = Signal(name=f"{name}_{index + 1}")
        m.d.comb += running.eq(bits[-1] | value[index])
        bits.append(running)
    return Cat(*bits)


class FMul(FloatMultiplier):
    """Exact floating-point multiplier: ``y = RNE(a * b)`` in one format (docs/units.md
    section 4).

    Subnormal inputs are honoured and results underflow gradually; a NaN input gives the
    canonical NaN; (kind ieee) inf * 0 gives the canonical NaN and inf * nonzero gives
    inf with sign ``s = sign(a) xor sign(b)``; a zero result has sign ``s``.  A rounded
    magnitude above the largest finite value overflows to inf (kind ieee) or the
    canonical NaN (kind fn) or, with ``saturate``, to the largest finite value with
    sign ``s``.

    Parameters
    ----------
    format : FloatFormat
        Format of ``a``, ``b`` and ``y``; any format of docs/units.md section 2.
    saturate : bool
        Overflow gives the largest finite magnitude instead of inf/NaN.  Default False,
        the ml_dtypes behaviour.
    pipeline_stages : int
        Register banks, default 0 (purely combinational, no ``clk``/``rst``).  The
        datapath offers four cut points: after unpacking, after the multiplier, after
        the shift, and the output.  One bank goes on the output, two add one after the
        multiplier (splitting the logic depth about in half), three add one after the
        shift, four use every cut point; further banks are stacked on the output.

    Attributes
    ----------
    a, b : In(format.width)
        Operand bit patterns.
    y : Out(format.width)
        Product bit pattern, ``latency`` clock cycles after ``a`` and ``b``.

    Notes
    -----
    With ``E``/``M`` exponent/mantissa bits the datapath is:

    1. **Unpack.**  A subnormal operand is normalized up front: a priority encoder
       counts the leading zeros ``lz`` of its fraction, the fraction is shifted left
       past its leading one and its exponent becomes ``-lz``.  The exponent sum
       ``exp_a + exp_b - bias`` is then the result's biased exponent for a product in
       [1, 2).  Normalizing the two ``M``-bit fractions is cheaper than a leading-zero
       count and left shift over the ``2M+2``-bit product, and it leaves at most a
       one-bit normalization after the multiplier.
    2. **Multiply.**  Both significands have a leading one, so their
       ``(M+1) x (M+1)``-bit product lies in [1, 4).
    3. **Normalize and denormalize.**  The product's top bit selects the one-bit
       normalization and adds to the exponent.  A biased exponent below 1 (gradual
       underflow) shifts the significand right by ``1 - exponent``, clamped at
       ``M + 2`` where every bit is already below the guard bit; the sticky bit is
       picked from a prefix OR of the product at the shift amount, so one shifter
       serves the whole range.  A zero operand takes the same path with the longest
       shift, so zeros need no output multiplexer of their own.
    4. **Round and special cases.**  One round-to-nearest-even increment is added to
       the concatenated exponent and fraction, so a mantissa carry moves into the
       exponent (a subnormal rounding up becomes the smallest normal, the largest
       binade rounding up overflows).  Overflow, NaN and infinity then select the
       output constants taken from :class:`FloatFormat`.

    Kind ``fn`` needs no special datapath: its all-ones exponent is an ordinary binade,
    and the NaN pattern is above ``max_finite``, so the overflow test catches a rounded
    result landing on it.
    """

    kind = "fmul"
    summary = "exact floating-point multiplier, round to nearest even, subnormals"
    parameters = multiplier_parameters(saturate_default=False)

    def elaborate(self, platform):
        fmt = self.format
        exponent_bits, mantissa_bits, bias = fmt.exponent_bits, fmt.mantissa_bits, fmt.bias
        exponent_max = fmt.exponent_field_max
        product_bits = 2 * mantissa_bits + 2
        # Any right shift beyond this leaves only sticky bits below the guard bit.
        shift_limit = mantissa_bits + 2
        # normalize() gives exponents from -mantissa_bits (a normalized subnormal's go
        # down to 1 - mantissa_bits, a flagged zero's to -mantissa_bits).
        sum_range = range(-2 * mantissa_bits - bias, 2 * exponent_max - bias + 2)

        m = Module()
        pipeline = Pipeline(m, stages=self.pipeline_stages, cut_points=4)

        # -- 1. unpack, normalize subnormal operands, add exponents ---------------------
        a, b = FloatLayout(fmt)(self.a), FloatLayout(fmt)(self.b)
        operands = classify_product(a, b, flush_subnormals=False)
        normalized_a, normalized_b = normalize(m, a, "a"), normalize(m, b, "b")

        sign = Signal()
        exponent_sum = Signal(sum_range)
        any_zero = Signal()
        nan = Signal()
        inf = Signal()
        m.d.comb += [
            sign.eq(operands.sign),
            exponent_sum.eq(normalized_a.exponent + normalized_b.exponent - bias),
            any_zero.eq(operands.zero),
            nan.eq(operands.nan),
            inf.eq(operands.inf),
        ]

        fraction_a, fraction_b = normalized_a.fraction, normalized_b.fraction
        sign, fraction_a, fraction_b, exponent_sum, any_zero, nan, inf = pipeline.cut(
            sign, fraction_a, fraction_b, exponent_sum, any_zero, nan, inf)

        # -- 2. significand product (both significands have a leading one) -------------
        product = Signal(product_bits)
        m.d.comb += product.eq(significand_product(fraction_a, fraction_b))

        sign, product, exponent_sum, any_zero, nan, inf = pipeline.cut(
            sign, product, exponent_sum, any_zero, nan, inf)

        # -- 3. one-bit normalization, denormalizing shift with sticky -----------------
        top = product[-1]
        window = Signal(product_bits)          # leading one at the top
        biased_range = range(sum_range.start, sum_range.stop + 1)
        biased_exponent = Signal(biased_range)
        m.d.comb += [
            window.eq(Mux(top, product, product << 1)),
            biased_exponent.eq(exponent_sum + top),
        ]
        underflow = Signal()
        shift_request = Signal(range(2 - biased_range.stop, 2 - biased_range.start))
        shift = Signal(range(shift_limit + 1))
        m.d.comb += [
            underflow.eq((biased_exponent < 1) | any_zero),
            shift_request.eq(1 - biased_exponent),
            shift.eq(Mux(underflow,
                         Mux((shift_request > shift_limit) | any_zero, shift_limit, shift_request),
                         0)),
        ]
        shifted = Signal(product_bits)
        guard = Signal()
        sticky = Signal()
        huge = Signal()
        unrounded = Signal(fmt.magnitude_bits)  # exponent field and fraction, truncated
        m.d.comb += [
            shifted.eq(window >> shift),
            guard.eq(shifted[mantissa_bits]),
            # Everything below the guard bit: window[0 : mantissa_bits + shift].
            sticky.eq(_prefix_or(m, window, name="window_or_below")
                      .bit_select(shift + mantissa_bits, 1)),
            # An exponent above the field's range overflows whatever the rounding does.
            huge.eq(~underflow & (biased_exponent > exponent_max)),
            # A subnormal result has exponent field 0; its shifted implicit bit is 0.
            unrounded.eq(Cat(shifted[mantissa_bits + 1:2 * mantissa_bits + 1],
                             Mux(underflow, 0, biased_exponent[:exponent_bits]))),
        ]

        sign, unrounded, guard, sticky, huge, nan, inf = pipeline.cut(
            sign, unrounded, guard, sticky, huge, nan, inf)

        # -- 4. round to nearest even, overflow and special values ---------------------
        rounded = Signal(fmt.magnitude_bits + 1)
        overflow = Signal()
        m.d.comb += [
            rounded.eq(unrounded + (guard & (sticky | unrounded[0]))),
            overflow.eq(huge | (rounded > fmt.max_finite)),
        ]
        overflow_magnitude = self.overflow_magnitude
        magnitude = Signal(fmt.magnitude_bits)
        with m.If(nan):
            m.d.comb += magnitude.eq(fmt.canonical_nan)
        if fmt.has_inf:
            with m.Elif(inf):
                m.d.comb += magnitude.eq(fmt.inf)
        with m.Elif(overflow):
            m.d.comb += magnitude.eq(overflow_magnitude)
        with m.Else():
            m.d.comb += magnitude.eq(rounded)
        # The canonical NaN has sign 0, whether it comes from a NaN input or (fn) overflow.
        nan_out = (nan | overflow) if self.overflow_is_nan else nan
        result = Signal(fmt.width)
        m.d.comb += result.eq(Cat(magnitude, sign & ~nan_out))

        result = pipeline.cut(result)
        pipeline.finish()
        m.d.comb += self.y.eq(result)
        return m
