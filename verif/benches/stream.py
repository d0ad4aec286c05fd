"""A bench for fixed-latency units: owns clock and reset, streams vectors, reports.

The unit is described by its metadata (docs/units.md section 1): which ports are inputs and
outputs, the clock and reset names, and the latency.  The scoreboard aligns outputs
with inputs by that latency, never by a delay written into a bench.
"""

import os

import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, Timer

from macforge.formats import FloatFormat

__all__ = ["StreamBench", "VECTORS_ENV", "EXPECTED_PREFIX", "load_vectors", "check_outputs",
           "port_formats"]

VECTORS_ENV = "MACFORGE_VECTORS"
"""Environment variable holding the path of the ``.npz`` vector file of a run."""

EXPECTED_PREFIX = "expected_"
"""In the vector file, ``<port>`` arrays are inputs, ``expected_<port>`` outputs."""

CLOCK_PERIOD_NS = 10
RESET_CYCLES = 2
MISMATCHES_SHOWN = 10
REPORT_NAME = "mismatches.txt"


def load_vectors():
    """The vector file named by :data:`VECTORS_ENV`: (inputs, expected) dicts of arrays."""
    path = os.environ.get(VECTORS_ENV)
    if not path:
        raise RuntimeError(f"{VECTORS_ENV} is not set: the bench needs a vector file")
    with np.load(path) as data:
        inputs = {name: data[name] for name in data.files if not name.startswith(EXPECTED_PREFIX)}
        expected = {name[len(EXPECTED_PREFIX):]: data[name]
                    for name in data.files if name.startswith(EXPECTED_PREFIX)}
    return inputs, expected


class StreamBench:
    """Drive one vector per cycle into a unit and collect its outputs.

    Parameters
    ----------
    dut : cocotb handle
        The top module.
    metadata : dict
        The unit's metadata: ``ports``, ``latency``, ``clock``, ``reset``.
    """

    def __init__(self, dut, metadata):
        self.dut = dut
        self.latency = metadata["latency"]
        self.clock = metadata["clock"]
        self.reset = metadata["reset"]
        control = {self.clock, self.reset}
        self.inputs = [port["name"] for port in metadata["ports"]
                       if port["dir"] == "in" and port["name"] not in control]
        self.outputs = [port["name"] for port in metadata["ports"] if port["dir"] == "out"]
        if self.latency > 0 and self.clock is None:
            raise ValueError(f"metadata gives latency {self.latency} but no clock")

    async def start(self):
        """Start the clock and hold reset for a few cycles (clocked units only)."""
        if self.clock is None:
            return
        clock = getattr(self.dut, self.clock)
        Clock(clock, CLOCK_PERIOD_NS, unit="ns").start()
        falling = FallingEdge(clock)
        for name in self.inputs:
            getattr(self.dut, name).value = 0
        if self.reset is not None:
            getattr(self.dut, self.reset).value = 1
            for _ in range(RESET_CYCLES):
                await falling
            getattr(self.dut, self.reset).value = 0
        await falling

    async def stream(self, inputs):
        """Apply ``inputs`` (port -> int array, equal lengths), one vector per cycle.

        Returns
        -------
        dict
            Output port -> int64 array, element i the response to input vector i.
        """
        count = len(next(iter(inputs.values())))
        drivers = [(getattr(self.dut, name), [int(value) for value in inputs[name]])
                   for name in self.inputs]
        monitors = [getattr(self.dut, name) for name in self.outputs]
        samples = [[] for _ in monitors]
        if self.clock is None:
            settle = Timer(1, unit="ns")
            for index in range(count):
                for handle, values in drivers:
                    handle.value = values[index]
                await settle
                for handle, collected in zip(monitors, samples):
                    collected.append(handle.value)
        else:
            # Inputs change on the falling edge and are captured by the next rising one;
            # the response to vector i is visible latency falling edges after it was applied.
            falling = FallingEdge(getattr(self.dut, self.clock))
            for cycle in range(count + self.latency):
                if cycle >= self.latency:
                    for handle, collected in zip(monitors, samples):
                        collected.append(handle.value)
                if cycle < count:
                    for handle, values in drivers:
                        handle.value = values[cycle]
                await falling
        # LogicArray -> int after the run: converting inside the loop halves throughput.
        return {name: np.array([int(value) for value in collected], dtype=np.int64)
                for name, collected in zip(self.outputs, samples)}


def _describe(value, fmt):
    if fmt is None:
        return f"{value:#x}"
    digits = (fmt.width + 3) // 4
    return f"0x{value:0{digits}x} ({float(fmt.decode(value))!r})"


def check_outputs(inputs, expected, observed, *, formats=None, log=None):
    """Compare observed with expected outputs bit for bit; raise AssertionError on a mismatch.

    The message, and ``mismatches.txt`` in the run directory, list the first mismatching
    vectors: every input, expected and got, in hex and, for ports with a number format in
    ``formats`` (port name -> FloatFormat), as values.
    """
    formats = formats or {}
    lines = []
    total = 0
    count = len(next(iter(inputs.values())))
    for port, wanted in expected.items():
        got = observed[port]
        bad = np.flatnonzero(got != wanted)
        total += bad.size
        for index in bad[:MISMATCHES_SHOWN]:
            fmt = formats.get(port)
            operands = ", ".join(f"{name}={_describe(int(values[index]), formats.get(name))}"
                                 for name, values in inputs.items())
            lines.append(f"vector {index}: {operands}: {port} expected "
                         f"{_describe(int(wanted[index]), fmt)} got {_describe(int(got[index]), fmt)}")
    if total:
        report = f"{total} mismatching outputs in {count} vectors; first ones:\n" + "\n".join(lines)
        with open(REPORT_NAME, "w") as file:
            file.write(report + "\n")
        raise AssertionError(report)
    if log is not None:
        log.info("%d vectors match the golden model bit for bit", count)


def port_formats(metadata):
    """Port name -> FloatFormat for the ports whose metadata names a number format."""
    return {port["name"]: FloatFormat.parse(port["format"])
            for port in metadata["ports"] if port.get("format")}
