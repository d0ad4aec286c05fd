"""The scenarios a dequantization PE (``bitserial_pe``, ``bitparallel_pe``) is benched
with, from its parameters and metadata.

One list per PE covers, in one simulation: dot products of one group up to a long one
(32 groups, fewer only where groups are so slow that 32 would take over 4096 cycles) back
to back, random data, the extremes of the datatype, activations and
scales, random idle stretches on ``in_valid``, and a reset inside a dot product and
between two.  Every stretch without idle cycles is timed against the metadata
(``cycles_per_beat``, ``cycles_per_group``); the latency is checked everywhere.
:func:`smoke_scenarios` is the short list of the fast tier.
"""

import numpy as np

from .bitserial_work import Operands, dot_beats, dot_scenario
from .stream_work import random_stretch

__all__ = ["bench_scenarios", "smoke_scenarios", "long_dot_groups", "MAX_DOT_GROUPS",
           "RANDOM_GROUPS"]

MAX_DOT_GROUPS = 32
"""The longest dot product a bench streams, in groups, where it is cheap enough."""

LONG_DOT_CYCLES = 4096
"""Cycles the long dot product may take: a PE whose groups take longer streams fewer."""

IDLE_RATE = 0.3

RANDOM_GROUPS = (2, 1, 3, 1, 2)
"""Groups of the random idle stretch's dot products, in turn."""

# Extreme dot products: (weights, activations, scales) of Operands.extreme.  The first
# reaches the largest positive sum (the most negative weight against the most negative
# activation) and runs long; the rest cover the other corners in a group or two.
_EXTREMES = (("min", "min", "max"), ("max", "min", "max"), ("special", "min", "max"),
             ("max", "max", "max"), ("alternating", "min", "max"), ("min", "alternating", "max"),
             ("special", "alternating", "alternating"))


def long_dot_groups(metadata):
    """Groups of the long dot product: up to :data:`MAX_DOT_GROUPS`, as many as fit in
    :data:`LONG_DOT_CYCLES` at the metadata's ``cycles_per_group`` (at least 2)."""
    return int(min(MAX_DOT_GROUPS, max(2, LONG_DOT_CYCLES // metadata["cycles_per_group"])))


class _Maker:
    def __init__(self, params, metadata, seed):
        self.kind = metadata["kind"]
        self.params = params
        self.operands = Operands(params)
        self.rng = np.random.default_rng(seed)

    def random(self, groups):
        return [self.operands.random(self.rng, n) for n in groups]

    def scenario(self, name, dots, **options):
        return dot_scenario(self.kind, name, self.params, dots, **options)

    def prelude(self, groups, beats=None):
        """The beats of random dot products, the first ``beats`` of them (all if None)."""
        stream = dot_beats(self.params, self.random(groups))["in"]
        return {"in": {port: values[:beats] for port, values in stream.items()}}


def bench_scenarios(params, metadata, *, seed, random_items=None):
    """The scenarios of one PE's bench.

    Parameters
    ----------
    params : dict
        Resolved parameters (``dtype`` a WeightDtype).
    metadata : dict
        The emitted metadata (``kind``, ``cycles_per_group``).
    seed : int
        Seeds operands and idle stretches.
    random_items : int or None
        Dot products of the random idle stretch, their groups :data:`RANDOM_GROUPS` in
        turn (:func:`~.stream_work.random_stretch`); None: one of each.
    """
    maker = _Maker(params, metadata, seed)
    long = long_dot_groups(metadata)
    beats_per_group = params["group_size"] // params["lanes"]
    extremes = [maker.operands.extreme(long if index == 0 else 1 + index % 2, weights=w,
                                       activations=a, scale=s)
                for index, (w, a, s) in enumerate(_EXTREMES)]
    return [
        maker.scenario("back to back, timed", maker.random((1, 2, 1, 3, long, 1, 2)),
                       timed=True),
        # Idle seeds apart per scenario (the first keeps ``seed``), so that no two
        # scenarios of a long stretch idle alike.
        *[maker.scenario(name, maker.random(groups), idle=IDLE_RATE, seed=seed + 100 * number)
          for number, (name, groups) in enumerate(
              random_stretch("random idle cycles", RANDOM_GROUPS, random_items))],
        maker.scenario("extremes (weights special, min, max, alternating; activations "
                       "min, max, alternating; scales max, alternating)", extremes, timed=True),
        # Halfway through the second group of three (at a group's end when a group is
        # one beat): the group sum and the dequantizer both hold work.
        maker.scenario("after a reset in the middle of a dot product",
                       maker.random((2, 1)), timed=True,
                       prelude=maker.prelude((3,), beats_per_group + max(1, beats_per_group // 2))),
        # Right after the last beat of a dot product is taken: its result is in flight
        # and must never leave.
        maker.scenario("after a reset between dot products", maker.random((1, 2)),
                       timed=True, prelude=maker.prelude((1, 2))),
    ]


def smoke_scenarios(params, metadata, *, seed=1):
    """A few short dot products back to back (timed, an extreme among them), then with
    idle cycles, then after a reset inside a dot product."""
    maker = _Maker(params, metadata, seed)
    beats_per_group = params["group_size"] // params["lanes"]
    timed = maker.random((1, 2))
    timed.insert(1, maker.operands.extreme(2, weights="special", activations="min"))
    return [maker.scenario("back to back, timed", timed, timed=True),
            maker.scenario("random idle cycles", maker.random((2, 1)), idle=IDLE_RATE,
                           seed=seed),
            maker.scenario("after a reset", maker.random((1, 2)), timed=True,
                           prelude=maker.prelude((2,), beats_per_group + 1))]
