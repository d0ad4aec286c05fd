"""Shared fixtures: emitted units and their simulator builds, made once per session."""

import functools
from pathlib import Path

import pytest

from gen.emit import emit
from gen.registry import get_unit
from sim import runner

BUILD_ROOT = Path("build")


@functools.cache
def _emitted(kind, params_key):
    unit = get_unit(kind)
    params = dict(params_key)
    top = unit.top_name(unit.resolve(params))
    return emit(kind, params, out_dir=BUILD_ROOT / "units" / top)


def emitted_unit(kind, params):
    """Emit a unit once per session (same kind and parameters -> same files)."""
    return _emitted(kind, tuple(sorted(params.items())))


@functools.cache
def _built(kind, params_key, simulator):
    emitted = _emitted(kind, params_key)
    return runner.build([emitted.verilog_path], emitted.top, simulator=simulator,
                        build_root=BUILD_ROOT / "sim", metadata=emitted.metadata)


def built_unit(kind, params, *, simulator=None):
    """Emit and compile a unit for simulation, once per session and simulator."""
    return _built(kind, tuple(sorted(params.items())), simulator or runner.selected_simulator())


@pytest.fixture
def run_dir(tmp_path):
    return tmp_path
