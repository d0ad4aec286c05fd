"""The cocotb test of this bench (README.txt): every scenario of scenarios.json through
the unit's valid/ready streams, cycle by cycle; the results compared with the expected
ones bit for bit and in order, and their latency with the unit's metadata.

A scenario lists, per input channel, the cycles to drive: ``"1 <field> ..."`` is a beat,
offered until the unit takes it; ``"0 <field> ..."`` is one cycle with valid low (the
data fields then carry the garbage written there).  The rules of AXI4-Stream hold on the
driving side: valid never depends on ready, a beat stays unchanged until a rising edge
with ready high takes it.  Inputs change on the falling edge; ready and the results are
read just before the rising edge.  A scenario with a ``prelude`` first drives it, then
holds the reset with every valid low; the scenarios run one after another, each from the
state the last one left.

Every ``out_valid`` cycle is a result: the ports of ``bench.json``'s ``results`` are read
then (there is no output back-pressure) and compared, in order, with the scenario's
expected results.  Where ``latency_checked`` is true, result r must leave in the cycle
``due = [beat, cycles]`` names: ``latency`` (from ``<top>.json``) + ``cycles`` after the
cycle in which that beat of the ``in`` channel was taken.  Every scenario is checked
even after one fails, unless the unit stops taking beats.

It needs cocotb 2.x and nothing else outside Python's standard library.
"""

import json
from pathlib import Path

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly

HERE = Path(__file__).resolve().parent
BENCH = json.loads((HERE / "bench.json").read_text())
METADATA = json.loads((HERE / f"{BENCH['top']}.json").read_text())
PORTS = {port["name"]: port for port in METADATA["ports"]}
CLOCK_PERIOD_NS = 10
MISMATCHES_SHOWN = 10
MISMATCH_REPORT = "mismatches.txt"


class Stalled(AssertionError):
    """The unit stopped taking beats: later scenarios would only repeat it."""


def read(dut, name):
    """A port's value as an int; an X or Z bit fails the test."""
    value = getattr(dut, name).value
    try:
        return int(value)
    except ValueError:
        raise AssertionError(f"{name} is {value} before a rising edge") from None


def shown(value, name):
    """A value as the report shows it: hex, as wide as its port."""
    return f"0x{value:0{(PORTS[name]['width'] + 3) // 4}x}"


class Channel:
    """One input channel driven from its cycles in scenarios.json."""

    def __init__(self, name, cycles):
        spec = BENCH["channels"][name]
        self.valid, self.ready, self.fields = spec["valid"], spec["ready"], spec["fields"]
        self.cycles = [[int(word, 16) for word in cycle.split()] for cycle in cycles]
        self.position = 0
        self.taken = []  # the cycle each beat was taken in, in beat order

    @property
    def done(self):
        return self.position == len(self.cycles)

    def drive(self, dut):
        """This cycle's valid and fields; after the last beat, valid low and zeros."""
        valid, *values = ([0] * (1 + len(self.fields)) if self.done
                          else self.cycles[self.position])
        getattr(dut, self.valid).value = valid
        for field, value in zip(self.fields, values):
            getattr(dut, field).value = value

    def sample(self, dut, cycle):
        """Before the rising edge: move on past an idle cycle or a taken beat; whether
        the channel moved."""
        if self.done:
            return False
        if self.cycles[self.position][0]:
            if not read(dut, self.ready):
                return False
            self.taken.append(cycle)
        self.position += 1
        return True


async def drive(dut, channels, *, settle, monitor):
    """Drive ``channels`` until every beat is taken and ``settle`` more cycles have
    passed; the result rows seen, ``(cycle, {port: value})``, if ``monitor``."""
    clock = FallingEdge(getattr(dut, METADATA["clock"]))
    rows, cycle, deadline, still = [], 0, None, 0
    while deadline is None or cycle < deadline:
        for channel in channels:
            channel.drive(dut)
        await ReadOnly()
        moved = [channel.sample(dut, cycle) for channel in channels]
        if monitor and read(dut, BENCH["results_valid"]):
            rows.append((cycle, {name: read(dut, name) for name in BENCH["results"]}))
        still = 0 if any(moved) or deadline is not None else still + 1
        if still > BENCH["stall_cycles"]:
            waiting = "; ".join(f"{channel.valid}: {len(channel.taken)} beats taken"
                                for channel in channels if not channel.done)
            raise Stalled(f"the unit stopped taking beats for {still} cycles ({waiting})")
        await clock
        cycle += 1
        if deadline is None and all(channel.done for channel in channels):
            deadline = cycle + settle
    return rows


