"""int_mac: the emitted Verilog against the golden model, cycle by cycle."""

import numpy as np
import pytest

from gen.registry import get_unit
from verif.tests.conftest import check_against_golden
from verif.vectors import (concatenate, mac_after_state, mac_cleared, mac_random_sequence,
                           mac_repeat)

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
    {"pipeline_stages": 1},
    {"pipeline_stages": 2, "overflow": "saturate"},
    {"pipeline_stages": 3, "signed": False},
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


@pytest.mark.parametrize("params", INT_CONFIGS, ids=[_top("int_mac", p) for p in INT_CONFIGS])
def test_int_mac_matches_golden_model(params, tmp_path):
    check_against_golden("int_mac", params, _int_vectors(params), tmp_path)
