"""What a systolic array's run must show: the golden model's rows, bit for bit, and the
timing its metadata states.

Timing, in the cycle numbers of :mod:`.systolic_run` (a beat taken in cycle c, its result
first seen in cycle c + latency):

- latency: os, a tile's row i in cycle ``in_last`` + latency + i; ws, each row's result
  latency cycles after the row (every stretch without idle cycles);
- throughput (timed stretches): a run of tiles with K >= ``full_rate_min_k`` (os), or of
  weight sets used by at least ``full_rate_min_rows`` rows (ws), takes one beat per cycle
  from its first beat to its last; every os tile after the first takes max(K,
  ``full_rate_min_k``) cycles; ws rows never wait, except a set's first row for its
  weights after a set used by fewer than ``full_rate_min_rows`` rows;
- fill/drain: the first work item of a timed stretch starts on an idle array, and its
  last result leaves ``fill_drain_cycles`` cycles after its beats.
"""

import re

import numpy as np

from .handshake import unpack_lanes
from .stream import Mismatches, check_outputs, port_formats
from .stream_run import StreamChecks
from .systolic_run import port_table, run_scenario

__all__ = ["check_metadata", "check_results", "check_timing", "SYSTOLIC"]

_FORMULA = re.compile(r"[RC0-9+\-* ()]+")


def _evaluate(formula, rows, cols):
    if not _FORMULA.fullmatch(formula):
        raise AssertionError(f"formula {formula!r} is not arithmetic in R and C")
    return eval(formula, {"__builtins__": {}}, {"R": rows, "C": cols})  # checked above


# Packed ports: lanes per port, by dataflow (R rows of A or X, C columns of B, W and Y).
_LANES = {"os": {"a": "rows", "b": "cols", "y": "cols"},
          "ws": {"x": "rows", "w": "cols", "y": "cols"}}


def check_metadata(metadata):
    """What the bench takes from the metadata is there and adds up: the handshake, every
    ``<key>_formula`` evaluating (R = rows, C = cols) to ``<key>``, the lanes of the
    packed ports, and throughput no worse than the unit contract promises (tiles with
    K >= R, weight sets used by 2R rows at full rate)."""
    params = metadata["params"]
    rows, cols = params["rows"], params["cols"]
    assert metadata["handshake"] == "valid_ready" and metadata["beats_per_cycle"] == 1, \
        "a systolic array takes one valid/ready beat per cycle in steady state"
    keys = [key.removesuffix("_formula") for key in metadata if key.endswith("_formula")]
    assert "latency" in keys, "metadata has no latency_formula"
    for key in keys:
        formula = metadata[f"{key}_formula"]
        value = _evaluate(formula, rows, cols)
        assert value == metadata[key], (f"{key}_formula {formula!r} gives {value} for R={rows}, "
                                        f"C={cols}, not {key} = {metadata[key]}")
    ports = port_table(metadata)
    for name, dimension in _LANES[params["dataflow"]].items():
        port = ports[name]
        assert port.get("lanes") == params[dimension] and \
            port["lanes"] * port["lane_width"] == port["width"], f"port {name}: lanes of {port}"
    if params["dataflow"] == "os":
        assert metadata["full_rate_min_k"] <= rows, "tiles with K >= R must run at full rate"
    else:
        assert metadata["full_rate_min_rows"] <= 2 * rows, \
            "weight sets used by 2R rows must run at full rate"


def check_results(scenario, observed, metadata):
    """The rows seen are the expected rows: count, ``out_last`` and every lane's bits.
    Raises :class:`~.stream.Mismatches` counting wrong lanes, wrong ``out_last`` flags and
    missing or extra rows."""
    ports = port_table(metadata)
    cols = metadata["params"]["cols"]
    got = unpack_lanes([row["y"] for _, row in observed.rows], cols, ports["y"]["lane_width"])
    wanted = scenario.expected
    problems, mismatches = [], abs(len(got) - len(wanted))
    if len(got) != len(wanted):
        problems.append(f"{len(wanted)} result rows expected, {len(got)} seen")
    if "out_last" in ports:
        last = np.array([row["out_last"] for _, row in observed.rows], dtype=np.int64)
        row_last = (scenario.labels["row"] == metadata["params"]["rows"] - 1).astype(np.int64)
        shared = min(len(last), len(row_last))
        bad = np.flatnonzero(last[:shared] != row_last[:shared])
        mismatches += bad.size
        if bad.size:
            problems.append(f"out_last wrong on {bad.size} rows, first at row {int(bad[0])}: "
                            f"expected {int(row_last[bad[0]])}")
    shared = min(len(got), len(wanted))
    if shared:
        fmt = port_formats(metadata).get("y")
        lanes = [f"y[{j}]" for j in range(cols)]
        try:
            check_outputs({name: values[:shared] for name, values in scenario.labels.items()},
                          {lane: wanted[:shared, j] for j, lane in enumerate(lanes)},
                          {lane: got[:, j] for j, lane in enumerate(lanes)},
                          formats={lane: fmt for lane in lanes if fmt is not None})
        except Mismatches as error:
            problems.append(str(error))
            mismatches += error.count
    if problems:
        raise Mismatches(f"{scenario.name}: " + "\n".join(problems), mismatches)


