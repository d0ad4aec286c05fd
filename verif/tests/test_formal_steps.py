"""fp_mac's accumulate step: the step reference against the golden model, the unit
proved equal to it from every reachable accumulator value, and the step proof shown to
fail when the reference, or the set of accumulator values it starts from, is wrong."""

import dataclasses

import numpy as np
import pytest

from macforge.gen.emit import emit
from macforge.gen.registry import get_unit
from macforge.sim.lint import lint
from macforge.verif.coverage import (LONG_STEP_PROOFS, LONG_STEP_REFERENCE_CHECKS,
                                     STEP_REFERENCE_CHECKS)
from macforge.verif.formal import REFERENCES, run_reference
from macforge.verif.formal.references import HERE
from macforge.verif.formal.steps import (INVARIANT_SOURCE, invariant_parameters, prove_step,
                                         prove_step_by_cases, step_check_verilog)
from macforge.verif.golden import fp_mac_step
from macforge.verif.tests.conftest import BUILD_ROOT
from macforge.verif.unit_vectors import fp_mac_vectors

pytestmark = pytest.mark.slow


def _id(config):
    kind, params = config
    unit = get_unit(kind)
    return unit.top_name(unit.resolve(params))


def _check_step_reference(kind, params, tmp_path):
    """The reference's steps in the wrapper's state register, streamed through the
    vector harness with the unit's own vectors, against the golden model."""
    inputs = fp_mac_vectors(get_unit(kind).resolve(params))
    result = run_reference(kind, params, inputs, work_dir=tmp_path, build_root=BUILD_ROOT / "sim")
    assert result.tests == 1 and result.failed == 0


@pytest.mark.parametrize("kind,params", STEP_REFERENCE_CHECKS,
                         ids=[_id(c) for c in STEP_REFERENCE_CHECKS])
def test_step_reference_matches_golden_model(kind, params, tmp_path):
    _check_step_reference(kind, params, tmp_path)


@pytest.mark.long
@pytest.mark.parametrize("kind,params", LONG_STEP_REFERENCE_CHECKS,
                         ids=[_id(c) for c in LONG_STEP_REFERENCE_CHECKS])
def test_more_step_references_match_golden_model(kind, params, tmp_path):
    _check_step_reference(kind, params, tmp_path)


@pytest.mark.long
@pytest.mark.parametrize("kind,params", LONG_STEP_PROOFS, ids=[_id(c) for c in LONG_STEP_PROOFS])
def test_step_is_proved_from_every_reachable_accumulator(kind, params, tmp_path):
    proof = prove_step_by_cases(kind, params, work_dir=tmp_path, timeout=1200)
    print(f"{_id((kind, params))}: step proved in {proof.seconds:.0f} s")
    assert proof.proved, f"counterexample: {proof.describe()}; log: {proof.log}"


def test_step_check_is_lint_clean(tmp_path):
    """The step check with the unit, the step reference and the invariant beside it,
    each in a file named after its module."""
    params = {"in_format": "e4m3", "acc_format": "bf16", "mul": "lmul"}
    resolved = get_unit("fp_mac").resolve(params)
    emitted = emit("fp_mac", params, out_dir=tmp_path)
    top, text = step_check_verilog("fp_mac", resolved, emitted.metadata,
                                   invariant=invariant_parameters(resolved))
    (tmp_path / f"{top}.v").write_text(text)
    for source in (REFERENCES["fp_mac"].path, HERE / INVARIANT_SOURCE):
        (tmp_path / source.name).write_text(source.read_text())
    assert lint(tmp_path / f"{top}.v", top=top) == []


def _transition(proof):
    """The counterexample's edge: (acc before, acc after, a, b, en, clear, rst).  Column
    0 is the initial state, 1 the cycle before the edge, 2 the one after."""
    example = proof.counterexample
    return (example["acc"][1], example["acc"][2],
            *(example[port][1] for port in ("a", "b", "en", "clear", "rst")))


def test_a_wrong_step_reference_gives_a_counterexample(tmp_path, monkeypatch):
    """The reference told the wrong product kind: the solver finds an edge where the
    two differ, from a free accumulator value, and the unit's side of it is the golden
    model's step."""
    right = REFERENCES["fp_mac"]
    monkeypatch.setitem(REFERENCES, "fp_mac", dataclasses.replace(
        right, parameters=lambda params: {**right.parameters(params), "LMUL": 1}))
    params = {"in_format": "e4m3", "acc_format": "fp16", "mul": "exact"}
    acc_format = get_unit("fp_mac").resolve(params)["acc_format"]
    proof = prove_step("fp_mac", params, work_dir=tmp_path, exponent_field=30)
    assert not proof.proved
    before, after, a, b, en, clear, rst = _transition(proof)
    assert (en, rst) == (1, 0)
    assert acc_format.exponent(before) == 30
    assert int(fp_mac_step(before, clear, a, b, **params)) == after
    assert "acc=0x" in proof.describe()


def test_the_unit_relies_on_the_invariant(tmp_path):
    """bf16 leaves out the gradual-underflow logic (docs/units.md section 6.2): from a
    subnormal accumulator, which only the invariant set rules out, the unit and the
    reference differ, so the set is what makes the proof go through."""
    params = {"in_format": "e4m3", "acc_format": "bf16", "mul": "exact"}
    resolved = get_unit("fp_mac").resolve(params)
    everything = {**invariant_parameters(resolved, bounded=False), "QUANTUM": -200}
    # A zero product (a = +0) leaves the sum the accumulator itself: the solver's search
    # is short.
    proof = prove_step("fp_mac", params, work_dir=tmp_path, invariant=everything,
                       exponent_field=0, fixed={"a": f"{resolved['in_format'].width}'d0"})
    assert not proof.proved
    before, after, a, b, en, clear, rst = _transition(proof)
    acc_format = resolved["acc_format"]
    assert acc_format.exponent(before) == 0 and acc_format.mantissa(before) != 0
    assert (a, en, clear, rst) == (0, 1, 0, 0)
    assert int(fp_mac_step(before, clear, a, b, **params)) == before != after


def test_an_invariant_that_is_not_closed_is_refused(tmp_path):
    """A bound below what sums reach: the step leaves the set, and the proof says so."""
    params = {"in_format": "e4m3", "acc_format": "fp16", "mul": "exact"}
    resolved = get_unit("fp_mac").resolve(params)
    narrow = {**invariant_parameters(resolved), "BOUND": 4}
    proof = prove_step("fp_mac", params, work_dir=tmp_path, invariant=narrow,
                       exponent_field=19)
    assert not proof.proved
    before, _, a, b, en, clear, rst = _transition(proof)
    after = fp_mac_step(before, clear, a, b, **params) if en and not rst else before
    assert np.abs(resolved["acc_format"].decode(after)) > 16
