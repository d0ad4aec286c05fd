"""Tests of the systolic array golden model (verif/golden/systolic.py, docs/units.md section 8).

The references share nothing with the model: integer wrap against an exact numpy matmul
reduced modulo 2^acc_width, saturation and floating-point order on hand-made examples,
and the fp32 accumulator against a plain Python loop of numpy.float32 additions of
products decoded with ml_dtypes.  The cross-check against the PEs' sequence models
(int_mac, fp_mac) covers the remaining PE parameters.
"""

import ast
import importlib
import zlib
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest

from macforge.formats import NAMED_FORMATS
from macforge.verif.golden import fp_mac, int_mac, systolic, systolic_os, systolic_ws
from macforge.verif.units import VERIFICATION

FP32_NAN = 0x7FC00000
E4M3_NAN = 0x7F
E4M3_ONE = 0x38
E4M3_MINUS_ZERO = 0x80


def seeded_rng(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def e4m3_bits(values):
    return np.asarray(values, dtype=ml_dtypes.float8_e4m3fn).view(np.uint8).astype(np.int64)


def e4m3_finite_patterns(rng, shape):
    """Random e4m3 patterns, NaN (magnitude 0x7F) excluded."""
    bits = rng.integers(0, 256, shape)
    return np.where(bits & 0x7F == E4M3_NAN, E4M3_ONE, bits)


def two_complement(bits, width):
    return np.where(bits >= 1 << (width - 1), bits - (1 << width), bits)


def int_params(signed, acc_width, overflow="wrap"):
    return {"a_width": 8, "b_width": 8, "signed": signed, "acc_width": acc_width,
            "overflow": overflow}


# -- integer PE ---------------------------------------------------------------------------

@pytest.mark.parametrize("signed", [True, False])
def test_int_wrap_is_the_exact_matmul_modulo_the_accumulator(signed):
    rng = seeded_rng("wrap", signed)
    a = rng.integers(0, 256, (3, 4, 40))
    b = rng.integers(0, 256, (3, 40, 5))
    values_a, values_b = (two_complement(a, 8), two_complement(b, 8)) if signed else (a, b)
    exact = values_a @ values_b
    # 40 products of up to 2^14 overflow 16 bits: the test sees wrapping happen.
    assert np.any(exact >= 1 << 15) or np.any(exact < -(1 << 15))
    got = systolic_os(a, b, pe="int_mac", pe_params=int_params(signed, 16))
    assert got.dtype == np.int64 and got.shape == (3, 4, 5)
    assert np.array_equal(got, exact % (1 << 16))


def test_int_saturate_clamps_every_partial_sum_in_k_order():
    # 127*127 = 16129: three of them pass 32767 and clamp, then -128*127 comes back down.
    # Clamping each step gives 32767 - 16256 = 16511; the exact sum 32131 fits 16 bits,
    # so clamping only at the end, or in another order, would give 32131.
    a = np.array([[0x7F, 0x7F, 0x7F, 0x80]])
    b = np.array([[0x7F], [0x7F], [0x7F], [0x7F]])
    params = int_params(True, 16, "saturate")
    assert systolic_os(a, b, pe="int_mac", pe_params=params).tolist() == [[16511]]
    assert systolic_ws(a, b, pe="int_mac", pe_params=params).tolist() == [[16511]]
    reordered = systolic_os(a[:, ::-1], b[::-1], pe="int_mac", pe_params=params)
    assert reordered.tolist() == [[32131]]
    # The low end: signed -32768 and unsigned 0xFFFF are the clamps.
    low = systolic_os(np.array([[0x80, 0x80, 0x80]]), np.array([[0x7F], [0x7F], [0x7F]]),
                      pe="int_mac", pe_params=params)
    assert low.tolist() == [[0x8000]]
    high = systolic_os(np.array([[0xFF, 0xFF]]), np.array([[0xFF], [0xFF]]), pe="int_mac",
                       pe_params=int_params(False, 16, "saturate"))
    assert high.tolist() == [[0xFFFF]]


def test_omitted_and_timing_only_pe_params_do_not_change_values():
    rng = seeded_rng("defaults")
    a, b = rng.integers(0, 256, (2, 3)), rng.integers(0, 256, (3, 4))
    full = systolic_os(a, b, pe="int_mac", pe_params=int_params(True, 32))
    assert np.array_equal(systolic_os(a, b, pe="int_mac", pe_params={"pipeline_stages": 3}), full)
    a, b = e4m3_finite_patterns(rng, (2, 3)), e4m3_finite_patterns(rng, (3, 4))
    named = systolic_os(a, b, pe="fp_mac", pe_params={"in_format": "e4m3", "acc_format": "fp32",
                                                      "mul": "exact"})
    formats = {"in_format": NAMED_FORMATS["e4m3"], "acc_format": NAMED_FORMATS["fp32"],
               "pipeline_stages": 1}
    assert np.array_equal(systolic_os(a, b, pe="fp_mac", pe_params=formats), named)
    assert np.array_equal(systolic_os(a, b, pe="fp_mac", pe_params={}), named)


# -- floating-point PE --------------------------------------------------------------------

def float32_loop(a, b):
    """acc = +0; acc = float32(acc + float32(A[i,k] * B[k,j])) for k in order, per PE."""
    a = a.astype(np.uint8).view(ml_dtypes.float8_e4m3fn).astype(np.float64)
    b = b.astype(np.uint8).view(ml_dtypes.float8_e4m3fn).astype(np.float64)
    out = np.zeros((a.shape[0], b.shape[1]), dtype=np.uint32)
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            acc = np.float32(0.0)
            for k in range(a.shape[1]):
                # Two e4m3 significands make at most 8 bits: the product is exact in fp32.
                acc = np.float32(acc + np.float32(a[i, k] * b[k, j]))
            out[i, j] = acc.view(np.uint32)
    return out.astype(np.int64)


def test_fp32_accumulator_is_a_float32_loop_in_k_order():
    rng = seeded_rng("fp32")
    a, b = e4m3_finite_patterns(rng, (5, 17)), e4m3_finite_patterns(rng, (17, 6))
    got = systolic_os(a, b, pe="fp_mac", pe_params={"in_format": "e4m3", "acc_format": "fp32",
                                                    "mul": "exact"})
    assert np.array_equal(got, float32_loop(a, b))
    assert np.array_equal(systolic_ws(a, b, pe="fp_mac", pe_params={}), got)


def test_the_fp_sum_follows_k_order():
    # Products 2^16, 2^-18, -2^16: in k order the tiny one is absorbed (2^16 + 2^-18 rounds
    # to 2^16) and the result is +0; in the order 0, 2, 1 it survives as 2^-18.
    a = e4m3_bits([[256.0, 2.0 ** -9, -256.0]])
    b = e4m3_bits([[256.0], [2.0 ** -9], [256.0]])
    fp32 = {"acc_format": "fp32"}
    assert systolic_os(a, b, pe="fp_mac", pe_params=fp32).tolist() == [[0]]
    assert systolic_ws(a, b, pe="fp_mac", pe_params=fp32).tolist() == [[0]]
    order = [0, 2, 1]
    tiny = np.float32(2.0 ** -18).view(np.uint32)
    assert systolic_os(a[:, order], b[order], pe="fp_mac", pe_params=fp32).tolist() == [[tiny]]


@pytest.mark.parametrize("acc_format", ["fp32", "bf16", "fp16"])
def test_a_minus_zero_first_product_leaves_plus_zero(acc_format):
    a = np.array([[E4M3_MINUS_ZERO, E4M3_MINUS_ZERO]])
    b = np.array([[E4M3_ONE], [E4M3_ONE]])
    params = {"acc_format": acc_format}
    assert systolic_os(a[:, :1], b[:1], pe="fp_mac", pe_params=params).tolist() == [[0]]
    assert systolic_os(a, b, pe="fp_mac", pe_params=params).tolist() == [[0]]
    assert systolic_ws(a, b, pe="fp_mac", pe_params=params).tolist() == [[0]]


def test_nan_propagates_to_its_row_and_stays():
    rng = seeded_rng("nan")
    a, b = e4m3_finite_patterns(rng, (3, 4)), e4m3_finite_patterns(rng, (4, 2))
    a[1, 0] = E4M3_NAN  # at k = 0: every later step must keep the NaN
    got = systolic_os(a, b, pe="fp_mac", pe_params={})
    assert got[1].tolist() == [FP32_NAN, FP32_NAN]
    assert not np.any(got[[0, 2]] == FP32_NAN)
    b[3, 1] = E4M3_NAN | 0x80  # a negative NaN, at the last step, gives the canonical one
    assert systolic_os(a, b, pe="fp_mac", pe_params={})[:, 1].tolist() == [FP32_NAN] * 3


# -- both PEs: the sequence models and the two dataflows -----------------------------------

PE_CASES = [
    ("int_mac", int_mac, int_params(True, 18, "saturate")),
    ("int_mac", int_mac, {"a_width": 4, "b_width": 6, "signed": False, "acc_width": 10}),
    ("fp_mac", fp_mac, {"in_format": "e5m2", "acc_format": "bf16", "mul": "lmul"}),
    ("fp_mac", fp_mac, {"in_format": "e4m3", "acc_format": "fp16", "mul": "exact"}),
]


@pytest.mark.parametrize("pe, sequence, params", PE_CASES)
def test_each_pe_is_its_sequence_model_from_a_clear(pe, sequence, params):
    rng = seeded_rng("sequence", pe, params)
    if pe == "fp_mac":
        a, b = rng.integers(0, 256, (2, 3, 7)), rng.integers(0, 256, (2, 7, 4))
    else:
        a = rng.integers(0, 1 << params["a_width"], (2, 3, 7))
        b = rng.integers(0, 1 << params["b_width"], (2, 7, 4))
    got = systolic_os(a, b, pe=pe, pe_params=params)
    en, clear = np.ones(7, dtype=int), np.eye(1, 7, dtype=int)[0]
    for tile, i, j in np.ndindex(got.shape):
        assert got[tile, i, j] == sequence(a[tile, i], b[tile, :, j], en, clear, **params)[-1]


@pytest.mark.parametrize("pe, params", [("int_mac", int_params(True, 20)),
                                        ("fp_mac", {"acc_format": "bf16"})])
def test_ws_is_os_with_the_activations_as_a_and_k_equal_to_r(pe, params):
    rng = seeded_rng("dataflows", pe)
    m, r, c = 6, 3, 4
    x, w = rng.integers(0, 256, (2, m, r)), rng.integers(0, 256, (2, r, c))
    ws = systolic({"rows": r, "cols": c, "pe": pe, "pe_params": params, "dataflow": "ws"})
    os_ = systolic({"rows": m, "cols": c, "pe": pe, "pe_params": params, "dataflow": "os"})
    y = ws(x=x, w=w)["y"]
    assert y.shape == (2, m, c)
    assert np.array_equal(y, os_(a=x, b=w)["y"])
    assert np.array_equal(y, systolic_ws(x, w, pe=pe, pe_params=params))


def test_the_verification_entry_builds_the_model():
    entry = VERIFICATION["systolic"]
    assert entry.bench == "macforge.verif.benches.systolic_bench"
    model = entry.golden({"rows": 1, "cols": 1, "pe": "int_mac", "pe_params": {},
                          "dataflow": "os"})
    assert model(a=[[0xFE]], b=[[0x03]])["y"].tolist() == [[0xFFFFFFFA]]


# -- refusals -----------------------------------------------------------------------------

def test_an_unknown_pe_is_named_with_the_known_ones():
    with pytest.raises(ValueError, match=r"'bitserial'.*int_mac, fp_mac"):
        systolic_os([[1]], [[1]], pe="bitserial", pe_params={})
    with pytest.raises(ValueError, match="'bitserial'"):
        systolic({"rows": 1, "cols": 1, "pe": "bitserial", "pe_params": {}, "dataflow": "os"})
    with pytest.raises(ValueError, match="'is'"):
        systolic({"rows": 1, "cols": 1, "pe": "int_mac", "pe_params": {}, "dataflow": "is"})


@pytest.mark.parametrize("a_shape, b_shape", [((2, 3), (4, 2)), ((3,), (3, 2)), ((2, 0), (0, 2)),
                                              ((2, 2, 3), (3, 3, 2))])
def test_inconsistent_shapes_are_named(a_shape, b_shape):
    with pytest.raises(ValueError, match=rf"{a_shape}.*{b_shape}".replace("(", r"\(")
                       .replace(")", r"\)")):
        systolic_os(np.zeros(a_shape, int), np.zeros(b_shape, int), pe="int_mac", pe_params={})


def test_shapes_must_fit_rows_and_cols():
    os_ = systolic({"rows": 2, "cols": 3, "pe": "int_mac", "pe_params": {}, "dataflow": "os"})
    with pytest.raises(ValueError, match=r"\(3, 4\).*rows = 2"):
        os_(a=np.zeros((3, 4), int), b=np.zeros((4, 3), int))
    with pytest.raises(ValueError, match=r"\(4, 2\).*cols = 3"):
        os_(a=np.zeros((2, 4), int), b=np.zeros((4, 2), int))
    ws = systolic({"rows": 2, "cols": 3, "pe": "int_mac", "pe_params": {}, "dataflow": "ws"})
    with pytest.raises(ValueError, match=r"\(5, 3\).*rows = 2"):
        ws(x=np.zeros((5, 3), int), w=np.zeros((2, 3), int))
    with pytest.raises(ValueError, match=r"\(3, 3\).*rows = 2"):
        ws(x=np.zeros((5, 2), int), w=np.zeros((3, 3), int))


def test_the_model_does_not_import_the_hardware():
    # importlib: the package's ``systolic`` attribute is the function, not the module.
    module = importlib.import_module("macforge.verif.golden.systolic")
    tree = ast.parse(Path(module.__file__).read_text())
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names]
    assert not [name for name in imported if "hdl" in name]
