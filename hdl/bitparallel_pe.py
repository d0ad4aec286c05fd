"""The bit-parallel reference of the dequantization PE (docs/units.md section 7).

It computes what :class:`~.bitserial_pe.BitSerialPE` computes, on the same ports and
stream, one beat per cycle: each lane decodes its weight to a value and multiplies, and a
multiplier rescales each group sum.  The area report puts the two side by side, so the
cost of going serial is measured on the same work.
"""

from amaranth.hdl import Cat, Signal, signed

from macforge.formats import signed_width

from .dequant_pe import DEQUANT_PARAMETERS, DequantPE
from .dequantizer import ParallelDequantizer
from .lookup import lookup
from .named import named
from .parameters import Schema

__all__ = ["BitParallelPE"]


class BitParallelPE(DequantPE):
    """Dequantization PE taking one beat per cycle: ``lanes`` decoders and multipliers,
    an adder tree, and a ``group_sum x scale`` multiplier.

    Parameters are those of :class:`~.dequant_pe.DequantPE`.  ``cycles_per_beat`` = 1;
    a group takes ``group_size / lanes`` cycles (a new group sum is taken every cycle);
    ``latency`` = 2: the last beat's edge hands the group sum over, the next one adds its
    scaled value into ``out``.
    """

    kind = "bitparallel_pe"
    summary = ("bit-parallel reference of bitserial_pe: the same dot product, one beat "
               "per cycle, multipliers instead of digits")
    dequantizer_class = ParallelDequantizer
    parameters = Schema(*DEQUANT_PARAMETERS)
    report_configs = tuple({"dtype": dtype} for dtype in ("int4", "fp4_mixed", "fp3_mixed"))

    def __init__(self, **params):
        super().__init__(self.check_parameters(params))

    @property
    def cycles_per_beat(self):
        return 1

    @property
    def cycles_per_group(self):
        return self.beats_per_group

    @property
    def cycles_per_group_formula(self):
        return "group_size / lanes"


    def beat_sum(self, m, activations, codes, sel, digit):
        dtype = self.dtype
        value_shape = signed(signed_width(dtype.min_value, dtype.max_value))
        table = {code | selector << dtype.code_bits: (dtype.value(code, selector),)
                 for selector in dtype.selectors for code in range(1 << dtype.code_bits)}
        products = []
        for lane, (activation, code) in enumerate(zip(activations, codes)):
            value = Signal(value_shape, name=f"lane{lane}_weight")
            lookup(m, Cat(code, sel), table, (value,))
            products.append(named(m, f"lane{lane}_product", activation * value))
        return named(m, "lanes_sum", sum(products))
