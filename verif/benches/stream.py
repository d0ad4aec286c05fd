"""A bench for fixed-latency units: streams vectors through the unit in its harness,
compares, reports; and what every bench shares: the vector file, running a bench on it,
the report of mismatches (``mismatches.txt``), their counts (``mismatches.json``) and
the progress file.

The unit is described by its metadata (docs/units.md section 1): which ports are inputs and
outputs, the clock and reset names, and the latency.  The scoreboard aligns outputs
with inputs by that latency, never by a delay written into a bench.
"""

import json
import os
from pathlib import Path

import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import RisingEdge

from macforge.formats import FloatFormat

from .vector_harness import harness_clock, read_results, write_vectors

__all__ = ["StreamBench", "VECTORS_ENV", "PROGRESS_ENV", "EXPECTED_PREFIX", "REPORT_NAME",
           "COUNTS_NAME", "Mismatches", "load_vectors", "save_vectors", "run_vector_file",
           "run_vectors", "check_outputs", "write_counts", "read_counts", "report_progress",
           "read_progress", "port_formats"]

VECTORS_ENV = "MACFORGE_VECTORS"
"""Environment variable holding the path of the ``.npz`` vector file of a run."""

PROGRESS_ENV = "MACFORGE_PROGRESS"
"""Environment variable naming a file where a bench that runs in parts (the stream
benches: one scenario after another) keeps the work items done so far; unset, it keeps
none."""

EXPECTED_PREFIX = "expected_"
"""In the vector file, ``<port>`` arrays are inputs, ``expected_<port>`` outputs."""

CLOCK_PERIOD_NS = 10
MISMATCHES_SHOWN = 10
REPORT_NAME = "mismatches.txt"
"""The first mismatches, for a person to read; written by a failing bench."""
COUNTS_NAME = "mismatches.json"
"""What a bench checked and how many outputs mismatched, for a program to read; written
by every bench that got as far as comparing, passing or not."""


class Mismatches(AssertionError):
    """Outputs that differ from the golden model: the message lists the first ones,
    ``count`` says how many there are."""

    def __init__(self, message, count):
        super().__init__(message)
        self.count = count


def write_counts(**counts):
    """Write a bench's counts (``mismatches`` and what it checked, by name) as
    :data:`COUNTS_NAME` in the run directory, the bench's working directory."""
    with open(COUNTS_NAME, "w") as file:
        json.dump(counts, file)


def read_counts(run_dir):
    """The counts a bench wrote into ``run_dir``; None when it wrote none (it failed
    before comparing)."""
    try:
        return json.loads((Path(run_dir) / COUNTS_NAME).read_text())
    except (OSError, ValueError):
        return None


def report_progress(done):
    """Record ``done`` work items in the file :data:`PROGRESS_ENV` names, if any.  The
    file is replaced whole, so a reader never sees half a number."""
    path = os.environ.get(PROGRESS_ENV)
    if path:
        partial = f"{path}.partial"
        with open(partial, "w") as file:
            file.write(f"{done}\n")
        os.replace(partial, path)


def read_progress(path):
    """The work items done that a bench last recorded in ``path``; None before any."""
    try:
        return int(Path(path).read_text())
    except (OSError, ValueError):
        return None


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


def save_vectors(path, inputs, expected):
    """Write ``inputs`` and ``expected`` (port -> array) as the vector file
    :func:`load_vectors` reads."""
    np.savez(path, **inputs,
             **{EXPECTED_PREFIX + port: values for port, values in expected.items()})


def run_vector_file(built, test_module, run_dir, save, *, check=True, extra_env=None):
    """Run the bench ``test_module`` on the build ``built`` in ``run_dir``, on the vector
    file ``save(path)`` writes there (:func:`save_vectors`, or a stream unit's
    :func:`macforge.verif.stream_work.save`); the :class:`macforge.sim.runner.RunResult`
    (``check``: raise on a failure).  ``extra_env``: more for the bench's environment."""
    from macforge.sim import runner  # the pytest side's; the bench process never calls this

    vector_file = (Path(run_dir) / "vectors.npz").resolve()  # the simulator runs in run_dir
    save(vector_file)
    return runner.run(built, test_module=test_module, test_dir=run_dir,
                      extra_env={VECTORS_ENV: str(vector_file), **(extra_env or {})},
                      check=check)


def run_vectors(built, test_module, inputs, expected, run_dir, *, check=True):
    """:func:`run_vector_file` on ``inputs`` and ``expected`` (port -> array)."""
    return run_vector_file(built, test_module, run_dir,
                           lambda path: save_vectors(path, inputs, expected), check=check)


class StreamBench:
    """Stream vectors through a unit inside its :mod:`.vector_harness` and collect its
    outputs: the clock runs in the simulator, and the bench awaits the whole run once.

    Parameters
    ----------
    dut : cocotb handle
        The harness (:data:`~.vector_harness.HARNESS_TOP`) around the unit.
    metadata : dict
        The unit's metadata: ``ports``, ``latency``, ``clock``, ``reset``.
    """

    def __init__(self, dut, metadata):
        self.dut = dut
        self.metadata = metadata
        if metadata["latency"] > 0 and metadata.get("clock") is None:
            raise ValueError(f"metadata gives latency {metadata['latency']} but no clock")

    async def stream(self, inputs):
        """Apply ``inputs`` (port -> int array, equal lengths), one vector per cycle,
        after the unit's reset.

        Returns
        -------
        dict
            Output port -> int64 array, element i the response to input vector i.
        """
        count = write_vectors(inputs, self.metadata, os.getcwd())
        self.dut.count.value = count
        self.dut.start.value = 1
        Clock(getattr(self.dut, harness_clock(self.metadata)), CLOCK_PERIOD_NS,
              unit="ns").start()
        await RisingEdge(self.dut.done)
        return read_results(self.metadata, count, os.getcwd())


def _describe(value, fmt):
    if fmt is None:
        return f"{value:#x}"
    digits = (fmt.width + 3) // 4
    return f"0x{value:0{digits}x} ({float(fmt.decode(value))!r})"


def check_outputs(inputs, expected, observed, *, formats=None, log=None):
    """Compare observed with expected outputs bit for bit; raise :class:`Mismatches` (an
    AssertionError) on a mismatch.

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
        raise Mismatches(report, total)
    if log is not None:
        log.info("%d vectors match the golden model bit for bit", count)


def port_formats(metadata):
    """Port name -> FloatFormat for the ports whose metadata names a number format."""
    return {port["name"]: FloatFormat.parse(port["format"])
            for port in metadata["ports"] if port.get("format")}
