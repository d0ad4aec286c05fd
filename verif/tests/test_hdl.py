# amaranth: UnusedElaboratable=no
"""The components' Python interface: eager parameter checks and the latency property.

The components built here are never elaborated (the line above silences Amaranth's
warning about that, for this file only)."""

import pytest

from macforge.formats import NAMED_FORMATS
from macforge.hdl.fmul import FMul
from macforge.hdl.fp_mac import FPMAC
from macforge.hdl.int_mac import IntMAC
from macforge.hdl.lmul import LMul

BAD_ARGUMENTS = [
    (LMul, {"format": 3}, TypeError, ["format", "3", "FloatFormat"]),
    (LMul, {"format": "e9m3"}, ValueError, ["exponent_bits", "9"]),
    (LMul, {"format": "e4m3", "saturate": 1}, TypeError, ["saturate", "1", "True or False"]),
    (FMul, {"format": "e4m3", "pipeline_stages": -1}, ValueError, ["pipeline_stages", "-1"]),
    (FMul, {"format": "e4m3", "pipeline_stages": 1.5}, TypeError, ["pipeline_stages", "1.5"]),
    (IntMAC, {"a_width": 1}, ValueError, ["a_width", "1", "from 2 to 16"]),
    (IntMAC, {"b_width": True}, TypeError, ["b_width", "True"]),
    (IntMAC, {"acc_width": 15}, ValueError, ["acc_width", "15", "(16)", "truncate"]),
    (IntMAC, {"acc_width": 49}, ValueError, ["acc_width", "49", "48"]),
    (IntMAC, {"signed": "yes"}, TypeError, ["signed", "'yes'"]),
    (IntMAC, {"overflow": "clamp"}, ValueError, ["overflow", "'clamp'", "'wrap' or 'saturate'"]),
    (FPMAC, {"in_format": "fp16"}, ValueError, ["in_format", "'fp16'", "5 exponent"]),
    (FPMAC, {"in_format": None}, TypeError, ["in_format", "None"]),
    (FPMAC, {"in_format": "e4m3", "acc_format": "e5m2"}, ValueError,
     ["acc_format", "'e5m2'", "fp32, bf16, fp16"]),
    (FPMAC, {"in_format": "e4m3", "acc_format": NAMED_FORMATS["e5m2"]}, ValueError,
     ["acc_format", "'e5m2'"]),
    (FPMAC, {"in_format": "e4m3", "mul": "approx"}, ValueError, ["mul", "'approx'", "'lmul'"]),
]


@pytest.mark.parametrize("component,kwargs,error,words", BAD_ARGUMENTS,
                         ids=[f"{c.__name__}-{k}" for c, k, _, _ in BAD_ARGUMENTS])
def test_bad_arguments_are_rejected_at_construction(component, kwargs, error, words):
    with pytest.raises(error) as raised:
        component(**kwargs)
    for word in words:
        assert word in str(raised.value)


def test_parameters_are_keyword_only():
    with pytest.raises(TypeError):
        LMul(NAMED_FORMATS["e4m3"])
    with pytest.raises(TypeError):
        IntMAC(8, 8)


@pytest.mark.parametrize("stages", [0, 1, 2, 5])
def test_latency_counts_the_register_banks(stages):
    assert LMul(format="e4m3", pipeline_stages=stages).latency == stages
    assert FMul(format="bf16", pipeline_stages=stages).latency == stages
    # A MAC's accumulator register is one more edge.
    assert IntMAC(pipeline_stages=stages).latency == 1 + stages
    assert FPMAC(in_format="e5m2", pipeline_stages=stages).latency == 1 + stages


def test_format_names_and_objects_are_the_same_parameter():
    assert LMul(format="E5M2").format == NAMED_FORMATS["e5m2"]
    assert FPMAC(in_format=NAMED_FORMATS["e4m3"], acc_format="BF16").acc_format \
        == NAMED_FORMATS["bf16"]
