"""Tests of the integer MAC golden model (verif/golden/int_mac.py) against docs/units.md section 5.

The reference below is a slow scalar transcription of the text of docs/units.md with plain Python
integers, one cycle at a time; it shares nothing with the model (no numpy, no
run_accumulator, no helpers from verif.golden).
"""

import itertools
import zlib

import numpy as np
import pytest

from macforge.verif.golden.int_mac import int_mac, int_mac_step


# -- independent scalar reference (plain ints, straight from docs/units.md section 5) --

def reference_value(bits, width, signed):
    """Two's complement (signed) or plain binary (unsigned) value of a width-bit pattern."""
    if signed and bits >= 2 ** (width - 1):
        return bits - 2 ** width
    return bits


def reference_next(acc_bits, clear, a_bits, b_bits, a_width, b_width, signed, acc_width,
                   overflow):
    """acc <- f((clear ? 0 : acc) + a * b), on patterns."""
    base = 0 if clear else reference_value(acc_bits, acc_width, signed)
    product = reference_value(a_bits, a_width, signed) * reference_value(b_bits, b_width, signed)
    total = base + product
    if overflow == "saturate":
        if signed:
            low, high = -(2 ** (acc_width - 1)), 2 ** (acc_width - 1) - 1
        else:
            low, high = 0, 2 ** acc_width - 1
        total = min(max(total, low), high)
    return total % 2 ** acc_width


def reference_mac(a, b, en, clear, a_width, b_width, signed, acc_width, overflow):
    """acc after every cycle from reset (acc = 0); en = 0 holds acc and ignores clear."""
    acc, trace = 0, []
    for a_bits, b_bits, enabled, cleared in zip(a, b, en, clear):
        if enabled:
            acc = reference_next(acc, bool(cleared), int(a_bits), int(b_bits), a_width, b_width,
                                 signed, acc_width, overflow)
        trace.append(acc)
    return trace


# -- random sequences --

CONFIGS = [
    # (a_width, b_width, signed, acc_width)
    (8, 8, True, 32),
    (8, 8, False, 32),
    (8, 8, True, 16),
    (8, 8, False, 16),
    (2, 2, True, 4),
    (2, 2, False, 4),
    (4, 4, True, 16),
    (4, 4, False, 8),
    (3, 7, True, 11),
    (5, 2, False, 9),
    (16, 16, True, 48),
    (16, 16, False, 48),
    (16, 2, True, 18),
    (12, 9, False, 23),
]


def random_sequence(rng, a_width, b_width, signed, cycles):
    """Operands biased to their extremes, en low ~15% of cycles, clears ~2%, and long
    same-sign runs, so that narrow accumulators hit both ends of their range."""
    def operands(width):
        uniform = rng.integers(0, 2 ** width, cycles)
        extremes = np.array([0, 1, 2 ** (width - 1) - 1, 2 ** (width - 1), 2 ** width - 1])
        return np.where(rng.random(cycles) < 0.5, rng.choice(extremes, cycles), uniform)
    a, b = operands(a_width), operands(b_width)
    # A stretch of large same-sign (then opposite-sign) products without clears.
    run = slice(cycles // 4, cycles // 2)
    a[run] = 2 ** (a_width - 1) if signed else 2 ** a_width - 1
    b[run] = rng.choice([2 ** (b_width - 1), 2 ** (b_width - 1) - 1] if signed
                        else [2 ** b_width - 1], run.stop - run.start)
    en = (rng.random(cycles) < 0.85).astype(np.int64)
    clear = (rng.random(cycles) < 0.02).astype(np.int64)
    clear[run] = 0
    return a, b, en, clear


@pytest.mark.parametrize("overflow", ["wrap", "saturate"])
@pytest.mark.parametrize("a_width,b_width,signed,acc_width", CONFIGS)
def test_random_sequences_match_reference(a_width, b_width, signed, acc_width, overflow):
    params = dict(a_width=a_width, b_width=b_width, signed=signed, acc_width=acc_width,
                  overflow=overflow)
    rng = np.random.default_rng(zlib.crc32(repr(params).encode()))
    a, b, en, clear = random_sequence(rng, a_width, b_width, signed, 3000)
    got = int_mac(a, b, en, clear, **params)
    want = reference_mac(a, b, en, clear, a_width, b_width, signed, acc_width, overflow)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, np.array(want, dtype=np.int64))


