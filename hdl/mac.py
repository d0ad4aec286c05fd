"""What the multiply-accumulate units share: ports, pipelining parameter, latency."""

from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .pipeline import check_pipeline_stages

__all__ = ["MultiplyAccumulator"]


class MultiplyAccumulator(wiring.Component):
    """Base of the MACs: ``acc <- (clear ? 0 : acc) + a * b`` on each edge with ``en``.

    The ports are SPEC's MAC ports (sections 5 and 6); the accumulator register is one
    edge and ``pipeline_stages`` register banks on the multiply side add to it, while
    one accumulation per clock holds at every depth.

    Parameters
    ----------
    a_width, b_width, acc_width : int
        Bits of the operands and of the accumulator (validated by the subclass).
    pipeline_stages : int
        Register banks on the multiply side.
    """

    def __init__(self, *, a_width, b_width, acc_width, pipeline_stages):
        self._pipeline_stages = check_pipeline_stages(pipeline_stages)
        super().__init__({
            "a": In(a_width),
            "b": In(b_width),
            "en": In(1),
            "clear": In(1),
            "acc": Out(acc_width),
        })

    @property
    def pipeline_stages(self):
        return self._pipeline_stages

    @property
    def latency(self):
        """Rising edges from applying a, b, en, clear to their effect on ``acc``."""
        return 1 + self._pipeline_stages
