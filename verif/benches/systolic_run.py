"""Drive one :class:`~macforge.verif.stream_work.Scenario` through a systolic array, on
any simulator: :func:`~.stream_run.run_stream` with the array's result ports and its
time budget.
"""

from .stream_run import RESET_CYCLES, Observed, port_table, run_stream

__all__ = ["RESET_CYCLES", "Observed", "run_scenario", "port_table"]

# Cycles a stretch may take per beat and result row before the run is called a stall:
# idle stretches add up to 4 per beat, a short tile waits up to R per beat.
_CYCLES_PER_ITEM = 8


async def run_scenario(port, scenario, metadata):
    """:func:`~.stream_run.run_stream` of ``scenario`` with the array's result ports
    (``y``, ``out_last``), a settling time and a stall budget grown with R and C."""
    rows, cols = metadata["params"]["rows"], metadata["params"]["cols"]
    return await run_stream(
        port, scenario, metadata, outputs=("y", "out_last"),
        # Long enough for the last work item's results to leave, and for any extra row.
        settle_cycles=2 * (metadata["latency"] + rows + cols) + 8,
        budget=lambda beats, results, items: _CYCLES_PER_ITEM * (beats + results
                                                                 + rows * items))
