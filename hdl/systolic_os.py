"""The output-stationary mesh: each PE keeps one element of the tile's result.

A beat (column k of A, row k of B) taken on edge E reaches PE (i, j) on edge E + i + j: A
values move right along the rows, B values down the columns, each skewed on entry by its
row or column.  The beat's flags (valid, first of a tile, last of a tile) never travel with
the data: PE (i, j) reads them from tap i + j of one shared delay line, so every PE on an
anti-diagonal shares one set of flag registers.

Draining.  A PE's accumulator holds its final value for exactly the cycle after the tile's
last step, while the next tile's first step overwrites it from zero.  In that cycle the PE
puts the value on its column's result bus, a chain of multiplexers down the column: rows
finish one cycle apart, so each column carries one value per cycle, row 0 first.  The bus
of column j is late by j cycles and goes through ``C - 1 - j`` registers, so a whole row
leaves at once.  Two tiles' results never share a bus cycle as long as tiles end at least
R cycles apart, which the input's ready enforces (tiles with K >= R never wait).
"""

from amaranth.hdl import Cat, Const, Elaboratable, Module, Mux, Signal

from .pipeline import delay_line

__all__ = ["OutputStationaryPE", "output_stationary_mesh"]


class OutputStationaryPE(Elaboratable):
    """One PE: operand registers passed on to the neighbours, and the MAC loop.

    Parameters
    ----------
    arithmetic : MacArithmetic
        The PE's MAC step.

    Attributes
    ----------
    a_in, b_in : Signal, in
        Operands from the left and from above (or from the skew registers).
    a, b : Signal, out
        The operands this cycle's step uses, registered; the right and lower neighbours'
        ``a_in`` and ``b_in``.
    en, clear : Signal, in
        The flags of the step at the accumulator (``pipeline_stages`` cycles after ``a``
        and ``b``).
    done : Signal, in
        The accumulator holds a finished result this cycle.
    result_in : Signal, in
        The column's result bus from the PE above.
    result : Signal, out
        The bus below this PE: the accumulator when ``done``, else ``result_in``.
    """

    def __init__(self, arithmetic):
        self._arithmetic = arithmetic
        self.a_in = Signal(arithmetic.a_width)
        self.b_in = Signal(arithmetic.b_width)
        # Operands and accumulator are never read without a (reset) flag saying they
        # are valid, so they need no reset.
        self.a = Signal(arithmetic.a_width, reset_less=True)
        self.b = Signal(arithmetic.b_width, reset_less=True)
        self.en = Signal()
        self.clear = Signal()
        self.done = Signal()
        self.result_in = Signal(arithmetic.acc_width)
        self.result = Signal(arithmetic.acc_width)

    def elaborate(self, platform):
        m = Module()
        arithmetic = self._arithmetic
        acc = Signal(arithmetic.acc_width, reset_less=True)
        m.d.sync += [self.a.eq(self.a_in), self.b.eq(self.b_in)]
        product, _ = arithmetic.multiply(m, self.a, self.b)
        next_acc = arithmetic.accumulate(m, acc, product, clear=self.clear)
        with m.If(self.en):
            m.d.sync += acc.eq(next_acc)
        m.d.comb += self.result.eq(Mux(self.done, acc, self.result_in))
        return m


def output_stationary_mesh(m, array, arithmetic):
    """Build the output-stationary array into ``m``: ports of ``array`` (a
    :class:`~macforge.hdl.systolic.SystolicArray`), PEs of ``arithmetic``."""
    rows, cols, stages = array.rows, array.cols, arithmetic.pipeline_stages
    taken = Signal()
    tile_start = Signal(init=1)  # the next beat taken is a tile's k = 0
    # Cycles until another tile may end: its rows would share the result buses with
    # this tile's otherwise.
    draining = Signal(range(max(rows, 2)))
    m.d.comb += [
        array.in_ready.eq(~array.in_last | (draining == 0)),
        taken.eq(array.in_valid & array.in_ready),
    ]
    with m.If(taken):
        m.d.sync += tile_start.eq(array.in_last)
    with m.If(taken & array.in_last):
        m.d.sync += draining.eq(rows - 1)
    with m.Elif(draining != 0):
        m.d.sync += draining.eq(draining - 1)

    # Tap d holds a beat's flags in the cycle after edge E + d - 1: PE (i, j) steps with
    # tap i + j + 1, its accumulator takes the step stages cycles later, and holds the
    # result one cycle after that; row i leaves C - 1 - j cycles after its bus.
    valid, first, last = range(3)
    flags = delay_line(m, Cat(taken, tile_start, taken & array.in_last),
                       rows + cols + stages, name="beat_flags")
    a_lanes = [array.a[i * arithmetic.a_width:(i + 1) * arithmetic.a_width]
               for i in range(rows)]
    b_lanes = [array.b[j * arithmetic.b_width:(j + 1) * arithmetic.b_width]
               for j in range(cols)]
    pes = [[OutputStationaryPE(arithmetic) for _ in range(cols)] for _ in range(rows)]
    for i, row in enumerate(pes):
        for j, pe in enumerate(row):
            m.submodules[f"pe_{i}_{j}"] = pe
            a_in = (delay_line(m, a_lanes[i], i, name=f"a_skew{i}", reset_less=True)[-1]
                    if j == 0 else row[j - 1].a)
            b_in = (delay_line(m, b_lanes[j], j, name=f"b_skew{j}", reset_less=True)[-1]
                    if i == 0 else pes[i - 1][j].b)
            step = flags[i + j + 1 + stages]
            m.d.comb += [
                pe.a_in.eq(a_in),
                pe.b_in.eq(b_in),
                pe.en.eq(step[valid]),
                pe.clear.eq(step[first]),
                pe.done.eq(flags[i + j + 2 + stages][last]),
                pe.result_in.eq(pes[i - 1][j].result if i else Const(0, arithmetic.acc_width)),
            ]
    y_lanes = [delay_line(m, pes[-1][j].result, cols - 1 - j, name=f"y_deskew{j}",
                          reset_less=True)[-1] for j in range(cols)]
    out_taps = [flags[i + cols + 1 + stages][last] for i in range(rows)]
    m.d.comb += [
        array.y.eq(Cat(*y_lanes)),
        array.out_valid.eq(Cat(*out_taps).any()),
        array.out_last.eq(out_taps[-1]),
    ]
