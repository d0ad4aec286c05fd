"""`macforge verify`: one configuration, as the user gives it, checked on its emitted
Verilog; exit status 0 only when every output matched, the first mismatches shown.

The stream units' checks use the smallest configurations that still run every scenario:
a 2 x 2 output-stationary array and a bit-serial PE of one-beat groups.  Measured on 2
cores: the array's test takes 26 s the first time (its build, with the compiler cache's
first copy of Verilator's runtime for these flags), 1.3 s once built; the PE's 3.5 s and
0.9 s; the failing PE 6 s (a build with tracing too) and 1.4 s.
"""

import dataclasses
import io
import json
from pathlib import Path

import pytest

from macforge.gen.cli import main
from macforge.gen.registry import UNITS
from macforge.gen.verify import METHODS, STEPS, BarProgress
from macforge.verif import units
from macforge.verif.tests.conftest import BUILD_ROOT, assert_cli_refuses

# One directory for the checks that build, so their builds and compiler cache are kept.
OUT = str(BUILD_ROOT / "verify")
# The regression's build directory: configurations it benches too are built once, and the
# rest share its compiler cache.
SHARED_BUILDS = ["--build-dir", str(BUILD_ROOT / "sim")]


@pytest.mark.slow
def test_a_configuration_is_checked_exhaustively(capsys):
    # A configuration the regression benches too: its build is reused.
    argv = ["verify", "fp_mac", "--in-format", "e4m3", "--acc-format", "bf16", "--mul", "lmul",
            "--pipeline-stages", "5", "--out", OUT, *SHARED_BUILDS]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("fp_mac_e4m3_bf16_lmul_p5: 225,292 vectors (every operand pair)")
    assert "all outputs match the golden model" in out


@pytest.mark.slow
def test_a_mismatch_fails_with_the_first_ones_and_a_waveform(capsys, monkeypatch):
    right = units.VERIFICATION["lmul"]

    def wrong(params):
        model = right.golden(params)

        def flipped(a, b):
            expected = model(a=a, b=b)
            expected["y"][12_345] ^= 1
            return expected
        return flipped

    monkeypatch.setitem(units.VERIFICATION, "lmul",
                        dataclasses.replace(right, golden=wrong))
    assert main(["verify", "lmul", "--format", "e4m3", "--out", OUT, *SHARED_BUILDS]) == 1
    out = capsys.readouterr().out
    assert "lmul_e4m3: 65,536 vectors (every operand pair)" in out
    assert "1 mismatching outputs" in out and "vector 12345: a=0x30" in out
    waveform = [line for line in out.splitlines() if line.startswith("waveform: ")][-1][10:]
    assert waveform.endswith(".vcd") and Path(waveform).is_file()


# Both benched by the regression too (verif/coverage.py).
SYSTOLIC = ["systolic", "--rows", "2", "--cols", "3", "--dataflow", "os"]
BITSERIAL = ["bitserial_pe", "--dtype", "int4", "--group-size", "4", "--bits-per-cycle", "2"]


@pytest.mark.slow
def test_a_systolic_array_is_checked_with_its_stream_bench(capsys):
    assert main(["verify", *SYSTOLIC, "--vectors", "10", "--seed", "3", "--out", OUT,
                 *SHARED_BUILDS]) == 0
    out = capsys.readouterr().out
    # The regression's scenarios with 10 random tiles in the idle stretch, not its 6.
    assert out.startswith("systolic_os_2x3_int_mac_s8x8_acc32: 36 tiles, ")
    assert "(5 scenarios)" in out
    assert "all results match the golden model and the timing its metadata states" in out
    counts = json.loads(Path(OUT, "systolic_os_2x3_int_mac_s8x8_acc32", "run",
                             "mismatches.json").read_text())
    assert counts == {"scenarios": 5, "failed": [], "mismatches": 0}


@pytest.mark.slow
def test_a_bit_serial_pe_is_checked_with_its_stream_bench(capsys):
    assert main(["verify", *BITSERIAL, "--out", OUT, *SHARED_BUILDS]) == 0
    out = capsys.readouterr().out
    assert out.startswith("bitserial_pe_int4_b2_g4: 23 dot products, 98 beats (5 scenarios)")
    assert "all results match the golden model" in out


