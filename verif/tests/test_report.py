"""`macforge synth` and the report: JSON keys, real counts, ratio bookkeeping."""

import json

import pytest

from macforge.gen.cli import main
from macforge.gen.registry import get_unit
from macforge.gen.report import (RATIOS, part_rows, ratio_rows, report_configs, report_text,
                                 work_rows)
from macforge.gen.report_cache import ReportCache, generator_fingerprint
from macforge.gen.report_plots import write_plots
from macforge.synth.report import Column, format_markdown
from macforge.verif.tests.conftest import assert_cli_refuses


@pytest.mark.slow
def test_synth_writes_counts(tmp_path, capsys):
    target = tmp_path / "counts.json"
    status = main(["synth", "lmul", "--format", "e5m2", "--pipeline-stages", "1",
                   "--json", str(target), "--work-dir", str(tmp_path / "work")])
    assert status == 0
    counts = json.loads(target.read_text())
    assert counts["top"] == "lmul_e5m2_p1"
    assert counts["params"] == {"format": "e5m2", "saturate": True, "pipeline_stages": 1}
    # One register bank on the 8-bit output.
    assert counts["flops"] == 8
    assert counts["cells"] == sum(counts["by_type"].values())
    assert counts["cells"] > counts["flops"]
    assert str(tmp_path) not in target.read_text()
    assert "lmul_e5m2_p1" in capsys.readouterr().out


@pytest.mark.parametrize("question,numerator,denominator", RATIOS, ids=[r[0] for r in RATIOS])
def test_every_ratio_names_registered_units(question, numerator, denominator):
    for kind, params in (numerator, denominator):
        unit = get_unit(kind)
        assert params in unit.report_configs, f"{question}: {kind} {params} is not synthesized"


def test_ratio_rows_divide_each_flows_cost():
    lmul = get_unit("lmul").top_name(get_unit("lmul").resolve({"format": "e4m3"}))
    fmul = get_unit("fmul").top_name(get_unit("fmul").resolve({"format": "e4m3"}))
    rows = [{"kind": "lmul", "top": lmul, "flow": "gates", "cells": 80, "flops": 0,
             "latency": 0},
            {"kind": "fmul", "top": fmul, "flow": "gates", "cells": 320, "flops": 0,
             "latency": 0},
            {"kind": "lmul", "top": lmul, "flow": "asic", "cells": 70, "area_um2": 2000.0},
            {"kind": "fmul", "top": fmul, "flow": "asic", "cells": 300, "area_um2": 5000.0},
            # An FPGA row compares LUTs without DSP blocks, where one was used.
            {"kind": "lmul", "top": lmul, "flow": "ecp5", "luts": 30},
            {"kind": "fmul", "top": fmul, "flow": "ecp5", "luts": 20, "nodsp": {"luts": 120}}]
    ratios = ratio_rows(rows)
    assert [(ratio["flow"], ratio["measure"], ratio["ratio"]) for ratio in ratios] == [
        ("gates", "cells", 0.25), ("asic", "um^2", 0.4),
        ("ecp5", "LUT4s without DSP blocks", 0.25)]
    assert all((ratio["comparison"], ratio["numerator"], ratio["denominator"])
               == ("lmul/fmul e4m3", lmul, fmul) for ratio in ratios)
    assert "0.250" in report_text(rows) and "0.400" in report_text(rows)


def test_part_rows_put_an_array_next_to_its_pe():
    pe = get_unit("int_mac").top_name(get_unit("int_mac").resolve({}))
    rows = [{"kind": "int_mac", "top": pe, "cells": 400, "flops": 32, "latency": 1},
            {"kind": "systolic", "top": "array", "cells": 7000, "flops": 900, "latency": 5,
             "parts": 16, "part": pe},
            {"kind": "systolic", "top": "lonely", "cells": 900, "flops": 90, "latency": 3,
             "parts": 2, "part": "not_synthesized"}]
    array, lonely = part_rows(rows)
    assert array["per_part"] == 437.5 and array["part_cells"] == 400
    assert array["overhead"] == 0.09375  # 437.5 / 400 - 1, exact in binary
    assert lonely["part_cells"] is None and lonely["overhead"] is None
    text = report_text(rows)
    assert "cells/PE" in text and "9.4%" in text


