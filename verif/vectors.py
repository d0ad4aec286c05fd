"""Test-vector sets for two-operand floating-point units."""

import numpy as np

__all__ = ["exhaustive_pairs", "special_and_random_pairs"]


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
