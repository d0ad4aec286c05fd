"""Work for a systolic array: tiles (os) or weight sets and rows (ws), as the beats of its
input channels and the result rows the golden model expects, in the stream benches'
:class:`~.stream_work.Scenario` (saved and loaded by :mod:`.stream_work`).
"""

import numpy as np

from macforge.gen.registry import get_unit

from .stream_work import Scenario, load, save

__all__ = ["Scenario", "os_scenario", "ws_scenario", "os_beats", "ws_beats", "save", "load"]


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