async def reset(dut):
    """Hold the reset for a few cycles with every input at 0 (every valid low)."""
    for name in BENCH["inputs"]:
        getattr(dut, name).value = 0
    getattr(dut, METADATA["reset"]).value = 1
    for _ in range(BENCH["reset_cycles"]):
        await FallingEdge(getattr(dut, METADATA["clock"]))
    getattr(dut, METADATA["reset"]).value = 0


def compare(scenario, rows, taken):
    """The problems of one scenario's results: wrong values, missing or extra results,
    results off their latency; (mismatching results, timing misses, report lines)."""
    name, expected = scenario["name"], scenario["results"]
    lines, wrong = [], 0
    if len(rows) != len(expected):
        lines.append(f"scenario {name!r}: {len(expected)} results expected, {len(rows)} seen")
        wrong += abs(len(rows) - len(expected))
    for (_, got), want in zip(rows, expected):
        bad = [port for port in BENCH["results"] if got[port] != int(want[port], 16)]
        wrong += bool(bad)
        for port in bad:
            lanes = ""
            if "lane_width" in PORTS[port]:
                width = PORTS[port]["lane_width"]
                differ = [lane for lane in range(PORTS[port]["lanes"])
                          if (got[port] ^ int(want[port], 16)) >> (lane * width)
                          & ((1 << width) - 1)]
                lanes = f" (lanes {', '.join(map(str, differ))} differ)"
            lines.append(f"scenario {name!r}: {want['item']}: {port} expected "
                         f"{shown(int(want[port], 16), port)} got {shown(got[port], port)}"
                         f"{lanes}")
    late = 0
    if scenario["latency_checked"] and len(rows) == len(expected):
        latency, beats = METADATA["latency"], taken[BENCH["timed_channel"]]
        for (cycle, _), want in zip(rows, expected):
            beat, extra = want["due"]
            due = beats[beat] + latency + extra
            if cycle != due:
                late += 1
                lines.append(f"scenario {name!r}: {want['item']}: seen in cycle {cycle}, due "
                             f"in {due} (beat {beat} of {BENCH['timed_channel']} taken in "
                             f"cycle {beats[beat]}, latency {latency} + {extra})")
    return wrong, late, lines


@cocotb.test()  # no timeout: the stall check ends a run that stops taking beats
async def results_match_expected(dut):
    for name in BENCH["inputs"] + BENCH["results"]:
        assert len(getattr(dut, name)) == PORTS[name]["width"], f"{name}: width differs"
    scenarios = json.loads((HERE / "scenarios.json").read_text())
    Clock(getattr(dut, METADATA["clock"]), CLOCK_PERIOD_NS, unit="ns").start()
    await reset(dut)
    wrong = late = results = 0
    lines, failed = [], []
    for scenario in scenarios:
        try:
            if scenario["prelude"] is not None:
                await drive(dut, [Channel(channel, cycles) for channel, cycles
                                  in scenario["prelude"].items()], settle=0, monitor=False)
                await reset(dut)
            channels = {channel: Channel(channel, cycles)
                        for channel, cycles in scenario["streams"].items()}
            rows = await drive(dut, list(channels.values()), settle=BENCH["settle_cycles"],
                               monitor=True)
        except AssertionError as error:  # stalled, or X on a port
            lines.insert(0, f"scenario {scenario['name']!r}: {error}")
            failed.append(scenario["name"])
            if isinstance(error, Stalled):
                break
            continue
        wrong_here, late_here, problems = compare(
            scenario, rows, {name: channel.taken for name, channel in channels.items()})
        wrong, late, results = wrong + wrong_here, late + late_here, results + len(rows)
        if problems:
            failed.append(scenario["name"])
            lines += problems
        dut._log.info("%s: %d results, %s", scenario["name"], len(rows),
                      "failed" if problems else "as expected")
    if failed:
        report = (f"{len(failed)} of {len(scenarios)} scenarios of {BENCH['top']} failed: "
                  f"{wrong} wrong, missing or extra results, {late} off their latency; "
                  f"first problems:\n" + "\n".join(lines[:MISMATCHES_SHOWN]) + "\n")
        (HERE / MISMATCH_REPORT).write_text(report)
        raise AssertionError(report)
    dut._log.info("%d scenarios, %d results: every result as expected", len(scenarios),
                  results)
