"""fmul's wide formats on every mantissa pair of each exponent class, against the golden
model (the sweeps stand in for the proofs that do not finish), and the classes checked
for covering what the sweep module's docstring says they cover."""

import time

import numpy as np
import pytest

from macforge.formats import FloatFormat
from macforge.gen.registry import get_unit
from macforge.verif.benches.stream import run_vectors
from macforge.verif.benches.vector_harness import DEPTH
from macforge.verif.coverage import MANTISSA_SWEEPS
from macforge.verif.formal.mantissa_sweeps import (class_vectors, pairs_per_class, sweep_classes,
                                                  sweep_vectors)
from macforge.verif.tests.conftest import built_unit


def _id(sweep):
    (kind, params), overflow_only = sweep
    unit = get_unit(kind)
    return f"{unit.top_name(unit.resolve(params))}-{'overflow' if overflow_only else 'all'}"


@pytest.mark.slow
@pytest.mark.long
@pytest.mark.parametrize("config,overflow_only", MANTISSA_SWEEPS,
                         ids=[_id(sweep) for sweep in MANTISSA_SWEEPS])
def test_every_mantissa_pair_of_each_exponent_class(config, overflow_only, tmp_path):
    kind, params = config
    unit = get_unit(kind)
    fmt = unit.resolve(params)["format"]
    classes = sweep_classes(fmt, overflow_only=overflow_only)
    built = built_unit(kind, params)
    model = unit.golden_model(params)
    started, count = time.perf_counter(), 0
    for index, inputs in enumerate(sweep_vectors(fmt, classes, limit=DEPTH)):
        run_dir = tmp_path / f"batch{index}"
        run_dir.mkdir()
        result = run_vectors(built, unit.bench, inputs, model(**inputs), run_dir)
        assert result.tests == 1 and result.failed == 0
        count += inputs["a"].size
    assert count == len(classes) * pairs_per_class(fmt)
    print(f"{_id((config, overflow_only))}: {count} vectors, {len(classes)} classes, "
          f"{time.perf_counter() - started:.0f} s")


@pytest.mark.parametrize("name", ["fp16", "bf16", "e4m3", "e3m4"])
def test_classes_cover_every_exponent_sum_and_boundary(name):
    fmt = FloatFormat.parse(name)
    classes = sweep_classes(fmt)
    emax = fmt.max_finite_exponent_field
    ones = fmt.exponent_field_max
    normal = [(ea, eb) for ea, eb in classes if 0 < ea <= emax and 0 < eb <= emax]
    assert sorted({ea + eb for ea, eb in normal}) == list(range(2, 2 * emax + 1))
    # Both operand orders: the larger exponent on either side.
    assert any(ea > eb for ea, eb in normal) and any(ea < eb for ea, eb in normal)
    subnormal = {ea or eb for ea, eb in classes if (ea == 0) != (eb == 0)}
    straddling = range(max(1, fmt.bias - fmt.mantissa_bits),
                       min(emax, fmt.bias + fmt.mantissa_bits) + 1)
    assert set(straddling) <= subnormal and {1, emax} <= subnormal
    assert (0, 0) in classes and (ones, 0) in classes and (0, ones) in classes
    assert len(set(classes)) == len(classes)


def test_overflow_classes_are_those_that_can_overflow():
    """Every normal class left out of the overflow-only sweep stays below max finite
    at its largest mantissas, and the largest kept class overflows."""
    fmt = FloatFormat.parse("fp16")
    kept = set(sweep_classes(fmt, overflow_only=True))
    largest = fmt.decode(fmt.max_finite)

    def largest_product(ea, eb):
        # The largest magnitudes of a class have all-ones mantissas.
        a = (ea << fmt.mantissa_bits) | fmt.mantissa_mask
        b = (eb << fmt.mantissa_bits) | fmt.mantissa_mask
        return fmt.decode(a) * fmt.decode(b)

    emax = fmt.max_finite_exponent_field
    for ea, eb in sweep_classes(fmt):
        if 0 < ea <= emax and 0 < eb <= emax and (ea, eb) not in kept:
            assert largest_product(ea, eb) < largest
    assert largest_product(emax, emax) > largest
    a, b = class_vectors(fmt, emax, emax)
    assert np.max(np.abs(fmt.decode(a) * fmt.decode(b))) == largest_product(emax, emax)


def test_batches_hold_every_mantissa_pair_once():
    fmt = FloatFormat.parse("bf16")
    classes = sweep_classes(fmt)[:5]
    per_class = pairs_per_class(fmt)  # bf16: 2^7 x 2^7 mantissa pairs
    limit = 3 * per_class
    batches = list(sweep_vectors(fmt, classes, limit=limit))
    assert [batch["a"].size for batch in batches] == [limit, 2 * per_class]
    a = np.concatenate([batch["a"] for batch in batches])
    b = np.concatenate([batch["b"] for batch in batches])
    magnitude = fmt.magnitude_mask
    pairs = (a & magnitude) << fmt.width | (b & magnitude)
    assert np.unique(pairs).size == a.size == len(classes) * per_class == 5 << 14
    signs = (a >> fmt.sign_bit) * 2 + (b >> fmt.sign_bit)
    assert np.bincount(signs).tolist() == [a.size // 4] * 4