@pytest.mark.parametrize("overflow", ["wrap", "saturate"])
@pytest.mark.parametrize("signed", [True, False])
def test_step_matches_reference_near_range_ends(signed, overflow):
    """int_mac_step from accumulators at and next to the range ends, every 4x4 product."""
    a_width, b_width, acc_width = 4, 4, 9
    ends = [0, 1, 2 ** acc_width - 1, 2 ** acc_width - 2,
            2 ** (acc_width - 1), 2 ** (acc_width - 1) - 1, 2 ** (acc_width - 1) + 1]
    cases = list(itertools.product(ends, [0, 1], range(16), range(16)))
    acc, clear, a, b = (np.array(column) for column in zip(*cases))
    got = int_mac_step(acc, clear, a, b, a_width=a_width, b_width=b_width, signed=signed,
                       acc_width=acc_width, overflow=overflow)
    want = [reference_next(*case, a_width, b_width, signed, acc_width, overflow) for case in cases]
    np.testing.assert_array_equal(got, want)


# -- hand cases at the wrap and saturate boundaries --

def run(a, b, en=None, clear=None, **params):
    cycles = len(a)
    en = [1] * cycles if en is None else en
    clear = [0] * cycles if clear is None else clear
    return int_mac(a, b, en, clear, **params).tolist()


def test_signed_8x8_16_accumulates_past_the_top():
    # 127 * 127 = 16129: twice 32258 fits, a third time 48387 does not.
    params = dict(a_width=8, b_width=8, signed=True, acc_width=16)
    # Wrapped: 48387 - 65536 = -17149, whose 16-bit pattern is 48387 again.
    assert run([127] * 3, [127] * 3, overflow="wrap", **params) == [16129, 32258, 48387]
    assert run([127] * 3, [127] * 3, overflow="saturate", **params) == [16129, 32258, 0x7FFF]


def test_signed_8x8_16_min_times_min():
    # -128 * -128 = 16384 = 0x4000; twice is 32768: wraps to -32768, saturates at 32767.
    params = dict(a_width=8, b_width=8, signed=True, acc_width=16)
    assert run([0x80] * 2, [0x80] * 2, overflow="wrap", **params) == [0x4000, 0x8000]
    assert run([0x80] * 2, [0x80] * 2, overflow="saturate", **params) == [0x4000, 0x7FFF]


def test_signed_8x8_16_accumulates_past_the_bottom():
    # -128 * 127 = -16256; three times -48768: wraps to 16768, saturates at -32768.
    params = dict(a_width=8, b_width=8, signed=True, acc_width=16)
    assert run([0x80] * 3, [127] * 3, overflow="wrap", **params) == [
        -16256 % 65536, -32512 % 65536, 16768]
    assert run([0x80] * 3, [127] * 3, overflow="saturate", **params) == [
        -16256 % 65536, -32512 % 65536, 0x8000]
    # Saturated at the bottom, a positive product (-128 * -1) climbs back from -32768.
    trace = run([0x80] * 4, [127, 127, 127, 0xFF], overflow="saturate", **params)
    assert trace[-2:] == [0x8000, -32640 % 65536]


def test_unsigned_8x8_16_largest_product():
    # 255 * 255 = 65025 = 0xFE01 fits; twice is 130050: wraps to 64514, saturates at 0xFFFF.
    params = dict(a_width=8, b_width=8, signed=False, acc_width=16)
    assert run([255] * 2, [255] * 2, overflow="wrap", **params) == [0xFE01, 130050 - 65536]
    assert run([255] * 2, [255] * 2, overflow="saturate", **params) == [0xFE01, 0xFFFF]


def test_signed_2x2_4():
    # Values -2..1; (-2) * (-2) = 4, twice 8: wraps to -8, saturates at 7.
    params = dict(a_width=2, b_width=2, signed=True, acc_width=4)
    assert run([2, 2], [2, 2], overflow="wrap", **params) == [4, 8]
    assert run([2, 2], [2, 2], overflow="saturate", **params) == [4, 7]
    assert run([2, 1, 1], [1, 2, 2], overflow="saturate", **params) == [14, 12, 10]


