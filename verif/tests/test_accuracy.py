"""The accuracy measurement of L-Mul against exact multiplication (gen/accuracy.py)."""

import numpy as np
import pytest

from macforge.formats import FloatFormat
from macforge.gen.accuracy import (CLAIMS, DISTRIBUTIONS, LOG_UNIFORM, NORMAL, accuracy_text,
                                   claim_rows, measure, measure_all_pairs, measure_inputs)


def _all_pairs(values):
    a, b = np.meshgrid(values, values, indexing="ij")
    return a.ravel(), b.ravel()


def test_exact_multiplication_of_representable_inputs_with_representable_products_is_exact():
    # Significands 1 and 1.5 multiply to 1, 1.5 or 2.25 = 1.125 * 2, all of which e4m3
    # holds; exponents -3..3 keep every product inside e4m3's normal range [2^-6, 448].
    magnitudes = np.array([s * 2.0 ** k for s in (1.0, 1.5) for k in range(-3, 4)])
    x, y = _all_pairs(np.concatenate([magnitudes, -magnitudes]))
    rows = measure_inputs([("e4m3", "e4m3", "exact"), ("fp16", "fp16", "exact")], x, y)
    for row in rows:
        assert (row["mean"], row["max"], row["zero"], row["in_range"]) == (0.0, 0.0, 0, x.size)


def test_lmul_error_of_hand_computed_pairs():
    # docs/units.md section 3.2: 1 x 1 gives 1.125 (the offset 2^-3), an error of 1/8;
    # 1.75 x 1.75 gives 3.25 where the product is 3.0625 = 49/16, an error of
    # (3/16) / (49/16) = 3/49.
    row, = measure_inputs([("lmul", "e4m3", "lmul")], [1.0, 1.75], [1.0, 1.75])
    # Every operand is exact in binary (3/16 over 49/16 rounds as 3/49 does): no tolerance.
    assert row["mean"] == (1 / 8 + 3 / 49) / 2
    assert row["max"] == 1 / 8


def test_inputs_are_rounded_and_compared_with_the_unrounded_product():
    # 1.1 rounds to 1.125 in e4m3; 1.125^2 = 1.265625 rounds to 1.25, 0.04 above the
    # true 1.21: an error of 4/121, where "true" is the double product of the unrounded
    # inputs (1.1 * 1.1 is 1.2100000000000002 in binary).
    row, = measure_inputs([("exact", "e4m3", "exact")], [1.1], [1.1])
    assert row["mean"] == abs(1.25 - 1.1 * 1.1) / (1.1 * 1.1)


def test_a_flushed_product_counts_as_an_error_of_one():
    # 2^-8 is subnormal in e4m3: L-Mul flushes it (section 3, step 3), the exact
    # multiplier keeps 2^-8 * 1 exactly.  The true product is below the normal range.
    lmul_row, exact_row = measure_inputs([("l", "e4m3", "lmul"), ("x", "e4m3", "exact")],
                                         [2.0 ** -8], [1.0])
    assert (lmul_row["mean"], lmul_row["zero"], lmul_row["underflow"]) == (1.0, 1, 1)
    assert (exact_row["mean"], exact_row["zero"], exact_row["underflow"]) == (0.0, 0, 1)
    assert lmul_row["mean_in_range"] is None


def test_statistics_are_reproducible_with_the_seed():
    entries = [("l", "e4m3", "lmul"), ("x", "e5m2", "exact")]
    for distribution in DISTRIBUTIONS:
        first = measure(entries, distribution, pairs=4096, seed=7)
        assert measure(entries, distribution, pairs=4096, seed=7) == first
        other = measure(entries, distribution, pairs=4096, seed=8)
        assert [row["mean"] for row in other] != [row["mean"] for row in first]


def test_log_uniform_inputs_must_be_normal_in_every_format():
    with pytest.raises(ValueError, match="normal range"):
        measure([("x", "e2m1fn", "exact")], LOG_UNIFORM, pairs=16)


def test_all_pairs_counts_add_up():
    entries = [(f"{multiplier} {name}", name, multiplier)
               for name in ("e4m3", "e5m2", "e3m4") for multiplier in ("lmul", "exact")]
    for saturate in (True, False):
        for row in measure_all_pairs(entries, saturate=saturate):
            assert row["pairs"] == 65536
            assert (row["excluded"] + row["zero_product"] + row["underflow"] + row["in_range"]
                    + row["overflow"]) == 65536
            assert (row["measured"] + row["nan"] + row["inf"]
                    == 65536 - row["excluded"] - row["zero_product"])
            if saturate:
                assert row["nan"] == row["inf"] == 0
    rows = {row["label"]: row for row in measure_all_pairs(entries)}
    # e4m3 has 2 NaN patterns, e5m2 8 NaN or infinite ones: 256^2 - 254^2, 256^2 - 248^2.
    assert rows["exact e4m3"]["excluded"] == 1020
    assert rows["exact e5m2"]["excluded"] == 4032
    # Without saturation an e4m3 overflow is the canonical NaN.
    unsaturated = {row["label"]: row for row in measure_all_pairs(entries, saturate=False)}
    assert unsaturated["exact e4m3"]["nan"] > 0 and unsaturated["exact e5m2"]["inf"] > 0


def test_claim_rows_have_the_expected_shape():
    rows = claim_rows(pairs=2048)
    assert len(rows) == len(CLAIMS) * len(DISTRIBUTIONS)
    assert [(row["claim"], row["reading"], row["distribution"]) for row in rows] == [
        (claim.name, claim.reading, distribution.name)
        for claim in CLAIMS for distribution in DISTRIBUTIONS]
    for row in rows:
        lmul_format = FloatFormat.parse(row["lmul_format"])
        assert lmul_format.mantissa_bits == {"e4m3": 4, "e5m2": 3}[row["exact_format"]]
        for side in ("lmul", "exact"):
            assert 0 < row[f"{side}_mean"] <= row[f"{side}_max"]
        assert row["ratio"] == row["lmul_mean"] / row["exact_mean"]
        assert row["verdict"].startswith("reproduces" if row["reproduces"]
                                         else "does not reproduce")
        assert f"{row['lmul_mean']:.4f}" in row["verdict"]
    text = accuracy_text(rows)
    assert all(row["verdict"] in text for row in rows)
    assert text.splitlines()[0].split()[:3] == ["claim", "reading", "distribution"]


def test_exact_e4m3_mean_error_over_normal_inputs_is_below_the_derived_bound():
    # Bound 2^-4.  Inside the normal range the result is a*b*(1+da)(1+db)(1+dp), each d
    # the error of one nearest-even rounding to 3 mantissa bits: for a value m * 2^e
    # (1 <= m < 2) at most half a quantum 2^(e-3), spread evenly over it, so
    # E[d^2] = (2^-3)^2 / 12 * E[1/m^2] <= 2^-6 / 12.  Three such nearly independent
    # errors: mean |error| <= rms <= sqrt(3 * 2^-6 / 12) = 2^-4, and with N(0,1)'s
    # E[1/m^2] ~ 0.54 the rms is about 0.74 * 2^-4 = 0.046.  About 5% of pairs have a
    # product below e4m3's smallest normal 2^-6, where errors reach 1; their share of
    # the mean (about 0.01) fits in the room left: the whole mean is about
    # 0.045, the normal-range part about 0.036.
    row, = measure([("exact e4m3", "e4m3", "exact")], NORMAL, pairs=1 << 14)
    assert row["mean_in_range"] < 0.74 * 2.0 ** -4
    assert row["mean"] < 2.0 ** -4
