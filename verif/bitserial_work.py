"""Work for the dequantization PEs (``bitserial_pe`` and its bit-parallel reference
``bitparallel_pe``): dot products as the beats of their ``in`` channel, with the results
the golden model expects, in the stream benches' :class:`~.stream_work.Scenario`.

A dot product of n groups is n * group_size activations (signed values), as many weight
codes, and one scale (and, for a mixture datatype, one selector) per group.  Beat b
carries terms b * lanes .. b * lanes + lanes - 1, lane l holding term b * lanes + l; the
group's scale and selector ride on every beat of the group and ``last`` on the dot
product's final beat.  A scenario's ``work`` is each dot product's group count, its
``labels`` say which dot product (``dot``) and how many groups (``groups``) each result
comes from.
"""

import dataclasses

import numpy as np

from macforge.formats import signed_range
from macforge.gen.registry import get_unit

from .stream_work import Scenario

__all__ = ["DotProduct", "dot_beats", "dot_scenario", "Operands"]


@dataclasses.dataclass
class DotProduct:
    """One dot product: ``a``, ``w`` (K,) signed activations and weight codes; ``scale``
    and ``sel`` (K / group_size,) per group (``sel`` None for a plain datatype)."""

    a: np.ndarray
    w: np.ndarray
    scale: np.ndarray
    sel: np.ndarray | None = None

    @property
    def groups(self):
        return len(self.scale)


def dot_beats(params, dots):
    """The ``in`` channel of dot products back to back: per beat, ``a`` and ``w`` lanes
    ((beats, lanes) bit patterns), ``scale``, ``sel`` (mixtures) and ``last``."""
    lanes, a_width = params["lanes"], params["a_width"]
    beats_per_group = params["group_size"] // lanes
    a = np.concatenate([np.asarray(dot.a, dtype=np.int64) for dot in dots])
    fields = {"a": (a & ((1 << a_width) - 1)).reshape(-1, lanes),
              "w": np.concatenate([np.asarray(dot.w, dtype=np.int64)
                                   for dot in dots]).reshape(-1, lanes),
              "scale": np.concatenate([np.repeat(dot.scale, beats_per_group) for dot in dots])}
    if params["sel"]:
        fields["sel"] = np.concatenate([np.repeat(dot.sel, beats_per_group) for dot in dots])
    fields["last"] = np.concatenate([np.arange(dot.groups * beats_per_group)
                                     == dot.groups * beats_per_group - 1 for dot in dots])
    return {"in": {port: values.astype(np.int64) for port, values in fields.items()}}


def dot_scenario(kind, name, params, dots, **options):
    """Dot products back to back, with the golden model's results."""
    model = get_unit(kind).golden_model(params)
    expected = np.array([int(model(a=dot.a, w=dot.w, scale=dot.scale, sel=dot.sel)["out"])
                         for dot in dots], dtype=np.int64)
    groups = np.array([dot.groups for dot in dots], dtype=np.int64)
    return Scenario(name, dot_beats(params, dots), expected,
                    {"dot": np.arange(len(dots)), "groups": groups},
                    [int(n) for n in groups], **options)


class Operands:
    """Activations, weight codes, scales and selectors of one PE configuration: random
    ones, and the extremes of its datatype, activation and scale widths.

    The weights' values come from the datatype's own table (:mod:`formats.weight_dtype`):
    codes are looked up by value, never written down here.

    Parameters
    ----------
    params : dict
        The unit's resolved parameters (``dtype`` a WeightDtype).
    """

    def __init__(self, params):
        self.params = params
        self.dtype = params["dtype"]
        self.group_size = params["group_size"]
        self.a_low, self.a_high = signed_range(params["a_width"])
        self.scale_max = (1 << params["scale_bits"]) - 1
        self.codes = np.arange(1 << self.dtype.code_bits)

    def selectors(self, groups, rng=None):
        """Per group: random selectors, or every selector in turn; None for a plain
        datatype."""
        if not self.dtype.mixed:
            return None
        if rng is not None:
            return rng.integers(0, len(self.dtype.selectors), groups)
        return np.resize(np.array(self.dtype.selectors), groups)

    def random(self, rng, groups):
        """Uniform activations, codes, scales and selectors."""
        terms = groups * self.group_size
        return DotProduct(rng.integers(self.a_low, self.a_high + 1, terms),
                          rng.integers(0, len(self.codes), terms),
                          rng.integers(0, self.scale_max + 1, groups),
                          self.selectors(groups, rng))

    def code_of(self, pick, sel):
        """A code whose value under ``sel`` is ``pick`` (min or max) of that selector's
        values."""
        values = self.dtype.decode(self.codes, sel)
        return self.dtype.codes_of(int(pick(values)), sel)[0]

    def extreme(self, groups, *, weights, activations, scale="max"):
        """A dot product of constant or alternating extremes.

        ``weights``: ``"special"``, ``"min"``, ``"max"`` or ``"alternating"`` (min and
        max in turn), each per group's selector (every selector in turn for a mixture).
        ``activations``: ``"min"``, ``"max"`` or ``"alternating"`` (min and max in turn).
        ``scale``: ``"max"`` or ``"alternating"`` (max and 1 in turn).
        """
        terms = groups * self.group_size
        sel = self.selectors(groups)
        group_sel = np.zeros(groups, dtype=np.int64) if sel is None else sel
        per_group = {
            "special": lambda s: [self.dtype.sign_code],
            "min": lambda s: [self.code_of(np.min, s)],
            "max": lambda s: [self.code_of(np.max, s)],
            "alternating": lambda s: [self.code_of(np.min, s), self.code_of(np.max, s)],
        }[weights]
        w = np.concatenate([np.resize(per_group(int(s)), self.group_size) for s in group_sel])
        a = {"min": [self.a_low], "max": [self.a_high],
             "alternating": [self.a_low, self.a_high]}[activations]
        scales = {"max": [self.scale_max], "alternating": [self.scale_max, 1]}[scale]
        return DotProduct(np.resize(a, terms), w, np.resize(scales, groups), sel)
