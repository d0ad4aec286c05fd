"""Exhaustive mantissa sweeps of fmul where its proof is out of reach.

An fp16 operand pair has 2^32 values: too many to simulate, and the equivalence proof
against ``fmul_reference.v`` does not finish (the two 11 x 11 multipliers differ in
structure; docs/verification.md lists the attempts and their times).  :func:`sweep_classes`
instead chooses exponent-field pairs (ea, eb), and every pair gets every mantissa pair
(both signs of each operand, spread evenly), so within a class nothing is sampled.

Why these classes.  The multiplier's result depends on the exponent fields only through
three things: whether each operand is zero/subnormal, normal or special; for two normal
operands, the exponent sum ea + eb, which with the product's top bit decides the
result's exponent, the denormalizing shift and the overflow; for a subnormal operand,
its leading-zero count (covered by the mantissa sweep) together with the other's
exponent.  So the classes are:

- normal x normal: every exponent sum from 2 to 2 emax, one (ea, eb) pair per sum,
  which operand is larger alternating: every result exponent, every shift amount of
  gradual underflow up to and past the clamp, flush to zero, rounding up into the
  smallest normal and into overflow;
- subnormal x normal: every eb whose products straddle the smallest normal or lie in
  the subnormal range close to it (bias - M - 3 .. bias + M + 1, where the subnormal's
  leading-zero count decides between a subnormal and a normal result), plus eb = 1 and
  eb = emax for the two ends; the operand order alternates with eb;
- subnormal x subnormal (always rounds to zero or the smallest subnormals, and holds
  zero x zero);
- specials: the all-ones exponent (infinity and NaN, kind ieee; the top binade, kind fn)
  against exponent 0 (zero and subnormals: inf x 0), 1, bias, emax (the largest finite
  value's) and itself, both orders.

For a small exponent width these classes hold most of the exponent pairs anyway;
:func:`sweep_vectors` streams them in batches of at most ``limit`` vectors.
"""

import numpy as np

__all__ = ["sweep_classes", "sweep_vectors", "class_vectors", "pairs_per_class"]


def sweep_classes(fmt, *, overflow_only=False):
    """The (ea, eb) exponent-field pairs swept for ``fmt`` (module docstring), in order.

    ``overflow_only``: only the classes whose products can overflow (for a second
    overflow rule, where the rest cannot differ).
    """
    emax = fmt.max_finite_exponent_field
    ones = fmt.exponent_field_max
    bias, mantissa_bits = fmt.bias, fmt.mantissa_bits
    classes = []
    for total in range(2, 2 * emax + 1):
        low = max(1, total - emax)
        high = total - low
        classes.append((high, low) if total % 2 else (low, high))
    boundary = range(max(1, bias - mantissa_bits - 3), min(emax, bias + mantissa_bits + 1) + 1)
    for exponent in sorted({1, *boundary, emax}):
        classes.append((0, exponent) if exponent % 2 else (exponent, 0))
    classes.append((0, 0))
    for exponent in sorted({0, 1, bias, emax, ones}):
        classes += [(ones, exponent), (exponent, ones)]
    classes = list(dict.fromkeys(classes))
    if overflow_only:
        # Normal operands with ea + eb < emax + bias - 1 multiply to less than
        # 2^(ea + eb - 2 bias + 2) <= 2^(emax - bias): far from max finite.
        classes = [(ea, eb) for ea, eb in classes
                   if ea != 0 and eb != 0 and ea + eb >= emax + bias - 1]
    return classes


def pairs_per_class(fmt):
    """Operand pairs of one class: every mantissa of a against every mantissa of b."""
    return (fmt.mantissa_mask + 1) ** 2


def class_vectors(fmt, exponent_a, exponent_b):
    """Every mantissa pair of one class: ``(a, b)`` int64 bit patterns, 4^M of each.

    The signs vary with the mantissas (a's with b's mantissa LSB, b's with a's), so each
    sign combination meets a quarter of the pairs, spread over the whole range.
    """
    mantissa_bits = fmt.mantissa_bits
    count = 1 << mantissa_bits
    mantissa_a = np.repeat(np.arange(count, dtype=np.int64), count)
    mantissa_b = np.tile(np.arange(count, dtype=np.int64), count)
    sign_a, sign_b = mantissa_b & 1, (mantissa_a >> (mantissa_bits - 1)) & 1
    a = (sign_a << fmt.sign_bit) | (exponent_a << mantissa_bits) | mantissa_a
    b = (sign_b << fmt.sign_bit) | (exponent_b << mantissa_bits) | mantissa_b
    return a, b


def sweep_vectors(fmt, classes, *, limit):
    """Yield ``{"a": ..., "b": ...}`` batches of at most ``limit`` vectors holding every
    mantissa pair of every class in ``classes``, class by class."""
    per_class = pairs_per_class(fmt)
    if per_class > limit:
        raise ValueError(f"one class of {fmt.name} has {per_class} vectors, above {limit}")
    batch = []
    for index, (exponent_a, exponent_b) in enumerate(classes):
        batch.append(class_vectors(fmt, exponent_a, exponent_b))
        if (len(batch) + 1) * per_class > limit or index == len(classes) - 1:
            yield {"a": np.concatenate([a for a, _ in batch]),
                   "b": np.concatenate([b for _, b in batch])}
            batch = []
