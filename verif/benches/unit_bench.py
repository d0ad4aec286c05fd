"""cocotb bench for any fixed-latency unit: stream vectors, compare with the golden model.

Vectors and golden outputs come from the file named by ``MACFORGE_VECTORS`` (written by
the pytest side from the numpy golden model); the unit's ports, clock, reset and latency
from its metadata.  The unit runs inside its vector harness (:mod:`.vector_harness`), one
vector per clock.  Once compared, the counts go to ``mismatches.json`` (and the first
mismatches to ``mismatches.txt``) in the run directory, with the seconds the streaming
took.
"""

import time

import cocotb

from macforge.sim.bench_environment import bench_metadata

from .stream import (Mismatches, StreamBench, check_outputs, load_vectors, port_formats,
                     write_counts)


@cocotb.test(timeout_time=1, timeout_unit="sec")
async def outputs_match_golden_model(dut):
    metadata = bench_metadata()
    inputs, expected = load_vectors()
    started = time.perf_counter()
    observed = await StreamBench(dut, metadata).stream(inputs)
    # Writing the vector files, simulating, reading the results: the streaming rate,
    # without the simulator's and Python's start-up.
    counts = {"vectors": len(next(iter(inputs.values()))),
              "stream_seconds": time.perf_counter() - started}
    try:
        check_outputs(inputs, expected, observed, formats=port_formats(metadata), log=dut._log)
    except Mismatches as error:
        write_counts(**counts, mismatches=error.count)
        raise
    write_counts(**counts, mismatches=0)
