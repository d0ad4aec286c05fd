"""int_mac and fp_mac: the emitted Verilog against the golden model, cycle by cycle."""

import numpy as np
import pytest

from macforge.gen.registry import get_unit
from macforge.verif.tests.conftest import check_against_golden
from macforge.verif.vectors import (concatenate, exhaustive_pairs, mac_after_state, mac_cleared,
                           mac_random_sequence, mac_repeat)

RANDOM_CYCLES = 12_000


def _top(kind, params):
    unit = get_unit(kind)
    return unit.top_name(unit.resolve(params))


# -- int_mac ---------------------------------------------------------------------------

INT_CONFIGS = [
    {},
    {"overflow": "saturate"},
    {"signed": False},
    {"signed": False, "overflow": "saturate"},
    {"acc_width": 16, "overflow": "saturate"},
    {"acc_width": 16},
    {"a_width": 4, "b_width": 6, "acc_width": 12},
    {"a_width": 16, "b_width": 16, "acc_width": 48, "overflow": "saturate"},
    # Every depth the parameter offers (1..8), each on a different configuration.
    {"pipeline_stages": 1},
    {"pipeline_stages": 2, "overflow": "saturate"},
    {"pipeline_stages": 3, "signed": False},
    {"pipeline_stages": 4, "acc_width": 16, "overflow": "saturate"},
    {"pipeline_stages": 5, "signed": False, "overflow": "saturate"},
    {"pipeline_stages": 6, "a_width": 4, "b_width": 6, "acc_width": 12},
    {"pipeline_stages": 7, "acc_width": 16},
    {"pipeline_stages": 8, "overflow": "saturate"},
    # The multiply operator that FPGA synthesis maps to DSP blocks, the product registered
    # (the Amaranth smoke test runs it unsigned and unregistered too).
    {"multiplier": "dsp", "overflow": "saturate", "pipeline_stages": 2},
]


def _int_vectors(params):
    unit = get_unit("int_mac")
    resolved = unit.resolve(params)
    a_width, b_width, acc_width = resolved["a_width"], resolved["b_width"], resolved["acc_width"]
    rng = np.random.default_rng(acc_width * 100 + a_width)
    sets = []
    if a_width + b_width <= 16:
        # Every pair of port bit patterns (two's complement ones when signed).
        a = np.repeat(np.arange(1 << a_width, dtype=np.int64), 1 << b_width)
        b = np.tile(np.arange(1 << b_width, dtype=np.int64), 1 << a_width)
        sets.append(mac_cleared(a, b))
        state = rng.integers(0, 1 << a_width, a.size), rng.integers(0, 1 << b_width, a.size)
        sets.append(mac_after_state(a, b, *state))
    # Extremes: the products that walk the accumulator across its boundaries fastest.
    a_extremes = [0, 1, (1 << (a_width - 1)) - 1, 1 << (a_width - 1), (1 << a_width) - 1]
    b_extremes = [0, 1, (1 << (b_width - 1)) - 1, 1 << (b_width - 1), (1 << b_width) - 1]
    headroom = 1 << min(acc_width - a_width - b_width + 2, 12)
    for a_value in a_extremes[2:]:
        for b_value in b_extremes[2:]:
            sets.append(mac_repeat(a_value, b_value, cycles=headroom))
    pool_a = np.r_[a_extremes, rng.integers(0, 1 << a_width, 64)]
    pool_b = np.r_[b_extremes, rng.integers(0, 1 << b_width, 64)]
    sets.append(mac_random_sequence(pool_a, pool_b, cycles=RANDOM_CYCLES, seed=acc_width,
                                    clear_rate=0.002))
    return concatenate(*sets)


@pytest.mark.slow
@pytest.mark.parametrize("params", INT_CONFIGS, ids=[_top("int_mac", p) for p in INT_CONFIGS])
def test_int_mac_matches_golden_model(params, tmp_path):
    check_against_golden("int_mac", params, _int_vectors(params), tmp_path)


# -- fp_mac ----------------------------------------------------------------------------

FP_CONFIGS = [
    {"in_format": in_format, "acc_format": acc_format, "mul": mul}
    for in_format in ("e4m3", "e5m2") for acc_format in ("fp32", "bf16", "fp16")
    for mul in ("exact", "lmul")
] + [
    # Generic formats: a narrow exponent (products underflow fp16 far less), a tiny
    # format, an e4m3 with infinities, an fn format with a short mantissa.
    {"in_format": "e3m2", "acc_format": "fp16"},
    {"in_format": "e2m1", "acc_format": "bf16", "mul": "lmul"},
    {"in_format": "e4m3ieee", "acc_format": "fp16", "mul": "lmul"},
    {"in_format": "e5m1fn", "acc_format": "fp32"},
    # The widest allowed input (9 bits): 262,144 pairs.
    {"in_format": "e5m3", "acc_format": "fp16", "mul": "lmul"},
] + [
    # Every depth the parameter offers (1..8), each on a different configuration.
    {"in_format": in_format, "acc_format": acc_format, "mul": mul, "pipeline_stages": depth}
    for depth, (in_format, acc_format, mul) in enumerate([
        ("e4m3", "fp16", "exact"), ("e4m3", "fp32", "lmul"), ("e5m2", "bf16", "exact"),
        ("e5m2", "fp16", "lmul"), ("e4m3", "bf16", "lmul"), ("e5m2", "fp32", "exact"),
        ("e3m2", "fp16", "lmul"), ("e4m3", "fp32", "exact")], start=1)
]


