"""Integer multiply-accumulate unit (docs/units.md section 5)."""

from amaranth.hdl import Cat, Const, Module, Mux, Signal

from .mac import MAC_PIPELINE_STAGES, MultiplyAccumulator
from .parameters import BoolParameter, ChoiceParameter, IntParameter, Schema
from .partial_products import and_columns, booth_columns, compress, rows
from .pipeline import Pipeline

__all__ = ["IntMAC"]

_MIN_OPERAND_WIDTH, _MAX_OPERAND_WIDTH = 2, 16
_MAX_ACC_WIDTH = 48


class IntMAC(MultiplyAccumulator):
    """Integer multiply-accumulate: ``acc <- f((clear ? 0 : acc) + a * b)`` while ``en``.

    ``f`` wraps modulo ``2^acc_width`` or saturates to the accumulator's range (docs/units.md
    section 5).  One accumulation per clock at every pipelining depth.

    The product is never formed on its own: the partial products and the low ``k`` bits
    of the accumulator (``k = a_width + b_width`` unsigned, two less signed) are reduced
    together by one tree of full adders to two rows and a single ``k + 1``-bit
    carry-propagate adder.  The accumulator bits above ``k`` only ever step by -1, 0 or
    +1, so they are an up/down incrementer rather than an adder: the adder's top bit says
    whether they step, and whether the operand signs differ says which way, straight from
    the operands and long before the adder's carry.

    The partial products are radix-4 Booth (half as many rows, which more than pays for
    the recoding), except for small unsigned operands, where a plain AND array came out
    smaller.  ``clear`` gates the accumulator operand to zero; ``en`` is the accumulator's
    flip-flop enable.

    Parameters
    ----------
    a_width, b_width : int
        Operand widths, 2 to 16 (default 8).
    signed : bool
        Two's complement operands and accumulator (True, default) or all unsigned.
    acc_width : int
        Accumulator width, ``a_width + b_width`` to 48 (default 32).
    overflow : {"wrap", "saturate"}
        Wrap modulo ``2^acc_width`` (default) or clamp to ``[-2^(W-1), 2^(W-1) - 1]``
        (signed) / ``[0, 2^W - 1]`` (unsigned).
    pipeline_stages : int
        Register banks on the multiply side (default 0).  The first one holds the
        product in carry-save form (two rows, no carry-propagate adder before it), the
        second the operands; more stack on the product.  ``en`` and ``clear`` travel with
        their operands, so back-to-back accumulation holds at every depth.

    Attributes
    ----------
    a : Signal(a_width), in
        Operand bit pattern.
    b : Signal(b_width), in
        Operand bit pattern.
    en : Signal(1), in
        Accumulate on this cycle's rising edge (``latency`` edges later).
    clear : Signal(1), in
        With ``en``: accumulate onto zero instead of ``acc``.
    acc : Signal(acc_width), out
        Accumulator bit pattern; ``rst`` (synchronous, active high) sets it to 0.
    """

    kind = "int_mac"
    summary = "integer multiply-accumulate: acc <- (clear ? 0 : acc) + a * b"
    parameters = Schema(
        IntParameter("a_width", 8, "bits of a", minimum=_MIN_OPERAND_WIDTH,
                     maximum=_MAX_OPERAND_WIDTH),
        IntParameter("b_width", 8, "bits of b", minimum=_MIN_OPERAND_WIDTH,
                     maximum=_MAX_OPERAND_WIDTH),
        BoolParameter("signed", True, "two's complement operands and accumulator "
                      "(--no-signed: all unsigned)"),
        IntParameter("acc_width", 32, f"accumulator bits, from a_width + b_width to "
                     f"{_MAX_ACC_WIDTH}", minimum=2 * _MIN_OPERAND_WIDTH, maximum=_MAX_ACC_WIDTH),
        ChoiceParameter("overflow", "wrap", "accumulator overflow: wrap modulo 2^acc_width "
                        "or saturate to its range", options=("wrap", "saturate")),
        MAC_PIPELINE_STAGES,
    )

    def __init__(self, **params):
        params = self.check_parameters(params)
        product_width = params["a_width"] + params["b_width"]
        if params["acc_width"] < product_width:
            raise ValueError(f"acc_width must be an integer from a_width + b_width "
                             f"({product_width}) to {_MAX_ACC_WIDTH} (narrower would truncate "
                             f"the product), not {params['acc_width']!r}")
        super().__init__(params, a_width=params["a_width"], b_width=params["b_width"],
                         acc_width=params["acc_width"])

    @classmethod
    def top_name(cls, params):
        # int_mac_s8x8_acc32 reads better than a list of width tags.
        name = (f"int_mac_{'s' if params['signed'] else 'u'}"
                f"{params['a_width']}x{params['b_width']}_acc{params['acc_width']}")
        if params["overflow"] != "wrap":
            name += "_sat"
        if params["pipeline_stages"]:
            name += f"_p{params['pipeline_stages']}"
        return name

    @property
    def a_width(self):
        return self._params["a_width"]

    @property
    def b_width(self):
        return self._params["b_width"]

    @property
    def signed(self):
        return self._params["signed"]

    @property
    def acc_width(self):
        return self._params["acc_width"]

    @property
    def overflow(self):
        return self._params["overflow"]

    def _integer_kind(self):
        return "two's complement" if self.signed else "unsigned"

    def _operand_role(self, name):
        return f"operand, {self._params[name + '_width']}-bit {self._integer_kind()} integer"

    def _accumulator_role(self):
        return (f"accumulator, {self.acc_width}-bit {self._integer_kind()} integer, "
                f"overflow {self.overflow}s")

    def elaborate(self, platform):
        m = Module()
        acc_width = self.acc_width
        # Cut 0: the operands; cut 1 (taken first): the carry-save product.
        pipeline = Pipeline(m, stages=self.pipeline_stages, cut_points=2)
        a, b, en, clear = pipeline.cut(self.a, self.b, self.en, self.clear)

        # The low part: k accumulator bits plus the product, summed modulo 2^(k+1).  With
        # s = "operand signs differ" (0 unsigned), acc[:k] + a*b + s*2^k lies in
        # [0, 2^(k+1)): unsigned, k = a_width + b_width bounds the product; signed, the
        # product lies in [-2^k, 0] when s = 1 and in [0, 2^k] when s = 0, which allows
        # k = a_width + b_width - 2.  So the accumulator's high part changes by
        # (that sum's bit k) - s, and that is -1, 0 or +1: it changes exactly when bit k
        # of the modulo-2^(k+1) sum, which leaves s out, is set.
        low_width = self.a_width + self.b_width - (2 if self.signed else 0)
        sum_width = low_width + 1
        # Booth recoding halves the rows of the tree, but costs a multiplexer per
        # partial-product bit: small unsigned products come out smaller as a plain AND
        # array (8x8: 504 against 510 generic cells; 16x16: 1711 against 1541).
        if self.signed or self.a_width * self.b_width > 64:
            columns, constant = booth_columns(m, a, b, sum_width, signed=self.signed)
        else:
            columns, constant = and_columns(a, b, sum_width)
        if self.signed:
            signs_differ = Signal(name="signs_differ")
            m.d.comb += signs_differ.eq(a[-1] ^ b[-1])
        else:
            signs_differ = Const(0, 1)
        for index in range(sum_width):
            if constant >> index & 1:
                columns[index].append(Const(1, 1))

        # What travels with the product to the accumulator (no register for a constant).
        controls = (en, clear, signs_differ) if self.signed else (en, clear)
        if self.pipeline_stages:
            # Register the product as two rows: no carry-propagate adder on this side.
            product_sum, product_carry = Signal(sum_width), Signal(sum_width)
            m.d.comb += Cat(product_sum, product_carry).eq(
                Cat(*rows(compress(m, columns, "product"))))
            product_sum, product_carry, *controls = pipeline.cut(
                product_sum, product_carry, *controls)
            columns = [[product_sum[i], product_carry[i]] for i in range(sum_width)]
        else:
            # Unpipelined, the accumulator joins the partial products in one tree.
            controls = pipeline.cut(*controls)
        en, clear, *signs_differ = controls
        signs_differ = signs_differ[0] if signs_differ else Const(0, 1)

        addend = Signal(acc_width)
        m.d.comb += addend.eq(self.acc & ~clear.replicate(acc_width))
        for index in range(low_width):
            columns[index].append(addend[index])
        low_sum = Signal(sum_width)
        sum_row, carry_row = rows(compress(m, columns, "accumulate"))
        m.d.comb += low_sum.eq(sum_row + carry_row)

        # The high part steps by one when the low sum's top bit is set: down if the
        # operand signs differ, else up.  The step ripples through the bits that "pass"
        # it: ones going up, zeros going down.
        high_width = acc_width - low_width
        # One signal per bit: a vector whose bits feed each other is a combinational
        # loop to Verilator's scheduler (UNOPTFLAT), though not to the logic.
        steps = [Signal(name=f"high_step{index}") for index in range(high_width + 1)]
        m.d.comb += steps[0].eq(low_sum[low_width])
        result = Signal(acc_width)
        if high_width:
            high = addend[low_width:]
            passes = Signal(high_width, name="high_passes")
            m.d.comb += passes.eq(high ^ signs_differ.replicate(high_width))
            for index in range(high_width):
                m.d.comb += steps[index + 1].eq(steps[index] & passes[index])
            m.d.comb += result.eq(Cat(low_sum[:low_width], high ^ Cat(*steps[:high_width])))
        else:
            # Unsigned with acc_width = a_width + b_width: no high part.
            m.d.comb += result.eq(low_sum[:low_width])
        if self.signed:
            # The sign bit flips away from the direction of the step: 0111.. went up,
            # 1000.. went down.  (A signed unit always has two or more high bits.)
            overflowed = steps[high_width - 1] & ~passes[high_width - 1]
        else:
            overflowed = steps[high_width]

        update = result
        if self.overflow == "saturate":
            if self.signed:
                limit = Cat((~signs_differ).replicate(acc_width - 1), signs_differ)
            else:
                limit = Const((1 << acc_width) - 1, acc_width)
            update = Mux(overflowed, limit, result)
        with m.If(en):
            m.d.sync += self.acc.eq(update)
        pipeline.finish()
        return m
