"""Run and check a dequantization PE (``bitserial_pe``, ``bitparallel_pe``) on any
simulator: its dot products against the golden model, bit for bit, and its timing
against its metadata.

Timing, in the cycle numbers of :mod:`.stream_run` (a beat taken in cycle c), with B =
``group_size / lanes`` beats per group, every number read from the metadata:

- latency (every scenario, idle cycles or not): a dot product's result is on ``out``
  with ``out_valid`` in cycle c + ``latency`` when its last beat was taken in cycle c;
- cycles per beat (timed stretches: ``in_valid`` never low): consecutive beats of a
  group are taken exactly ``cycles_per_beat`` cycles apart;
- cycles per group (timed stretches): the last beats of consecutive groups, across dot
  products too, are taken exactly ``cycles_per_group`` cycles apart.  A timed stretch
  starts on a drained PE, so it is in steady state from its first group on.
"""

import ast
import math

import numpy as np

from macforge.formats import DTYPES

from .handshake import MAX_STRETCH
from .stream import Mismatches, check_outputs
from .stream_run import StreamChecks, port_table, run_stream

__all__ = ["check_metadata", "check_results", "check_timing", "run_scenario",
           "evaluate_formula", "DEQUANT_PE"]

_FUNCTIONS = {"max": max, "min": min}
_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv)


def evaluate_formula(formula, names):
    """The value of a metadata formula: arithmetic (+ - * / //), ``max`` and ``min`` over
    integer constants and ``names`` (name -> number); anything else is an error."""
    tree = ast.parse(formula, mode="eval")
    for node in ast.walk(tree):
        allowed = (isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp, ast.USub,
                                     ast.Load, *_OPERATORS))
                   or (isinstance(node, ast.Constant) and type(node.value) is int)
                   or (isinstance(node, ast.Name) and (node.id in names
                                                       or node.id in _FUNCTIONS))
                   or (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                       and node.func.id in _FUNCTIONS and not node.keywords))
        if not allowed:
            raise AssertionError(f"formula {formula!r}: {ast.unparse(node)!r} is not arithmetic "
                                 f"over {', '.join(sorted(names))}")
    return eval(compile(tree, "<formula>", "eval"),  # only the nodes checked above
                {"__builtins__": {}}, {**_FUNCTIONS, **names})


def _formula_names(metadata):
    """The numbers a formula may use: the unit's numeric parameters and the timing
    numbers it states (``cycles_per_beat``)."""
    names = {name: value for name, value in metadata["params"].items()
             if type(value) is int}
    names["cycles_per_beat"] = metadata["cycles_per_beat"]
    return names


def _beats_per_group(params):
    return params["group_size"] // params["lanes"]


def check_metadata(metadata):
    """What the bench takes from the metadata is there and adds up: the handshake, the
    timing numbers, every ``<key>_formula`` evaluating to ``<key>``, the widths and lanes
    of the ports, and a group that lasts at least ``scale_bits`` cycles costing no cycle
    more than its beats (a shorter one: ``scale_bits``)."""
    params = metadata["params"]
    assert metadata["handshake"] == "valid_ready", "a dequantization PE is a valid/ready stream"
    for key in ("latency", "cycles_per_beat", "cycles_per_group"):
        assert type(metadata.get(key)) is int and metadata[key] >= 1, \
            f"metadata {key} must be a positive integer, not {metadata.get(key)!r}"
    keys = [key.removesuffix("_formula") for key in metadata if key.endswith("_formula")]
    assert {"latency", "cycles_per_group"} <= set(keys), f"metadata has formulas for {keys}"
    names = _formula_names(metadata)
    for key in keys:
        formula = metadata[f"{key}_formula"]
        value = evaluate_formula(formula, names)
        assert value == metadata[key], (f"{key}_formula {formula!r} gives {value} for {names}, "
                                        f"not {key} = {metadata[key]}")
    ports = port_table(metadata)
    code_bits = DTYPES[params["dtype"]].code_bits
    widths = {"in_valid": 1, "in_ready": 1, "last": 1, "out_valid": 1,
              "scale": params["scale_bits"], "out": params["out_width"]}
    if params["sel"]:
        widths["sel"] = 2
    for name, lane_width in (("a", params["a_width"]), ("w", code_bits)):
        port = ports[name]
        assert port.get("lanes") == params["lanes"] and port.get("lane_width") == lane_width \
            and port["width"] == params["lanes"] * lane_width, f"port {name}: lanes of {port}"
    for name, width in widths.items():
        assert ports[name]["width"] == width, f"port {name}: {width} bits, not {ports[name]}"
    assert ("sel" in ports) == params["sel"], f"a sel port exactly when sel: {sorted(ports)}"
    promised = max(metadata["cycles_per_beat"] * _beats_per_group(params), params["scale_bits"])
    assert metadata["cycles_per_group"] <= promised, (
        f"cycles_per_group {metadata['cycles_per_group']}: a group of "
        f"{_beats_per_group(params)} beats of {metadata['cycles_per_beat']} cycles may take "
        f"no more than max(its beats' cycles, scale_bits) = {promised}")


