"""The vectors that check each fixed-latency unit: one source for the regression
(``verif/tests``) and ``macforge verify``.

Operand pairs are exhaustive wherever a unit has at most :data:`EXHAUSTIVE_LIMIT` of them
(every 8- and 9-bit-input unit); otherwise the format's special values pairwise plus
random pairs.  MACs get every pair onto a cleared and onto a random accumulator, then
random sequences and the accumulator's edge cases.  ``seed`` chooses the random parts;
the exhaustive parts do not depend on it.
"""

import numpy as np

from .vectors import (concatenate, exhaustive_pairs, mac_after_state, mac_cleared,
                      mac_random_sequence, mac_repeat, special_and_random_pairs)

__all__ = ["EXHAUSTIVE_LIMIT", "RANDOM_PAIRS", "RANDOM_CYCLES", "operand_pairs", "exhaustive",
           "multiplier_vectors", "int_mac_vectors", "fp_mac_vectors", "UNIT_VECTORS",
           "unit_vectors"]

EXHAUSTIVE_LIMIT = 1 << 18
"""Operand pairs up to which a unit is checked on every pair."""
RANDOM_PAIRS = 200_000
"""Random pairs for a multiplier of a wider format, after every pair of special values."""
RANDOM_CYCLES = 12_000
"""Cycles of each random MAC sequence."""


def _format_pairs(fmt):
    return 1 << (2 * fmt.width)


def operand_pairs(kind, resolved):
    """How many (a, b) operand pairs a unit of ``kind`` with ``resolved`` parameters has."""
    if kind == "int_mac":
        return 1 << (resolved["a_width"] + resolved["b_width"])
    return _format_pairs(resolved["in_format"] if kind == "fp_mac" else resolved["format"])


def exhaustive(kind, resolved):
    """Whether the unit's vectors hold every operand pair."""
    return operand_pairs(kind, resolved) <= EXHAUSTIVE_LIMIT


def multiplier_vectors(resolved, *, random_count=RANDOM_PAIRS, seed=0):
    """lmul, fmul: every (a, b) pair of the format when there are at most
    :data:`EXHAUSTIVE_LIMIT`, else every pair of special values and ``random_count``
    random pairs."""
    fmt = resolved["format"]
    if _format_pairs(fmt) <= EXHAUSTIVE_LIMIT:
        a, b = exhaustive_pairs(fmt)
    else:
        a, b = special_and_random_pairs(fmt, count=random_count, seed=seed)
    return {"a": a, "b": b}


def int_mac_vectors(resolved, *, random_count=RANDOM_CYCLES, seed=0):
    """int_mac: every pair of port bit patterns onto a cleared and onto a random
    accumulator where there are at most :data:`EXHAUSTIVE_LIMIT` pairs; products that walk
    the accumulator across its bounds; ``random_count`` random cycles with ``en`` low and
    ``clear`` now and then."""
    a_width, b_width, acc_width = resolved["a_width"], resolved["b_width"], resolved["acc_width"]
    rng = np.random.default_rng([seed, acc_width, a_width])
    sets = []
    if exhaustive("int_mac", resolved):
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
    sets.append(mac_random_sequence(pool_a, pool_b, cycles=random_count,
                                    seed=[seed, acc_width], clear_rate=0.002))
    return concatenate(*sets)


def _pattern(fmt, value):
    """The bit pattern of an exactly representable value."""
    return int(fmt.encode(value))


def _fp_edges(fmt, acc_format, seed):
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
    rng = np.random.default_rng([seed, fmt.width, 3])
    patterns = fmt.all_patterns()
    finite = patterns[np.isfinite(fmt.decode(patterns))]
    x, y = rng.choice(finite, 256), rng.choice(finite, 256)
    sets.append(mac_after_state(x ^ sign, y, x, y))
    sets.append(mac_cleared([sign, sign, 0], [one, sign, sign]))
    return sets


def fp_mac_vectors(resolved, *, random_count=RANDOM_CYCLES, seed=0):
    """fp_mac: every pair of input patterns (at most 2^18: inputs are at most 9 bits) onto
    a cleared and onto a random accumulator; ``random_count`` cycles of special-heavy
    operands with frequent clears, and as many of moderate ones with rare clears; the
    accumulator's edge cases (:func:`_fp_edges`)."""
    fmt, acc_format = resolved["in_format"], resolved["acc_format"]
    rng = np.random.default_rng([seed, fmt.width])
    patterns = fmt.all_patterns()
    a, b = exhaustive_pairs(fmt)
    sets = [mac_cleared(a, b),
            mac_after_state(a, b, rng.choice(patterns, a.size), rng.choice(patterns, a.size))]
    # Specials about a third of the time, frequent clears: inf, NaN, zeros of both signs
    # and subnormals meet every kind of accumulator state.
    specials_heavy = np.r_[np.repeat(fmt.special_patterns(), 4), patterns]
    sets.append(mac_random_sequence(specials_heavy, specials_heavy, cycles=random_count,
                                    seed=[seed, 1], clear_rate=0.02))
    # Moderate magnitudes and rare clears: hundreds of accumulations per clear, so the
    # accumulator holds long sums and small products round into it (no fp16 overflow).
    values = np.abs(fmt.decode(patterns))
    moderate = patterns[(values <= 4.0) & (values >= 2.0 ** -6)]
    sets.append(mac_random_sequence(moderate, moderate, cycles=random_count,
                                    seed=[seed, 2], clear_rate=0.002))
    return concatenate(*sets, *_fp_edges(fmt, acc_format, seed))


UNIT_VECTORS = {"lmul": multiplier_vectors, "fmul": multiplier_vectors,
                "int_mac": int_mac_vectors, "fp_mac": fp_mac_vectors}
"""Each fixed-latency unit kind's vectors: ``vectors(resolved params, *, random_count,
seed) -> {input port: array}``."""


def unit_vectors(kind, resolved, *, random_count=None, seed=0):
    """The vectors of a unit of ``kind`` with ``resolved`` parameters, from its entry of
    :data:`UNIT_VECTORS`; ``random_count`` None takes the regression's count."""
    options = {} if random_count is None else {"random_count": random_count}
    return UNIT_VECTORS[kind](resolved, seed=seed, **options)
