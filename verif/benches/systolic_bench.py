"""cocotb bench of the systolic array's emitted Verilog: scenarios against the golden model
and the metadata's timing.

The vector file (``MACFORGE_VECTORS``, written by :func:`macforge.verif.systolic_work.save`)
holds scenarios: os tiles or ws weight sets with their rows, the golden model's result
rows, and how to drive them (idle stretches, a reset in the middle, timed or not).  They
run one after another in one simulation, each from the state the last one left (drained;
reset only where a scenario asks for it).  Every scenario is checked even after one fails;
the failures are written to ``mismatches.txt`` and the measurements (latency,
utilization, fill/drain) to ``measurements.json`` in the run directory.
"""

import json
import os

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly

from macforge.sim.runner import bench_metadata
from macforge.verif.systolic_work import load

from .stream import CLOCK_PERIOD_NS, REPORT_NAME, VECTORS_ENV
from .systolic_checks import check_metadata, check_results, check_timing
from .systolic_run import RESET_CYCLES, run_scenario

MEASUREMENTS_NAME = "measurements.json"


class SystolicBench:
    """Owns clock and reset of the array and gives :func:`run_scenario` its port object:
    inputs change on the falling edge, ready and outputs are read in the read-only phase
    just before the rising edge that takes or shows them."""

    def __init__(self, dut, metadata):
        self.dut = dut
        self.metadata = metadata
        self._clock = getattr(dut, metadata["clock"])
        self._reset = getattr(dut, metadata["reset"])
        self._falling = FallingEdge(self._clock)
        self._inputs = [port["name"] for port in metadata["ports"]
                        if port["dir"] == "in" and port["name"] not in
                        (metadata["clock"], metadata["reset"])]

    async def start(self):
        """Start the clock and reset the array with every input at 0."""
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
        except ValueError:  # X or Z bits: a port the array leaves undriven or unreset
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


@cocotb.test(timeout_time=10, timeout_unit="ms")
async def scenarios_match_golden_model_and_metadata(dut):
    metadata = bench_metadata()
    check_metadata(metadata)
    bench = SystolicBench(dut, metadata)
    await bench.start()
    failures, measurements = [], {}
    for scenario in load(os.environ[VECTORS_ENV]):
        try:
            observed = await run_scenario(bench, scenario, metadata)
            check_results(scenario, observed, metadata)
            if not scenario.idle:
                measurements[scenario.name] = check_timing(scenario, observed, metadata)
            dut._log.info("%s: %d rows match; %s", scenario.name, len(scenario.expected),
                          measurements.get(scenario.name, "untimed"))
        except AssertionError as error:
            failures.append(str(error))
            dut._log.error("%s", error)
            if "stopped taking beats" in str(error):
                break  # the array is stuck: later scenarios would only repeat it
    with open(MEASUREMENTS_NAME, "w") as file:
        json.dump(measurements, file, indent=1)
    if failures:
        with open(REPORT_NAME, "w") as file:
            file.write("\n\n".join(failures) + "\n")
        raise AssertionError(f"{len(failures)} scenarios failed:\n" + "\n\n".join(failures))
