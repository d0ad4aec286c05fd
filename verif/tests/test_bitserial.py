"""The dequantization PEs' parameters, metadata, emission and digit recodings.

The golden model's tests are in test_golden_bitserial.py, the benches of the emitted
Verilog in test_bitserial_benches.py.
"""

import json
import os

import pytest

import macforge
from macforge.formats import BITS_PER_CYCLE, DTYPES, serial_digits
from macforge.gen.cli import main
from macforge.gen.emit import emit
from macforge.sim.lint import lint
from macforge.verif.golden import group_dot_product
from macforge.verif.tests.conftest import assert_cli_refuses

KINDS = ("bitserial_pe", "bitparallel_pe")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bits_per_cycle", BITS_PER_CYCLE)
def test_digits_add_up_to_every_value_one_power_of_two_each(dtype, bits_per_cycle):
    weight = DTYPES[dtype]
    plan = serial_digits(weight, bits_per_cycle)
    for sel in weight.selectors:
        for code in range(1 << weight.code_bits):
            digits = plan.digits[sel][code]
            assert len(digits) == plan.cycles_per_beat
            assert sum(digits) == weight.value(code, sel)
            assert all(digit == 0 or abs(digit) & (abs(digit) - 1) == 0 for digit in digits)


# Binary digits: the code's bits (two's complement) or the magnitude's (16 needs 5);
# radix 4: two Booth digits for the integers, two powers of two for the floats, one for
# plain FP3, whose magnitudes 1, 2, 4 are powers of two themselves.
CYCLES_PER_BEAT = {
    1: {"int4": 4, "int3": 3, "fp4": 4, "fp4_er_pos": 4, "fp4_er_neg": 4, "fp4_ea_pos": 5,
        "fp4_ea_neg": 5, "fp4_mixed": 5, "fp3": 3, "fp3_er_pos": 3, "fp3_er_neg": 3,
        "fp3_ea_pos": 3, "fp3_ea_neg": 3, "fp3_mixed": 3},
    2: {**{name: 2 for name in DTYPES}, "fp3": 1},
}


@pytest.mark.parametrize("bits_per_cycle", BITS_PER_CYCLE)
def test_cycles_per_beat_of_every_datatype(bits_per_cycle):
    assert {name: serial_digits(name, bits_per_cycle).cycles_per_beat
            for name in DTYPES} == CYCLES_PER_BEAT[bits_per_cycle]


BAD_INPUT = [
    ("bitserial_pe", ["--dtype", "int5"], ["--dtype", "int5", "fp4_mixed"]),
    ("bitserial_pe", ["--group-size", "30"], ["group_size", "30", "multiple of lanes (4)"]),
    ("bitparallel_pe", ["--lanes", "8", "--group-size", "12"], ["group_size", "12", "(8)"]),
    ("bitserial_pe", ["--bits-per-cycle", "3"], ["bits_per_cycle", "3", "1 to 2"]),
    ("bitserial_pe", ["--bits-per-cycle", "0"], ["bits_per_cycle", "0", "1 to 2"]),
    ("bitserial_pe", ["--dtype", "int4", "--out-width", "11"],
     ["out_width", "11", "from 12", "int4", "8-bit activation"]),
    ("bitparallel_pe", ["--dtype", "fp4_mixed", "--out-width", "12"],
     ["out_width", "12", "from 13"]),
    ("bitserial_pe", ["--out-width", "49"], ["out_width", "49", "to 48"]),
    ("bitserial_pe", ["--dtype", "int4", "--sel"], ["sel", "int4", "fp4_mixed and fp3_mixed"]),
    ("bitparallel_pe", ["--dtype", "fp3", "--sel"], ["sel", "fp3", "only for"]),
    ("bitserial_pe", ["--dtype", "fp3_mixed", "--no-sel"], ["sel", "fp3_mixed", "required"]),
    ("bitserial_pe", ["--scale-bits", "0"], ["scale_bits", "0", "1 to 16"]),
    ("bitserial_pe", ["--lanes", "33"], ["lanes", "33", "1 to 32"]),
    ("bitserial_pe", ["--a-width", "1"], ["a_width", "1", "2 to 16"]),
]


@pytest.mark.parametrize("kind,flags,words", BAD_INPUT,
                         ids=[f"{kind} {' '.join(flags)}" for kind, flags, _ in BAD_INPUT])
def test_bad_parameters_exit_2_naming_them_before_any_hardware(kind, flags, words, tmp_path,
                                                                capsys):
    out = tmp_path / "out"
    assert_cli_refuses(["emit", kind, *flags, "--out", str(out)], words, capsys)
    assert not out.exists()