def _runs(work, minimum):
    """(first, last) item indices of the maximal runs of items with work >= minimum."""
    runs, start = [], None
    for index, amount in enumerate(list(work) + [-1]):
        if amount >= minimum and start is None:
            start = index
        elif amount < minimum and start is not None:
            runs.append((start, index - 1))
            start = None
    return runs


def _utilization(problems, takes, first, last):
    """Beats per cycle from beat ``first`` to beat ``last``; a miss if not exactly 1."""
    beats, span = last - first + 1, takes[last] - takes[first] + 1
    if span != beats:
        problems.append(f"beats {first}..{last} took {span} cycles: "
                        f"{beats / span:.3f} beats per cycle, not 1")
    return float(beats / span)


def _os_throughput(problems, measured, takes, work, minimum):
    # A tile takes K cycles, or full_rate_min_k when shorter (its rows must drain first).
    ends = np.cumsum(work) - 1
    spent = [int(takes[ends[t]] - takes[ends[t - 1]]) for t in range(1, len(work))]
    allowed = [max(k, minimum) for k in work[1:]]
    measured["short_tile_cycles"] = sorted({c for c, k in zip(spent, work[1:]) if k < minimum})
    if spent != allowed:
        problems.append(f"tiles after the first took {spent} cycles, not max(K, {minimum}) = "
                        f"{allowed}")


def _ws_throughput(problems, measured, taken, work, minimum):
    # Only a set's first row may wait (for its weights), and not even that one after a
    # set used by enough rows to hide the loading.
    takes = taken["in"]
    starts = {int(start): index for index, start in enumerate(np.cumsum(work) - work)}
    waited = [beat for beat in range(1, len(takes)) if takes[beat] != takes[beat - 1] + 1
              and (beat not in starts or work[starts[beat] - 1] >= minimum)]
    if waited:
        problems.append(f"rows {waited[:8]} waited though their weights were due loaded")
    # From an idle array: the first set's R weight beats, then its first row.
    measured["first_row_after_weights"] = takes[0] - taken["w"][0]


def check_timing(scenario, observed, metadata):
    """Latency (stretches without idle cycles); throughput and fill/drain for a timed
    stretch.  Returns the measurements; raises AssertionError listing every miss."""
    params = metadata["params"]
    rows, latency, os = params["rows"], metadata["latency"], params["dataflow"] == "os"
    takes = observed.taken["in"]
    work = [int(amount) for amount in scenario.work]
    ends = np.cumsum(work) - 1  # the beat ending each tile (os) or each set's rows (ws)
    out = [cycle for cycle, _ in observed.rows]
    due = ([takes[end] + latency + i for end in ends for i in range(rows)] if os
           else [take + latency for take in takes])
    problems, measured = [], {}
    if len(out) != len(due):
        return measured  # check_results reports the missing or extra rows
    measured["latency"] = sorted({seen - cycle + latency for seen, cycle in zip(out, due)})
    late = [index for index, (seen, cycle) in enumerate(zip(out, due)) if seen != cycle]
    if late:
        problems.append(f"{len(late)} result rows off their latency {latency}: row {late[0]} "
                        f"seen in cycle {out[late[0]]}, due in {due[late[0]]}")
    if scenario.timed:
        minimum = metadata["full_rate_min_k" if os else "full_rate_min_rows"]
        measured["utilization"] = min(
            (_utilization(problems, takes, ends[first] - work[first] + 1, ends[last])
             for first, last in _runs(work, minimum)), default=None)
        if os:
            _os_throughput(problems, measured, takes, work, minimum)
        else:
            _ws_throughput(problems, measured, observed.taken, work, minimum)
        # The first item starts on an idle array: beats, then fill and drain.
        last_row = out[(rows if os else work[0]) - 1]
        measured["fill_drain_cycles"] = last_row - takes[0] + 1 - work[0]
        if measured["fill_drain_cycles"] != metadata["fill_drain_cycles"]:
            problems.append(f"the first item's last result left {measured['fill_drain_cycles']} "
                            f"cycles after its {work[0]} beats, not fill_drain_cycles = "
                            f"{metadata['fill_drain_cycles']}")
    if problems:
        raise AssertionError(f"{scenario.name}: " + "\n".join(problems))
    return measured


def _timing_without_idle(scenario, observed, metadata):
    # The array's timing is checked on the stretches without idle cycles only.
    return None if scenario.idle else check_timing(scenario, observed, metadata)


SYSTOLIC = StreamChecks(run_scenario, check_metadata, check_results, _timing_without_idle)
"""The systolic array's run and checks, for :func:`~.stream_cocotb.run_bench` and
:func:`~.amaranth_stream.run_on_amaranth`."""
