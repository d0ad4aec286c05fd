"""int_mac and fp_mac: the emitted Verilog against the golden model, cycle by cycle."""

import pytest

from macforge.gen.registry import get_unit
from macforge.verif.tests.conftest import check_against_golden
from macforge.verif.unit_vectors import fp_mac_vectors, int_mac_vectors


def _top(kind, params):
    unit = get_unit(kind)
    return unit.top_name(unit.resolve(params))


# -- int_mac ---------------------------------------------------------------------------

INT_CONFIGS = [
    {},
    {"overflow": "saturate"},
    {"signed": False},
    {"signed": False, "overflow": "saturate"},
    {"acc_width": 16, "overflow": "saturate"},
    {"acc_width": 16},
    {"a_width": 4, "b_width": 6, "acc_width": 12},
    {"a_width": 16, "b_width": 16, "acc_width": 48, "overflow": "saturate"},
    # Every depth the parameter offers (1..8), each on a different configuration.
    {"pipeline_stages": 1},
    {"pipeline_stages": 2, "overflow": "saturate"},
    {"pipeline_stages": 3, "signed": False},
    {"pipeline_stages": 4, "acc_width": 16, "overflow": "saturate"},
    {"pipeline_stages": 5, "signed": False, "overflow": "saturate"},
    {"pipeline_stages": 6, "a_width": 4, "b_width": 6, "acc_width": 12},
    {"pipeline_stages": 7, "acc_width": 16},
    {"pipeline_stages": 8, "overflow": "saturate"},
    # The multiply operator that FPGA synthesis maps to DSP blocks, the product registered
    # (the Amaranth smoke test runs it unsigned and unregistered too).
    {"multiplier": "dsp", "overflow": "saturate", "pipeline_stages": 2},
]


@pytest.mark.slow
@pytest.mark.parametrize("params", INT_CONFIGS, ids=[_top("int_mac", p) for p in INT_CONFIGS])
def test_int_mac_matches_golden_model(params, tmp_path):
    check_against_golden("int_mac", params,
                         int_mac_vectors(get_unit("int_mac").resolve(params)), tmp_path)


# -- fp_mac ----------------------------------------------------------------------------

FP_CONFIGS = [
    {"in_format": in_format, "acc_format": acc_format, "mul": mul}
    for in_format in ("e4m3", "e5m2") for acc_format in ("fp32", "bf16", "fp16")
    for mul in ("exact", "lmul")
] + [
    # Generic formats: a narrow exponent (products underflow fp16 far less), a tiny
    # format, an e4m3 with infinities, an fn format with a short mantissa.
    {"in_format": "e3m2", "acc_format": "fp16"},
    {"in_format": "e2m1", "acc_format": "bf16", "mul": "lmul"},
    {"in_format": "e4m3ieee", "acc_format": "fp16", "mul": "lmul"},
    {"in_format": "e5m1fn", "acc_format": "fp32"},
    # The widest allowed input (9 bits): 262,144 pairs.
    {"in_format": "e5m3", "acc_format": "fp16", "mul": "lmul"},
] + [
    # Every depth the parameter offers (1..8), each on a different configuration.
    {"in_format": in_format, "acc_format": acc_format, "mul": mul, "pipeline_stages": depth}
    for depth, (in_format, acc_format, mul) in enumerate([
        ("e4m3", "fp16", "exact"), ("e4m3", "fp32", "lmul"), ("e5m2", "bf16", "exact"),
        ("e5m2", "fp16", "lmul"), ("e4m3", "bf16", "lmul"), ("e5m2", "fp32", "exact"),
        ("e3m2", "fp16", "lmul"), ("e4m3", "fp32", "exact")], start=1)
]


@pytest.mark.slow
@pytest.mark.parametrize("params", FP_CONFIGS, ids=[_top("fp_mac", p) for p in FP_CONFIGS])
def test_fp_mac_matches_golden_model(params, tmp_path):
    check_against_golden("fp_mac", params,
                         fp_mac_vectors(get_unit("fp_mac").resolve(params)), tmp_path)


@pytest.mark.parametrize("kind,configs", [("int_mac", INT_CONFIGS), ("fp_mac", FP_CONFIGS)])
def test_every_offered_pipeline_depth_is_benched(kind, configs):
    parameter = get_unit(kind).parameters["pipeline_stages"]
    benched = {config.get("pipeline_stages", parameter.default) for config in configs}
    assert benched == set(range(parameter.minimum, parameter.maximum + 1))