def test_signed_16x16_48_range_ends():
    params = dict(a_width=16, b_width=16, signed=True, acc_width=48)
    top, bottom = 2 ** 47 - 1, 2 ** 47  # patterns of 2^47 - 1 and -2^47

    def step(acc, a, b, overflow):
        return int(int_mac_step(acc, 0, a, b, overflow=overflow, **params))
    # (-32768)^2 = 2^30 onto 2^47 - 1 - 2^30 reaches exactly the top; onto the top it passes.
    assert step(top - 2 ** 30, 0x8000, 0x8000, "wrap") == top
    assert step(top, 0x8000, 0x8000, "wrap") == (top + 2 ** 30) % 2 ** 48
    assert step(top, 0x8000, 0x8000, "saturate") == top
    # -32768 * 32767 below -2^47.
    assert step(bottom, 0x8000, 0x7FFF, "wrap") == (-(2 ** 47) - 32768 * 32767) % 2 ** 48
    assert step(bottom, 0x8000, 0x7FFF, "saturate") == bottom
    assert step(bottom, 0x8000, 0x8000, "saturate") == bottom + 2 ** 30


def test_unsigned_16x16_48_range_end():
    params = dict(a_width=16, b_width=16, signed=False, acc_width=48)
    largest = 0xFFFF * 0xFFFF
    acc = 2 ** 48 - largest
    def step(acc, overflow):
        return int(int_mac_step(acc, 0, 0xFFFF, 0xFFFF, overflow=overflow, **params))
    assert step(acc, "wrap") == 0
    assert step(acc, "saturate") == 2 ** 48 - 1
    assert step(acc - 1, "saturate") == 2 ** 48 - 1
    assert step(acc - 2, "saturate") == 2 ** 48 - 2


def test_en_holds_and_clear_restarts():
    params = dict(a_width=8, b_width=8, signed=True, acc_width=32)
    minus_three, five = 0xFD, 5
    trace = run([five, 7, five, 2, minus_three, 9],
                [five, 7, five, 3, 1, 9],
                en=[1, 0, 1, 1, 0, 1],
                clear=[0, 1, 0, 1, 1, 0], **params)
    # 25; held (clear ignored while en = 0); 50; cleared: 6; held; 6 + 81.
    assert trace == [25, 25, 50, 6, 6, 87]
    # -3 * 1 after a clear: a negative accumulator is its 32-bit two's complement pattern.
    assert run([minus_three], [1], clear=[1], **params) == [2 ** 32 - 3]


def test_reset_value_and_empty_sequence():
    assert run([5], [5], en=[0], a_width=8, b_width=8) == [0]
    assert int_mac([], [], [], []).size == 0


# -- validation --

@pytest.mark.parametrize("params,error,words", [
    (dict(a_width=1), ValueError, ["a_width", "1", "2 to 16"]),
    (dict(b_width=17), ValueError, ["b_width", "17"]),
    (dict(a_width=8.0), TypeError, ["a_width", "8.0"]),
    (dict(a_width=True), TypeError, ["a_width", "True"]),
    (dict(signed=1), TypeError, ["signed", "1"]),
    (dict(acc_width=15), ValueError, ["acc_width", "15", "16"]),
    (dict(acc_width=49), ValueError, ["acc_width", "49", "48"]),
    (dict(acc_width="32"), TypeError, ["acc_width", "'32'"]),
    (dict(overflow="clip"), ValueError, ["overflow", "'clip'", "wrap", "saturate"]),
    (dict(overflow=None), TypeError, ["overflow", "None"]),
])
def test_bad_parameters(params, error, words):
    with pytest.raises(error) as raised:
        int_mac([1], [1], [1], [0], **params)
    for word in words:
        assert word in str(raised.value)


def test_bad_operands():
    with pytest.raises(ValueError, match=r"a must hold 8-bit patterns.*256"):
        int_mac([256], [1], [1], [0])
    with pytest.raises(ValueError, match=r"b must hold 8-bit patterns.*-1"):
        int_mac([1], [-1], [1], [0])
    with pytest.raises(TypeError, match="a must hold integer"):
        int_mac([1.5], [1], [1], [0])
    with pytest.raises(ValueError, match="en must hold 0/1"):
        int_mac([1], [1], [2], [0])
    with pytest.raises(ValueError, match="one entry per cycle"):
        int_mac([1, 2], [1], [1], [0])
    with pytest.raises(ValueError, match=r"acc must hold 16-bit patterns"):
        int_mac_step(2 ** 16, 0, 1, 1, a_width=8, b_width=8, signed=True, acc_width=16,
                     overflow="wrap")
