"""lmul and fmul: the emitted Verilog against the numpy golden model, bit for bit."""

import pytest

from macforge.gen.registry import get_unit
from macforge.verif.tests.conftest import check_against_golden
from macforge.verif.coverage import MULTIPLIER_BENCHES as CONFIGS
from macforge.verif.unit_vectors import RANDOM_PAIRS, multiplier_vectors


# Every test here builds with Verilator or Icarus, or synthesizes: `make test-fast`
# leaves the module out.
pytestmark = pytest.mark.slow

def _config_id(config):
    kind, params, vectors = config
    top = get_unit(kind).top_name(get_unit(kind).resolve(params))
    return f"{top}-{vectors if isinstance(vectors, str) else 'random'}"


@pytest.mark.parametrize("kind,params,vectors", CONFIGS, ids=[_config_id(c) for c in CONFIGS])
def test_emitted_verilog_matches_golden_model(kind, params, vectors, tmp_path):
    resolved = get_unit(kind).resolve(params)
    inputs = multiplier_vectors(resolved, random_count=RANDOM_PAIRS if vectors == "exhaustive"
                                else vectors, seed=len(CONFIGS))
    if vectors == "exhaustive":
        assert inputs["a"].size == 1 << (2 * resolved["format"].width)
    check_against_golden(kind, params, inputs, tmp_path)