@pytest.mark.parametrize("params,error,words", [
    ({"dtype": "fp5"}, ValueError, "dtype must be one of int4, int3, fp4,"),
    ({"dtype": 4}, TypeError, "dtype must be one of"),
    ({"group_size": 6}, ValueError, "group_size must be a multiple of lanes (4), not 6"),
    ({"bits_per_cycle": 4}, ValueError, "bits_per_cycle must be an integer from 1 to 2, not 4"),
    ({"dtype": "int3", "out_width": 8}, ValueError, "out_width must be an integer from 11"),
    ({"dtype": "fp4", "sel": True}, ValueError, "sel must be False for dtype 'fp4'"),
    ({"dtype": "fp4_mixed", "sel": False}, ValueError, "sel must be True for dtype 'fp4_mixed'"),
    ({"sel": "yes"}, TypeError, "sel must be True or False, not 'yes'"),
])
def test_python_api_checks_parameters_eagerly(params, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        macforge.build("bitserial_pe", **params)


def test_defaults_name_the_widths_the_contract_gives():
    pe = macforge.build("bitserial_pe")
    assert (pe.params["dtype"].name, pe.lanes, pe.bits_per_cycle, pe.group_size,
            pe.scale_bits, pe.out_width, pe.params["sel"]) == ("fp4_mixed", 4, 1, 128, 8, 32, True)
    # 4096 products of -128 and -16 times 255 need 32 bits; 16-bit scales need 40.
    assert macforge.build("bitserial_pe", scale_bits=16).out_width == 40
    assert macforge.build("bitparallel_pe", dtype="int4", a_width=16).out_width == 40
    assert "sel" not in macforge.build("bitserial_pe", dtype="int4").signature.members


@pytest.mark.parametrize("kind,params,top", [
    ("bitserial_pe", {}, "bitserial_pe_fp4_mixed_b1"),
    ("bitserial_pe", {"dtype": "int4", "bits_per_cycle": 2, "lanes": 8, "group_size": 64},
     "bitserial_pe_int4_b2_l8_g64"),
    ("bitserial_pe", {"dtype": "fp3", "out_width": 20}, "bitserial_pe_fp3_b1_o20"),
    ("bitparallel_pe", {"dtype": "fp4_er_neg", "a_width": 6, "scale_bits": 4},
     "bitparallel_pe_fp4_er_neg_a6_s4"),
])
def test_top_names_say_the_settings(kind, params, top):
    unit = macforge.build(kind, **params)
    assert type(unit).top_name(unit.params) == top


@pytest.mark.parametrize("kind,params,cycles_per_beat,cycles_per_group,latency", [
    # 32 beats of 5 binary digits hide the 8 scale bits.
    ("bitserial_pe", {}, 5, 160, 9),
    ("bitserial_pe", {"dtype": "int4", "bits_per_cycle": 2}, 2, 64, 9),
    # One beat of 2 cycles per group: the dequantizer's 8 cycles set the pace.
    ("bitserial_pe", {"dtype": "int4", "bits_per_cycle": 2, "group_size": 4}, 2, 8, 9),
    ("bitserial_pe", {"dtype": "fp3", "bits_per_cycle": 2, "group_size": 8,
                      "scale_bits": 3}, 1, 3, 4),
    ("bitparallel_pe", {"dtype": "int4"}, 1, 32, 2),
    ("bitparallel_pe", {"dtype": "fp3_mixed", "group_size": 4}, 1, 1, 2),
])
def test_metadata_states_handshake_and_cycles(kind, params, cycles_per_beat, cycles_per_group,
                                              latency, tmp_path):
    meta = emit(kind, params, out_dir=tmp_path).metadata
    assert meta["handshake"] == "valid_ready" and meta["ii"] is None
    assert (meta["cycles_per_beat"], meta["cycles_per_group"], meta["latency"]) == (
        cycles_per_beat, cycles_per_group, latency)
    names = {**meta["params"], "cycles_per_beat": cycles_per_beat}
    assert eval(meta["cycles_per_group_formula"], {"max": max}, names) == cycles_per_group
    assert eval(meta["latency_formula"], {}, names) == latency
    ports = {port["name"]: port for port in meta["ports"]}
    lanes = meta["params"]["lanes"]
    assert (ports["a"]["lanes"], ports["a"]["lane_width"]) == (lanes, meta["params"]["a_width"])
    code_bits = DTYPES[meta["params"]["dtype"]].code_bits
    assert (ports["w"]["lanes"], ports["w"]["lane_width"]) == (lanes, code_bits)
    assert ("sel" in ports) == meta["params"]["sel"]
    assert ports["out"]["width"] == meta["params"]["out_width"]


@pytest.mark.parametrize("kind,params", [
    ("bitserial_pe", {}),
    ("bitserial_pe", {"dtype": "int3", "bits_per_cycle": 2, "lanes": 1, "group_size": 1,
                      "scale_bits": 1, "out_width": 11}),
    ("bitserial_pe", {"dtype": "fp3", "bits_per_cycle": 2, "group_size": 4}),
    ("bitparallel_pe", {"dtype": "fp4_mixed", "lanes": 8}),
], ids=lambda value: value if isinstance(value, str) else
    "-".join(f"{key}={item}" for key, item in value.items()) or "default")
def test_emission_is_reproducible_and_lint_clean(kind, params, tmp_path):
    first = emit(kind, params, out_dir=tmp_path / "first")
    second = emit(kind, params, out_dir=tmp_path / "second")
    assert first.verilog_path.read_bytes() == second.verilog_path.read_bytes()
    assert first.metadata_path.read_bytes() == second.metadata_path.read_bytes()
    assert str(tmp_path) not in first.verilog_path.read_text()
    assert os.getcwd() not in first.metadata_path.read_text()
    assert lint(first.verilog_path, top=first.top) == []


def test_cli_emits_the_documented_example(tmp_path):
    assert main(["emit", "bitserial_pe", "--dtype", "fp4_mixed", "--lanes", "4",
                 "--bits-per-cycle", "2", "--out", str(tmp_path)]) == 0
    meta = json.loads((tmp_path / "bitserial_pe_fp4_mixed_b2.json").read_text())
    assert meta["params"] == {"dtype": "fp4_mixed", "a_width": 8, "lanes": 4,
                              "bits_per_cycle": 2, "group_size": 128, "scale_bits": 8,
                              "out_width": 32, "sel": True}
    assert meta["cycles_per_beat"] == 2 and meta["cycles_per_group"] == 64


def test_the_documented_golden_example():
    assert group_dot_product([[-128] * 4, [1, 2, 3, 4]], [[8] * 4, [1, 2, 3, 4]], [[255], [3]],
                             [[3], [0]], dtype="fp4_mixed", a_width=8, group_size=4,
                             scale_bits=8, out_width=32).tolist() == [2088960, 90]
