"""Emission: metadata per docs/units.md section 1, reproducible lint-clean Verilog, bad input."""

import json
import os
import subprocess
import sys

import pytest

from macforge.formats import FloatFormat
from macforge.gen.emit import emit
from macforge.sim.lint import lint
from macforge.verif.tests.conftest import assert_cli_refuses

MULTIPLIER_CONFIGS = [
    ("lmul", {"format": "e4m3"}),
    ("lmul", {"format": "fp16", "saturate": False, "pipeline_stages": 2}),
    ("lmul", {"format": "e3m4fn", "pipeline_stages": 5}),
    ("fmul", {"format": "e4m3"}),
    ("fmul", {"format": "bf16", "saturate": True, "pipeline_stages": 3}),
    ("fmul", {"format": "e5m2", "pipeline_stages": 1}),
    ("fmul", {"format": "fp32"}),
]
MAC_CONFIGS = [
    ("int_mac", {}),
    ("int_mac", {"a_width": 4, "b_width": 6, "acc_width": 12, "signed": False,
                 "pipeline_stages": 2}),
    ("fp_mac", {}),
    ("fp_mac", {"in_format": "e5m2", "acc_format": "fp16", "mul": "lmul", "pipeline_stages": 1}),
    ("fp_mac", {"in_format": "e2m1", "acc_format": "bf16", "pipeline_stages": 3}),
]
EMIT_CONFIGS = MULTIPLIER_CONFIGS + MAC_CONFIGS


def _id(config):
    kind, params = config
    return kind + "-" + "-".join(f"{k}={v}" for k, v in params.items())


@pytest.mark.slow
@pytest.mark.parametrize("kind,params", EMIT_CONFIGS, ids=[_id(c) for c in EMIT_CONFIGS])
def test_emission_is_reproducible_and_lint_clean(kind, params, tmp_path):
    first = emit(kind, params, out_dir=tmp_path / "first")
    second = emit(kind, params, out_dir=tmp_path / "second")
    verilog = first.verilog_path.read_bytes()
    assert verilog == second.verilog_path.read_bytes()
    assert first.metadata_path.read_bytes() == second.metadata_path.read_bytes()
    for text in (verilog.decode(), first.metadata_path.read_text()):
        for absolute in {str(tmp_path), os.getcwd(), os.path.expanduser("~"), sys.prefix}:
            assert absolute not in text
    assert lint(first.verilog_path, top=first.top) == []


@pytest.mark.parametrize("kind,params", MULTIPLIER_CONFIGS,
                         ids=[_id(c) for c in MULTIPLIER_CONFIGS])
def test_metadata_describes_the_verilog(kind, params, tmp_path):
    emitted = emit(kind, params, out_dir=tmp_path)
    meta = json.loads(emitted.metadata_path.read_text())
    assert emitted.metadata_path.name == f"{meta['top']}.json"
    assert emitted.verilog_path.name == f"{meta['top']}.v"
    for key in ("top", "kind", "params", "latency", "ii", "clock", "reset", "ports"):
        assert key in meta
    assert meta["kind"] == kind
    assert meta["ii"] == 1
    stages = params.get("pipeline_stages", 0)
    assert meta["latency"] == stages
    assert (meta["clock"], meta["reset"]) == (("clk", "rst") if stages else (None, None))
    width = {"e4m3": 8, "e5m2": 8, "e3m4fn": 8, "fp16": 16, "bf16": 16, "fp32": 32}[params["format"]]
    ports = {port["name"]: port for port in meta["ports"]}
    assert set(ports) == ({"a", "b", "y", "clk", "rst"} if stages else {"a", "b", "y"})
    for name in ("a", "b"):
        assert (ports[name]["dir"], ports[name]["width"]) == ("in", width)
    assert (ports["y"]["dir"], ports["y"]["width"]) == ("out", width)
    verilog = emitted.verilog_path.read_text()
    header = verilog[verilog.index(f"module {meta['top']}("):].split(";", 1)[0]
    for name in ports:
        assert name in header
    assert meta["params"]["format"] == params["format"]


@pytest.mark.parametrize("kind,params", MAC_CONFIGS, ids=[_id(c) for c in MAC_CONFIGS])
def test_mac_metadata_describes_the_verilog(kind, params, tmp_path):
    emitted = emit(kind, params, out_dir=tmp_path)
    meta = json.loads(emitted.metadata_path.read_text())
    resolved = meta["params"]
    assert meta["kind"] == kind
    # The accumulator register is one cycle; pipeline stages add to it.
    assert meta["latency"] == 1 + params.get("pipeline_stages", 0)
    assert (meta["clock"], meta["reset"], meta["ii"]) == ("clk", "rst", 1)
    ports = {port["name"]: port for port in meta["ports"]}
    assert set(ports) == {"clk", "rst", "a", "b", "en", "clear", "acc"}
    if kind == "int_mac":
        widths = {"a": resolved["a_width"], "b": resolved["b_width"], "acc": resolved["acc_width"]}
        formats = {}
    else:
        in_width = FloatFormat.parse(resolved["in_format"]).width
        widths = {"a": in_width, "b": in_width,
                  "acc": FloatFormat.parse(resolved["acc_format"]).width}
        formats = {"a": resolved["in_format"], "b": resolved["in_format"],
                   "acc": resolved["acc_format"]}
    widths.update(en=1, clear=1)
    for name, width in widths.items():
        assert ports[name]["width"] == width
        assert ports[name]["dir"] == ("out" if name == "acc" else "in")
        assert ports[name].get("format") == formats.get(name)
    verilog = emitted.verilog_path.read_text()
    header = verilog[verilog.index(f"module {meta['top']}("):].split(";", 1)[0]
    for name in ports:
        assert name in header


