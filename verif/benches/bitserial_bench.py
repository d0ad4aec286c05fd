"""cocotb bench of a dequantization PE's emitted Verilog (``bitserial_pe`` and its
bit-parallel reference ``bitparallel_pe``): dot products against the golden model, bit
for bit, and the timing its metadata states.

The vector file holds dot products as beats with the golden model's results, and how to
drive them (idle stretches, a reset in the middle, timed or not); the bench knows the PE
only through its metadata.  :func:`~.stream_cocotb.run_bench` runs the scenarios one
after another in one simulation and writes ``mismatches.txt`` and ``measurements.json``
(latency, cycles per beat and per group as measured) in the run directory.
"""

import cocotb

from .bitserial_checks import DEQUANT_PE
from .stream_cocotb import run_bench


@cocotb.test()  # no timeout: run_bench ends by itself (its docstring says why)
async def dot_products_match_golden_model_and_metadata(dut):
    await run_bench(dut, DEQUANT_PE)
