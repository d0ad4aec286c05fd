"""FloatFormat against ml_dtypes and numpy: fields, constants, decode, encode, names."""

import ml_dtypes
import numpy as np
import pytest

from macforge.formats import DTYPES, NAMED_FORMATS, FloatFormat

# Formats with an independent numpy implementation, and the unsigned view of each.
REFERENCES = {
    "e4m3": (ml_dtypes.float8_e4m3fn, np.uint8),
    "e5m2": (ml_dtypes.float8_e5m2, np.uint8),
    "fp16": (np.float16, np.uint16),
    "bf16": (ml_dtypes.bfloat16, np.uint16),
    "fp32": (np.float32, np.uint32),
}


def _patterns(fmt):
    if fmt.width <= 16:
        return fmt.all_patterns()
    rng = np.random.default_rng(7)
    return np.concatenate([fmt.special_patterns(),
                           rng.integers(0, 1 << fmt.width, 300_000, dtype=np.int64)])


@pytest.mark.parametrize("name", REFERENCES)
def test_decode_matches_reference(name):
    fmt = FloatFormat.parse(name)
    dtype, view = REFERENCES[name]
    bits = _patterns(fmt)
    with np.errstate(invalid="ignore"):  # NaN payloads cast to float64 NaN
        reference = bits.astype(view).view(dtype).astype(np.float64)
    assert np.array_equal(fmt.decode(bits), reference, equal_nan=True)
    assert np.array_equal(fmt.is_nan(bits), np.isnan(reference))
    assert np.array_equal(fmt.is_inf(bits), np.isinf(reference))


@pytest.mark.parametrize("name", REFERENCES)
def test_encode_matches_reference_rounding(name):
    """Round float32 values (ml_dtypes and numpy round float32 sources exactly once)."""
    fmt = FloatFormat.parse(name)
    dtype, view = REFERENCES[name]
    rng = np.random.default_rng(11)
    values = (rng.standard_normal(200_000) * 2.0 ** rng.integers(-40, 40, 200_000)).astype(np.float32)
    values = np.concatenate([values, fmt.decode(_patterns(fmt)).astype(np.float32)])
    with np.errstate(over="ignore", invalid="ignore"):
        reference = values.astype(dtype).view(view).astype(np.int64)
    assert np.array_equal(fmt.encode(values.astype(np.float64)), fmt.canonicalize_nan(reference))


@pytest.mark.parametrize("name,max_value", [("e4m3", 448.0), ("e5m2", 57344.0), ("fp16", 65504.0),
                                            ("bf16", float(ml_dtypes.finfo(ml_dtypes.bfloat16).max)),
                                            ("fp32", float(np.finfo(np.float32).max))])
def test_named_constants(name, max_value):
    fmt = FloatFormat.parse(name)
    assert fmt.max_value == max_value
    assert np.isnan(fmt.decode(fmt.canonical_nan))
    assert fmt.bias == (1 << (fmt.exponent_bits - 1)) - 1


def test_largest_finite_exponent_field():
    # Kind fn keeps its all-ones exponent finite; kind ieee gives it to inf and NaN.
    assert FloatFormat.parse("e4m3").max_finite_exponent_field == 15
    assert FloatFormat.parse("e5m2").max_finite_exponent_field == 30
    assert FloatFormat.parse("bf16").max_finite_exponent_field == 254


def test_canonical_nans_follow_spec():
    assert FloatFormat.parse("e4m3").canonical_nan == 0x7F
    assert FloatFormat.parse("e5m2").canonical_nan == 0x7E
    assert FloatFormat.parse("fp16").canonical_nan == 0x7E00
    assert FloatFormat.parse("bf16").canonical_nan == 0x7FC0
    assert FloatFormat.parse("fp32").canonical_nan == 0x7FC00000


@pytest.mark.parametrize("spelling,fields", [
    ("e4m3", (4, 3, "fn")), ("E4M3", (4, 3, "fn")), ("e4m3fn", (4, 3, "fn")),
    ("e4m3ieee", (4, 3, "ieee")), ("e5m2", (5, 2, "ieee")), ("e5m2fn", (5, 2, "fn")),
    ("e3m4", (3, 4, "ieee")), ("e2m1fn", (2, 1, "fn")), ("e5m10", (5, 10, "ieee")),
    ("e8m7", (8, 7, "ieee")), ("fp32", (8, 23, "ieee")),
])
def test_spellings(spelling, fields):
    fmt = FloatFormat.parse(spelling)
    assert (fmt.exponent_bits, fmt.mantissa_bits, fmt.kind) == fields
    assert FloatFormat.parse(fmt.name) == fmt


