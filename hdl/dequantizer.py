"""Group rescaling of the dequantization PEs: ``out <- out + scale * group_sum``.

A PE hands each finished group partial sum to its dequantizer on the edge that takes the
group's last beat, and starts the next group at once; the dequantizer adds the scaled sum
into the dot product's output while that next group streams.  Both kinds share one
interface:

- ``load`` (in): take ``group_sum``, ``scale``, ``first`` and ``last`` on this edge;
  only while ``ready``;
- ``first`` (in): the group opens a dot product: its sum replaces ``out`` instead of
  adding to it, which is how ``out`` clears (never by a separate cycle);
- ``last`` (in): the group closes a dot product: ``out_valid`` follows its final add;
- ``ready`` (out): a ``load`` on this edge is taken;
- ``out``, ``out_valid`` (out): the dot product, for the one cycle after its last add.

``latency(scale_bits)``: cycles from a load's edge (counted as 1) to the edge after
which ``out`` holds the group's dot product; ``latency_formula`` says it in the
parameters.
"""

from amaranth.hdl import C, Elaboratable, Module, Mux, Signal, signed

from .named import named

__all__ = ["SerialDequantizer", "ParallelDequantizer"]


class _Dequantizer(Elaboratable):
    def __init__(self, *, group_sum_width, scale_bits, out_width):
        self.group_sum_width = group_sum_width
        self.scale_bits = scale_bits
        self.out_width = out_width
        self.load = Signal()
        self.group_sum = Signal(signed(group_sum_width))
        self.scale = Signal(scale_bits)
        self.first = Signal()
        self.last = Signal()
        self.ready = Signal()
        self.out = Signal(signed(out_width))
        self.out_valid = Signal()

    def _accumulate(self, m, first, addend):
        """``out <- (first ? 0 : out) + addend``, wrapping at ``out_width``."""
        total = named(m, "dequant_total", Mux(first, 0, self.out) + addend)
        m.d.sync += self.out.eq(total[:self.out_width])


class SerialDequantizer(_Dequantizer):
    """Shift-and-add, one scale bit per cycle, least significant first.

    Loading puts the group sum in ``shifted`` and the scale in ``scale_left``; each of
    the next ``scale_bits`` cycles adds ``shifted`` into ``out`` when the low bit of
    ``scale_left`` is set, then doubles ``shifted`` and halves ``scale_left``.  The cycle
    of the last add is also the one a new load is taken on, so a group lasting at least
    ``scale_bits`` cycles never waits.  ``latency`` = ``scale_bits + 1``.

    One adder of ``out_width`` bits does the whole product; ``shifted`` is the group
    sum's width plus ``scale_bits - 1`` (never more than ``out_width``: ``out`` wraps
    there anyway).
    """

    latency_formula = "scale_bits + 1"

    @staticmethod
    def latency(scale_bits):
        return scale_bits + 1

    def elaborate(self, platform):
        m = Module()
        shifted = Signal(signed(min(self.group_sum_width + self.scale_bits - 1, self.out_width)))
        scale_left = Signal(self.scale_bits)
        step = Signal(range(self.scale_bits)) if self.scale_bits > 1 else C(0, 0)
        busy = Signal()
        first = Signal()
        last = Signal()
        finishing = named(m, "dequant_finishing", busy & (step == self.scale_bits - 1))
        m.d.comb += self.ready.eq(~busy | finishing)
        m.d.sync += self.out_valid.eq(finishing & last)
        with m.If(busy):
            self._accumulate(m, first, Mux(scale_left[0], shifted, 0))
            m.d.sync += [shifted.eq(shifted << 1), scale_left.eq(scale_left >> 1), first.eq(0)]
            if self.scale_bits > 1:
                m.d.sync += step.eq(step + 1)
            with m.If(finishing):
                m.d.sync += busy.eq(0)
        with m.If(self.load):
            m.d.sync += [shifted.eq(self.group_sum), scale_left.eq(self.scale), busy.eq(1),
                         first.eq(self.first), last.eq(self.last)]
            if self.scale_bits > 1:
                m.d.sync += step.eq(0)
        return m


class ParallelDequantizer(_Dequantizer):
    """A ``group_sum_width`` x ``scale_bits`` multiplier: the held group sum times its
    scale is added into ``out`` on the cycle after the load, and a load is taken every
    cycle.  ``latency`` = 2."""

    latency_formula = "2"

    @staticmethod
    def latency(scale_bits):
        return 2

    def elaborate(self, platform):
        m = Module()
        held_sum = Signal(signed(self.group_sum_width))
        held_scale = Signal(self.scale_bits)
        pending = Signal()
        first = Signal()
        last = Signal()
        m.d.comb += self.ready.eq(1)
        m.d.sync += [pending.eq(self.load), self.out_valid.eq(pending & last)]
        with m.If(self.load):
            m.d.sync += [held_sum.eq(self.group_sum), held_scale.eq(self.scale),
                         first.eq(self.first), last.eq(self.last)]
        with m.If(pending):
            self._accumulate(m, first, held_sum * held_scale)
        return m