BAD_INPUT = [
    (["emit", "nosuchunit", "--out", "{out}"], ["nosuchunit", "lmul", "fmul"]),
    (["emit", "lmul", "--format", "e4m9x", "--out", "{out}"], ["format", "e4m9x", "e<E>m<M>"]),
    (["emit", "lmul", "--format", "e9m3", "--out", "{out}"], ["exponent_bits", "9", "2 and 8"]),
    (["emit", "fmul", "--format", "e1m3", "--out", "{out}"], ["exponent_bits", "1", "2 and 8"]),
    (["emit", "fmul", "--format", "e5m24", "--out", "{out}"], ["mantissa_bits", "24", "1 and 23"]),
    (["emit", "fmul", "--format", "e5m0", "--out", "{out}"], ["mantissa_bits", "0", "1 and 23"]),
    (["emit", "lmul", "--format", "e5m4fn", "--out", "{out}"], ["fn", "5 + 4", "<= 8"]),
    (["emit", "lmul", "--pipeline-stages", "-1", "--out", "{out}"],
     ["pipeline_stages", "-1", "from 0"]),
    (["emit", "fmul", "--pipeline-stages", "two", "--out", "{out}"],
     ["pipeline_stages", "two", "integer"]),
    (["emit", "lmul", "--out", "{file}/sub"], ["out", "cannot be created", "is a file"]),
    (["emit", "fmul", "--out", "{file}"], ["out", "not a directory"]),
    (["emit", "int_mac", "--a-width", "1", "--out", "{out}"], ["a_width", "1", "2 to 16"]),
    (["emit", "int_mac", "--b-width", "17", "--out", "{out}"], ["b_width", "17", "2 to 16"]),
    (["emit", "int_mac", "--acc-width", "12", "--out", "{out}"], ["acc_width", "12", "16"]),
    (["emit", "int_mac", "--acc-width", "49", "--out", "{out}"], ["acc_width", "49", "48"]),
    (["emit", "int_mac", "--overflow", "clamp", "--out", "{out}"],
     ["overflow", "clamp", "wrap", "saturate"]),
    (["emit", "fp_mac", "--in-format", "fp16", "--out", "{out}"],
     ["in_format", "fp16", "5 exponent", "3 mantissa"]),
    (["emit", "fp_mac", "--in-format", "e6m2", "--out", "{out}"],
     ["in_format", "e6m2", "5 exponent", "3 mantissa"]),
    (["emit", "fp_mac", "--in-format", "e4m9x", "--out", "{out}"],
     ["in_format", "e4m9x", "e<E>m<M>"]),
    (["emit", "fp_mac", "--acc-format", "e5m2", "--out", "{out}"],
     ["acc_format", "e5m2", "fp32, bf16, fp16"]),
    (["emit", "fp_mac", "--acc-format", "fp64", "--out", "{out}"],
     ["acc_format", "fp64", "fp32, bf16, fp16"]),
    (["emit", "fp_mac", "--mul", "approx", "--out", "{out}"], ["mul", "approx", "exact", "lmul"]),
    (["emit", "fp_mac", "--pipeline-stages", "9", "--out", "{out}"],
     ["pipeline_stages", "9", "0 to 8"]),
    (["synth", "lmul", "--format", "e9m3", "--json", "{out}/x.json"], ["exponent_bits", "9"]),
    (["synth", "lmul", "--json", "{file}/x.json"], ["json", "cannot create"]),
]


@pytest.mark.parametrize("argv,words", BAD_INPUT, ids=[" ".join(a[:4]) for a, _ in BAD_INPUT])
def test_bad_input_exits_2_with_a_message_and_builds_nothing(argv, words, tmp_path, capsys):
    out = tmp_path / "out"
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    assert_cli_refuses([part.format(out=out, file=blocker) for part in argv], words, capsys)
    assert not out.exists() or not any(out.iterdir())


def test_cli_prints_no_traceback_for_bad_input(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "macforge.gen.cli", "emit", "lmul", "--format", "e4m3x", "--out",
         str(tmp_path)], capture_output=True, text=True)
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert "format 'e4m3x'" in completed.stderr
