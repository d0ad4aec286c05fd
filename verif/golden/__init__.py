"""Bit-exact numpy golden models of the macforge units (SPEC sections 3-4).

Every model takes a :class:`formats.FloatFormat` and array-likes of bit patterns and
returns an ``int64`` array of bit patterns.  The models never import ``hdl``: a golden
model that shared logic with the hardware would check nothing.
"""

from .fmul import fmul, fmul_product
from .lmul import lmul, lmul_offset, lmul_offset_exponent, lmul_product

__all__ = ["lmul", "fmul", "lmul_product", "fmul_product", "lmul_offset", "lmul_offset_exponent"]
