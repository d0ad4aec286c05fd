"""The systolic array's parameters, metadata and emission; the integer sum-width proof.

The benches of the emitted Verilog are in test_systolic_benches.py.
"""

import ast
import json
import os
from pathlib import Path

import pytest

import macforge
import macforge.hdl as hdl
from macforge.gen.cli import main
from macforge.gen.emit import emit
from macforge.hdl.int_arithmetic import int_sum_width
from macforge.hdl.mac import mac_units
from macforge.sim.lint import lint
from macforge.verif.tests.conftest import assert_cli_refuses

FP8 = {"in_format": "e4m3", "acc_format": "fp16", "mul": "lmul"}


BAD_INPUT = [
    (["--rows", "0"], ["rows", "0", "1 to 32"]),
    (["--cols", "33"], ["cols", "33", "1 to 32"]),
    (["--rows", "four"], ["rows", "four", "integer"]),
    (["--pe", "lmul"], ["--pe", "lmul", "fp_mac", "int_mac"]),
    (["--dataflow", "rs"], ["--dataflow", "rs", "os", "ws"]),
    (["--pe", "int_mac", "--in-format", "e4m3"],
     ["pe 'int_mac'", "in_format", "a_width, b_width"]),
    (["--pe", "fp_mac", "--acc-width", "24"], ["pe 'fp_mac'", "acc_width", "in_format"]),
    (["--acc-width", "12"], ["pe 'int_mac'", "acc_width", "12", "16"]),
    (["--pe", "fp_mac", "--in-format", "fp16"], ["in_format", "fp16", "5 exponent"]),
    (["--pe", "fp_mac", "--mul", "approx"], ["mul", "approx", "exact", "lmul"]),
    (["--pipeline-stages", "9"], ["pipeline_stages", "9", "0 to 8"]),
]


@pytest.mark.parametrize("flags,words", BAD_INPUT, ids=[" ".join(f) for f, _ in BAD_INPUT])
def test_bad_parameters_exit_2_naming_them_before_any_hardware(flags, words, tmp_path, capsys):
    out = tmp_path / "out"
    assert_cli_refuses(["emit", "systolic", *flags, "--out", str(out)], words, capsys)
    assert not out.exists()


