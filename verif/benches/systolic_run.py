"""Drive one :class:`~macforge.verif.systolic_work.Scenario` through a systolic array,
on any simulator.

The simulator is reached through a small port object, so cocotb (the emitted Verilog)
and Amaranth's simulator (the fast tier) run the same loop:

- ``apply(values)``: drive input ports (name -> int) for this cycle;
- ``await settle()``: let combinational logic settle before the rising edge;
- ``get(name) -> int``: a port's settled value (ready, ``out_valid``, ``y``);
- ``await tick()``: move past the rising edge to where inputs for the next cycle go;
- ``await reset(values)``: hold reset for :data:`RESET_CYCLES` cycles, inputs at ``values``.

Cycle c of a run is the c-th time the loop drives inputs; a beat whose valid and ready
are both 1 in cycle c is taken by the edge that ends it.  A result registered by that
edge is seen in cycle c + 1, so latency in the metadata's sense (edges from taking a
beat to its result) is the difference of the two cycle numbers.
"""

import dataclasses

from .handshake import IdleInserter, Monitor, Source, pack_lanes

__all__ = ["RESET_CYCLES", "Observed", "run_scenario", "port_table"]

RESET_CYCLES = 2
# Cycles a stretch may take per beat and result row before the run is called a stall:
# idle stretches add up to 4 per beat, a short tile waits up to R per beat.
_CYCLES_PER_ITEM = 8


@dataclasses.dataclass
class Observed:
    """What a run saw: per channel, the cycle each beat was taken on; the result rows."""

    taken: dict
    rows: list  # (cycle, {port: int})
    cycles: int


def port_table(metadata):
    """Port name -> its metadata entry."""
    return {port["name"]: port for port in metadata["ports"]}


def _sources(streams, ports, *, idle, seed):
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
        raise AssertionError(f"{what}: the array stopped taking beats ({'; '.join(waiting)})")


async def run_scenario(port, scenario, metadata):
    """Drive ``scenario`` (its prelude and a reset first, if it has one).

    Returns
    -------
    Observed
        Beats taken and rows seen in the scenario's own stretch, cycles counted from its
        first cycle (after the reset, if any).

    Raises
    ------
    AssertionError
        When the array stops taking the beats it is offered.
    """
    ports = port_table(metadata)
    rows, cols = metadata["params"]["rows"], metadata["params"]["cols"]
    # Long enough for the last work item's results to leave, and for any extra row.
    settle_cycles = 2 * (metadata["latency"] + rows + cols) + 8
    if scenario.prelude is not None:
        sources = _sources(scenario.prelude, ports, idle=0, seed=0)
        beats = sum(source.count for source in sources)
        await _drive(port, sources, None, settle_cycles=0,
                     bound=_CYCLES_PER_ITEM * (beats + rows) + settle_cycles)
        _stalled(sources, f"{scenario.name} (before the reset)")
        idle = {}
        for source in sources:
            idle.update(source.idle_values())
        await port.reset(idle)
    sources = _sources(scenario.streams, ports, idle=scenario.idle, seed=scenario.seed)
    monitor = Monitor([name for name in ("y", "out_last") if name in ports])
    beats = sum(source.count for source in sources)
    cycles = await _drive(port, sources, monitor, settle_cycles=settle_cycles,
                          bound=_CYCLES_PER_ITEM * (beats + len(scenario.expected) + rows
                                                    * len(scenario.work)) + settle_cycles)
    _stalled(sources, scenario.name)
    return Observed({source.valid.removesuffix("_valid"): source.taken for source in sources},
                    monitor.rows, cycles)
