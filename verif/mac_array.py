"""A row of independent IntMACs: the composition that times and tests emission at size.

Emission benchmarks (``python -m macforge.gen.benchmark --emission``) and the Verilog
tests build the same design from here, so a timing printed by one is of the design the
other checks.
"""

from amaranth.hdl import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from macforge.hdl.int_mac import IntMAC

__all__ = ["IntMACArray"]


class IntMACArray(wiring.Component):
    """``count`` IntMACs side by side, submodules ``pe_0`` .. ``pe_<count-1>``.

    Each PE has its own operands and accumulator port; ``en`` and ``clear`` are shared.
    Every accumulator reaches an output, so no PE can be optimized away.

    Parameters
    ----------
    count : int
        Number of PEs, at least 1.
    **int_mac_params
        Passed to every :class:`~macforge.hdl.int_mac.IntMAC` (default: its defaults).

    Attributes
    ----------
    a, b : In(a_width).array(count), In(b_width).array(count)
        Operands of PE ``i`` at ``a[i]``, ``b[i]`` (Verilog ports ``a__i``, ``b__i``).
    en, clear : In(1)
        As for one IntMAC, to every PE.
    acc : Out(acc_width).array(count)
        Accumulator of PE ``i``.
    """

    def __init__(self, count, **int_mac_params):
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ValueError(f"count must be a positive integer, not {count!r}")
        self._pes = [IntMAC(**int_mac_params) for _ in range(count)]
        pe = self._pes[0]
        super().__init__({
            "a": In(len(pe.a)).array(count),
            "b": In(len(pe.b)).array(count),
            "en": In(1),
            "clear": In(1),
            "acc": Out(len(pe.acc)).array(count),
        })

    @property
    def latency(self):
        """Rising edges from operands to accumulator: one IntMAC's."""
        return self._pes[0].latency

    def elaborate(self, platform):
        m = Module()
        for index, pe in enumerate(self._pes):
            m.submodules[f"pe_{index}"] = pe
            m.d.comb += [
                pe.a.eq(self.a[index]),
                pe.b.eq(self.b[index]),
                pe.en.eq(self.en),
                pe.clear.eq(self.clear),
                self.acc[index].eq(pe.acc),
            ]
        return m
