"""Spread a requested number of pipeline registers over a datapath's cut points."""

from amaranth.hdl import Signal, Value

__all__ = ["Pipeline", "check_pipeline_stages", "delay_line"]


def check_pipeline_stages(pipeline_stages):
    """Validate a ``pipeline_stages`` parameter eagerly; return it."""
    if not isinstance(pipeline_stages, int) or isinstance(pipeline_stages, bool):
        raise TypeError(f"pipeline_stages must be a non-negative integer, not {pipeline_stages!r}")
    if pipeline_stages < 0:
        raise ValueError(f"pipeline_stages must be a non-negative integer, not {pipeline_stages!r}")
    return pipeline_stages


class Pipeline:
    """Registers for a feed-forward datapath written as a sequence of steps.

    A datapath declares ``cut_points``: the places between its steps where a register
    bank may stand, the last one being its output.  ``stages`` registers are spread as
    evenly as possible over those places, so a short pipeline cuts the logic where it
    is deepest; stages beyond the number of cut points are stacked on the output,
    where a synthesis tool with retiming can still move them.

    Every register is in the ``sync`` domain and resets to 0; the latency is ``stages``
    and a new operation may start every cycle.

    Parameters
    ----------
    m : Module
        The module the registers are added to.
    stages : int
        Number of register banks, >= 0.
    cut_points : int
        Number of places the datapath offers, >= 1.
    """

    def __init__(self, m, *, stages, cut_points):
        check_pipeline_stages(stages)
        if cut_points < 1:
            raise ValueError(f"cut_points must be at least 1, not {cut_points!r}")
        self._m = m
        self._counts = [0] * cut_points
        for index in range(min(stages, cut_points)):
            # Evenly spaced, always including the output.
            position = cut_points - 1 - (index * cut_points) // min(stages, cut_points)
            self._counts[position] += 1
        self._counts[-1] += max(0, stages - cut_points)
        self._next = 0

    @property
    def latency(self):
        return sum(self._counts)

    def cut(self, *values):
        """Pass ``values`` through the next cut point; returns them (registered if placed).

        Returns one value for one argument, else a tuple.
        """
        if self._next >= len(self._counts):
            raise RuntimeError(f"datapath used more than the {len(self._counts)} cut points it declared")
        index, self._next = self._next, self._next + 1
        results = []
        for value in values:
            for depth in range(self._counts[index]):
                register = Signal.like(value, name=f"{getattr(value, 'name', 'stage')}_p{index}_{depth}")
                self._m.d.sync += register.eq(value)
                value = register
            results.append(value)
        return results[0] if len(results) == 1 else tuple(results)

    def finish(self):
        """Check that the datapath passed every cut point it declared."""
        if self._next != len(self._counts):
            raise RuntimeError(f"datapath declared {len(self._counts)} cut points but used {self._next}")


def delay_line(m, value, length, *, name, reset_less=False):
    """``value`` through ``length`` registers in a row; returns the taps.

    Tap ``d`` is ``value`` delayed by ``d`` rising edges (tap 0 is ``value`` itself), so a
    reader needing a value ``d`` cycles late takes tap ``d`` and readers share one line.

    Parameters
    ----------
    m : Module
    value : Value
    length : int
        Registers, >= 0.
    name : str
        Register ``d`` is called ``<name>_d<d>``.
    reset_less : bool
        Data whose validity travels in a separate (reset) flag needs no reset.
    """
    taps = [value]
    for index in range(1, length + 1):
        register = Signal(Value.cast(value).shape(), name=f"{name}_d{index}",
                          reset_less=reset_less)
        m.d.sync += register.eq(taps[-1])
        taps.append(register)
    return taps
