"""synth/: Yosys generic-gate counts on tiny fixtures, errors, and the report tables.

Every Yosys call takes ~0.3-1 s once YoWASP's WebAssembly is compiled; the first call on a
fresh machine takes ~30-65 s more (cached in ~/.cache/YoWASP).
"""

import doctest
import json
import re
import shutil
from pathlib import Path

import pytest

from macforge import synth
import macforge.synth.report
from macforge.synth import Column, SynthError, format_table, gate_count, is_flop_type, short_type_name


# Every test here builds with Verilator or Icarus, or synthesizes: `make test-fast`
# leaves the module out.
pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).parent / "fixtures" / "synth" / "small.v"
GENERIC_GATES = {"AND", "NAND", "OR", "NOR", "XOR", "XNOR", "MUX", "NOT", "ANDNOT", "ORNOT", "BUF"}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Synthesize each fixture top once, in its own work directory."""
    cache = {}

    def get(top):
        if top not in cache:
            cache[top] = gate_count(FIXTURE, top, work_dir=tmp_path_factory.mktemp(top))
        return cache[top]

    return get


# --- gate_count: figures -------------------------------------------------------------

def test_single_and_is_exactly_one_cell(results):
    result = results("and1")
    assert result["cells"] == 1
    assert result["flops"] == 0
    assert result["by_type"] == {"AND": 1}
    assert result["top"] == "and1"


def test_result_files_are_kept_and_match(results):
    result = results("and1")
    log_path, stat_path = Path(result["log_path"]), Path(result["stat_path"])
    assert log_path.is_file() and log_path.parent == Path(result["work_dir"])
    script = Path(result["script_path"]).read_text()
    assert "abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX\n" in script
    assert "synth -flatten -top and1\n" in script
    assert "End of script." in log_path.read_text()
    stat = json.loads(stat_path.read_text())
    assert stat["modules"]["\\and1"]["num_cells"] == result["yosys_num_cells"] == 1
    assert result["yosys_version"] and result["yosys_version"][0].isdigit()
    assert Path(result["verilog_path"]) == FIXTURE.resolve()


def test_flattened_hierarchy_excludes_scopeinfo(results):
    # `flatten` leaves a $scopeinfo cell per instance, which `stat` counts as a cell.
    result = results("and_chain")
    assert result["cells"] == 2
    assert result["by_type"] == {"AND": 2}
    assert result["non_hardware"] in ({}, {"$scopeinfo": 2})
    assert result["yosys_num_cells"] == result["cells"] + sum(result["non_hardware"].values())


def test_adder_is_plausible_combinational_logic(results):
    result = results("add8")
    assert result["flops"] == 0
    # 8 sum bits need at least 2 XOR-ish gates each; a ripple adder stays well under 8/bit.
    assert 16 <= result["cells"] <= 64
    assert set(result["by_type"]) <= GENERIC_GATES
    assert sum(result["by_type"].values()) == result["cells"]


def test_register_with_sync_reset_is_four_flops(results):
    result = results("reg4_sync_reset")
    assert result["flops"] == 4
    assert result["cells"] == 4
    assert result["by_type"] == {"SDFF_PP0": 4}


def test_register_with_async_reset_and_enable_is_four_flops(results):
    result = results("reg4_async_enable")
    assert result["flops"] == 4
    assert result["cells"] == 4
    assert all(name.startswith("DFFE_") for name in result["by_type"])


def test_latches_count_as_flops_and_warn(results):
    result = results("latch2")
    assert result["flops"] == 2
    assert result["by_type"] == {"DLATCH_P": 2}
    assert any("Latch inferred" in warning for warning in result["warnings"])


def test_awkward_source_path_is_copied_into_work_dir(tmp_path):
    source_dir = tmp_path / "dir with space;"
    source_dir.mkdir()
    source = source_dir / "my design.v"
    shutil.copyfile(FIXTURE, source)
    result = gate_count(source, "and1", work_dir=tmp_path / "work")
    assert result["cells"] == 1
    assert (tmp_path / "work" / "synth_input.v").is_file()


def test_default_work_dir_is_created_and_kept():
    result = gate_count(FIXTURE, "and1")
    work_dir = Path(result["work_dir"])
    try:
        assert Path(result["log_path"]).is_file()
        assert result["cells"] == 1
    finally:
        shutil.rmtree(work_dir)


# --- gate_count: errors ----------------------------------------------------------------

def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="does_not_exist.v"):
        gate_count(tmp_path / "does_not_exist.v", "top", work_dir=tmp_path / "work")
    assert not (tmp_path / "work").exists()  # rejected before anything ran


def test_unknown_top_raises_synth_error_with_log(tmp_path):
    with pytest.raises(SynthError, match="not found") as caught:
        gate_count(FIXTURE, "no_such_module", work_dir=tmp_path)
    assert "no_such_module" in str(caught.value)
    assert caught.value.log_path == tmp_path / "yosys.log"
    assert caught.value.log_path.is_file()
    assert caught.value.returncode not in (0, None)


def test_stale_results_are_not_reused(tmp_path):
    assert gate_count(FIXTURE, "and1", work_dir=tmp_path)["cells"] == 1
    with pytest.raises(SynthError):
        gate_count(FIXTURE, "no_such_module", work_dir=tmp_path)
    assert not (tmp_path / "stat.json").exists()


def test_verilog_syntax_error_raises_synth_error(tmp_path):
    broken = tmp_path / "broken.v"
    broken.write_text("module broken(input a, output y);\n  assign y = a &;\nendmodule\n")
    with pytest.raises(SynthError, match="syntax error"):
        gate_count(broken, "broken", work_dir=tmp_path / "work")


@pytest.mark.parametrize("kwargs, error, fragment", [
    ({"verilog_path": 3, "top": "and1"}, TypeError, "verilog_path"),
    ({"verilog_path": "design.txt", "top": "and1"}, ValueError, "verilog_path"),
    ({"verilog_path": FIXTURE, "top": 3}, TypeError, "top"),
    ({"verilog_path": FIXTURE, "top": "and1; shell"}, ValueError, "'and1; shell'"),
    ({"verilog_path": FIXTURE, "top": ""}, ValueError, "top"),
    ({"verilog_path": FIXTURE, "top": "and1", "timeout": 0}, ValueError, "timeout"),
    ({"verilog_path": FIXTURE, "top": "and1", "timeout": "5"}, TypeError, "timeout"),
    ({"verilog_path": FIXTURE, "top": "and1", "work_dir": 7}, TypeError, "work_dir"),
])
def test_bad_arguments_are_rejected_eagerly(kwargs, error, fragment):
    with pytest.raises(error, match=re.escape(fragment)):
        gate_count(**kwargs)


def test_work_dir_that_is_a_file_is_rejected(tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    with pytest.raises(ValueError, match="work_dir"):
        gate_count(FIXTURE, "and1", work_dir=not_a_dir)


# --- cell type helpers -------------------------------------------------------------------

@pytest.mark.parametrize("raw, short, flop", [
    ("$_AND_", "AND", False),
    ("$_MUX_", "MUX", False),
    ("$_DFF_P_", "DFF_P", True),
    ("$_SDFF_PP0_", "SDFF_PP0", True),
    ("$_SDFFE_PP0P_", "SDFFE_PP0P", True),
    ("$_SDFFCE_PN1P_", "SDFFCE_PN1P", True),
    ("$_DFFE_PP0P_", "DFFE_PP0P", True),
    ("$_ALDFF_P_", "ALDFF_P", True),
    ("$_DFFSR_PPP_", "DFFSR_PPP", True),
    ("$_DLATCH_P_", "DLATCH_P", True),
    ("$_FF_", "FF", True),
    ("$scopeinfo", "$scopeinfo", False),
    ("DFF_X1", "DFF_X1", False),  # a black-box cell, not a Yosys flip-flop
])
def test_cell_type_helpers(raw, short, flop):
    assert short_type_name(raw) == short
    assert is_flop_type(raw) is flop


# --- report ------------------------------------------------------------------------------

def test_format_table_columns_are_data_driven():
    rows = [{"name": "a", "value": 1.5}, {"name": "long name", "value": None}]
    text = format_table(rows, [Column("name", header="who", align="left"),
                               Column("value", fmt=".2f")])
    assert text.splitlines() == [
        "who        value",
        "---------  -----",
        "a           1.50",
        "long name      -",
    ]


def test_report_rejects_bad_input():
    with pytest.raises(TypeError, match=r"rows\[0\]"):
        format_table([42], ["cells"])
    with pytest.raises(ValueError, match="align"):
        Column("cells", align="centre")


def test_report_doctest():
    assert doctest.testmod(synth.report).failed == 0


def test_report_of_real_synthesis(results):
    rows = [({"unit": "and", "format": "1b"}, results("and1")),
            ({"unit": "adder", "format": "8b"}, results("add8"))]
    lines = format_table(rows, synth.UNIT_COLUMNS).splitlines()
    assert lines[2].split() == ["and", "1b", "1", "0"]
    assert lines[3].split() == ["adder", "8b", str(results("add8")["cells"]), "0"]
