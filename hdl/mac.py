"""What the multiply-accumulate units share: ports, pipelining parameter, latency."""

from amaranth.lib.wiring import In, Out

from .parameters import IntParameter
from .unit import UnitComponent

__all__ = ["MultiplyAccumulator", "MAC_PIPELINE_STAGES"]

MAC_PIPELINE_STAGES = IntParameter(
    "pipeline_stages", 0, "register stages on the multiply side; latency is 1 + this",
    minimum=0, maximum=8, tag_prefix="p")


class MultiplyAccumulator(UnitComponent):
    """Base of the MACs: ``acc <- (clear ? 0 : acc) + a * b`` on each edge with ``en``.

    The ports are the MAC ports of the unit contract (``a``, ``b``, ``en``, ``clear`` ->
    ``acc``); the accumulator register is one edge and ``pipeline_stages`` register banks
    on the multiply side add to it, while one accumulation per clock holds at every depth.

    Parameters
    ----------
    params : dict
        Checked parameters, ``pipeline_stages`` among them.
    a_width, b_width, acc_width : int
        Bits of the operands and of the accumulator.
    """

    def __init__(self, params, *, a_width, b_width, acc_width):
        super().__init__({
            "a": In(a_width),
            "b": In(b_width),
            "en": In(1),
            "clear": In(1),
            "acc": Out(acc_width),
        }, params)

    @property
    def pipeline_stages(self):
        return self._params["pipeline_stages"]

    @property
    def latency(self):
        """Rising edges from applying a, b, en, clear to their effect on ``acc``:
        ``1 + pipeline_stages``."""
        return 1 + self.pipeline_stages

    def port_roles(self):
        return {
            "a": self._operand_role("a"),
            "b": self._operand_role("b"),
            "en": "accumulate enable: acc updates on a rising edge only while 1",
            "clear": "with en: accumulate onto zero instead of acc",
            "acc": self._accumulator_role(),
        }

    def _operand_role(self, name):
        raise NotImplementedError

    def _accumulator_role(self):
        raise NotImplementedError
