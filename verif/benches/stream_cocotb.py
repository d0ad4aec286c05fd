"""cocotb side of the stream benches: a port object over the emitted Verilog, and the
body of a bench that runs a vector file's scenarios and checks each.

The vector file (``MACFORGE_VECTORS``, written by :func:`macforge.verif.stream_work.save`)
holds scenarios: beats, the golden model's results, and how to drive them (idle
stretches, a reset in the middle, timed or not).  They run one after another in one
simulation, each from the state the last one left (drained; reset only where a scenario
asks for it).  Every scenario is checked even after one fails, unless the unit stalls;
the failures are written to ``mismatches.txt`` and the measurements to
``measurements.json`` in the run directory.  A unit kind's bench module is a
``cocotb.test`` calling :func:`run_bench` with its :class:`~.stream_run.StreamChecks`.
"""

import json
import os

from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly

from macforge.sim.runner import bench_metadata
from macforge.verif.stream_work import load

from .stream import CLOCK_PERIOD_NS, REPORT_NAME, VECTORS_ENV
from .stream_run import RESET_CYCLES, Stalled, data_ports

__all__ = ["CocotbPort", "run_bench", "MEASUREMENTS_NAME"]

MEASUREMENTS_NAME = "measurements.json"


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
    (a :class:`~.stream_run.StreamChecks`); raise AssertionError listing every failure."""
    metadata = bench_metadata()
    checks.check_metadata(metadata)
    port = CocotbPort(dut, metadata)
    await port.start()
    failures, measurements = [], {}
    for scenario in load(os.environ[VECTORS_ENV]):
        try:
            observed = await checks.run(port, scenario, metadata)
        except AssertionError as error:  # stalled, or X on a port
            failures.append(str(error))
            dut._log.error("%s", error)
            if isinstance(error, Stalled):
                break  # the unit is stuck: later scenarios would only repeat it
            continue
        # Results and timing are checked apart: a wrong result says nothing of timing.
        try:
            checks.check_results(scenario, observed, metadata)
            dut._log.info("%s: %d results match", scenario.name, len(scenario.expected))
        except AssertionError as error:
            failures.append(str(error))
            dut._log.error("%s", error)
        try:
            measured = checks.check_timing(scenario, observed, metadata)
            if measured is not None:
                measurements[scenario.name] = measured
            dut._log.info("%s: %s", scenario.name,
                          measured if measured is not None else "untimed")
        except AssertionError as error:
            failures.append(str(error))
            dut._log.error("%s", error)
    with open(MEASUREMENTS_NAME, "w") as file:
        json.dump(measurements, file, indent=1)
    if failures:
        with open(REPORT_NAME, "w") as file:
            file.write("\n\n".join(failures) + "\n")
        raise AssertionError(f"{len(failures)} scenarios failed:\n" + "\n\n".join(failures))