@pytest.mark.parametrize("params,error,words", [
    ({"rows": 0}, ValueError, "rows must be an integer from 1 to 32, not 0"),
    ({"cols": True}, TypeError, "cols must be an integer from 1 to 32, not True"),
    ({"pe": "fmul"}, ValueError, "pe must be 'fp_mac' or 'int_mac', not 'fmul'"),
    ({"dataflow": "is"}, ValueError, "dataflow must be 'os' or 'ws', not 'is'"),
    ({"pe_params": [("a_width", 4)]}, TypeError, "pe_params must be a dict"),
    ({"pe_params": {"a_width": 20}}, ValueError, "a_width must be an integer from 2 to 16"),
    ({"pe": "fp_mac", "pe_params": {"signed": False}}, TypeError,
     "pe 'fp_mac' has no parameter 'signed'"),
])
def test_python_api_checks_parameters_eagerly(params, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        macforge.build("systolic", **params)


def test_cli_builds_the_pe_from_its_flags(tmp_path):
    assert main(["emit", "systolic", "--rows", "2", "--cols", "3", "--pe", "fp_mac",
                 "--in-format", "e4m3", "--acc-format", "fp32", "--mul", "lmul",
                 "--dataflow", "os", "--out", str(tmp_path)]) == 0
    meta = json.loads((tmp_path / "systolic_os_2x3_fp_mac_e4m3_fp32_lmul.json").read_text())
    assert meta["params"] == {"rows": 2, "cols": 3, "pe": "fp_mac", "dataflow": "os",
                              "pe_params": {"in_format": "e4m3", "acc_format": "fp32",
                                            "mul": "lmul", "pipeline_stages": 0}}


@pytest.mark.parametrize("dataflow,pe,pe_params,latency,formula", [
    ("os", "int_mac", {}, 4, "C + 1"),
    ("ws", "int_mac", {}, 5, "R + C"),
    ("os", "fp_mac", {**FP8, "pipeline_stages": 2}, 6, "C + 1 + 2"),
    ("ws", "int_mac", {"pipeline_stages": 1}, 6, "R + C + 1"),
])
def test_metadata_states_handshake_lanes_and_timing(dataflow, pe, pe_params, latency, formula):
    component = macforge.build("systolic", rows=2, cols=3, pe=pe, pe_params=pe_params,
                               dataflow=dataflow)
    meta = macforge.emit_component(component, name="array", out_dir="build/test_systolic").metadata
    assert meta["handshake"] == "valid_ready" and meta["ii"] is None
    assert meta["latency"] == latency and meta["latency_formula"] == formula
    assert eval(formula, {"R": 2, "C": 3}) == latency
    assert meta["fill_drain_cycles"] == eval(meta["fill_drain_cycles_formula"], {"R": 2, "C": 3})
    assert meta["beats_per_cycle"] == 1
    if dataflow == "os":
        assert meta["full_rate_min_k"] == 2
    else:
        assert meta["full_rate_min_rows"] == eval(meta["full_rate_min_rows_formula"], {"R": 2})
    ports = {port["name"]: port for port in meta["ports"]}
    operand, weight = ("a", "b") if dataflow == "os" else ("x", "w")
    assert (ports[operand]["lanes"], ports[weight]["lanes"], ports["y"]["lanes"]) == (2, 3, 3)
    assert ports["y"]["lane_width"] == (32 if pe == "int_mac" else 16)
    if pe == "fp_mac":
        assert (ports[operand]["format"], ports["y"]["format"]) == ("e4m3", "fp16")


@pytest.mark.parametrize("a_width,b_width,signed", [
    (a_width, b_width, signed) for a_width, b_width in ((2, 2), (3, 2), (2, 4), (4, 3), (3, 3))
    for signed in (True, False)])
def test_integer_sum_width_is_the_tightest_that_holds_every_sum(a_width, b_width, signed):
    """The proof a weight-stationary column narrows its partial sums by: every sum of
    ``terms`` products fits, and one bit fewer would not hold some sum."""
    def values(width):
        return range(-(1 << (width - 1)), 1 << (width - 1)) if signed else range(1 << width)
    products = {a * b for a in values(a_width) for b in values(b_width)}
    for terms in range(1, 5):
        lowest, highest = terms * min(products), terms * max(products)
        width = int_sum_width(a_width=a_width, b_width=b_width, signed=signed, terms=terms)

        def fits(width):
            if signed:
                return -(1 << (width - 1)) <= lowest and highest < (1 << (width - 1))
            return highest < (1 << width)
        assert fits(width) and not fits(width - 1), (terms, width)


def test_weight_stationary_sums_narrow_to_what_their_rows_reach():
    array = macforge.build("systolic", rows=8, cols=2, dataflow="ws")
    arithmetic = array._arithmetic
    # Signed 8x8 products reach 2^14: one needs 16 bits, eight need 19 of the 32.
    assert [arithmetic.sum_width(terms) for terms in (1, 2, 8)] == [16, 17, 19]
    # Past what the accumulator holds, the sum keeps its width and its overflow rule.
    narrow = macforge.build("systolic", rows=4, cols=1, dataflow="ws",
                            pe_params={"acc_width": 16, "overflow": "saturate"})
    assert [narrow._arithmetic.sum_width(terms) for terms in range(1, 5)] == [16] * 4


@pytest.mark.slow
@pytest.mark.parametrize("params", [
    {"rows": 3, "cols": 2, "dataflow": "os"},
    {"rows": 2, "cols": 3, "dataflow": "ws", "pe_params": {"signed": False,
                                                            "overflow": "saturate"}},
    {"rows": 1, "cols": 1, "dataflow": "ws", "pe": "fp_mac", "pe_params": FP8},
    {"rows": 2, "cols": 2, "dataflow": "os", "pe": "fp_mac",
     "pe_params": {"in_format": "e5m2", "acc_format": "bf16", "pipeline_stages": 1}},
], ids=lambda params: "-".join(f"{key}={value}" for key, value in params.items()))
def test_emission_is_reproducible_and_lint_clean(params, tmp_path):
    first = emit("systolic", params, out_dir=tmp_path / "first")
    second = emit("systolic", params, out_dir=tmp_path / "second")
    assert first.verilog_path.read_bytes() == second.verilog_path.read_bytes()
    assert first.metadata_path.read_bytes() == second.metadata_path.read_bytes()
    assert str(tmp_path) not in first.verilog_path.read_text()
    assert os.getcwd() not in first.metadata_path.read_text()
    assert lint(first.verilog_path, top=first.top) == []


def test_the_array_is_written_against_the_mac_step_alone():
    """No module of the array imports a PE kind's module, and the meshes never name one:
    a new MAC kind is a PE without an edit here."""
    root = Path(hdl.__file__).parent
    pe_modules = {cls.__module__.rsplit(".", 1)[-1] for cls in mac_units().values()}
    for name in ("systolic", "systolic_os", "systolic_ws"):
        tree = ast.parse((root / f"{name}.py").read_text())
        imported = {node.module.lstrip(".") for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.module}
        assert not imported & pe_modules, name
    for name in ("systolic_os", "systolic_ws"):
        text = (root / f"{name}.py").read_text()
        assert not any(kind in text for kind in mac_units()), name
