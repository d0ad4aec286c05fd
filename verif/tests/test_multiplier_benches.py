"""lmul and fmul: the emitted Verilog against the numpy golden model, bit for bit."""

import pytest

from macforge.gen.registry import get_unit
from macforge.verif.tests.conftest import check_against_golden
from macforge.verif.unit_vectors import RANDOM_PAIRS, multiplier_vectors


# Every test here builds with Verilator or Icarus, or synthesizes: `make test-fast`
# leaves the module out.
pytestmark = pytest.mark.slow

PIPELINED_RANDOM_PAIRS = 50_000


def _configs():
    configs = []
    for kind in ("lmul", "fmul"):
        for saturate in (True, False):
            for name in ("e4m3", "e5m2"):
                configs.append((kind, {"format": name, "saturate": saturate}, "exhaustive"))
            for name in ("fp16", "bf16"):
                configs.append((kind, {"format": name, "saturate": saturate}, RANDOM_PAIRS))
        # Generic formats: small ones exhaustively, fp32 at random.
        for name in ("e3m4", "e3m4fn", "e2m1"):
            configs.append((kind, {"format": name}, "exhaustive"))
        configs.append((kind, {"format": "fp32"}, RANDOM_PAIRS))
        # Every pipelining depth the datapath places registers at, plus one stacked.
        for stages in (1, 2, 3):
            configs.append((kind, {"format": "e4m3", "pipeline_stages": stages}, "exhaustive"))
        configs.append((kind, {"format": "bf16", "pipeline_stages": 2}, PIPELINED_RANDOM_PAIRS))
    return configs


def _config_id(config):
    kind, params, vectors = config
    top = get_unit(kind).top_name(get_unit(kind).resolve(params))
    return f"{top}-{vectors if isinstance(vectors, str) else 'random'}"


CONFIGS = _configs()


@pytest.mark.parametrize("kind,params,vectors", CONFIGS, ids=[_config_id(c) for c in CONFIGS])
def test_emitted_verilog_matches_golden_model(kind, params, vectors, tmp_path):
    resolved = get_unit(kind).resolve(params)
    inputs = multiplier_vectors(resolved, random_count=RANDOM_PAIRS if vectors == "exhaustive"
                                else vectors, seed=len(CONFIGS))
    if vectors == "exhaustive":
        assert inputs["a"].size == 1 << (2 * resolved["format"].width)
    check_against_golden(kind, params, inputs, tmp_path)
