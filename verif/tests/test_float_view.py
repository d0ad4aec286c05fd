"""The hardware's one decode of special values (hdl/float_view.py) against FloatFormat.

The view's predicates run on Amaranth's simulator for every bit pattern of the small
formats (both kinds) and for the special and random patterns of the wide ones; the
pure-Python :class:`FloatFormat` predicates, checked against ml_dtypes in
test_formats.py, are the reference.
"""

import numpy as np
import pytest
from amaranth.hdl import Module, Signal
from amaranth.sim import Simulator

from macforge.formats import FloatFormat
from macforge.hdl.float_view import FloatLayout, classify_product

FORMATS = ["e4m3", "e5m2", "e2m1", "e3m2fn", "e4m3ieee", "e5m3fn", "fp16", "bf16", "fp32"]
PAIRS = 600


def _patterns(fmt):
    """Every pattern of a small format; the special ones and 400 random ones of a wide one."""
    if fmt.width > 10:
        random = np.random.default_rng(3).integers(0, 1 << fmt.width, 400, dtype=np.int64)
        return np.concatenate([fmt.special_patterns(), random])
    return fmt.all_patterns()


def _simulate(m, inputs, outputs, vectors):
    """Drive ``inputs`` with each row of ``vectors``; return every output's values."""
    samples = {name: [] for name in outputs}

    async def bench(ctx):
        for row in vectors:
            for signal, value in zip(inputs, row):
                ctx.set(signal, int(value))
            for name, value in outputs.items():
                samples[name].append(ctx.get(value))

    simulator = Simulator(m)
    simulator.add_testbench(bench)
    simulator.run()
    return {name: np.array(values, dtype=np.int64) for name, values in samples.items()}


@pytest.mark.parametrize("name", FORMATS)
def test_predicates_match_the_format(name):
    fmt = FloatFormat.parse(name)
    m = Module()
    pattern = Signal(fmt.width)
    view = FloatLayout(fmt)(pattern)
    outputs = {}
    for predicate in ("nan", "inf", "zero", "exponent_zero", "magnitude", "sign",
                      "exponent", "mantissa"):
        outputs[predicate] = Signal.like(getattr(view, predicate), name=predicate)
        m.d.comb += outputs[predicate].eq(getattr(view, predicate))
    bits = _patterns(fmt)
    got = _simulate(m, [pattern], outputs, bits[:, None])
    expected = {"nan": fmt.is_nan(bits), "inf": fmt.is_inf(bits), "zero": fmt.is_zero(bits),
                "exponent_zero": fmt.is_exponent_zero(bits), "magnitude": fmt.magnitude(bits),
                "sign": fmt.sign(bits), "exponent": fmt.exponent(bits),
                "mantissa": fmt.mantissa(bits)}
    for predicate, values in expected.items():
        assert np.array_equal(got[predicate], values.astype(np.int64)), predicate


@pytest.mark.parametrize("name", FORMATS)
def test_canonical_specials_match_the_format_where_no_other_nan_is_held(name):
    fmt = FloatFormat.parse(name)
    m = Module()
    pattern = Signal(fmt.width)
    nan, inf = FloatLayout(fmt)(pattern).canonical_specials()
    outputs = {"nan": Signal(name="nan"), "inf": Signal(name="inf")}
    m.d.comb += [outputs["nan"].eq(nan), outputs["inf"].eq(inf)]
    bits = _patterns(fmt)
    # What a register written only with canonical NaNs can hold (either sign).
    bits = bits[~fmt.is_nan(bits) | (fmt.magnitude(bits) == fmt.canonical_nan)]
    got = _simulate(m, [pattern], outputs, bits[:, None])
    assert np.array_equal(got["nan"], fmt.is_nan(bits).astype(np.int64))
    assert np.array_equal(got["inf"], fmt.is_inf(bits).astype(np.int64))


@pytest.mark.parametrize("flush_subnormals", [False, True])
@pytest.mark.parametrize("name", ["e4m3", "e5m2", "bf16"])
def test_product_class(name, flush_subnormals):
    fmt = FloatFormat.parse(name)
    rng = np.random.default_rng(5)
    specials = fmt.special_patterns()
    a = np.concatenate([np.repeat(specials, len(specials)),
                        rng.integers(0, 1 << fmt.width, PAIRS, dtype=np.int64)])
    b = np.concatenate([np.tile(specials, len(specials)),
                        rng.integers(0, 1 << fmt.width, PAIRS, dtype=np.int64)])
    m = Module()
    a_bits, b_bits = Signal(fmt.width), Signal(fmt.width)
    operands = classify_product(FloatLayout(fmt)(a_bits), FloatLayout(fmt)(b_bits),
                                flush_subnormals=flush_subnormals)
    outputs = {}
    for flag in operands._fields:
        outputs[flag] = Signal(name=flag)
        m.d.comb += outputs[flag].eq(getattr(operands, flag))
    got = _simulate(m, [a_bits, b_bits], outputs, np.stack([a, b], axis=1))

    zero = fmt.is_exponent_zero if flush_subnormals else fmt.is_zero
    expected = {
        "sign": fmt.sign(a) ^ fmt.sign(b),
        "zero": zero(a) | zero(b),
        "nan": (fmt.is_nan(a) | fmt.is_nan(b) | (fmt.is_inf(a) & zero(b))
                | (fmt.is_inf(b) & zero(a))),
        "inf": fmt.is_inf(a) | fmt.is_inf(b),
    }
    for flag, values in expected.items():
        assert np.array_equal(got[flag], values.astype(np.int64)), flag


def test_layouts_of_formats_with_the_same_fields_differ():
    assert FloatLayout(FloatFormat.parse("e4m3")) != FloatLayout(FloatFormat.parse("e4m3ieee"))
    assert FloatLayout(FloatFormat.parse("e4m3")) == FloatLayout(FloatFormat.parse("e4m3fn"))
    signal = Signal(FloatLayout(FloatFormat.parse("bf16")), name="value")
    assert signal.format.name == "bf16"
    assert len(signal.as_value()) == 16
