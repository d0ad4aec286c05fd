"""cocotb side of the stream benches: a port object over the emitted Verilog, and the
body of a bench that runs a vector file's scenarios and checks each.

The vector file (``MACFORGE_VECTORS``, written by :func:`macforge.verif.stream_work.save`)
holds scenarios: beats, the golden model's results, and how to drive them (idle
stretches, a reset in the middle, timed or not).  They run one after another in one
simulation, each from the state the last one left (drained; reset only where a scenario
asks for it).  Every scenario is checked even after one fails, unless the unit stalls;
the failures are written to ``mismatches.txt``, the counts (scenarios, the failed ones,
mismatching outputs) to ``mismatches.json`` and the measurements to
``measurements.json`` in the run directory.  A unit kind's bench module is a
``cocotb.test`` calling :func:`run_bench` with its :class:`~.stream_run.StreamChecks`;
:func:`build_stream_unit` builds the unit for it.
"""

import json
import os

from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly

from macforge.sim.bench_environment import bench_metadata
from macforge.verif.stream_work import load

from .stream import (CLOCK_PERIOD_NS, REPORT_NAME, VECTORS_ENV, Mismatches, report_progress,
                     write_counts)
from .stream_run import RESET_CYCLES, Stalled, data_ports

__all__ = ["CocotbPort", "run_bench", "build_stream_unit", "MEASUREMENTS_NAME",
           "VERILATOR_BUILD_ARGS"]

MEASUREMENTS_NAME = "measurements.json"

VERILATOR_BUILD_ARGS = ("-CFLAGS", "-O0")
"""Verilator's flags for a stream unit.  The arrays' C++ is large (an 8 x 8 array is
20-30k lines of Verilog) and a bench runs a few thousand cycles, each a round trip into
Python: g++ -O0 builds them in about 40 % of the CPU time of the default -Os (8 x 8
int_mac, 4-bit operands: 29 s against 74 s), which the short runs never win back."""


def build_stream_unit(verilog_path, metadata, *, build_root, simulator=None):
    """Build a stream unit's emitted Verilog for its cocotb bench
    (:func:`macforge.sim.runner.build`, cached), with :data:`VERILATOR_BUILD_ARGS` on
    Verilator; ``simulator`` None takes the selected one."""
    from macforge.sim import runner

    simulator = simulator or runner.selected_simulator()
    return runner.build([verilog_path], metadata["top"], simulator=simulator,
                        build_root=build_root, metadata=metadata,
                        build_args=VERILATOR_BUILD_ARGS if simulator == "verilator" else ())


class CocotbPort:
    """Owns clock and reset of the unit and is :func:`~.stream_run.run_stream`'s port
    object: inputs change on the falling edge, ready and outputs are read in the
    read-only phase just before the rising edge that takes or shows them."""

    def __init__(self, dut, metadata):
        self.dut = dut
        self.metadata = metadata
        self._clock = getattr(dut, metadata["clock"])
        self._reset = getattr(dut, metadata["reset"])
        self._falling = FallingEdge(self._clock)
        self._inputs = [port["name"] for port in data_ports(metadata, "in")]

    async def start(self):
        """Start the clock and reset the unit with every input at 0."""
        Clock(self._clock, CLOCK_PERIOD_NS, unit="ns").start()
        await self.reset({name: 0 for name in self._inputs})

    def apply(self, values):
        for name, value in values.items():
            getattr(self.dut, name).value = value

    async def settle(self):
        await ReadOnly()

    def get(self, name):
        value = getattr(self.dut, name).value
        try:
            return int(value)
        except ValueError:  # X or Z bits: a port the unit leaves undriven or unreset
            raise AssertionError(f"{name} is {value} before a rising edge") from None

    async def tick(self):
        await self._falling

    async def reset(self, values):
        """Hold reset for a few cycles with ``values`` (valids low) on the inputs, from
        now: a beat the run has just seen taken must not be offered for another edge."""
        self.apply(values)
        self._reset.value = 1
        for _ in range(RESET_CYCLES):
            await self._falling
        self._reset.value = 0


async def run_bench(dut, checks):
    """Run every scenario of the vector file on ``dut`` and check it with ``checks``
    (a :class:`~.stream_run.StreamChecks`); raise AssertionError listing every failure.
    After each scenario the work items done so far go to the progress file
    (:func:`~.stream.report_progress`), if the run names one.

    The run ends by itself: every scenario's cycles are bounded by its stall budget
    (:func:`~.stream_run.run_stream`), so the bench modules set no timeout of their own,
    which would only cut short the long random stretches ``macforge verify`` can ask
    for."""
    metadata = bench_metadata()
    checks.check_metadata(metadata)
    port = CocotbPort(dut, metadata)
    await port.start()
    scenarios = load(os.environ[VECTORS_ENV])
    failures, failed, measurements = [], [], {}
    mismatches = done = 0

    def fail(scenario, error):
        failures.append(str(error))
        if scenario.name not in failed:
            failed.append(scenario.name)
        dut._log.error("%s", error)

    for scenario in scenarios:
        try:
            observed = await checks.run(port, scenario, metadata)
        except AssertionError as error:  # stalled, or X on a port
            fail(scenario, error)
            if isinstance(error, Stalled):
                break  # the unit is stuck: later scenarios would only repeat it
            continue
        # Results and timing are checked apart: a wrong result says nothing of timing.
        try:
            checks.check_results(scenario, observed, metadata)
            dut._log.info("%s: %d results match", scenario.name, len(scenario.expected))
        except AssertionError as error:
            fail(scenario, error)
            mismatches += error.count if isinstance(error, Mismatches) else 0
        try:
            measured = checks.check_timing(scenario, observed, metadata)
            if measured is not None:
                measurements[scenario.name] = measured
            dut._log.info("%s: %s", scenario.name,
                          measured if measured is not None else "untimed")
        except AssertionError as error:
            fail(scenario, error)
        done += len(scenario.work)
        report_progress(done)
    with open(MEASUREMENTS_NAME, "w") as file:
        json.dump(measurements, file, indent=1)
    write_counts(scenarios=len(scenarios), failed=failed, mismatches=mismatches)
    if failures:
        with open(REPORT_NAME, "w") as file:
            file.write("\n\n".join(failures) + "\n")
        raise AssertionError(f"{len(failures)} scenarios failed:\n" + "\n\n".join(failures))
