"""Shared bench machinery: emit and build each unit once per session, run its bench."""

import functools
from pathlib import Path

import numpy as np

from macforge.gen.cli import main
from macforge.gen.emit import emit
from macforge.gen.registry import get_unit
from macforge.sim import runner
from macforge.verif.benches.stream import EXPECTED_PREFIX, VECTORS_ENV
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
    expected = unit.golden_model(params)(**inputs)
    vector_file = Path(run_dir) / "vectors.npz"
    np.savez(vector_file, **inputs,
             **{EXPECTED_PREFIX + port: values for port, values in expected.items()})
    result = runner.run(built_unit(kind, params), test_module=unit.bench, test_dir=run_dir,
                        extra_env={VECTORS_ENV: str(vector_file)})
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
