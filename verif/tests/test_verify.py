"""`macforge verify`: one configuration, as the user gives it, checked on its emitted
Verilog; exit status 0 only when every output matched, the first mismatches shown."""

import dataclasses
from pathlib import Path

import pytest

from macforge.gen.cli import main
from macforge.verif import units
from macforge.verif.tests.conftest import BUILD_ROOT, assert_cli_refuses

# One directory for the checks that build, so their builds and compiler cache are kept.
OUT = str(BUILD_ROOT / "verify")


@pytest.mark.slow
def test_a_configuration_is_checked_exhaustively(capsys):
    argv = ["verify", "fp_mac", "--in-format", "e4m3", "--acc-format", "bf16", "--mul", "lmul",
            "--pipeline-stages", "3", "--out", OUT]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("fp_mac_e4m3_bf16_lmul_p3: 225,292 vectors (every operand pair)")
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
    assert main(["verify", "lmul", "--format", "e4m3", "--out", OUT]) == 1
    out = capsys.readouterr().out
    assert "lmul_e4m3: 65,536 vectors (every operand pair)" in out
    assert "1 mismatching outputs" in out and "vector 12345: a=0x30" in out
    waveform = [line for line in out.splitlines() if line.startswith("waveform: ")][-1][10:]
    assert waveform.endswith(".vcd") and Path(waveform).is_file()


@pytest.mark.parametrize("argv,words", [
    (["verify", "lmul", "--format", "e9m2"], ["format", "e9m2"]),
    (["verify", "lmul", "--vectors", "0"], ["vectors", "0", ">= 1"]),
    (["verify", "fmul", "--vectors", "-5"], ["vectors", "-5"]),
    (["verify", "lmul", "--sim", "modelsim"], ["modelsim", "verilator, icarus"]),
    (["verify", "systolic"], ["fixed-latency", "systolic"]),
])
def test_verify_refuses_bad_input(argv, words, tmp_path, capsys):
    assert_cli_refuses([*argv, "--out", str(tmp_path / "out")], words, capsys)
    assert not (tmp_path / "out").exists()
