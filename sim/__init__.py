"""Simulation runner: build Verilog once per configuration and run cocotb benches on it.

Knows nothing of Amaranth; see :mod:`sim.runner`.
"""

from sim.runner import (
    SIMULATORS,
    Build,
    BuildError,
    RunResult,
    SimulationFailure,
    SimulatorUnavailable,
    available_simulators,
    bench_metadata,
    build,
    run,
    selected_simulator,
)

__all__ = [
    "SIMULATORS",
    "Build",
    "BuildError",
    "RunResult",
    "SimulationFailure",
    "SimulatorUnavailable",
    "available_simulators",
    "bench_metadata",
    "build",
    "run",
    "selected_simulator",
]
