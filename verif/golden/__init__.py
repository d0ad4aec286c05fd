"""Bit-exact numpy golden models of the macforge units (docs/units.md sections 3-8).

Every model takes its parameters (number formats as :class:`formats.FloatFormat` or
names) and array-likes of port bit patterns, and returns ``int64`` bit patterns; the
accumulators return the value after every cycle, the systolic array each tile's results,
the dequantization PE each group-scaled dot product.  The models never import ``hdl``: a
golden model that shared logic with the hardware would check nothing.
"""

from .bitserial import bitserial_pe, group_dot_product
from .fmul import fmul, fmul_product
from .fp_mac import fp_mac, fp_mac_step
from .int_mac import int_mac, int_mac_step
from .lmul import lmul, lmul_offset, lmul_offset_exponent, lmul_product
from .systolic import systolic, systolic_os, systolic_ws

__all__ = ["lmul", "fmul", "int_mac", "fp_mac", "lmul_product", "fmul_product", "int_mac_step",
           "fp_mac_step", "lmul_offset", "lmul_offset_exponent", "systolic", "systolic_os",
           "systolic_ws", "bitserial_pe", "group_dot_product"]
