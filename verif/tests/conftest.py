"""Shared bench machinery: emit and build each unit once per session, run its bench."""

import functools
from pathlib import Path

from macforge.gen.cli import main
from macforge.gen.emit import emit
from macforge.gen.registry import get_unit
from macforge.sim import runner
from macforge.verif.benches.stream import run_vectors
from macforge.verif.benches.vector_harness import build_in_harness

BUILD_ROOT = Path("build")


def _key(params):
    return tuple(sorted(params.items()))


@functools.cache
def _emitted(kind, params_key):
    unit = get_unit(kind)
    params = dict(params_key)
    top = unit.top_name(unit.resolve(params))
    return emit(kind, params, out_dir=BUILD_ROOT / "units" / top)


@functools.cache
def _built(kind, params_key, simulator):
    emitted = _emitted(kind, params_key)
    return build_in_harness(emitted.verilog_path, emitted.metadata,
                            build_root=BUILD_ROOT / "sim", simulator=simulator)


def built_unit(kind, params, *, simulator=None):
    """Emit a unit and compile it inside its vector harness for simulation, once per
    session and simulator."""
    return _built(kind, _key(params), simulator or runner.selected_simulator())


def check_against_golden(kind, params, inputs, run_dir):
    """Drive the emitted Verilog of a unit with ``inputs`` (port -> per-cycle array) and
    compare every output with the unit's golden model, bit for bit."""
    unit = get_unit(kind)
    result = run_vectors(built_unit(kind, params), unit.bench, inputs,
                         unit.golden_model(params)(**inputs), run_dir)
    assert result.tests == 1 and result.failed == 0


def assert_cli_refuses(argv, words, capsys):
    """Run the CLI in-process on ``argv`` and check it refuses: exit status 2 (argparse's
    usage errors arrive as SystemExit), no traceback, every one of ``words`` in the
    message."""
    try:
        status = main(argv)
    except SystemExit as exit:
        status = exit.code
    assert status == 2
    error = capsys.readouterr().err
    assert "Traceback" not in error
    for word in words:
        assert word in error
