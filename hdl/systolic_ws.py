"""The weight-stationary mesh: each PE holds one weight; partial sums flow down.

An activation row taken on edge X reaches PE (r, j) on edge X + r + j: its values move
right along the PE rows, each skewed on entry by its row.  PE (r, j) adds its product to
the partial sum from above, so column j's sum leaves the bottom row R cycles after the
row reached the column, and ``C - 1 - j`` de-skew registers line the columns up.  As in
the output-stationary mesh, the row's flags (valid, first of a weight set) come from
taps of one shared delay line.

Weights.  Every PE has two weight registers: ``active``, which its products use, and
``shadow``, which the next weight set loads into.  Weight beat r is written into PE row
r's shadows, into column j j cycles late, like the activations.  A row flagged as the
first of a set copies each PE's shadow into its active register on the edge it enters
that PE, so rows before it keep the old weights and it and later rows get the new ones.
PE row r's shadows are free again on the edge the copy passes its first column (the
copy reaches column j on the same edge as a write arriving j cycles late could), so the
next set's beat r may be taken one cycle later: a set used by R + 1 rows or more hides
the next set's loading completely.  A row flagged first waits (in_ready low) until its
set's last beat has been taken; the beats then reach every PE before the row does.
"""

from amaranth.hdl import C, Cat, Elaboratable, Module, Mux, Signal

from .pipeline import delay_line

__all__ = ["WeightStationaryPE", "weight_stationary_mesh", "full_rate_min_rows"]


def full_rate_min_rows(rows):
    """Rows a weight set must serve for the next set to load without a stall."""
    return rows + 1


class WeightStationaryPE(Elaboratable):
    """One PE of PE row ``row``: activation register, shadow and active weights, and
    the step from the partial sum above to the one below.

    Parameters
    ----------
    arithmetic : MacArithmetic
        The PE's MAC step.
    row : int
        Its PE row: the partial sum it passes down holds ``row + 1`` products, which an
        integer step can prove narrower than the accumulator.

    Attributes
    ----------
    x_in : Signal, in
        Activation from the left (or the skew registers).
    x : Signal, out
        This cycle's activation, registered; the right neighbour's ``x_in``.
    weight_in, write : Signal, in
        A weight for the shadow register, taken on an edge where ``write`` is 1.
    load : Signal, in
        Copy shadow into active on this edge (a set's first row enters with it).
    psum_in : Signal, in
        The partial sum from above, ``sum_width(row)`` bits (unused in row 0).
    psum : Signal, out
        The partial sum below, ``sum_width(row + 1)`` bits, registered.
    """

    def __init__(self, arithmetic, *, row):
        self._arithmetic = arithmetic
        self._row = row
        self.x_in = Signal(arithmetic.a_width)
        # Data registers are read only where a (reset) flag says they are valid.
        self.x = Signal(arithmetic.a_width, reset_less=True)
        self.weight_in = Signal(arithmetic.b_width)
        self.write = Signal()
        self.load = Signal()
        self.psum_in = Signal(arithmetic.sum_width(row) if row else 1)
        self.psum = Signal(arithmetic.sum_width(row + 1), reset_less=True)

    def elaborate(self, platform):
        m = Module()
        arithmetic = self._arithmetic
        shadow = Signal(arithmetic.b_width, reset_less=True)
        active = Signal(arithmetic.b_width, reset_less=True)
        m.d.sync += self.x.eq(self.x_in)
        with m.If(self.write):
            m.d.sync += shadow.eq(self.weight_in)
        with m.If(self.load):
            m.d.sync += active.eq(shadow)
        product, _ = arithmetic.multiply(m, self.x, active)
        # Row 0 starts every sum from zero: a constant clear the synthesis folds away.
        top = self._row == 0
        m.d.sync += self.psum.eq(arithmetic.accumulate(
            m, C(0, arithmetic.acc_width) if top else self.psum_in, product,
            clear=C(top, 1), terms=self._row + 1))
        return m


def weight_stationary_mesh(m, array, arithmetic):
    """Build the weight-stationary array into ``m``: ports of ``array`` (a
    :class:`~macforge.hdl.systolic.SystolicArray`), PEs of ``arithmetic``."""
    rows, cols, stages = array.rows, array.cols, arithmetic.pipeline_stages
    w_taken, x_taken = Signal(), Signal()
    load_row = Signal(range(max(rows, 2)))  # the PE row the next weight beat is for
    shadow_free = Signal(rows, init=(1 << rows) - 1)
    set_loaded = Signal()  # a whole set waits in the shadows for its first row
    m.d.comb += [
        array.w_ready.eq(shadow_free.bit_select(load_row, 1)),
        array.in_ready.eq(~array.in_first | set_loaded),
        w_taken.eq(array.w_valid & array.w_ready),
        x_taken.eq(array.in_valid & array.in_ready),
    ]
    with m.If(w_taken):
        m.d.sync += load_row.eq(Mux(load_row == rows - 1, 0, load_row + 1))
    with m.If(w_taken & (load_row == rows - 1)):
        m.d.sync += set_loaded.eq(1)
    with m.Elif(x_taken & array.in_first):
        m.d.sync += set_loaded.eq(0)

    # Tap d of the row flags holds a row's flags in the cycle after edge X + d - 1, so a
    # PE entered on edge X + d reads tap d; the result row is valid at tap R + C + stages.
    valid, first = range(2)
    flags = delay_line(m, Cat(x_taken, x_taken & array.in_first), rows + cols + stages,
                       name="row_flags")
    writes = Signal(rows)
    m.d.comb += writes.eq(w_taken.replicate(rows) & Cat(*(load_row == r for r in range(rows))))
    write_taps = delay_line(m, writes, cols - 1, name="weight_writes")
    for row in range(rows):
        with m.If(writes[row]):
            m.d.sync += shadow_free[row].eq(0)
        with m.Elif(flags[row][first]):
            m.d.sync += shadow_free[row].eq(1)

    x_lanes = [array.x[r * arithmetic.a_width:(r + 1) * arithmetic.a_width]
               for r in range(rows)]
    w_lanes = [array.w[j * arithmetic.b_width:(j + 1) * arithmetic.b_width]
               for j in range(cols)]
    weights = [delay_line(m, w_lanes[j], j, name=f"w_skew{j}", reset_less=True)[-1]
               for j in range(cols)]
    pes = [[WeightStationaryPE(arithmetic, row=r) for _ in range(cols)] for r in range(rows)]
    for r, row in enumerate(pes):
        for j, pe in enumerate(row):
            m.submodules[f"pe_{r}_{j}"] = pe
            x_in = (delay_line(m, x_lanes[r], r, name=f"x_skew{r}", reset_less=True)[-1]
                    if j == 0 else row[j - 1].x)
            m.d.comb += [
                pe.x_in.eq(x_in),
                pe.weight_in.eq(weights[j]),
                pe.write.eq(write_taps[j][r]),
                pe.load.eq(flags[r + j][first]),
            ]
            if r:
                m.d.comb += pe.psum_in.eq(pes[r - 1][j].psum)
    y_lanes = []
    for j in range(cols):
        bottom = delay_line(m, pes[-1][j].psum, cols - 1 - j, name=f"y_deskew{j}",
                            reset_less=True)[-1]
        lane = Signal(arithmetic.acc_width, name=f"y_lane{j}")
        m.d.comb += lane.eq(arithmetic.widen(bottom))
        y_lanes.append(lane)
    m.d.comb += [
        array.y.eq(Cat(*y_lanes)),
        array.out_valid.eq(flags[rows + cols + stages][valid]),
    ]
