"""Work for a stream unit (valid/ready), as the beats of its input channels and the
results the golden model expects, and how it travels to a cocotb bench.

A :class:`Scenario` is what one stretch of a bench drives: the beats of every channel,
the expected results, and how to drive them (idle cycles, a reset in the middle, whether
the stretch is timed against the metadata).  Scenarios travel from the pytest side to the
cocotb bench in the vector file (:func:`save`, :func:`load`); Amaranth's simulator takes
them directly.  What a channel's beats and the expected results hold is each unit's own:
:mod:`.systolic_work` (tiles and weight sets), :mod:`.bitserial_work` (dot products).
"""

import dataclasses
import json

import numpy as np

from macforge.verif.benches.stream import EXPECTED_PREFIX

__all__ = ["Scenario", "save", "load", "random_stretch", "RANDOM_CHUNK"]

_INDEX = "scenarios"

RANDOM_CHUNK = 64
"""The most work items in one scenario of a random stretch.  A long stretch (``macforge
verify --vectors N``) becomes several scenarios: the bench reports progress and names a
failure per scenario, and each starts from the drained unit (a few idle cycles more)."""


@dataclasses.dataclass
class Scenario:
    """One stretch of work for a stream unit.

    Attributes
    ----------
    name : str
        Says what it exercises; failures are reported under it.
    streams : dict
        Channel (``in``, ``w``) -> field port -> per-beat array: (beats, lanes) lane bit
        patterns for a packed port, (beats,) for a flag or a plain field.
    expected : numpy.ndarray
        The expected results in the order they leave: (rows, lanes) lane bit patterns of
        a packed output, (results,) bit patterns of a plain one.
    labels : dict
        Per result, where it comes from (``tile``/``row``, ``set``/``row``, ``dot``).
    work : list of int
        The size of each work item, in the unit's own terms (a tile's K, a weight set's
        rows, a dot product's groups).
    prelude : dict or None
        Channel beats taken before the stretch, then a reset interrupts them; their
        results are never looked at.
    idle : float
        Probability of a valid-low stretch before each beat (0: back to back).
    seed : int
        Seed of the idle stretches.
    timed : bool
        Check throughput against the metadata (needs ``idle == 0``).
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


# Keys of the vector file: "<scenario>.<section>.<channel>.<port>" for the beats of the
# stream and the prelude, "<scenario>.label.<name>" for the labels, and the expected
# results as "expected_<scenario>" (EXPECTED_PREFIX, as in every bench's vector file).


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
        arrays[f"{EXPECTED_PREFIX}{number}"] = scenario.expected
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
                     arrays[f"{EXPECTED_PREFIX}{number}"],
                     {name: arrays[f"{number}.label.{name}"] for name in entry["labels"]},
                     entry["work"],
                     _nest(arrays, number, "prelude") if entry["prelude"] else None,
                     entry["idle"], entry["seed"], entry["timed"])
            for number, entry in enumerate(json.loads(str(arrays[_INDEX])))]


def random_stretch(name, sizes, items=None):
    """The work sizes of a stretch of random work items, as ``(name, sizes)`` per
    scenario.

    Parameters
    ----------
    name : str
        The stretch's name; with several scenarios each adds the items it holds.
    sizes : sequence of int
        Work sizes (a tile's K, a weight set's rows, a dot product's groups) that the
        items take in turn.
    items : int or None
        How many work items; None: one of each of ``sizes``, in one scenario.
    """
    sizes = list(sizes)
    if items is not None:
        sizes = [sizes[index % len(sizes)] for index in range(items)]
    if len(sizes) <= RANDOM_CHUNK:
        return [(name, sizes)]
    return [(f"{name}, items {start + 1}-{start + len(part)} of {len(sizes)}", part)
            for start in range(0, len(sizes), RANDOM_CHUNK)
            for part in [sizes[start:start + RANDOM_CHUNK]]]
