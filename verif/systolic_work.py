"""Work for a systolic array: tiles (os) or weight sets and rows (ws), as the beats of its
input channels and the result rows the golden model expects.

A :class:`Scenario` is what one stretch of a bench drives: the beats of every channel,
the expected rows, and how to drive them (idle cycles, a reset in the middle, whether the
stretch is timed against the metadata).  Scenarios travel from the pytest side to the
cocotb bench in the vector file (:func:`save`, :func:`load`); Amaranth's simulator takes
them directly.
"""

import dataclasses
import json

import numpy as np

from macforge.gen.registry import get_unit
from macforge.verif.benches.stream import EXPECTED_PREFIX

__all__ = ["Scenario", "os_scenario", "ws_scenario", "os_beats", "ws_beats", "save", "load"]

_INDEX = "scenarios"


@dataclasses.dataclass
class Scenario:
    """One stretch of work for the array.

    Attributes
    ----------
    name : str
        Says what it exercises; failures are reported under it.
    streams : dict
        Channel (``in``, ``w``) -> field port -> per-beat array: (beats, lanes) lane bit
        patterns for a packed port, (beats,) for a flag.
    expected : numpy.ndarray
        (rows, C) result lane bit patterns, in the order rows leave.
    labels : dict
        Per result row, where it comes from: ``tile``/``row`` (os), ``set``/``row`` (ws).
    work : list of int
        os: K of each tile; ws: rows of each weight set.
    prelude : dict or None
        Channel beats taken before the stretch, then a reset interrupts them; their
        results are never looked at.
    idle : float
        Probability of a valid-low stretch before each beat (0: back to back).
    seed : int
        Seed of the idle stretches.
    timed : bool
        Check throughput and fill/drain against the metadata (needs ``idle == 0``).
    """

    name: str
    streams: dict
    expected: np.ndarray
    labels: dict
    work: list
    prelude: dict | None = None
    idle: float = 0.0
    seed: int = 0
    timed: bool = False

    def __post_init__(self):
        if self.timed and self.idle:
            raise ValueError(f"scenario {self.name!r}: timing is measured without idle cycles")


def os_beats(a_tiles, b_tiles):
    """The ``in`` channel of output-stationary tiles: beat k of a tile is column k of A
    (lane i = A[i,k]), row k of B and ``in_last`` on k = K-1."""
    a = np.concatenate([np.asarray(tile).T for tile in a_tiles])
    b = np.concatenate([np.asarray(tile) for tile in b_tiles])
    last = np.concatenate([np.arange(np.shape(tile)[1]) == np.shape(tile)[1] - 1
                           for tile in a_tiles])
    return {"in": {"a": a.astype(np.int64), "b": b.astype(np.int64),
                   "in_last": last.astype(np.int64)}}


def ws_beats(w_sets, x_sets):
    """The ``w`` and ``in`` channels of weight-stationary work: beat r of a set is row r
    of W; then the set's rows of X, the first flagged ``in_first``."""
    w = np.concatenate([np.asarray(weights) for weights in w_sets])
    x = np.concatenate([np.asarray(rows) for rows in x_sets])
    first = np.concatenate([np.arange(len(rows)) == 0 for rows in x_sets])
    return {"w": {"w": w.astype(np.int64)},
            "in": {"x": x.astype(np.int64), "in_first": first.astype(np.int64)}}


def os_scenario(name, params, a_tiles, b_tiles, **options):
    """Tiles A (R x K) and B (K x C), any K each, with the golden model's results."""
    model = get_unit("systolic").golden_model(params)
    results = [model(a=np.asarray(a)[None], b=np.asarray(b)[None])["y"][0]
               for a, b in zip(a_tiles, b_tiles, strict=True)]
    rows = len(results[0])
    return Scenario(name, os_beats(a_tiles, b_tiles), np.concatenate(results),
                    {"tile": np.repeat(np.arange(len(results)), rows),
                     "row": np.tile(np.arange(rows), len(results))},
                    [np.shape(a)[1] for a in a_tiles], **options)


def ws_scenario(name, params, w_sets, x_sets, **options):
    """Weight sets W (R x C), each with its rows of X (M x R), and the expected rows."""
    model = get_unit("systolic").golden_model(params)
    results = [model(x=np.asarray(x), w=np.asarray(w))["y"]
               for w, x in zip(w_sets, x_sets, strict=True)]
    return Scenario(name, ws_beats(w_sets, x_sets), np.concatenate(results),
                    {"set": np.concatenate([np.full(len(y), s) for s, y in enumerate(results)]),
                     "row": np.concatenate([np.arange(len(y)) for y in results])},
                    [len(x) for x in x_sets], **options)


# Keys of the vector file: "<scenario>.<section>.<channel>.<port>" for the beats of the
# stream and the prelude, "<scenario>.label.<name>" for the labels, and the expected rows
# as "expected_<scenario>.y" (EXPECTED_PREFIX, as in every bench's vector file).


def _flatten(number, section, streams):
    return {f"{number}.{section}.{channel}.{port}": values
            for channel, fields in streams.items() for port, values in fields.items()}


def _nest(arrays, number, section):
    streams = {}
    for key, values in arrays.items():
        parts = key.split(".")
        if parts[:2] == [str(number), section]:
            streams.setdefault(parts[2], {})[parts[3]] = values
    return streams


def save(path, scenarios):
    """Write scenarios to an ``.npz`` vector file (arrays, plus a JSON index)."""
    arrays, index = {}, []
    for number, scenario in enumerate(scenarios):
        arrays.update(_flatten(number, "stream", scenario.streams))
        arrays.update(_flatten(number, "prelude", scenario.prelude or {}))
        arrays[f"{EXPECTED_PREFIX}{number}.y"] = scenario.expected
        arrays.update({f"{number}.label.{name}": values
                       for name, values in scenario.labels.items()})
        index.append({"name": scenario.name, "work": [int(k) for k in scenario.work],
                      "prelude": scenario.prelude is not None, "idle": scenario.idle,
                      "seed": scenario.seed, "timed": scenario.timed,
                      "labels": list(scenario.labels)})
    np.savez(path, **{_INDEX: np.array(json.dumps(index))}, **arrays)


def load(path):
    """The scenarios of a vector file written by :func:`save`."""
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files}
    return [Scenario(entry["name"], _nest(arrays, number, "stream"),
                     arrays[f"{EXPECTED_PREFIX}{number}.y"],
                     {name: arrays[f"{number}.label.{name}"] for name in entry["labels"]},
                     entry["work"],
                     _nest(arrays, number, "prelude") if entry["prelude"] else None,
                     entry["idle"], entry["seed"], entry["timed"])
            for number, entry in enumerate(json.loads(str(arrays[_INDEX])))]
