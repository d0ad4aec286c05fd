"""cocotb smoke bench for the sim runner's fixture units (``y = (a + b) mod 256``).

Drives all 65,536 pairs of 8-bit operands, one vector per simulator step, collects
the outputs as plain ints and compares them in bulk against a numpy model at the end;
comparing per vector inside the loop costs roughly a third of the throughput.

The unit's clock, reset and latency come from the metadata that
:func:`sim.runner.run` exports (``MACFORGE_UNIT_METADATA``); without metadata the unit
is taken as combinational. Setting ``MACFORGE_SMOKE_CORRUPT=1`` makes the bench expect
wrong values, so the runner's failure path (report, waveform) can be exercised.
"""

import os
import time

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, Timer

from macforge.sim.bench_environment import bench_metadata

CORRUPT_ENV = "MACFORGE_SMOKE_CORRUPT"

OPERAND_BITS = 8
RESULT_MASK = (1 << OPERAND_BITS) - 1


def all_operand_pairs():
    """Return every pair of 8-bit operands.

    Returns
    -------
    tuple of np.ndarray
        ``(a, b)``, int64 arrays of 65,536 elements, ``a`` major.
    """
    values = np.arange(1 << OPERAND_BITS, dtype=np.int64)
    return np.repeat(values, values.size), np.tile(values, values.size)


def expected_sums(a, b):
    """Return the reference model of the fixture: ``(a + b) mod 256``.

    Parameters
    ----------
    a, b : np.ndarray
        Operand bit patterns.

    Returns
    -------
    np.ndarray
        int64 result bit patterns.
    """
    return (a + b) & RESULT_MASK


def _check(dut, a, b, observed):
    expected = expected_sums(a, b)
    if os.environ.get(CORRUPT_ENV, "") not in ("", "0"):
        # Deliberately wrong expectation: exercises the runner's failure path.
        expected = (expected + 1) & RESULT_MASK
    observed = np.asarray(observed, dtype=np.int64)
    mismatches = np.flatnonzero(observed != expected)
    if mismatches.size:
        first = mismatches[:5]
        detail = ", ".join(
            f"a={int(a[i]):#04x} b={int(b[i]):#04x} got {int(observed[i]):#04x} "
            f"expected {int(expected[i]):#04x}"
            for i in first
        )
        raise AssertionError(
            f"{mismatches.size} of {observed.size} vectors mismatch; first: {detail}"
        )
    dut._log.info("%d vectors match the numpy model", observed.size)


async def _drive_combinational(dut, a_list, b_list):
    observed = []
    append = observed.append
    port_a, port_b, port_y = dut.a, dut.b, dut.y
    step = Timer(1, "ns")
    for a_value, b_value in zip(a_list, b_list):
        port_a.value = a_value
        port_b.value = b_value
        await step
        append(int(port_y.value))
    return observed


async def _drive_clocked(dut, a_list, b_list, *, clock, reset, latency):
    clock_port = getattr(dut, clock)
    Clock(clock_port, 2, unit="ns").start(start_high=False)
    port_a, port_b, port_y = dut.a, dut.b, dut.y
    port_a.value = 0
    port_b.value = 0
    falling = FallingEdge(clock_port)
    if reset is not None:
        reset_port = getattr(dut, reset)
        reset_port.value = 1
        for _ in range(2):
            await falling
        reset_port.value = 0
    # Inputs change on falling edges; the output read at falling edge k belongs to
    # the vector applied `latency` rising edges earlier, i.e. at falling edge k - latency.
    observed = []
    append = observed.append
    count = len(a_list)
    for edge in range(count + latency):
        await falling
        if edge >= latency:
            append(int(port_y.value))
        if edge < count:
            port_a.value = a_list[edge]
            port_b.value = b_list[edge]
    return observed


@cocotb.test(timeout_time=10, timeout_unit="ms")
async def exhaustive_sum(dut):
    """Every 8x8 operand pair, checked in bulk against numpy."""
    metadata = bench_metadata() or {}
    a, b = all_operand_pairs()
    # Python ints: cocotb 2 rejects numpy scalars on assignment.
    a_list, b_list = a.tolist(), b.tolist()
    latency = int(metadata.get("latency", 0))
    clock = metadata.get("clock")
    started = time.perf_counter()
    if clock is None:
        if latency:
            raise ValueError(f"metadata latency {latency} needs a clock port; got None")
        observed = await _drive_combinational(dut, a_list, b_list)
    else:
        observed = await _drive_clocked(
            dut, a_list, b_list, clock=clock, reset=metadata.get("reset"), latency=latency
        )
    elapsed = time.perf_counter() - started
    dut._log.info(
        "drove %d vectors in %.3f s: %.0f vectors/s", len(observed), elapsed,
        len(observed) / elapsed,
    )
    _check(dut, a, b, observed)