def _pattern(fmt, value):
    """The bit pattern of an exactly representable value."""
    return int(fmt.encode(value))


def _fp_edges(fmt, acc_format):
    """Accumulator edge cases: overflow walks, inf + -inf, sticky NaN, cancellation."""
    sign = 1 << fmt.sign_bit
    one, largest = _pattern(fmt, 1.0), fmt.max_finite
    sets = []
    # Largest products of both signs, repeated: an fp16 accumulator overflows to +-inf and
    # stays there; wider ones grow without rounding trouble.
    sets += [mac_repeat(largest, largest, cycles=32),
             mac_repeat(largest | sign, largest, cycles=32)]
    # A power-of-two product walked across the accumulator's top binade: about 64 steps
    # land on values near max finite, then round to inf (fp16; wider accumulators keep
    # growing, bf16 stops once a step is half an ulp).
    in_power = int(np.floor(np.log2(fmt.decode(largest))))
    step_power = min(int(np.log2(acc_format.decode(acc_format.max_finite))) - 6, 2 * in_power)
    a_power = min(step_power, in_power)
    steps = int(min(acc_format.decode(acc_format.max_finite) // 2.0 ** step_power + 2, 4096))
    sets.append(mac_repeat(_pattern(fmt, 2.0 ** a_power),
                           _pattern(fmt, 2.0 ** (step_power - a_power)), cycles=steps))
    # NaN sticks through en-high cycles and an en-low clear, and only a clear removes it.
    nan = fmt.canonical_nan
    sets.append({"a": np.array([nan, one, largest, one, one, one]),
                 "b": np.array([one, one, largest, one, one, one]),
                 "en": np.array([1, 1, 1, 0, 1, 1]), "clear": np.array([1, 0, 0, 1, 1, 0])})
    if fmt.has_inf:
        # inf + -inf -> NaN, then sticky; inf + finite stays inf.
        sets.append({"a": np.array([fmt.inf, one, fmt.inf | sign, one, fmt.inf, one]),
                     "b": np.array([one, one, one, one, one, one]),
                     "en": np.ones(6, np.int64), "clear": np.array([1, 0, 0, 0, 1, 0])})
    # Exact cancellation: x*y then -x*y gives +0 (RNE), for random finite x and y; and a
    # -0 product onto a cleared accumulator gives +0 as well.
    rng = np.random.default_rng(fmt.width)
    patterns = fmt.all_patterns()
    finite = patterns[np.isfinite(fmt.decode(patterns))]
    x, y = rng.choice(finite, 256), rng.choice(finite, 256)
    sets.append(mac_after_state(x ^ sign, y, x, y))
    sets.append(mac_cleared([sign, sign, 0], [one, sign, sign]))
    return sets


def _fp_vectors(params):
    resolved = get_unit("fp_mac").resolve(params)
    fmt, acc_format = resolved["in_format"], resolved["acc_format"]
    rng = np.random.default_rng(fmt.width)
    patterns = fmt.all_patterns()
    a, b = exhaustive_pairs(fmt)
    sets = [mac_cleared(a, b),
            mac_after_state(a, b, rng.choice(patterns, a.size), rng.choice(patterns, a.size))]
    # Specials about a third of the time, frequent clears: inf, NaN, zeros of both signs
    # and subnormals meet every kind of accumulator state.
    specials_heavy = np.r_[np.repeat(fmt.special_patterns(), 4), patterns]
    sets.append(mac_random_sequence(specials_heavy, specials_heavy, cycles=RANDOM_CYCLES,
                                    seed=1, clear_rate=0.02))
    # Moderate magnitudes and rare clears: hundreds of accumulations per clear, so the
    # accumulator holds long sums and small products round into it (no fp16 overflow).
    values = np.abs(fmt.decode(patterns))
    moderate = patterns[(values <= 4.0) & (values >= 2.0 ** -6)]
    sets.append(mac_random_sequence(moderate, moderate, cycles=RANDOM_CYCLES, seed=2,
                                    clear_rate=0.002))
    return concatenate(*sets, *_fp_edges(fmt, acc_format))


@pytest.mark.slow
@pytest.mark.parametrize("params", FP_CONFIGS, ids=[_top("fp_mac", p) for p in FP_CONFIGS])
def test_fp_mac_matches_golden_model(params, tmp_path):
    check_against_golden("fp_mac", params, _fp_vectors(params), tmp_path)


@pytest.mark.parametrize("kind,configs", [("int_mac", INT_CONFIGS), ("fp_mac", FP_CONFIGS)])
def test_every_offered_pipeline_depth_is_benched(kind, configs):
    parameter = get_unit(kind).parameters["pipeline_stages"]
    benched = {config.get("pipeline_stages", parameter.default) for config in configs}
    assert benched == set(range(parameter.minimum, parameter.maximum + 1))