@pytest.mark.slow
def test_a_stream_unit_mismatch_fails_with_the_first_ones_and_a_waveform(capsys, monkeypatch):
    right = units.VERIFICATION["bitserial_pe"]
    calls = []

    def wrong(params):
        model = right.golden(params)

        def off_once(**operands):  # the first dot product of the first scenario
            expected = model(**operands)
            calls.append(1)
            return {"out": expected["out"] ^ 1} if len(calls) == 1 else expected
        return off_once

    monkeypatch.setitem(units.VERIFICATION, "bitserial_pe",
                        dataclasses.replace(right, golden=wrong))
    assert main(["verify", *BITSERIAL, "--out", OUT, *SHARED_BUILDS]) == 1
    out = capsys.readouterr().out
    assert "bitserial_pe_int4_b2_g4: 23 dot products" in out
    assert "1 mismatching outputs, 1 of 5 scenarios failed" in out
    assert "back to back, timed: 1 mismatching outputs in 7 vectors" in out
    assert "vector 0: dot=0x0, groups=0x1: out expected" in out
    waveform = [line for line in out.splitlines() if line.startswith("waveform: ")][-1][10:]
    assert waveform.endswith(".vcd") and Path(waveform).is_file()


def test_every_unit_kind_has_a_verify_method():
    assert set(METHODS) == set(UNITS)


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_the_progress_bar_shows_the_steps_and_the_bench_s_work_items(tmp_path, capsys):
    screen = _Terminal()
    with BarProgress("unit_top", file=screen) as bar:
        for step in STEPS[:-1]:
            bar.step(step)
        done = tmp_path / "progress.txt"
        done.write_text("12\n")  # what the bench writes after a scenario
        bar.step("simulate", watch=done, total=40, noun="tiles")
        print("sim: what the runner prints of a failing bench")
    shown = screen.getvalue()
    assert "unit_top: build: 1/4 steps" in shown
    assert "unit_top: simulate: 3/4 steps, 12/40 tiles" in shown
    # Printed lines pass the bar whole, and the bar is gone at the end.
    assert capsys.readouterr().out == "sim: what the runner prints of a failing bench\n"
    assert shown.endswith("\r")


def test_the_progress_bar_is_not_shown_off_a_terminal():
    piped = io.StringIO()
    bar = BarProgress("unit_top", file=piped)
    bar.step("emit")
    bar.close()
    assert piped.getvalue() == ""


@pytest.mark.parametrize("argv,words", [
    (["verify", "lmul", "--format", "e9m2"], ["format", "e9m2"]),
    (["verify", "lmul", "--vectors", "0"], ["vectors", "0", ">= 1"]),
    (["verify", "fmul", "--vectors", "-5"], ["vectors", "-5"]),
    (["verify", "systolic", "--vectors", "0"], ["vectors", "0", ">= 1"]),
    (["verify", "bitserial_pe", "--vectors", "-1"], ["vectors", "-1", ">= 1"]),
    # The harness holds 2^20 vectors, 791,122 of them the directed ones of this fp_mac,
    # whose two random sequences fill the rest with 128,727 cycles each.
    (["verify", "fp_mac", "--in-format", "e5m3", "--vectors", "128728"],
     ["vectors", "128,728", "at most 128,727"]),
    (["verify", "systolic", "--vectors", "100001"], ["vectors", "100,001", "at most 100,000"]),
    (["verify", "lmul", "--seed", "-1"], ["seed", "-1", ">= 0"]),
    (["verify", "lmul", "--sim", "modelsim"], ["modelsim", "verilator, icarus"]),
    (["verify", "systolic", "--rows", "0"], ["rows", "0"]),
    (["verify", "bitserial_pe", "--group-size", "6"], ["group_size", "6", "lanes"]),
])
def test_verify_refuses_bad_input(argv, words, tmp_path, capsys):
    assert_cli_refuses([*argv, "--out", str(tmp_path / "out")], words, capsys)
    assert not (tmp_path / "out").exists()


def test_verify_refuses_a_build_dir_it_cannot_create(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    assert_cli_refuses(["verify", "lmul", "--out", str(tmp_path / "out"),
                        "--build-dir", str(blocker / "sim")],
                       ["build-dir", "cannot be created", "is a file"], capsys)
    assert not (tmp_path / "out").exists()


def test_verify_names_what_to_install_for_a_missing_simulator(tmp_path, capsys, monkeypatch):
    # An empty PATH: no iverilog or vvp, whatever this machine has.
    monkeypatch.setenv("PATH", str(tmp_path))
    assert_cli_refuses(["verify", "lmul", "--sim", "icarus", "--out", str(tmp_path / "out")],
                       ["icarus", "missing iverilog, vvp", "apt-get install iverilog"], capsys)
    assert not (tmp_path / "out").exists()
