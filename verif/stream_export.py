"""Stream scenarios as plain data, for a bench that has neither numpy nor macforge: the
standalone bench of ``macforge emit --bench`` (``gen/bench_template/stream_bench.py``).

The scenarios are the regression's (:mod:`.systolic_scenarios`,
:mod:`.bitserial_scenarios`); this module only writes down what the regression's stream
bench does with them, so that a bench of a few lines can do the same:

- each input channel's cycles as the regression's :class:`~.benches.handshake.Source`
  offers them (:func:`~.benches.stream_run.channel_sources`, the same idle inserters and
  seeds): a beat, held until taken, or one valid-low cycle with the garbage the source
  drives on the data fields then.  What a source offers never depends on ready, so
  recording it with ready always high gives every cycle it will offer on any unit;
- the prelude that a reset interrupts, if the scenario has one;
- the expected results in the order they leave, with the port values the monitor reads
  on each ``out_valid`` cycle, and the beat whose taking starts each one's latency
  (as :mod:`.benches.systolic_checks` and :mod:`.benches.bitserial_checks` time them).

Values are hex strings without ``0x``; packed ports are packed (lane l in bits
[l*w, (l+1)*w)).
"""

import numpy as np

from .benches.handshake import pack_lanes
from .benches.stream_run import channel_sources, data_ports, port_table

__all__ = ["TIMED_CHANNEL", "channels", "result_ports", "scenario_data", "settle_cycles",
           "stall_cycles"]

TIMED_CHANNEL = "in"
"""The channel whose beats a result's latency counts from (tiles, rows, dot products)."""


def _hex(value):
    return f"{int(value):x}"


def _channel_cycles(streams, ports, *, idle, seed):
    """Channel -> its cycles, each ``"<valid> <field> ..."`` in hex, fields in the
    scenario's order."""
    cycles = {}
    for source, (channel, fields) in zip(channel_sources(streams, ports, idle=idle, seed=seed),
                                         sorted(streams.items())):
        offered = []
        while not source.done:
            values = source.offer()
            offered.append(" ".join(_hex(values[name]) for name in (source.valid, *fields)))
            source.sample(1, len(offered))
        cycles[channel] = offered
    return cycles


def channels(scenario):
    """Channel -> its valid, ready and data field ports, in the order a cycle lists them."""
    return {channel: {"valid": f"{channel}_valid", "ready": f"{channel}_ready",
                      "fields": list(fields)}
            for channel, fields in sorted(scenario.streams.items())}


def result_ports(metadata):
    """The output ports a result row carries: every data output but ``out_valid`` and the
    channels' ready."""
    return [port["name"] for port in data_ports(metadata, "out")
            if port["name"] != "out_valid" and not port["name"].endswith("_ready")]


def _due(kind, scenario, metadata):
    """Per result, ``[beat, cycles]``: it is due ``latency + cycles`` cycles after the
    cycle that beat of :data:`TIMED_CHANNEL` is taken in.  An os tile's row i leaves i
    cycles after its first row, which follows the tile's last beat; a ws row's result
    follows the row; a dot product's follows its last beat."""
    work = np.asarray(scenario.work, dtype=np.int64)
    params = metadata["params"]
    if kind == "systolic" and params["dataflow"] == "ws":
        return [[index, 0] for index in range(len(scenario.expected))]
    if kind == "systolic":
        ends = np.cumsum(work) - 1
        return [[int(ends[tile]), int(row)]
                for tile, row in zip(scenario.labels["tile"], scenario.labels["row"])]
    ends = np.cumsum(work * (params["group_size"] // params["lanes"])) - 1
    return [[int(ends[dot]), 0] for dot in scenario.labels["dot"]]


def _latency_checked(kind, scenario):
    # As the regression's checks: the array's latency on stretches without idle cycles,
    # a dequantization PE's on every stretch.
    return not scenario.idle if kind == "systolic" else True


def _expected_values(scenario, metadata):
    """Result ports -> per result, the value in hex."""
    ports = port_table(metadata)
    values = {}
    for name in result_ports(metadata):
        port = ports[name]
        if name == "out_last":  # the systolic array's: row R-1 of its tile
            column = scenario.labels["row"] == metadata["params"]["rows"] - 1
        elif "lane_width" in port:
            column = pack_lanes(scenario.expected, port["lane_width"])
        else:
            column = scenario.expected
        mask = (1 << port["width"]) - 1
        values[name] = [_hex(int(value) & mask) for value in column]
    return values


def scenario_data(kind, scenario, metadata):
    """One scenario as plain data (JSON-ready): its name, the prelude's and the stretch's
    cycles per channel, whether its latency is checked, and its expected results."""
    ports = port_table(metadata)
    labels = list(scenario.labels)
    values = _expected_values(scenario, metadata)
    results = [{"item": ", ".join(f"{name} {int(scenario.labels[name][index])}"
                                  for name in labels),
                **{name: column[index] for name, column in values.items()},
                "due": due}
               for index, due in enumerate(_due(kind, scenario, metadata))]
    return {"name": scenario.name,
            "prelude": (None if scenario.prelude is None
                        else _channel_cycles(scenario.prelude, ports, idle=0, seed=0)),
            "streams": _channel_cycles(scenario.streams, ports, idle=scenario.idle,
                                       seed=scenario.seed),
            "latency_checked": _latency_checked(kind, scenario),
            "results": results}


def _spread(kind, metadata):
    """Cycles beyond the latency over which one work item's results and the unit's
    internal work spread: the array's rows, skew and de-skew; the PE's group."""
    params = metadata["params"]
    if kind == "systolic":
        return params["rows"] + params["cols"]
    return metadata["cycles_per_group"]


def settle_cycles(kind, metadata):
    """Cycles a bench runs after a scenario's last beat is taken: the last result leaves
    within the latency and the spread, and as long again shows any extra result (the
    regression's own settling times, :mod:`.benches.systolic_run` and
    :func:`.benches.bitserial_checks.run_scenario`, are of this size)."""
    return 2 * (metadata["latency"] + _spread(kind, metadata)) + 8


def stall_cycles(kind, metadata):
    """Cycles without progress (no channel taking a beat or passing an idle cycle) after
    which a bench calls the unit stalled: generous against the longest wait a unit has (a
    PE's beat waiting for the dequantizer, a short tile for its rows to drain, a
    weight-stationary row for weights waiting for a free buffer)."""
    return 8 * (metadata["latency"] + _spread(kind, metadata)
                + metadata.get("cycles_per_beat", 1)) + 64
