"""Floating-point multiply-accumulate unit (docs/units.md section 6).

``acc <- RNE_acc((clear ? +0 : acc) + p)`` with one rounding, where ``p`` is the exact
product of two small floats (``mul="exact"``) or the unclamped L-Mul product
(``mul="lmul"``).  The accumulate loop (align, add, normalize, round, special cases)
closes in one cycle; pipeline registers only ever go on the multiply side.
"""

from macforge.formats.products import PRODUCT_KINDS
from macforge.formats.reach import accumulator_reach

from .float_view import FloatLayout
from .fp_accumulate import AccumulateLoop
from .fp_product import exact_product, lmul_product
from .mac import MAC_PIPELINE_STAGES, MacArithmetic, MultiplyAccumulator
from .parameters import ChoiceParameter, FormatParameter, Schema
from .pipeline import Pipeline

__all__ = ["FPMAC", "FpMacArithmetic", "ACC_FORMAT_NAMES", "MUL_KINDS"]

ACC_FORMAT_NAMES = ("fp32", "bf16", "fp16")
MUL_KINDS = PRODUCT_KINDS
MAX_IN_EXPONENT_BITS = 5
MAX_IN_MANTISSA_BITS = 3


class FPMAC(MultiplyAccumulator):
    """Floating-point multiply-accumulate: ``acc <- RNE_acc((clear ? +0 : acc) + a * b)``.

    On every rising clock edge with ``en`` = 1 the accumulator takes the sum of its value
    (+0 when ``clear`` = 1) and the product, rounded once to nearest even in
    ``acc_format`` with gradual underflow.  A NaN operand or accumulator, inf * 0 and
    inf - inf give the canonical NaN, which stays until a clear; an overflowing sum gives
    +-inf; an exact zero sum is +0 unless both addends are -0 (docs/units.md section 6).
    With ``en`` = 0 the accumulator holds and ``clear`` is ignored; ``rst`` sets it to +0.

    Parameters
    ----------
    in_format : FloatFormat or str
        Format of ``a`` and ``b``: any format of docs/units.md section 2 with at most 5
        exponent and 3 mantissa bits (e4m3, e5m2, e3m2, e2m1, e4m3ieee, e5m3fn, ...).
    acc_format : FloatFormat or str
        Format of the accumulator: ``fp32`` (default), ``bf16`` or ``fp16``.
    mul : str
        ``"exact"`` (default): the product is ``a * b`` exactly, subnormal operands
        honoured.  ``"lmul"``: the L-Mul product of docs/units.md section 3 before any
        clamp (+-0 when an operand has exponent field 0).
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
    :meth:`elaborate` builds the steps below in this order, each a function or method
    of that name: step 1 in :mod:`~macforge.hdl.fp_product`, which hands the loop a
    :class:`~macforge.hdl.fp_product.Product`, and steps 2 to 7 in
    :class:`~macforge.hdl.fp_accumulate.AccumulateLoop`.  The accumulate loop is a
    single-path floating-point adder specialised for one wide operand (the accumulator,
    Ma + 1 significand bits) and one narrow one (the product: 2M + 2 bits exact, M + 1
    bits L-Mul):

    1. **Product.**  Exact: subnormal operands are normalized (M-bit priority encoders)
       so the significand product lies in [1, 4); its exponent is the operand exponents'
       sum, rebiased to ``acc_format``.  L-Mul: ``ma + mb + o`` is one adder whose low M
       bits are the product's mantissa and whose upper bits are ``floor(r / 2^M) + bias``.
    2. **Unpack the accumulator.**  It only ever holds results of this unit, so a stored
       NaN is the canonical one and the all-ones exponent with mantissa MSB 0 is
       infinity: two flags from three bits.  ``clear`` makes it +0.
    3. **Swap and align.**  One exponent difference decides which operand is "big"; only
       the other one goes through the alignment shifter (sticky bits ORed into the
       frame's LSB).  When the product is big, the accumulator enters the shifter
       pre-shifted by one, so the shift amount is the difference's one's complement and
       no negation is needed.  ``clear`` gates the accumulator's bits in the same select.
       The frame holds the accumulator, three guard bits below it and room for the
       product's second integer bit and the sum's carry above it.
    4. **Add.**  One adder; a negative difference (the product was the larger operand
       after all: only possible without loss to the sticky bit, or for tiny results) is
       inverted, not negated: ``~x = |x| - 1``, and shifting in ones while normalizing
       keeps ``value - 1``, so the rounding step adds the missing one back.
    5. **Normalize.**  A leading-zero shift decided stage by stage from the top; where
       subnormal results are possible, each stage also checks that the exponent does not
       go below 1 (gradual underflow).
    6. **Round.**  One increment of the concatenated exponent and mantissa fields, so a
       mantissa carry moves into the exponent (subnormal to normal, or the largest finite
       value to infinity).  The rounding decision folds in the inverted case.
    7. **Special values.**  NaN and infinity force the exponent field to all ones and
       the mantissa to the canonical NaN's or zero.

    :func:`~macforge.formats.reach.accumulator_reach` proves, per configuration, whether a subnormal result or
    an overflow can happen at all; the limit of step 5 and the overflow check of step 7
    exist only where one can (fp16 for most input formats).
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
        super().__init__(self.check_parameters(params))

    @classmethod
    def arithmetic(cls, params):
        return FpMacArithmetic(**{name: params[name] for name in cls.parameters.names})

    @property
    def in_format(self):
        return self._params["in_format"]

    @property
    def acc_format(self):
        return self._params["acc_format"]

    @property
    def mul(self):
        return self._params["mul"]

    def accumulator_role(self):
        return f"{super().accumulator_role()}; NaN sticks until clear"


class FpMacArithmetic(MacArithmetic):
    """The step of :class:`FPMAC`: step 1 of its notes in :meth:`multiply`, steps 2 to 7
    (one cycle) in :meth:`accumulate`.

    Parameters
    ----------
    in_format, acc_format, mul, pipeline_stages
        As the ``fp_mac`` unit's, formats as :class:`~macforge.formats.FloatFormat`.
    """

    def __init__(self, *, in_format, acc_format, mul, pipeline_stages):
        super().__init__(a_width=in_format.width, b_width=in_format.width,
                         acc_width=acc_format.width, pipeline_stages=pipeline_stages)
        self.in_format = in_format
        self.acc_format = acc_format
        self.mul = mul

    def operand_meaning(self, name):
        return f"{self.in_format.name} bits"

    def sum_meaning(self):
        return f"{self.acc_format.name} bits"

    def formats(self):
        return {"a": self.in_format, "b": self.in_format, "acc": self.acc_format}

    def multiply(self, m, a, b, *controls):
        # Cut 0 splits operand unpacking from the multiplier, cut 1 registers the product
        # in front of the loop; one bank goes to cut 1, two use both, more stack on cut 1.
        pipeline = Pipeline(m, stages=self.pipeline_stages, cut_points=2)
        operand = FloatLayout(self.in_format)
        multiply = exact_product if self.mul == "exact" else lmul_product
        product, controls = multiply(m, pipeline, operand(a), operand(b), controls,
                                     acc_format=self.acc_format)
        product, controls = product.cut(pipeline, *controls)
        pipeline.finish()
        return product, controls

    def accumulate(self, m, acc, product, *, clear, terms=None):
        # A bounded number of terms proves nothing here: every step rounds in acc_format.
        subnormal_reachable, overflow_reachable = accumulator_reach(
            self.in_format, self.acc_format, self.mul)
        loop = AccumulateLoop(m, acc_format=self.acc_format, product=product, clear=clear,
                              subnormal_reachable=subnormal_reachable,
                              overflow_reachable=overflow_reachable)
        addend = loop.unpack_accumulator(FloatLayout(self.acc_format)(acc))
        aligned = loop.align(addend)
        total = loop.add(addend, aligned)
        normalized = loop.normalize(aligned, total)
        rounded = loop.round(addend, aligned, total, normalized)
        return loop.special_values(addend, total, normalized, rounded)
