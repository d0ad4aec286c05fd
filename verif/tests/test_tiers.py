"""The fast tier's selection: a test is slow exactly when it reaches a toolchain stage."""

from pathlib import Path

import pytest

import macforge
from macforge.gen.cli import main
from macforge.gen.emit import emit
from macforge.gen.report import ratio_rows, synthesize
from macforge.sim.lint import lint
from macforge.sim.runner import build
from macforge.synth import format_table, gate_count
from macforge.verif.tiers import reaches_toolchain

HERE = Path(__file__).resolve().parent


def _builds_through_a_helper():
    return _build_helper()


def _build_helper():
    return build([], "top")


def _builds_through_the_package():
    return macforge.sim.runner.build([], "top")


def _synthesizes_through_the_report(prepared):
    return synthesize(prepared)


def _synthesizes_in_a_lambda():
    return (lambda: gate_count("x.v", "x"))()


def _runs_the_synth_command():
    return main(["synth", "lmul", "--json", "x.json"])


def _lints():
    return lint("x.v", top="x")


def _emits_and_formats(tmp_path):
    emit("lmul", {}, out_dir=tmp_path)
    return format_table(ratio_rows([]), [])


def _runs_the_emit_command():
    return main(["emit", "lmul", "--out", "x"])


def _calls_a_method_named_like_a_stage(subprocess):
    # `run` here is an attribute, not sim.runner.run.
    return subprocess.run(["true"])


# Each case is (the test and its fixtures, whether it is slow).  The functions come in
# through parameters: named in a test's own code, they would make that test slow too.
CASES = [
    ([_builds_through_a_helper], True),
    ([_builds_through_the_package], True),
    ([_synthesizes_through_the_report], True),
    ([_synthesizes_in_a_lambda], True),
    ([_runs_the_synth_command], True),
    ([_lints], True),
    ([_emits_and_formats], False),
    ([_runs_the_emit_command], False),
    ([_calls_a_method_named_like_a_stage], False),
    ([_emits_and_formats, _lints], True),
]


@pytest.mark.parametrize("functions,slow", CASES,
                         ids=["+".join(f.__name__.strip("_") for f in fs) for fs, _ in CASES])
def test_a_test_is_slow_when_it_reaches_a_toolchain_stage(functions, slow):
    assert reaches_toolchain(functions, helpers_dir=HERE) is slow


@pytest.mark.parametrize("function", [_builds_through_a_helper])
def test_helpers_outside_the_test_directory_are_not_followed(function):
    assert not reaches_toolchain([function], helpers_dir=HERE / "elsewhere")