def test_array_report_configs_name_their_pe():
    unit = get_unit("systolic")
    for config in unit.report_configs:
        count, kind, params = unit.component.parts(unit.resolve(config))
        assert count == config["rows"] * config["cols"]
        pe = get_unit(kind)
        # The standalone PE is synthesized too, so the report can compare.
        assert any(pe.resolve(other) == pe.resolve(params) for other in pe.report_configs)


def test_work_rows_weigh_cells_by_cycles_against_the_reference():
    rows = [{"kind": "bitserial_pe", "top": "serial", "cells": 800, "flops": 100, "latency": 9,
             "cycles_per_beat": 2, "cycles_per_group": 64, "params": {"group_size": 128},
             "reference": "parallel"},
            {"kind": "bitparallel_pe", "top": "parallel", "cells": 2560, "flops": 90,
             "latency": 2, "cycles_per_beat": 1, "cycles_per_group": 32,
             "params": {"group_size": 128}},
            {"kind": "bitserial_pe", "top": "alone", "cells": 700, "flops": 90, "latency": 9,
             "cycles_per_beat": 4, "cycles_per_group": 128, "params": {"group_size": 128},
             "reference": "not_synthesized"}]
    serial, parallel = work_rows(rows)
    assert (serial["cell_cycles"], parallel["cell_cycles"]) == (51_200, 81_920)
    assert serial["per_weight"] == 400 and serial["versus"] == 0.625
    assert parallel["versus"] is None
    assert "cells x cycles/group" in report_text(rows) and "0.625" in report_text(rows)


def test_every_bit_serial_report_config_has_its_reference_synthesized():
    unit = get_unit("bitserial_pe")
    reference = get_unit("bitparallel_pe")
    for config in unit.report_configs:
        kind, params = unit.component.reference(unit.resolve(config))
        assert kind == "bitparallel_pe"
        assert any(reference.resolve(other) == reference.resolve(params)
                   for other in reference.report_configs)


@pytest.mark.parametrize("argv,words", [
    (["--units", "nosuch"], ["unit 'nosuch' is unknown", "lmul"]),
    (["--flows", "gates,vivado"], ["flows", "gates,vivado", "asic, ecp5, fpga, gates, ice40"]),
    (["--flows", ""], ["flows", "''"]),
    (["--jobs", "0"], ["jobs", "0", ">= 1"]),
    (["--where", "colour=red"], ["configuration key 'colour'", "allowed", "format"]),
    (["--units", "lmul", "--where", "format=e9m9"], ["format", "e9m9", "exponent_bits"]),
    (["--units", "lmul", "--where", "format"], ["KEY=VALUE", "'format'"]),
    (["--units", "lmul", "--where", "format=e2m1"], ["no report configuration", "lmul",
                                                     "format=e2m1"]),
    (["--units", "lmul", "--scheduler", "nowhere://host"], ["scheduler", "nowhere://host",
                                                            "cannot be reached"]),
])
def test_report_refuses_bad_input(argv, words, tmp_path, capsys):
    assert_cli_refuses(["report", *argv, "--out", str(tmp_path / "out"),
                        "--cache", str(tmp_path / "cache")], words, capsys)
    assert not (tmp_path / "cache").exists()


def test_markdown_tables_hold_the_rows():
    text = format_markdown([{"top": "a|b", "cells": 3}], [Column("top", align="left"), "cells"])
    assert text.splitlines() == ["| top | cells |", "|:---|---:|", "| a\\|b | 3 |"]


