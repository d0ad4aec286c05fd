"""systolic: the emitted Verilog against the golden model, and its timing against its
metadata.

Each configuration is one Verilator build and one simulation running every scenario of
:func:`macforge.verif.systolic_scenarios.bench_scenarios` (K or rows per set in 1, 2, 7,
64; back to back and timed, random idle cycles, special values, extremes, a reset in the
middle of a tile or weight set).  Builds dominate the cost (5-40 s of CPU each, once;
later sessions reuse them), so the matrix covers the parameters across configurations
instead of crossing them: every shape, both dataflows, every integer mode, every fp
product with every format pair in both dataflows, pipelined PEs of depths 1 and 2.
"""

import json

import pytest

from macforge.gen.emit import emit
from macforge.gen.registry import get_unit
from macforge.sim import runner
from macforge.verif.benches.stream import VECTORS_ENV
from macforge.verif.benches.stream_cocotb import build_stream_unit
from macforge.verif.coverage import SYSTOLIC_BENCHES as CONFIGS
from macforge.verif.systolic_scenarios import bench_scenarios
from macforge.verif.systolic_work import save
from macforge.verif.tests.conftest import BUILD_ROOT

UNIT = get_unit("systolic")


def _top(params):
    return UNIT.top_name(UNIT.resolve(params))


@pytest.mark.slow
@pytest.mark.parametrize("params", CONFIGS, ids=[_top(p) for p in CONFIGS])
def test_systolic_matches_golden_model_and_metadata(params, tmp_path):
    resolved = UNIT.resolve(params)
    top = UNIT.top_name(resolved)
    emitted = emit("systolic", params, out_dir=BUILD_ROOT / "units" / top)
    metadata = emitted.metadata
    built = build_stream_unit(emitted.verilog_path, metadata, build_root=BUILD_ROOT / "sim")
    vectors = tmp_path / "vectors.npz"
    save(vectors, bench_scenarios(resolved, metadata,
                                   seed=resolved["rows"] * 10 + resolved["cols"]))
    result = runner.run(built, test_module=UNIT.bench, test_dir=tmp_path,
                        extra_env={VECTORS_ENV: str(vectors)})
    assert result.tests == 1 and result.failed == 0
    measured = json.loads((tmp_path / "measurements.json").read_text())
    print(f"{top}: latency {metadata['latency']}, {json.dumps(measured)}")


def test_the_matrix_covers_every_shape_mode_and_format_pair():
    resolved = [UNIT.resolve(params) for params in CONFIGS]
    shapes = {(p["rows"], p["cols"], p["dataflow"]) for p in resolved}
    assert {(r, c) for r, c, _ in shapes} == {(1, 1), (2, 3), (4, 4), (8, 8)}
    assert {d for _, _, d in shapes} == {"os", "ws"}
    ints = [p["pe_params"] for p in resolved if p["pe"] == "int_mac"]
    assert {(pe["signed"], pe["overflow"]) for pe in ints} == {
        (signed, overflow) for signed in (True, False) for overflow in ("wrap", "saturate")}
    int8 = {p["dataflow"] for p in resolved if p["pe"] == "int_mac"
            and p["pe_params"] == UNIT.resolve({})["pe_params"]}
    assert int8 == {"os", "ws"}
    assert {p["dataflow"] for p in resolved if p["pe"] == "int_mac"
            and p["pe_params"]["acc_width"] == 16 and p["pe_params"]["overflow"] == "saturate"
            } == {"os", "ws"}
    fps = [(p["dataflow"], p["pe_params"]) for p in resolved if p["pe"] == "fp_mac"]
    pairs = {(pe["in_format"].name, pe["acc_format"].name) for _, pe in fps}
    assert pairs == {("e4m3", "fp32"), ("e4m3", "fp16"), ("e5m2", "bf16")}
    for dataflow in ("os", "ws"):
        assert {pe["mul"] for d, pe in fps if d == dataflow} == {"exact", "lmul"}
    assert {(pe["in_format"].name, pe["acc_format"].name, pe["mul"]) for _, pe in fps} == {
        pair + (mul,) for pair in pairs for mul in ("exact", "lmul")}
    assert {p["pe_params"]["pipeline_stages"] for p in resolved} >= {0, 1, 2}
