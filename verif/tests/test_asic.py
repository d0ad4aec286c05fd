"""The ASIC flow: units mapped onto OSU 0.18 um cells, areas summed from the library, and
a clear message (and the rest of the report) when the library cannot be had."""

import json

import pytest

from macforge.gen.cli import main
from macforge.gen.emit import emit
from macforge.synth.asic import asic_area, liberty_cells, liberty_path
from macforge.synth.tools import FlowUnavailable

_LIBERTY = """library(tiny) {
cell (NAND2X1) {
area : 24;
  pin(Y) { function : "!(A&B)"; }
}
cell (DFFPOSX1) {
area : 96;
  ff (DS0000,P0000) { next_state : "D"; clocked_on : "CLK"; }
}
cell (LATCH) {
area : 0;
  latch (DS0000,P0000) { data_in : "D"; enable : "CLK"; }
}
}
"""


def test_liberty_cells_read_areas_and_which_cells_store_state():
    assert liberty_cells(_LIBERTY) == {"NAND2X1": (24.0, False), "DFFPOSX1": (96.0, True),
                                       "LATCH": (0.0, True)}


@pytest.mark.slow
def test_area_is_the_sum_of_the_library_cells(tmp_path):
    emitted = emit("int_mac", {"a_width": 4, "b_width": 4, "acc_width": 12}, out_dir=tmp_path)
    result = asic_area(emitted.verilog_path, emitted.top, work_dir=tmp_path / "work")
    cells = liberty_cells(liberty_path().read_text())
    assert result["area_um2"] == sum(count * cells[name][0]
                                     for name, count in result["by_type"].items())
    assert result["nand2_eq"] == round(result["area_um2"] / cells["NAND2X1"][0], 1)
    # The 12-bit accumulator is the only state: 12 flip-flops, their area the sequential.
    assert result["flops"] == 12
    assert result["sequential_area_um2"] == sum(
        count * cells[name][0] for name, count in result["by_type"].items() if cells[name][1])
    assert result["cells"] == sum(result["by_type"].values()) > 12


def test_a_library_that_cannot_be_fetched_says_why(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    with pytest.raises(FlowUnavailable, match="osu018 is unavailable.*apt-get and dpkg"):
        liberty_path(home=tmp_path / "libraries")


@pytest.mark.slow
def test_the_report_goes_on_without_the_library(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    monkeypatch.setenv("MACFORGE_LIBRARY_DIR", str(tmp_path / "libraries"))
    assert main(["report", "--units", "lmul", "--where", "format=e4m3", "--flows",
                 "gates,asic", "--out", str(tmp_path / "out"), "--no-cache"]) == 0
    err = capsys.readouterr().err
    assert "flow 'asic': cell library osu018 is unavailable" in err and "leaving it out" in err
    rows = json.loads((tmp_path / "out" / "results.json").read_text())
    assert [(row["top"], row["flow"]) for row in rows] == [("lmul_e4m3", "gates")]
