"""The integer MAC step: ``(acc, a, b) -> f(acc + a * b)`` as hardware, for any loop."""

from typing import NamedTuple

from amaranth.hdl import Cat, Const, Mux, Signal, Value

from .mac import MacArithmetic
from .partial_products import and_columns, booth_columns, compress, rows
from .pipeline import Pipeline

__all__ = ["IntMacArithmetic", "IntProduct", "int_sum_width"]


def int_sum_width(*, a_width, b_width, signed, terms):
    """Bits that hold every sum of ``terms`` products of ``a_width``- by ``b_width``-bit
    integers, two's complement when ``signed``.  Signed, the products lie in
    ``[-2^(a-1) * (2^(b-1) - 1), 2^(a+b-2)]`` (or with a and b swapped, whichever reaches
    lower); unsigned in ``[0, (2^a - 1) * (2^b - 1)]``."""
    if signed:
        highest = terms << (a_width + b_width - 2)
        lowest = -terms * max((1 << (a_width - 1)) * ((1 << (b_width - 1)) - 1),
                              ((1 << (a_width - 1)) - 1) * (1 << (b_width - 1)))
        return max(highest.bit_length(), (-lowest - 1).bit_length()) + 1
    return (terms * ((1 << a_width) - 1) * ((1 << b_width) - 1)).bit_length()


class IntProduct(NamedTuple):
    """The product as the accumulate tree takes it: columns of bits still to be summed
    (partial products, or two carry-save rows after a pipeline register), and whether
    the operand signs differ (always 0 unsigned)."""

    columns: list
    signs_differ: Value


