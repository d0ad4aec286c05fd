"""What the two-operand floating-point units share: parameters, ports, latency."""

from amaranth.lib.wiring import In, Out

from .parameters import BoolParameter, FormatParameter, IntParameter, Schema
from .unit import UnitComponent

__all__ = ["FloatMultiplier", "multiplier_parameters"]

# Report configurations of both multipliers: the 8-bit and 16-bit formats.
_REPORT_FORMATS = ("e4m3", "e5m2", "fp16", "bf16")


def multiplier_parameters(*, saturate_default):
    """The schema of a two-operand unit; the multipliers differ in ``saturate``'s default."""
    return Schema(
        FormatParameter("format", "e4m3", "number format of operands and result "
                        "(e4m3, e5m2, fp16, bf16, fp32, e<E>m<M>[fn|ieee])"),
        BoolParameter("saturate", saturate_default,
                      "overflow gives max finite instead of inf/NaN", tags=("sat", "nosat")),
        IntParameter("pipeline_stages", 0, "register stages; the latency in cycles",
                     minimum=0, maximum=16, tag_prefix="p"),
    )


class FloatMultiplier(UnitComponent):
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

    report_configs = tuple({"format": name} for name in _REPORT_FORMATS)

    def __init__(self, **params):
        params = self.check_parameters(params)
        width = params["format"].width
        super().__init__({"a": In(width), "b": In(width), "y": Out(width)}, params)

    @property
    def format(self):
        return self._params["format"]

    @property
    def saturate(self):
        return self._params["saturate"]

    @property
    def pipeline_stages(self):
        return self._params["pipeline_stages"]

    @property
    def latency(self):
        """Rising clock edges from operands to product: ``pipeline_stages`` (0 is
        combinational)."""
        return self.pipeline_stages

    def port_roles(self):
        name = self.format.name
        return {"a": f"operand, {name} bits", "b": f"operand, {name} bits",
                "y": f"product, {name} bits"}

    def port_formats(self):
        return {"a": self.format, "b": self.format, "y": self.format}

    @property
    def overflow_magnitude(self):
        """Magnitude pattern a too-large product becomes (docs/units.md sections 3 and
        4), by :meth:`FloatFormat.overflow_magnitude`."""
        return self.format.overflow_magnitude(saturate=self.saturate)

    @property
    def overflow_is_nan(self):
        """Whether an overflow gives the canonical NaN, which is positive."""
        return bool(self.format.is_nan(self.overflow_magnitude))
