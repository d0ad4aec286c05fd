"""Drive a :class:`~macforge.verif.stream_work.Scenario` through a stream unit, on any
simulator.

The simulator is reached through a small port object, so cocotb (the emitted Verilog,
:mod:`.stream_cocotb`) and Amaranth's simulator (the fast tier, :mod:`.amaranth_stream`)
run the same loop:

- ``apply(values)``: drive input ports (name -> int) for this cycle;
- ``await settle()``: let combinational logic settle before the rising edge;
- ``get(name) -> int``: a port's settled value (ready, ``out_valid``, results);
- ``await tick()``: move past the rising edge to where inputs for the next cycle go;
- ``await reset(values)``: hold reset for :data:`RESET_CYCLES` cycles, inputs at ``values``.

Cycle c of a run is the c-th time the loop drives inputs; a beat whose valid and ready
are both 1 in cycle c is taken by the edge that ends it.  A result registered by that
edge is seen in cycle c + 1, so latency in the metadata's sense (edges from taking a
beat to its result) is the difference of the two cycle numbers.

What differs between kinds of stream unit (the result ports, how long a run may take,
what to check) is a :class:`StreamChecks` of the kind's own.
"""

import dataclasses
from collections.abc import Callable

from .handshake import IdleInserter, Monitor, Source, pack_lanes

__all__ = ["RESET_CYCLES", "Observed", "StreamChecks", "Stalled", "run_stream", "port_table",
           "data_ports", "channel_sources"]

RESET_CYCLES = 2


@dataclasses.dataclass
class Observed:
    """What a run saw: per channel, the cycle each beat was taken on; the result rows."""

    taken: dict
    rows: list  # (cycle, {port: int})
    cycles: int


@dataclasses.dataclass(frozen=True)
class StreamChecks:
    """How one kind of stream unit is run and checked, the same on every simulator.

    Attributes
    ----------
    run : callable
        ``await run(port, scenario, metadata) -> Observed``.
    check_metadata : callable
        ``check_metadata(metadata)``: what the bench reads from it is there and adds up.
    check_results : callable
        ``check_results(scenario, observed, metadata)``: the golden model's results.
    check_timing : callable
        ``check_timing(scenario, observed, metadata) -> dict or None``: the timing the
        metadata states, returning the measurements (None: nothing timed in this one).
    """

    run: Callable
    check_metadata: Callable
    check_results: Callable
    check_timing: Callable


class Stalled(AssertionError):
    """A unit stopped taking the beats it is offered: later scenarios would only repeat
    the failure."""


def port_table(metadata):
    """Port name -> its metadata entry."""
    return {port["name"]: port for port in metadata["ports"]}


def data_ports(metadata, direction):
    """The metadata entries of the ports of ``direction`` (``"in"``, ``"out"``) other
    than the clock and the reset."""
    clocking = {metadata.get("clock"), metadata.get("reset")}
    return [port for port in metadata["ports"]
            if port["dir"] == direction and port["name"] not in clocking]


def channel_sources(streams, ports, *, idle, seed):
    """A :class:`~.handshake.Source` per channel of ``streams`` (a scenario's streams or
    prelude), in channel order, each with its own idle inserter seeded from ``seed``;
    ``ports`` is :func:`port_table`.  The standalone bench of ``macforge emit --bench``
    records what they offer, so that it drives the same cycles."""
    sources = []
    for number, (channel, fields) in enumerate(sorted(streams.items())):
        beats = {}
        for name, values in fields.items():
            port = ports[name]
            beats[name] = (pack_lanes(values, port["lane_width"]) if "lane_width" in port
                           else [int(value) for value in values])
        # One inserter per channel, seeded apart, so channels idle independently.
        inserter = IdleInserter(idle, seed=seed * 7 + number) if idle else None
        sources.append(Source(channel, beats, {name: ports[name]["width"] for name in fields},
                              idle=inserter))
    return sources


async def _drive(port, sources, monitor, *, settle_cycles, bound):
    """Run cycles until every beat is taken and ``settle_cycles`` more have passed (the
    results' time to leave), or ``bound`` cycles; returns the cycles run."""
    deadline = None
    cycle = 0
    while cycle < bound and (deadline is None or cycle < deadline):
        values = {}
        for source in sources:
            values.update(source.offer())
        port.apply(values)
        await port.settle()
        for source in sources:
            source.sample(port.get(source.ready), cycle)
        if monitor is not None:
            monitor.sample(port.get, cycle)
        await port.tick()
        cycle += 1
        if deadline is None and all(source.done for source in sources):
            deadline = cycle + settle_cycles
    return cycle


def _stalled(sources, what):
    waiting = [f"{source.valid}: {len(source.taken)} of {source.count} beats taken"
               for source in sources if not source.done]
    if waiting:
        raise Stalled(f"{what}: the unit stopped taking beats ({'; '.join(waiting)})")


async def run_stream(port, scenario, metadata, *, outputs, settle_cycles, budget):
    """Drive ``scenario`` (its prelude and a reset first, if it has one).

    Parameters
    ----------
    outputs : sequence of str
        Output ports read on every ``out_valid`` cycle.
    settle_cycles : int
        Cycles run after the last beat is taken, for the results to leave (and any extra
        result to show).
    budget : callable
        ``budget(beats, results, items) -> int``: the cycles a stretch of that many beats,
        expected results and work items may take before the run is called a stall.

    Returns
    -------
    Observed
        Beats taken and rows seen in the scenario's own stretch, cycles counted from its
        first cycle (after the reset, if any).

    Raises
    ------
    Stalled
        When the unit stops taking the beats it is offered.
    """
    ports = port_table(metadata)
    if scenario.prelude is not None:
        sources = channel_sources(scenario.prelude, ports, idle=0, seed=0)
        beats = sum(source.count for source in sources)
        await _drive(port, sources, None, settle_cycles=0,
                     bound=budget(beats, 0, 1) + settle_cycles)
        _stalled(sources, f"{scenario.name} (before the reset)")
        idle = {}
        for source in sources:
            idle.update(source.idle_values())
        await port.reset(idle)
    sources = channel_sources(scenario.streams, ports, idle=scenario.idle, seed=scenario.seed)
    monitor = Monitor([name for name in outputs if name in ports])
    beats = sum(source.count for source in sources)
    cycles = await _drive(port, sources, monitor, settle_cycles=settle_cycles,
                          bound=budget(beats, len(scenario.expected), len(scenario.work))
                          + settle_cycles)
    _stalled(sources, scenario.name)
    return Observed({source.valid.removesuffix("_valid"): source.taken for source in sources},
                    monitor.rows, cycles)