def test_canonical_names_round_trip():
    assert [FloatFormat.parse(name).name for name in NAMED_FORMATS] == list(NAMED_FORMATS)
    assert FloatFormat(5, 10, "ieee").name == "fp16"
    assert FloatFormat(4, 3, "ieee").name == "e4m3ieee"
    assert FloatFormat(3, 4, "fn").name == "e3m4fn"


@pytest.mark.parametrize("spelling,words", [
    ("e9m2", ["exponent_bits", "9"]), ("e1m2", ["exponent_bits", "1"]),
    ("e5m24", ["mantissa_bits", "24"]), ("e5m0", ["mantissa_bits", "0"]),
    ("e5m4fn", ["fn", "5 + 4"]), ("float8", ["'float8'", "e<E>m<M>"]), ("", ["''"]),
])
def test_bad_spellings_name_the_problem(spelling, words):
    with pytest.raises(ValueError) as error:
        FloatFormat.parse(spelling)
    for word in words:
        assert word in str(error.value)


def test_round_exact_gradual_underflow_and_overflow():
    fmt = FloatFormat.parse("e4m3")
    # 2^-10 is half the smallest subnormal 2^-9: a tie, rounds to even (zero); just above rounds up.
    assert fmt.round_exact(0, 1, -10) == 0
    assert fmt.round_exact(0, 3, -11) == 1
    assert fmt.round_exact(1, 3, -10) == 0x80 | 2          # -1.5 * 2^-9 -> -2^-8 (tie to even)
    assert fmt.round_exact(0, 15, -4) == 0x37              # 15/16 = 1.875 * 2^-1: exact
    assert fmt.round_exact(0, 464, 0) == fmt.max_finite    # 464 rounds to 448 (tie, even)
    assert fmt.round_exact(0, 480, 0) == fmt.canonical_nan
    assert fmt.round_exact(1, 480, 0, saturate=True) == 0x80 | fmt.max_finite


@pytest.mark.parametrize("name,saturate,expected", [
    ("e4m3", True, 0x7E), ("e4m3", False, 0x7F),            # fn: max finite, else NaN
    ("e5m2", True, 0x7B), ("e5m2", False, 0x7C),            # ieee: max finite, else inf
    ("bf16", False, 0x7F80), ("e3m2fn", False, 0x1F),
])
def test_overflow_magnitude_is_the_policy_round_exact_applies(name, saturate, expected):
    fmt = FloatFormat.parse(name)
    assert fmt.overflow_magnitude(saturate=saturate) == expected
    # Twice the largest finite value overflows whatever the rounding; a NaN drops the sign.
    significand = (fmt.max_finite & fmt.mantissa_mask) | (1 << fmt.mantissa_bits)
    exponent = (fmt.max_finite >> fmt.mantissa_bits) - fmt.bias - fmt.mantissa_bits + 1
    for sign in (0, 1):
        result = int(fmt.round_exact(sign, significand, exponent, saturate=saturate))
        keeps_sign = not fmt.is_nan(expected)
        assert result == expected | ((sign & keeps_sign) << fmt.sign_bit)


@pytest.mark.parametrize("name", ["e4m3", "e5m2", "e2m1", "fp16"])
def test_exact_value_matches_decode(name):
    fmt = FloatFormat.parse(name)
    bits = fmt.special_patterns()
    finite = bits[np.isfinite(fmt.decode(bits))]
    assert [float(fmt.exact_value(int(b))) for b in finite] == list(fmt.decode(finite))


@pytest.mark.parametrize("name", REFERENCES)
def test_subnormal_and_normal_boundaries_match_reference(name):
    fmt = FloatFormat.parse(name)
    info = ml_dtypes.finfo(REFERENCES[name][0])
    smallest = float(info.smallest_subnormal)
    assert fmt.decode(fmt.max_subnormal) == float(info.smallest_normal) - smallest
    assert fmt.decode(fmt.min_normal) == float(info.smallest_normal)
    assert fmt.decode(1) == smallest


def test_the_sign_code_is_what_the_special_values_replace():
    # fp4: code 1000 is -0, which the variants read as +-10 / +-16; int4: 1000 is -8.
    assert DTYPES["fp4"].value(DTYPES["fp4"].sign_code) == 0
    assert [DTYPES[f"fp4_{v}"].value(8) for v in ("er_pos", "er_neg", "ea_pos", "ea_neg")] == [
        10, -10, 16, -16]
    assert DTYPES["fp3_ea_neg"].sign_code == 4 and DTYPES["fp3_ea_neg"].value(4) == -6
    assert DTYPES["int4"].value(DTYPES["int4"].sign_code) == -8