async def run_scenario(port, scenario, metadata):
    """Drive ``scenario`` (its prelude and a reset first, if it has one); see
    :func:`~.stream_run.run_stream`."""
    latency = metadata["latency"]
    per_beat = metadata["cycles_per_beat"] + MAX_STRETCH
    per_group = metadata["cycles_per_group"]
    beats_per_group = _beats_per_group(metadata["params"])
    return await run_stream(
        port, scenario, metadata, outputs=("out",),
        # The last result leaves latency cycles after its beat; as long again shows any
        # extra result.
        settle_cycles=2 * latency + per_group + 8,
        # Twice what the beats and groups may take, idle stretches included.
        budget=lambda beats, results, items: 2 * (
            beats * per_beat + (math.ceil(beats / beats_per_group) + items) * per_group))


def check_results(scenario, observed, metadata):
    """The results seen are the expected ones: their count and every bit of ``out``.
    Raises :class:`~.stream.Mismatches` counting wrong, missing and extra results."""
    width = port_table(metadata)["out"]["width"]
    # Amaranth reads a signed port as a signed number, cocotb as its bits: compare bits.
    got = np.array([row["out"] & ((1 << width) - 1) for _, row in observed.rows],
                   dtype=np.int64)
    wanted = np.asarray(scenario.expected, dtype=np.int64)
    problems, mismatches = [], abs(len(got) - len(wanted))
    if len(got) != len(wanted):
        problems.append(f"{len(wanted)} results expected, {len(got)} seen")
    shared = min(len(got), len(wanted))
    if shared:
        try:
            check_outputs({name: values[:shared] for name, values in scenario.labels.items()},
                          {"out": wanted[:shared]}, {"out": got[:shared]})
        except Mismatches as error:
            problems.append(str(error))
            mismatches += error.count
    if problems:
        raise Mismatches(f"{scenario.name}: " + "\n".join(problems), mismatches)


def _spacings(takes):
    return [int(later - earlier) for earlier, later in zip(takes, takes[1:])]


def check_timing(scenario, observed, metadata):
    """Latency (every scenario); cycles per beat and per group (timed stretches).
    Returns the measurements; raises AssertionError listing every miss."""
    params = metadata["params"]
    latency = metadata["latency"]
    beats_per_group = _beats_per_group(params)
    takes = np.asarray(observed.taken["in"], dtype=np.int64)
    ends = np.cumsum(np.asarray(scenario.work, dtype=np.int64) * beats_per_group) - 1
    out = [cycle for cycle, _ in observed.rows]
    measured, problems = {}, []
    if len(out) != len(ends):
        return measured  # check_results reports the missing or extra results
    seen = [int(cycle - takes[end]) for cycle, end in zip(out, ends)]
    measured["latency"] = sorted(set(seen))
    late = [index for index, edges in enumerate(seen) if edges != latency]
    if late:
        problems.append(f"{len(late)} results off their latency {latency}: dot product "
                        f"{late[0]}'s result seen {seen[late[0]]} cycles after its last beat")
    if scenario.timed:
        cycles_per_beat = metadata["cycles_per_beat"]
        # A group's last beat after the stretch's first group waits for the dequantizer
        # when the group's beats take fewer than scale_bits cycles: it is taken
        # cycles_per_group after the previous group's last, so this much after its own
        # previous beat (cycles_per_beat when the dequantizer is hidden).
        held = metadata["cycles_per_group"] - (beats_per_group - 1) * cycles_per_beat
        within, waits = [], []
        for index, spacing in enumerate(_spacings(takes), start=1):
            position = index % beats_per_group
            if position == 0:
                continue  # a group's first beat follows the last group's last beat
            if position == beats_per_group - 1 and index >= beats_per_group:
                waits.append(spacing)
            else:
                within.append(spacing)
        measured["cycles_per_beat"] = sorted(set(within))
        if any(spacing != cycles_per_beat for spacing in within):
            problems.append(f"beats of a group taken {measured['cycles_per_beat']} cycles "
                            f"apart, not cycles_per_beat = {cycles_per_beat}")
        if waits:
            measured["last_beat_spacing"] = sorted(set(waits))
        if any(spacing != held for spacing in waits):
            problems.append(f"groups' last beats taken {sorted(set(waits))} cycles after the "
                            f"beat before, not cycles_per_group - (group_size / lanes - 1) * "
                            f"cycles_per_beat = {held}")
        groups = _spacings(takes[beats_per_group - 1::beats_per_group])
        measured["cycles_per_group"] = sorted(set(groups))
        if any(spacing != metadata["cycles_per_group"] for spacing in groups):
            first = next(index for index, spacing in enumerate(groups)
                         if spacing != metadata["cycles_per_group"])
            problems.append(f"last beats of groups taken {measured['cycles_per_group']} "
                            f"cycles apart, not cycles_per_group = "
                            f"{metadata['cycles_per_group']} (first: groups {first} and "
                            f"{first + 1}, {groups[first]} cycles)")
        measured["first_beat_cycle"] = int(takes[0])
    if problems:
        raise AssertionError(f"{scenario.name}: " + "\n".join(problems))
    return measured


DEQUANT_PE = StreamChecks(run_scenario, check_metadata, check_results, check_timing)
"""The dequantization PEs' run and checks, for :func:`~.stream_cocotb.run_bench` and
:func:`~.amaranth_stream.run_on_amaranth`: both kinds share ports, stream and metadata."""
