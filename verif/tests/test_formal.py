"""Formal equivalence: units proved equal to their references on every input of wide
formats; the references checked against the golden model on every 8-bit input; and the
proof shown to fail, with a counterexample, when the two differ."""

import dataclasses

import pytest

from macforge.gen.emit import emit
from macforge.gen.registry import get_unit
from macforge.sim.lint import lint
from macforge.verif import golden
from macforge.verif.coverage import (FORMAL_PROOFS, LONG_FORMAL_PROOFS, LONG_REFERENCE_CHECKS,
                                     REFERENCE_CHECKS)
from macforge.verif.formal import (REFERENCES, prove, prove_equivalent, run_reference,
                                    write_reference)
from macforge.verif.tests.conftest import BUILD_ROOT
from macforge.verif.unit_vectors import multiplier_vectors

pytestmark = pytest.mark.slow


def _id(config):
    kind, params = config
    unit = get_unit(kind)
    return unit.top_name(unit.resolve(params))


def _assert_proved(kind, params, work_dir):
    proof = prove(kind, params, work_dir=work_dir)
    assert proof.proved, f"counterexample: {proof.describe()}; log: {proof.log}"


@pytest.mark.parametrize("kind,params", FORMAL_PROOFS, ids=[_id(c) for c in FORMAL_PROOFS])
def test_unit_is_proved_equal_to_its_reference(kind, params, tmp_path):
    _assert_proved(kind, params, tmp_path)


@pytest.mark.long
@pytest.mark.parametrize("kind,params", LONG_FORMAL_PROOFS,
                         ids=[_id(c) for c in LONG_FORMAL_PROOFS])
def test_unit_is_proved_equal_to_its_reference_long(kind, params, tmp_path):
    _assert_proved(kind, params, tmp_path)


def _check_reference_on_every_input(kind, params, tmp_path):
    resolved = get_unit(kind).resolve(params)
    inputs = multiplier_vectors(resolved)
    assert inputs["a"].size == 1 << (2 * resolved["format"].width)
    result = run_reference(kind, params, inputs, work_dir=tmp_path, build_root=BUILD_ROOT / "sim")
    assert result.tests == 1 and result.failed == 0


@pytest.mark.parametrize("kind,params", REFERENCE_CHECKS,
                         ids=[_id(c) for c in REFERENCE_CHECKS])
def test_reference_matches_golden_model_on_every_input(kind, params, tmp_path):
    _check_reference_on_every_input(kind, params, tmp_path)


@pytest.mark.long
@pytest.mark.parametrize("kind,params", LONG_REFERENCE_CHECKS,
                         ids=[_id(c) for c in LONG_REFERENCE_CHECKS])
def test_more_references_match_golden_model_on_every_input(kind, params, tmp_path):
    _check_reference_on_every_input(kind, params, tmp_path)


LINTED = [("lmul", {"format": "e4m3"}), ("lmul", {"format": "fp32", "saturate": False}),
          ("fmul", {"format": "e2m1"}), ("fmul", {"format": "fp32"}),
          ("fp_mac", {"in_format": "e5m2", "acc_format": "fp16", "mul": "lmul"}),
          ("fp_mac", {"in_format": "e2m1", "acc_format": "fp32", "pipeline_stages": 1})]


@pytest.mark.parametrize("kind,params", LINTED, ids=[_id(c) for c in LINTED])
def test_reference_is_lint_clean(kind, params, tmp_path):
    """Each reference with real parameters, under its wrapper: plain Verilog-2005 that
    Verilator's -Wall passes, so nothing in it is left to a tool's reading.  Verilator
    finds the reference beside the wrapper by its module name."""
    unit = get_unit(kind)
    metadata = emit(kind, params, out_dir=tmp_path / "unit").metadata
    top, (wrapper, _) = write_reference(kind, unit.resolve(params), metadata, tmp_path)
    assert lint(wrapper, top=top) == []


def test_a_differing_reference_gives_a_counterexample(tmp_path, monkeypatch):
    """The reference told the wrong overflow rule: the solver must find an overflowing
    product, and the unit's side of it must be what the golden model says."""
    right = REFERENCES["lmul"]
    monkeypatch.setitem(REFERENCES, "lmul", dataclasses.replace(
        right, parameters=lambda params: {**right.parameters(params), "SATURATE": 0}))
    params = {"format": "bf16"}
    proof = prove("lmul", params, work_dir=tmp_path)
    assert not proof.proved
    example = {name: values[0] for name, values in proof.counterexample.items()}
    assert example["gold_y"] != example["gate_y"]
    fmt = get_unit("lmul").resolve(params)["format"]
    expected = golden.lmul(fmt, example["in_a"], example["in_b"], saturate=True)
    assert int(expected) == example["gate_y"]
    assert example["gate_y"] & fmt.magnitude_mask == fmt.max_finite
    assert "in_a=0x" in proof.describe()


def test_a_pipeline_one_cycle_off_is_not_proved(tmp_path):
    """The unrolled proof sees time: a reference one cycle late differs from the unit."""
    params = {"format": "fp16", "pipeline_stages": 1}
    emitted = emit("lmul", params, out_dir=tmp_path)
    resolved = get_unit("lmul").resolve(params)
    late = {**emitted.metadata, "latency": 2}
    top, sources = write_reference("lmul", resolved, late, tmp_path)
    proof = prove_equivalent([*sources, emitted.verilog_path], top, emitted.top,
                             work_dir=tmp_path, steps=3)
    assert not proof.proved