def test_cache_stores_emission_by_generator_and_synthesis_by_verilog(tmp_path):
    cache = ReportCache(tmp_path)
    assert cache.emission("lmul", {"format": "e4m3"}) is None
    cache.store_emission("lmul", {"format": "e4m3"}, "module m; endmodule\n", {"top": "m"})
    assert cache.emission("lmul", {"format": "e4m3"}) == ("module m; endmodule\n", {"top": "m"})
    assert cache.emission("lmul", {"format": "e5m2"}) is None
    cache.store_synthesis("module m; endmodule\n", "flow", "0.70", {"cells": 1})
    assert cache.synthesis("module m; endmodule\n", "flow", "0.70") == {"cells": 1}
    assert cache.synthesis("module m; endmodule\n", "flow", "0.71") is None
    assert cache.synthesis("module n; endmodule\n", "flow", "0.70") is None
    assert len(generator_fingerprint()) == 64


@pytest.mark.slow
def test_report_writes_its_files_and_reuses_the_cache(tmp_path, capsys):
    argv = ["report", "--units", "lmul", "--out", str(tmp_path / "out"),
            "--cache", str(tmp_path / "cache"), "--json", str(tmp_path / "copy.json")]
    assert main(argv) == 0
    first = capsys.readouterr()
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert [row["top"] for row in results] == [
        get_unit("lmul").top_name(get_unit("lmul").resolve(config))
        for config in get_unit("lmul").report_configs]
    assert all(row["flow"] == "gates" and row["cells"] > 0 for row in results)
    assert (tmp_path / "copy.json").read_text() == (tmp_path / "out" / "results.json").read_text()
    csv_lines = (tmp_path / "out" / "results.csv").read_text().splitlines()
    assert csv_lines[0].startswith("kind,top,flow,cells") and len(csv_lines) == len(results) + 1
    markdown = (tmp_path / "out" / "report.md").read_text()
    assert "| lmul | lmul_e4m3 |" in markdown and "amaranth" in markdown
    assert f"`macforge {' '.join(argv)}`" in markdown
    assert "## L-Mul's accuracy claims, measured" in markdown
    assert (tmp_path / "out" / "area_by_format.png").is_file()
    assert f"{len(results)} rows (0 from the cache)" in first.out
    assert main(argv) == 0
    second = capsys.readouterr()
    assert f"{len(results)} rows ({len(results)} from the cache)" in second.out
    assert json.loads((tmp_path / "out" / "results.json").read_text()) == results


def test_plots_draw_what_the_rows_hold(tmp_path):
    def top(kind, params):
        return get_unit(kind).top_name(get_unit(kind).resolve(params))

    rows = [{"kind": kind, "top": top(kind, {"format": "e4m3"}), "cells": cells,
             "params": {"format": "e4m3", "pipeline_stages": 0}}
            for kind, cells in (("lmul", 80), ("fmul", 240))]
    paths = write_plots(rows, tmp_path)
    assert [path.name for path in paths] == ["area_by_format.png", "lmul_vs_exact.png"]
    assert all(path.read_bytes().startswith(b"\x89PNG") for path in paths)
    assert write_plots([], tmp_path / "none") == []


def test_the_quick_sweep_answers_the_questions_of_the_full_one():
    quick, full = report_configs(), report_configs(full=True)
    assert len(quick) < len(full) and all(config in full for config in quick)
    tops = {get_unit(kind).top_name(get_unit(kind).resolve(params)) for kind, params in quick}
    for question, numerator, denominator in RATIOS:
        for kind, params in (numerator, denominator):
            assert get_unit(kind).top_name(get_unit(kind).resolve(params)) in tops, question
    # Cells per PE of every PE kind the arrays take, and at two sizes for the INT8 PE.
    arrays = [params for kind, params in quick if kind == "systolic"]
    assert {params["rows"] for params in arrays if params["pe"] == "int_mac"} == {4, 8}
    assert {params["pe"] for params in arrays} == {"int_mac", "fp_mac"}