class IntMacArithmetic(MacArithmetic):
    """``acc' = f(acc + a * b)``, ``f`` wrapping or saturating at ``acc_width`` bits.

    The product is never formed on its own: the partial products and the low ``k`` bits
    of the accumulator (``k = a_width + b_width`` unsigned, two less signed) are reduced
    together by one tree of full adders to two rows and a single ``k + 1``-bit
    carry-propagate adder.  The accumulator bits above ``k`` only ever step by -1, 0 or
    +1, so they are an up/down incrementer rather than an adder: the adder's top bit says
    whether they step, and whether the operand signs differ says which way, straight from
    the operands and long before the adder's carry.

    The partial products are radix-4 Booth (half as many rows, which more than pays for
    the recoding), except for small unsigned operands, where a plain AND array came out
    smaller.  ``clear`` gates the accumulator operand to zero.

    With pipelining, the first register bank holds the product in carry-save form (two
    rows, no carry-propagate adder before it), the second the operands; more stack on
    the product.

    Parameters
    ----------
    a_width, b_width, signed, acc_width, overflow, pipeline_stages
        As the ``int_mac`` unit's.
    """

    def __init__(self, *, a_width, b_width, signed, acc_width, overflow, pipeline_stages,
                 multiplier="tree"):
        super().__init__(a_width=a_width, b_width=b_width, acc_width=acc_width,
                         pipeline_stages=pipeline_stages)
        self.signed = signed
        self.overflow = overflow
        self.multiplier = multiplier
        # The low part: k accumulator bits plus the product, summed modulo 2^(k+1).  With
        # s = "operand signs differ" (0 unsigned), acc[:k] + a*b + s*2^k lies in
        # [0, 2^(k+1)): unsigned, k = a_width + b_width bounds the product; signed, the
        # product lies in [-2^k, 0] when s = 1 and in [0, 2^k] when s = 0, which allows
        # k = a_width + b_width - 2.  So the accumulator's high part changes by
        # (that sum's bit k) - s, and that is -1, 0 or +1: it changes exactly when bit k
        # of the modulo-2^(k+1) sum, which leaves s out, is set.
        self._low_width = a_width + b_width - (2 if signed else 0)

    def _integer_kind(self):
        return "two's complement" if self.signed else "unsigned"

    def operand_meaning(self, name):
        width = self.a_width if name == "a" else self.b_width
        return f"{width}-bit {self._integer_kind()} integer"

    def sum_meaning(self):
        return (f"{self.acc_width}-bit {self._integer_kind()} integer, "
                f"overflow {self.overflow}s")

    def _bound_width(self, terms):
        return int_sum_width(a_width=self.a_width, b_width=self.b_width, signed=self.signed,
                             terms=terms)

    def sum_width(self, terms=None):
        """``acc_width``, or fewer bits where ``terms`` products cannot reach its limits
        (a sum that never overflows is the same wrapped, saturated or not)."""
        if terms is None:
            return self.acc_width
        return min(self._bound_width(terms), self.acc_width)

    def widen(self, value):
        return value.as_signed() if self.signed else value

    def multiply(self, m, a, b, *controls):
        # Cut 0: the operands; cut 1 (taken first): the carry-save product.
        pipeline = Pipeline(m, stages=self.pipeline_stages, cut_points=2)
        a, b, *controls = pipeline.cut(a, b, *controls)
        sum_width = self._low_width + 1
        # Booth recoding halves the rows of the tree, but costs a multiplexer per
        # partial-product bit: small unsigned products come out smaller as a plain AND
        # array (8x8: 504 against 510 generic cells; 16x16: 1711 against 1541).
        if self.multiplier == "dsp":
            # One multiply operator, which FPGA synthesis maps to a DSP block: its low
            # bits are the product modulo 2^(k+1), one row of the tree.
            product = Signal(sum_width, name="product")
            m.d.comb += product.eq(self.widen(a) * self.widen(b))
            columns, constant = [[product[index]] for index in range(sum_width)], 0
        elif self.signed or self.a_width * self.b_width > 64:
            columns, constant = booth_columns(m, a, b, sum_width, signed=self.signed)
        else:
            columns, constant = and_columns(a, b, sum_width)
        if self.signed:
            signs_differ = Signal(name="signs_differ")
            m.d.comb += signs_differ.eq(a[-1] ^ b[-1])
            controls.append(signs_differ)
        for index in range(sum_width):
            if constant >> index & 1:
                columns[index].append(Const(1, 1))
        if self.pipeline_stages:
            # Register the product as two rows: no carry-propagate adder on this side.
            product_sum, product_carry = Signal(sum_width), Signal(sum_width)
            m.d.comb += Cat(product_sum, product_carry).eq(
                Cat(*rows(compress(m, columns, "product"))))
            product_sum, product_carry, *controls = pipeline.cut(
                product_sum, product_carry, *controls)
            columns = [[product_sum[i], product_carry[i]] for i in range(sum_width)]
        else:
            # Unpipelined, the accumulator joins the partial products in one tree.  (A
            # cut of one value returns the value, not a tuple.)
            cut = pipeline.cut(*controls)
            controls = [cut] if len(controls) == 1 else list(cut)
        pipeline.finish()
        signs_differ = controls.pop() if self.signed else Const(0, 1)
        return IntProduct(columns, signs_differ), tuple(controls)

    def accumulate(self, m, acc, product, *, clear, terms=None):
        width = self.sum_width(terms)
        # Saturation and the overflow flag exist only where a sum can leave the range.
        can_overflow = terms is None or self._bound_width(terms) > self.acc_width
        low_width, signs_differ = self._low_width, product.signs_differ
        columns = [list(column) for column in product.columns]
        sum_width = low_width + 1

        addend = Signal(width)
        m.d.comb += addend.eq(Value.cast(self.widen(Value.cast(acc)))
                              & ~clear.replicate(width))
        for index in range(low_width):
            columns[index].append(addend[index])
        low_sum = Signal(sum_width)
        sum_row, carry_row = rows(compress(m, columns, "accumulate"))
        m.d.comb += low_sum.eq(sum_row + carry_row)

        # The high part steps by one when the low sum's top bit is set: down if the
        # operand signs differ, else up.  The step ripples through the bits that "pass"
        # it: ones going up, zeros going down.
        high_width = width - low_width
        # One signal per bit: a vector whose bits feed each other is a combinational
        # loop to Verilator's scheduler (UNOPTFLAT), though not to the logic.
        steps = [Signal(name=f"high_step{index}") for index in range(high_width + 1)]
        m.d.comb += steps[0].eq(low_sum[low_width])
        result = Signal(width)
        if high_width:
            high = addend[low_width:]
            passes = Signal(high_width, name="high_passes")
            m.d.comb += passes.eq(high ^ signs_differ.replicate(high_width))
            for index in range(high_width):
                m.d.comb += steps[index + 1].eq(steps[index] & passes[index])
            m.d.comb += result.eq(Cat(low_sum[:low_width], high ^ Cat(*steps[:high_width])))
        else:
            # Unsigned with a sum of a_width + b_width bits: no high part.
            m.d.comb += result.eq(low_sum[:low_width])
        if not can_overflow or self.overflow == "wrap":
            return result
        if self.signed:
            # The sign bit flips away from the direction of the step: 0111.. went up,
            # 1000.. went down.  (A signed sum always has two or more high bits.)
            overflowed = steps[high_width - 1] & ~passes[high_width - 1]
            limit = Cat((~signs_differ).replicate(width - 1), signs_differ)
        else:
            overflowed = steps[high_width]
            limit = Const((1 << width) - 1, width)
        return Mux(overflowed, limit, result)
