"""int_mac and fp_mac: the emitted Verilog against the golden model, cycle by cycle."""

import pytest

from macforge.gen.registry import get_unit
from macforge.verif.coverage import FP_MAC_BENCHES as FP_CONFIGS
from macforge.verif.coverage import INT_MAC_BENCHES as INT_CONFIGS
from macforge.verif.tests.conftest import check_against_golden
from macforge.verif.unit_vectors import fp_mac_vectors, int_mac_vectors


def _top(kind, params):
    unit = get_unit(kind)
    return unit.top_name(unit.resolve(params))


# -- int_mac ---------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("params", INT_CONFIGS, ids=[_top("int_mac", p) for p in INT_CONFIGS])
def test_int_mac_matches_golden_model(params, tmp_path):
    check_against_golden("int_mac", params,
                         int_mac_vectors(get_unit("int_mac").resolve(params)), tmp_path)


# -- fp_mac ----------------------------------------------------------------------------

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
