"""cocotb bench of the systolic array's emitted Verilog: scenarios against the golden model
and the metadata's timing.

The vector file holds os tiles or ws weight sets with their rows, the golden model's
result rows, and how to drive them; :func:`~.stream_cocotb.run_bench` runs them one after
another in one simulation and writes ``mismatches.txt`` and ``measurements.json``
(latency, utilization, fill/drain) in the run directory.
"""

import cocotb

from .stream_cocotb import run_bench
from .systolic_checks import SYSTOLIC


@cocotb.test()  # no timeout: run_bench ends by itself (its docstring says why)
async def scenarios_match_golden_model_and_metadata(dut):
    await run_bench(dut, SYSTOLIC)
