"""Test-vector sets: operand pairs for two-operand floating-point units, and
cycle-by-cycle sequences (a, b, en, clear) for multiply-accumulate units."""

import numpy as np

__all__ = ["exhaustive_pairs", "special_and_random_pairs", "mac_cleared", "mac_after_state",
           "mac_random_sequence", "mac_repeat", "concatenate"]


def exhaustive_pairs(fmt):
    """Every (a, b) pair of bit patterns, a major (65,536 pairs for an 8-bit format)."""
    patterns = fmt.all_patterns()
    return np.repeat(patterns, patterns.size), np.tile(patterns, patterns.size)


def special_and_random_pairs(fmt, *, count, seed=0):
    """Every pair of the format's special values, then ``count`` random pairs.

    The random half draws uniform bit patterns; a quarter of it is biased toward exponent
    sums near the underflow and overflow boundaries, where rounding and flushing decide.
    """
    specials = fmt.special_patterns()
    a = [np.repeat(specials, specials.size)]
    b = [np.tile(specials, specials.size)]
    rng = np.random.default_rng(seed)
    uniform = count - count // 4
    a.append(rng.integers(0, 1 << fmt.width, uniform, dtype=np.int64))
    b.append(rng.integers(0, 1 << fmt.width, uniform, dtype=np.int64))
    # Boundary-heavy: pick a's exponent freely and b's so that the product exponent lands
    # within a few binades of the smallest subnormal or the largest finite value.
    boundary = count // 4
    exponent_a = rng.integers(0, fmt.exponent_field_max + 1, boundary)
    target = np.where(rng.random(boundary) < 0.5,
                      rng.integers(-fmt.mantissa_bits - 2, 3, boundary),
                      rng.integers(fmt.exponent_field_max - 3, fmt.exponent_field_max + 2, boundary))
    exponent_b = np.clip(target + fmt.bias - exponent_a, 0, fmt.exponent_field_max)
    def assemble(exponent):
        sign = rng.integers(0, 2, boundary) << fmt.sign_bit
        mantissa = rng.integers(0, fmt.mantissa_mask + 1, boundary)
        return sign | (exponent << fmt.mantissa_bits) | mantissa
    a.append(assemble(exponent_a))
    b.append(assemble(exponent_b))
    return np.concatenate(a).astype(np.int64), np.concatenate(b).astype(np.int64)


# -- multiply-accumulate sequences ------------------------------------------------------
# A MAC vector set is a dict of per-cycle arrays: a, b, en, clear.


def mac_cleared(a, b):
    """Every (a, b) applied once with ``clear``: each result is the product alone."""
    ones = np.ones(np.size(a), dtype=np.int64)
    return {"a": np.asarray(a, np.int64), "b": np.asarray(b, np.int64), "en": ones, "clear": ones}


def mac_after_state(a, b, state_a, state_b):
    """Each (a, b) accumulated onto a state set one cycle before by (state_a, state_b).

    Cycles alternate: a setter with ``clear`` (acc = state_a * state_b), then the pair.
    """
    count = np.size(a)
    interleave = lambda first, second: np.stack([first, second], axis=1).reshape(-1)
    ones, zeros = np.ones(count, np.int64), np.zeros(count, np.int64)
    return {"a": interleave(np.asarray(state_a, np.int64), np.asarray(a, np.int64)),
            "b": interleave(np.asarray(state_b, np.int64), np.asarray(b, np.int64)),
            "en": interleave(ones, ones), "clear": interleave(ones, zeros)}


def mac_random_sequence(a_pool, b_pool, *, cycles, seed, enable_rate=0.85, clear_rate=0.01):
    """Random operands from the pools, ``en`` low on some cycles, occasional ``clear``."""
    rng = np.random.default_rng(seed)
    return {"a": rng.choice(np.asarray(a_pool, np.int64), cycles),
            "b": rng.choice(np.asarray(b_pool, np.int64), cycles),
            "en": (rng.random(cycles) < enable_rate).astype(np.int64),
            "clear": (rng.random(cycles) < clear_rate).astype(np.int64)}


def mac_repeat(a, b, *, cycles):
    """Start from a clear, then accumulate the same (a, b) for ``cycles`` more cycles:
    walks an accumulator to its overflow boundary."""
    clear = np.zeros(cycles + 1, np.int64)
    clear[0] = 1
    return {"a": np.full(cycles + 1, a, np.int64), "b": np.full(cycles + 1, b, np.int64),
            "en": np.ones(cycles + 1, np.int64), "clear": clear}


def concatenate(*sets):
    """One sequence from several (each keeps its own clears)."""
    return {port: np.concatenate([vectors[port] for vectors in sets]) for port in sets[0]}
