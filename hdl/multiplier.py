"""What the two-operand floating-point units share: parameters, ports, latency."""

from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .checks import check_bool, check_format
from .pipeline import check_pipeline_stages

__all__ = ["FloatMultiplier"]


class FloatMultiplier(wiring.Component):
    """Base of the multipliers: ``a``, ``b`` -> ``y``, all in one format.

    Parameters
    ----------
    format : FloatFormat or str
        Format of the operands and the product (a name such as ``"e4m3"`` is parsed).
    saturate : bool
        Overflow gives the largest finite value instead of infinity / NaN.
    pipeline_stages : int
        Register banks between operands and product; the latency in cycles.
    """

    def __init__(self, *, format, saturate, pipeline_stages):
        format = check_format("format", format)
        self._format = format
        self._saturate = check_bool("saturate", saturate)
        self._pipeline_stages = check_pipeline_stages(pipeline_stages)
        super().__init__({
            "a": In(format.width),
            "b": In(format.width),
            "y": Out(format.width),
        })

    @property
    def format(self):
        return self._format

    @property
    def saturate(self):
        return self._saturate

    @property
    def pipeline_stages(self):
        return self._pipeline_stages

    @property
    def latency(self):
        """Rising clock edges from operands to product (0: combinational)."""
        return self._pipeline_stages

    @property
    def overflow_magnitude(self):
        """Magnitude pattern a too-large product becomes (SPEC sections 3 and 4): the
        largest finite value when saturating, else infinity (kind ieee) or the canonical
        NaN (kind fn, which has no infinity)."""
        if self._saturate:
            return self._format.max_finite
        if self._format.kind == "fn":
            return self._format.canonical_nan
        return self._format.inf

    @property
    def overflow_is_nan(self):
        """Whether an overflow gives the canonical NaN, which is positive."""
        return not self._saturate and self._format.kind == "fn"
