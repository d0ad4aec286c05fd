"""The scenarios a systolic array is benched with, from its parameters and metadata.

One list per array covers, in one simulation: a timed back-to-back stretch (tiles with K
at and above ``full_rate_min_k`` and below it, or weight sets used by at least
``full_rate_min_rows`` rows and by fewer), random idle stretches on every channel,
special values and extremes, and a reset in the middle of a tile or weight set.
:func:`smoke_scenarios` is the short list of the fast tier.
"""

import numpy as np

from .stream_work import random_stretch
from .systolic_operands import Operands, cycled
from .systolic_work import os_beats, os_scenario, ws_beats, ws_scenario

__all__ = ["bench_scenarios", "smoke_scenarios", "WORK_SIZES", "RANDOM_SIZES"]

WORK_SIZES = (1, 2, 7, 64)
"""K of os tiles and rows of ws weight sets that every array sees."""

RANDOM_SIZES = (2, 64, 1, 7, 1, 2)
"""K or rows of the random idle stretch's items, in turn."""

IDLE_RATE = 0.3


class _Maker:
    """Random and constant work of one array, and the scenarios built from it."""

    def __init__(self, params, seed):
        self.params = params
        self.rows, self.cols = params["rows"], params["cols"]
        self.os = params["dataflow"] == "os"
        self.operands = Operands(params)
        self.rng = np.random.default_rng(seed)

    def work(self, fill, sizes):
        """Operands from ``Operands.<fill>``: os, A (R x K) and B (K x C) per K in
        ``sizes``; ws, W (R x C) and X (M x R) per M."""
        pick = getattr(self.operands, fill)
        if self.os:
            return ([pick(self.rng, (self.rows, k), 0) for k in sizes],
                    [pick(self.rng, (k, self.cols), 1) for k in sizes])
        return ([pick(self.rng, (self.rows, self.cols), 1) for _ in sizes],
                [pick(self.rng, (m, self.rows), 0) for m in sizes])

    def extreme(self, a_cycle, b_cycle, size):
        """Constant work: along the summed dimension the operands run through the cycles."""
        if self.os:
            return (np.tile(cycled(a_cycle, size), (self.rows, 1)),
                    np.tile(cycled(b_cycle, size)[:, None], (1, self.cols)))
        return (np.tile(cycled(b_cycle, self.rows)[:, None], (1, self.cols)),
                np.tile(cycled(a_cycle, self.rows), (size, 1)))

    def scenario(self, name, work, **options):
        make = os_scenario if self.os else ws_scenario
        return make(name, self.params, *work, **options)

    def prelude(self):
        """Beats a reset interrupts: os, a whole tile and the start of the next; ws, a
        set, some of its rows and part of the next set's weights."""
        if self.os:
            a_tiles, b_tiles = self.work("random", (7, 64))
            beats = os_beats(a_tiles, b_tiles)["in"]
            return {"in": {port: values[:7 + 3] for port, values in beats.items()}}
        w_sets, x_sets = self.work("random", (3, 1))
        return ws_beats([w_sets[0], w_sets[1][:(self.rows + 1) // 2]], x_sets[:1])


def _timed_sizes(metadata):
    """Work sizes of the timed stretch: the full-rate minimum, the sizes every array sees,
    the minimum again; starting with a full-rate item on an idle array."""
    minimum = metadata.get("full_rate_min_k", metadata.get("full_rate_min_rows"))
    return [minimum, 64, max(minimum, 7), 1, 2, 1, minimum, 7, 64]


def bench_scenarios(params, metadata, *, seed, random_items=None):
    """The scenarios of one array's bench.

    Parameters
    ----------
    params : dict
        Resolved parameters (FloatFormat values).
    metadata : dict
        The emitted metadata (``full_rate_min_k`` or ``full_rate_min_rows``).
    seed : int
        Seeds operands and idle stretches.
    random_items : int or None
        Tiles (os) or weight sets (ws) of the random idle stretch, their sizes
        :data:`RANDOM_SIZES` in turn (:func:`~.stream_work.random_stretch`); None: one of
        each.
    """
    maker = _Maker(params, seed)
    scenarios = [
        maker.scenario("back to back, timed", maker.work("random", _timed_sizes(metadata)),
                       timed=True),
        # Idle seeds apart per scenario (the first keeps ``seed``), so that no two
        # scenarios of a long stretch idle alike.
        *[maker.scenario(name, maker.work("random", sizes), idle=IDLE_RATE,
                         seed=seed + 100 * number)
          for number, (name, sizes) in enumerate(
              random_stretch("random idle cycles", RANDOM_SIZES, random_items))],
        # Short sums: a special value decides a sum of 64 products (NaN, mostly).
        maker.scenario("special values, idle cycles",
                       maker.work("special", (7, 2, 1, 7, 2)), idle=IDLE_RATE,
                       seed=seed + 1),
    ]
    # Each extreme twice: over a long sum (os K = 64: overflow needs many steps; ws rows
    # all sum over R anyway), and at one of the work sizes.
    longest = WORK_SIZES[-1] if maker.os else WORK_SIZES[1]
    extremes = [maker.extreme(a, b, size)
                for index, (_, a, b) in enumerate(maker.operands.extremes())
                for size in (longest, WORK_SIZES[index % len(WORK_SIZES)])]
    names = ", ".join(name for name, _, _ in maker.operands.extremes())
    scenarios.append(maker.scenario(f"extremes ({names})",
                                    tuple(map(list, zip(*extremes)))))
    scenarios.append(maker.scenario("after a reset in the middle of a tile" if maker.os else
                                    "after a reset in the middle of a weight set",
                                    maker.work("random", (7, 1, 64, 2)),
                                    prelude=maker.prelude()))
    return scenarios


def smoke_scenarios(params, metadata, *, seed=1):
    """A few small items back to back (timed), then with idle cycles, then after a reset."""
    maker = _Maker(params, seed)
    minimum = metadata.get("full_rate_min_k", metadata.get("full_rate_min_rows"))
    return [maker.scenario("back to back, timed", maker.work("special", (minimum, 1, 3)),
                           timed=True),
            maker.scenario("random idle cycles", maker.work("random", (2, 1, 3)),
                           idle=IDLE_RATE, seed=seed),
            maker.scenario("after a reset", maker.work("random", (2, 3)),
                           prelude=maker.prelude())]
