"""Tests of the fp_mac golden model (verif/golden/fp_mac.py, docs/units.md section 6).

- A slow scalar reference written from docs/units.md with ``fractions.Fraction`` (its own
  decoding, L-Mul transcription and nearest-even rounding; nothing shared with FloatFormat
  or the models) against :func:`fp_mac_step`: every e4m3 operand pair into a +0 or cleared
  accumulator, and random (acc, a, b) triples heavy in special values, far-apart
  exponents and near-cancellation, for every acc_format, both mul kinds and several
  in_formats.
- The contract's claim behind the fp32 path: every product is exact in float32.
- ml_dtypes / numpy cross-checks of the product and the single rounding.
- Hand-written cycle sequences: specials, signed zeros, overflow, gradual underflow,
  en and clear.
"""

import functools
import zlib
from fractions import Fraction

import ml_dtypes
import numpy as np
import pytest

from macforge.formats import NAMED_FORMATS, FloatFormat
from macforge.verif.golden import lmul
from macforge.verif.golden.fp_mac import fp_mac, fp_mac_step

ACC_FORMATS = ("fp32", "bf16", "fp16")
MULS = ("exact", "lmul")
E4M3 = NAMED_FORMATS["e4m3"]
E5M2 = NAMED_FORMATS["e5m2"]
ALLOWED_IN_FORMATS = [FloatFormat(e, m, kind) for e in range(2, 6) for m in range(1, 4)
                      for kind in ("ieee", "fn")]


def seeded_rng(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


# -- independent scalar reference, straight from docs/units.md sections 2, 3 and 6 --

class Ref:
    """A format as docs/units.md section 2 describes it, every constant spelled out here."""

    def __init__(self, exponent_bits, mantissa_bits, kind):
        self.E, self.M, self.kind = exponent_bits, mantissa_bits, kind
        self.bias = 2 ** (exponent_bits - 1) - 1
        self.sign_shift = exponent_bits + mantissa_bits
        self.exp_ones = 2 ** exponent_bits - 1
        if kind == "fn":
            self.nan = 2 ** self.sign_shift - 1
        else:
            self.nan = self.exp_ones * 2 ** mantissa_bits + 2 ** (mantissa_bits - 1)
            self.inf = self.exp_ones * 2 ** mantissa_bits
            # Largest finite: exponent field all ones minus one, mantissa all ones.
            self.max_value = (Fraction(2 ** (mantissa_bits + 1) - 1)
                              * Fraction(2) ** (self.exp_ones - 1 - self.bias - mantissa_bits))

    @classmethod
    def of(cls, fmt):
        return cls(fmt.exponent_bits, fmt.mantissa_bits, fmt.kind)

    def fields(self, bits):
        return (bits >> self.sign_shift, bits % 2 ** self.sign_shift,
                (bits >> self.M) % 2 ** self.E, bits % 2 ** self.M)

    def classify(self, bits):
        """('nan',), ('inf', sign) or ('num', sign, magnitude as a Fraction)."""
        sign, magnitude, exponent, mantissa = self.fields(bits)
        if self.kind == "fn":
            if magnitude == 2 ** self.sign_shift - 1:
                return ("nan",)
        elif exponent == self.exp_ones:
            return ("nan",) if mantissa else ("inf", sign)
        if exponent == 0:
            value = Fraction(mantissa) * Fraction(2) ** (1 - self.bias - self.M)
        else:
            value = Fraction(2 ** self.M + mantissa) * Fraction(2) ** (exponent - self.bias - self.M)
        return ("num", sign, value)

    def round(self, sign, magnitude):
        """Nearest-even to this (ieee) format, gradual underflow, overflow to inf."""
        if magnitude == 0:
            return sign << self.sign_shift
        exponent = magnitude.numerator.bit_length() - magnitude.denominator.bit_length()
        while Fraction(2) ** exponent > magnitude:
            exponent -= 1
        while Fraction(2) ** (exponent + 1) <= magnitude:
            exponent += 1
        exponent = max(exponent, 1 - self.bias)      # subnormals share the min exponent
        quantum = Fraction(2) ** (exponent - self.M)
        scaled = magnitude / quantum
        whole = scaled.numerator // scaled.denominator
        rest = scaled - whole
        if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and whole % 2 == 1):
            whole += 1
        if whole * quantum > self.max_value:
            return (sign << self.sign_shift) | self.inf
        # whole in [2^M, 2^(M+1)] for normals (2^(M+1) carries into the exponent field),
        # below 2^M for subnormals, where exponent - 1 + bias = 0.
        return (sign << self.sign_shift) | (((exponent - 1 + self.bias) << self.M) + whole)


def ref_lmul_l(mantissa_bits):
    return mantissa_bits if mantissa_bits <= 3 else (3 if mantissa_bits == 4 else 4)


def ref_product(ref, a, b, mul):
    """p of docs/units.md section 6 as ('nan',), ('inf', s) or ('num', s, |p|)."""
    ca, cb = ref.classify(a), ref.classify(b)
    sign = (a >> ref.sign_shift) ^ (b >> ref.sign_shift)
    if ca[0] == "nan" or cb[0] == "nan":
        return ("nan",)
    exponent_a, exponent_b = ref.fields(a)[2], ref.fields(b)[2]
    if mul == "exact":
        if ca[0] == "inf" or cb[0] == "inf":
            other = cb if ca[0] == "inf" else ca
            if other[0] == "num" and other[2] == 0:
                return ("nan",)
            return ("inf", sign)
        return ("num", sign, ca[2] * cb[2])
    # L-Mul, docs/units.md section 3 steps 1-4 and section 6.
    if ca[0] == "inf" or cb[0] == "inf":
        other_exponent = exponent_b if ca[0] == "inf" else exponent_a
        return ("nan",) if other_exponent == 0 else ("inf", sign)
    if exponent_a == 0 or exponent_b == 0:
        return ("num", sign, Fraction(0))
    offset = 2 ** (ref.M - ref_lmul_l(ref.M))
    r = ref.fields(a)[1] + ref.fields(b)[1] - ref.bias * 2 ** ref.M + offset
    return ("num", sign, (1 + Fraction(r % 2 ** ref.M, 2 ** ref.M))
            * Fraction(2) ** (r // 2 ** ref.M - ref.bias))


@functools.lru_cache(maxsize=None)
def ref_add(acc_key, acc_class, product):
    """RNE_acc(acc + p) with the IEEE rules of docs/units.md section 6, as a bit pattern."""
    ref = Ref(*acc_key)
    if acc_class[0] == "nan" or product[0] == "nan":
        return ref.nan
    if acc_class[0] == "inf" and product[0] == "inf":
        return (acc_class[1] << ref.sign_shift | ref.inf) if acc_class[1] == product[1] else ref.nan
    for term in (acc_class, product):
        if term[0] == "inf":
            return term[1] << ref.sign_shift | ref.inf
    total = (-1) ** acc_class[1] * acc_class[2] + (-1) ** product[1] * product[2]
    if total == 0:
        both_negative_zero = (acc_class[2] == 0 and product[2] == 0
                              and acc_class[1] == 1 and product[1] == 1)
        return (1 << ref.sign_shift) if both_negative_zero else 0
    return ref.round(int(total < 0), abs(total))


def ref_step(acc, clear, a, b, in_format, acc_format, mul):
    in_ref = Ref.of(in_format)
    acc_ref = Ref.of(acc_format)
    acc = 0 if clear else acc
    return ref_add((acc_ref.E, acc_ref.M, acc_ref.kind), acc_ref.classify(acc),
                   ref_product(in_ref, a, b, mul))


def ref_steps(acc, clear, a, b, in_format, acc_format, mul):
    return np.array([ref_step(int(x), bool(c), int(y), int(z), in_format, acc_format, mul)
                     for x, c, y, z in zip(acc, clear, a, b)], dtype=np.int64)


def ref_value(fmt, bits):
    term = Ref.of(fmt).classify(int(bits))
    return term if term[0] != "num" else (-1) ** term[1] * term[2]


def all_pairs(fmt):
    patterns = fmt.all_patterns()
    return [grid.ravel() for grid in np.meshgrid(patterns, patterns, indexing="ij")]


def mismatches(got, expected, *context):
    bad = np.flatnonzero(np.asarray(got) != np.asarray(expected))
    rows = [tuple(hex(int(np.asarray(c)[i])) for c in context) for i in bad[:8]]
    return (f"{bad.size} mismatches; first (inputs, got, expected): "
            + "; ".join(f"{row} -> {int(got[i]):#x} vs {int(expected[i]):#x}"
                        for row, i in zip(rows, bad)))


# -- against the Fraction reference --

@pytest.mark.parametrize("mul", MULS)
@pytest.mark.parametrize("acc_format", ACC_FORMATS)
def test_all_e4m3_pairs_into_zero_and_cleared_acc(acc_format, mul):
    a, b = all_pairs(E4M3)
    acc_fmt = NAMED_FORMATS[acc_format]
    got = fp_mac_step(0, False, a, b, in_format="e4m3", acc_format=acc_format, mul=mul)
    expected = ref_steps(np.zeros_like(a), np.zeros(a.size, bool), a, b, E4M3, acc_fmt, mul)
    assert np.array_equal(got, expected), mismatches(got, expected, a, b)
    # clear ignores whatever acc holds, NaN and inf included.
    rng = seeded_rng("clear", acc_format, mul)
    junk = rng.choice(np.r_[acc_fmt.special_patterns(),
                            rng.integers(0, 1 << acc_fmt.width, 64)], a.size)
    cleared = fp_mac_step(junk, True, a, b, in_format="e4m3", acc_format=acc_format, mul=mul)
    assert np.array_equal(cleared, expected), mismatches(cleared, expected, junk, a, b)
    sample = rng.choice(a.size, 300, replace=False)
    assert np.array_equal(cleared[sample], ref_steps(junk[sample], np.ones(300, bool),
                                                     a[sample], b[sample], E4M3, acc_fmt, mul))


def random_triples(in_fmt, acc_fmt, mul, count, rng):
    """(acc, clear, a, b) heavy in specials, far-apart exponents and near-cancellation."""
    in_specials = in_fmt.special_patterns()
    a = np.where(rng.random(count) < 0.3, rng.choice(in_specials, count),
                 rng.integers(0, 1 << in_fmt.width, count))
    b = np.where(rng.random(count) < 0.3, rng.choice(in_specials, count),
                 rng.integers(0, 1 << in_fmt.width, count))
    # The product's value to aim the accumulator at: rounded -p plus a few ulps.
    products = [ref_product(Ref.of(in_fmt), int(x), int(y), mul) for x, y in zip(a, b)]
    product_values = np.array([0.0 if p[0] == "nan" else float("inf") * (-1) ** p[1]
                               if p[0] == "inf" else float((-1) ** p[1] * p[2])
                               for p in products])
    cancel = acc_fmt.encode(-product_values) + rng.integers(-3, 4, count)
    cancel = np.clip(cancel, 0, (1 << acc_fmt.width) - 1)
    exact_negation = acc_fmt.encode(-product_values)
    # Large accumulators (far above any product) and tiny ones (subnormals).
    mantissa_span = 1 << acc_fmt.mantissa_bits
    large = (rng.integers(acc_fmt.exponent_field_max - 6, acc_fmt.exponent_field_max, count)
             * mantissa_span + rng.integers(0, mantissa_span, count))
    tiny = rng.integers(0, 3 * mantissa_span, count)
    sign = rng.integers(0, 2, count) << acc_fmt.sign_bit
    uniform = rng.integers(0, 1 << acc_fmt.width, count)
    special = rng.choice(acc_fmt.special_patterns(), count)
    kind = rng.integers(0, 7, count)
    acc = np.choose(kind, [cancel, exact_negation, large | sign, tiny | sign, uniform,
                           special, np.zeros(count, np.int64)])
    clear = rng.random(count) < 0.1
    return acc.astype(np.int64), clear, a, b


@pytest.mark.parametrize("mul", MULS)
@pytest.mark.parametrize("acc_format", ACC_FORMATS)
@pytest.mark.parametrize("in_format", ["e4m3", "e5m2", "e3m2", "e2m1", "e5m3fn"])
def test_random_triples_against_reference(in_format, acc_format, mul):
    in_fmt, acc_fmt = FloatFormat.parse(in_format), NAMED_FORMATS[acc_format]
    rng = seeded_rng("triples", in_format, acc_format, mul)
    acc, clear, a, b = random_triples(in_fmt, acc_fmt, mul, 1500, rng)
    got = fp_mac_step(acc, clear, a, b, in_format=in_format, acc_format=acc_format, mul=mul)
    expected = ref_steps(acc, clear, a, b, in_fmt, acc_fmt, mul)
    assert np.array_equal(got, expected), mismatches(got, expected, acc, clear, a, b)


@pytest.mark.parametrize("acc_format", ["bf16", "fp16"])
def test_far_apart_addends_round_like_the_reference(acc_format):
    """The sticky-bit clamp: products far below (or above) the accumulator, near ties."""
    acc_fmt = NAMED_FORMATS[acc_format]
    rng = seeded_rng("far", acc_format)
    count = 3000
    a = rng.integers(0, 1 << E5M2.width, count)
    b = rng.integers(0, 1 << E5M2.width, count)
    # Every accumulator magnitude next to a power of two or a tie-breaking mantissa.
    exponent_field = rng.integers(0, acc_fmt.exponent_field_max, count)
    mantissa = rng.choice([0, 1, 2, acc_fmt.mantissa_mask, acc_fmt.mantissa_mask - 1], count)
    acc = ((rng.integers(0, 2, count) << acc_fmt.sign_bit)
           | (exponent_field << acc_fmt.mantissa_bits) | mantissa)
    for mul in MULS:
        got = fp_mac_step(acc, False, a, b, in_format="e5m2", acc_format=acc_format, mul=mul)
        expected = ref_steps(acc, np.zeros(count, bool), a, b, E5M2, acc_fmt, mul)
        assert np.array_equal(got, expected), mismatches(got, expected, acc, a, b)


# -- the fp32 path --

@pytest.mark.parametrize("mul", MULS)
def test_every_product_is_exact_in_float32(mul):
    """The premise of the fp32 model (docs/units.md section 6), on every pair of every
    allowed in_format."""
    from macforge.verif.golden import fmul_product, lmul_product
    product_of = {"exact": fmul_product, "lmul": lmul_product}[mul]
    for fmt in ALLOWED_IN_FORMATS:
        a, b = all_pairs(fmt)
        p = product_of(fmt, a, b)
        finite = ~(p.nan | p.inf)
        assert np.all(p.significand[finite] < 1 << 24)
        exact = np.ldexp(p.significand[finite].astype(np.float64),
                         p.exponent[finite].astype(np.int32))
        assert np.array_equal(exact.astype(np.float32).astype(np.float64), exact), fmt
        # float32 normal range, so no subnormal quantization either.
        nonzero = exact[exact != 0]
        assert nonzero.min() >= np.finfo(np.float32).tiny and nonzero.max() < 2.0 ** 64, fmt
    # And spot-check the float64 route itself against Fractions.
    a, b = all_pairs(E5M2)
    p = product_of(E5M2, a, b)
    for i in seeded_rng("fraction", mul).choice(a.size, 500, replace=False):
        if not (p.nan[i] or p.inf[i]):
            value = Fraction(int(p.significand[i])) * Fraction(2) ** int(p.exponent[i])
            assert Fraction(float(np.float32(np.ldexp(float(p.significand[i]),
                                                      int(p.exponent[i]))))) == value


@pytest.mark.parametrize("mul", MULS)
def test_fp32_path_against_reference(mul):
    fp32 = NAMED_FORMATS["fp32"]
    rng = seeded_rng("fp32", mul)
    for in_fmt in (E4M3, E5M2):
        acc, clear, a, b = random_triples(in_fmt, fp32, mul, 2000, rng)
        # Also accumulators at the bottom of fp32: subnormals next to the products' LSBs.
        acc[:200] = rng.integers(0, 1 << 24, 200) | (rng.integers(0, 2, 200) << 31)
        got = fp_mac_step(acc, clear, a, b, in_format=in_fmt, acc_format="fp32", mul=mul)
        expected = ref_steps(acc, clear, a, b, in_fmt, fp32, mul)
        assert np.array_equal(got, expected), mismatches(got, expected, acc, a, b)


# -- ml_dtypes / numpy cross-checks --

ML_DTYPES = {"e4m3": ml_dtypes.float8_e4m3fn, "e5m2": ml_dtypes.float8_e5m2}


def fp8_to_float32(name, bits):
    return np.asarray(bits).astype(np.uint8).view(ML_DTYPES[name]).astype(np.float32)


def to_bits(values, acc_format):
    """float32 values -> acc_format bit patterns by one correctly rounded conversion."""
    values = np.asarray(values, dtype=np.float32)
    if acc_format == "fp32":
        return values.view(np.uint32).astype(np.int64)
    if acc_format == "bf16":   # ml_dtypes rounds float32 -> bfloat16 once, nearest-even
        return values.astype(ml_dtypes.bfloat16).view(np.uint16).astype(np.int64)
    with np.errstate(over="ignore"):
        return values.astype(np.float16).view(np.uint16).astype(np.int64)


@pytest.mark.parametrize("acc_format", ACC_FORMATS)
@pytest.mark.parametrize("in_format", ["e4m3", "e5m2"])
def test_exact_product_into_zero_matches_ml_dtypes(in_format, acc_format):
    """acc = +0: RNE_acc(float32(a) * float32(b)), the float32 product being exact."""
    fmt, acc_fmt = NAMED_FORMATS[in_format], NAMED_FORMATS[acc_format]
    a, b = all_pairs(fmt)
    with np.errstate(invalid="ignore"):
        product = fp8_to_float32(in_format, a) * fp8_to_float32(in_format, b)
    expected = to_bits(product, acc_format)
    expected = np.where(product == 0, 0, expected)         # +0 + -0 = +0
    expected = acc_fmt.canonicalize_nan(expected)
    got = fp_mac_step(0, False, a, b, in_format=in_format, acc_format=acc_format, mul="exact")
    assert np.array_equal(got, expected), mismatches(got, expected, a, b)


@pytest.mark.parametrize("acc_format", ACC_FORMATS)
def test_exact_mac_with_nonzero_acc_matches_numpy(acc_format):
    """acc + a*b summed exactly in float64 (checked by TwoSum), rounded once by a cast."""
    acc_fmt = NAMED_FORMATS[acc_format]
    rng = seeded_rng("numpy", acc_format)
    count = 40000
    a = rng.integers(0, 256, count)
    b = rng.integers(0, 256, count)
    # Accumulators within 2^+-24 of 1 (and some anywhere) keep the float64 sum exact often.
    exponent_field = np.clip(acc_fmt.bias + rng.integers(-24, 25, count), 0,
                             acc_fmt.exponent_field_max)
    acc = ((rng.integers(0, 2, count) << acc_fmt.sign_bit)
           | (exponent_field << acc_fmt.mantissa_bits)
           | rng.integers(0, 1 << acc_fmt.mantissa_bits, count))
    anywhere = rng.random(count) < 0.1
    acc[anywhere] = rng.integers(0, 1 << acc_fmt.width, anywhere.sum())
    x = acc_fmt.decode(acc)
    y = (fp8_to_float32("e4m3", a).astype(np.float64) * fp8_to_float32("e4m3", b))
    with np.errstate(invalid="ignore", over="ignore"):
        total = x + y
        partner = total - x
        error = (x - (total - partner)) + (y - partner)
    usable = np.isfinite(x) & np.isfinite(y) & np.isfinite(total) & (error == 0)
    usable &= total != 0                                    # signed zeros: hand cases
    with np.errstate(over="ignore"):
        # numpy casts float64 -> float16 and -> float32 directly, one rounding each.
        if acc_format == "fp16":
            expected = total.astype(np.float16).view(np.uint16).astype(np.int64)
        elif acc_format == "fp32":
            expected = total.astype(np.float32).view(np.uint32).astype(np.int64)
        else:
            # ml_dtypes rounds float64 -> bf16 through float32 (twice): use it only where
            # the sum is exact in float32.
            usable &= total.astype(np.float32).astype(np.float64) == total
            expected = to_bits(total.astype(np.float32), acc_format)
    assert usable.sum() > count // 8
    got = fp_mac_step(acc[usable], False, a[usable], b[usable], in_format="e4m3",
                      acc_format=acc_format, mul="exact")
    assert np.array_equal(got, expected[usable]), mismatches(
        got, expected[usable], acc[usable], a[usable], b[usable])


@pytest.mark.parametrize("in_format", ["e4m3", "e5m2"])
def test_lmul_product_into_zero_matches_unclamped_lmul(in_format):
    """Where docs/units.md section 3's L-Mul neither underflows nor overflows, its output is p."""
    fmt = NAMED_FORMATS[in_format]
    a, b = all_pairs(fmt)
    y = lmul(fmt, a, b, saturate=False)
    magnitude_a, magnitude_b = fmt.magnitude(a), fmt.magnitude(b)
    r = magnitude_a + magnitude_b - (fmt.bias << fmt.mantissa_bits) + 1   # o = 1 for M <= 3
    plain = ((fmt.exponent(a) != 0) & (fmt.exponent(b) != 0) & ~fmt.is_nan(a) & ~fmt.is_nan(b)
             & ~fmt.is_inf(a) & ~fmt.is_inf(b) & (r >= 1 << fmt.mantissa_bits)
             & (r <= fmt.max_finite))
    got = fp_mac_step(0, False, a[plain], b[plain], in_format=in_format, acc_format="fp32",
                      mul="lmul")
    assert np.array_equal(got, fp8_to_float32(in_format, y[plain]).view(np.uint32))
    for acc_format in ("bf16", "fp16"):
        got = fp_mac_step(0, False, a[plain], b[plain], in_format=in_format,
                          acc_format=acc_format, mul="lmul")
        assert np.array_equal(got, to_bits(fp8_to_float32(in_format, y[plain]), acc_format))
    # Outside that range p is still unclamped: e4m3 448 * 448 is far beyond 448.
    big = fp_mac_step(0, False, 0x7E, 0x7E, in_format="e4m3", acc_format="fp32", mul="lmul")
    # r = 126 + 126 - 56 + 1 = 197: (1 + 5/8) * 2^(24 - 7); the carry out of the mantissa
    # sum doubles the exponent without halving the significand.
    assert np.uint32(big).view(np.float32) == 1.625 * 2 ** 17


# -- cycle sequences and hand cases --

def as_float(bits, acc_format):
    bits = np.asarray(bits)
    if acc_format == "fp32":
        return bits.astype(np.uint32).view(np.float32).astype(np.float64)
    return NAMED_FORMATS[acc_format].decode(bits)


FP16 = NAMED_FORMATS["fp16"]


def test_inf_minus_inf_is_nan_and_nan_sticks_until_clear():
    e5m2_inf, e5m2_one = 0x7C, 0x3C
    a = [e5m2_one, e5m2_inf, e5m2_inf | 0x80, e5m2_one, e5m2_one, e5m2_one]
    b = [e5m2_one] * 6
    clear = [0, 0, 0, 0, 1, 0]
    for acc_format in ACC_FORMATS:
        acc_fmt = NAMED_FORMATS[acc_format]
        acc = fp_mac(a, b, [1] * 6, clear, in_format="e5m2", acc_format=acc_format)
        assert acc[1] == acc_fmt.inf
        assert list(acc[2:4]) == [acc_fmt.canonical_nan] * 2
        assert list(as_float(acc[4:], acc_format)) == [1.0, 2.0]


@pytest.mark.parametrize("acc_format", ACC_FORMATS)
@pytest.mark.parametrize("mul", MULS)
def test_nan_operand_and_nan_accumulator(acc_format, mul):
    acc_fmt = NAMED_FORMATS[acc_format]
    e4m3_nan, e4m3_one = 0x7F, 0x38
    acc = fp_mac([e4m3_one, e4m3_nan | 0x80, e4m3_one, 0, e4m3_one],
                 [e4m3_one, e4m3_one, 0, e4m3_one, e4m3_one],
                 [1, 1, 1, 1, 1], [0, 0, 0, 0, 1], acc_format=acc_format, mul=mul)
    assert list(acc[1:4]) == [acc_fmt.canonical_nan] * 3
    assert acc[4] == acc[0] != acc_fmt.canonical_nan
    # Any NaN pattern in acc, either sign, gives the canonical NaN.
    payload_nan = (1 << acc_fmt.sign_bit) | acc_fmt.inf | 1
    assert fp_mac_step(payload_nan, False, e4m3_one, e4m3_one, in_format="e4m3",
                       acc_format=acc_format, mul=mul) == acc_fmt.canonical_nan


def test_inf_times_zero_is_nan_and_inf_plus_finite_is_inf():
    inf, zero, one, subnormal = 0x7C, 0x00, 0x3C, 0x01
    for acc_format in ACC_FORMATS:
        acc_fmt = NAMED_FORMATS[acc_format]
        step = functools.partial(fp_mac_step, in_format="e5m2", acc_format=acc_format)
        assert step(0, False, inf, zero, mul="exact") == acc_fmt.canonical_nan
        assert step(0, False, inf, zero, mul="lmul") == acc_fmt.canonical_nan
        # Exact: inf * subnormal is inf; L-Mul step 2: inf * (exponent field 0) is NaN.
        assert step(0, False, inf, subnormal, mul="exact") == acc_fmt.inf
        assert step(0, False, inf, subnormal, mul="lmul") == acc_fmt.canonical_nan
        negative_big = (1 << acc_fmt.sign_bit) | acc_fmt.max_finite
        assert step(negative_big, False, inf, one, mul="exact") == acc_fmt.inf
        negative_inf = (1 << acc_fmt.sign_bit) | acc_fmt.inf
        assert step(negative_inf, False, one, one, mul="lmul") == negative_inf
        assert step(negative_inf, False, inf, one, mul="exact") == acc_fmt.canonical_nan
        assert step(negative_inf, False, inf | 0x80, one, mul="exact") == negative_inf


@pytest.mark.parametrize("acc_format", ACC_FORMATS)
@pytest.mark.parametrize("mul", MULS)
def test_signed_zeros(acc_format, mul):
    acc_fmt = NAMED_FORMATS[acc_format]
    negative_zero = 1 << acc_fmt.sign_bit
    step = functools.partial(fp_mac_step, in_format="e4m3", acc_format=acc_format, mul=mul)
    e4m3_negative_zero, e4m3_one, e4m3_three = 0x80, 0x38, 0x44
    assert step(negative_zero, False, e4m3_negative_zero, e4m3_one) == negative_zero
    assert step(negative_zero, False, 0, e4m3_one) == 0
    assert step(0, False, e4m3_negative_zero, e4m3_one) == 0
    # clear gives +0, so a -0 product after clear is +0 + -0 = +0.
    assert step(negative_zero, True, e4m3_negative_zero, e4m3_one) == 0
    # A nonzero accumulator plus a zero product keeps its value; x + -x = +0 either way.
    for acc_value, product_sign in ((3.0, 0x80), (-3.0, 0x00)):
        acc_bits = int(acc_fmt.encode(acc_value))
        assert step(acc_bits, False, e4m3_negative_zero, e4m3_one) == acc_bits
        assert step(acc_bits, False, 0, e4m3_one) == acc_bits
        if mul == "exact":
            assert step(acc_bits, False, e4m3_three | product_sign, e4m3_one) == 0
        else:   # L-Mul: 3 * 1 is 3.25 (mantissas 0.5 + 0 + 1/8, times 2)
            assert step(int(acc_fmt.encode(acc_value * 13 / 12)), False,
                        e4m3_three | product_sign, e4m3_one) == 0
    # A run of -0 products from reset: the first is +0 + -0 = +0.
    acc = fp_mac([e4m3_negative_zero] * 3, [e4m3_one] * 3, [1] * 3, [0] * 3,
                 acc_format=acc_format, mul=mul)
    assert list(acc) == [0, 0, 0]


def test_fp16_overflow_to_inf_and_back_only_by_clear():
    e4m3_max, e4m3_one = 0x7E, 0x38
    acc = fp_mac([e4m3_max, e4m3_max | 0x80, e4m3_one, e4m3_one],
                 [e4m3_max, e4m3_one, e4m3_one, e4m3_one],
                 [1, 1, 1, 1], [0, 0, 1, 0], acc_format="fp16")
    assert list(acc) == [FP16.inf, FP16.inf, FP16.encode(1.0), FP16.encode(2.0)]
    # Rounding decides overflow: 65504 + 8 rounds down, 65504 + 16 (a tie) rounds to inf.
    step = functools.partial(fp_mac_step, in_format="e4m3", acc_format="fp16", mul="exact")
    e4m3_eight, e4m3_sixteen = 0x50, 0x58
    assert step(FP16.max_finite, False, e4m3_eight, e4m3_one) == FP16.max_finite
    assert step(FP16.max_finite, False, e4m3_sixteen, e4m3_one) == FP16.inf
    negative_max = (1 << 15) | FP16.max_finite
    assert step(negative_max, False, e4m3_sixteen | 0x80, e4m3_one) == (1 << 15) | FP16.inf
    # bf16 and fp32 hold the sum: 448 * 448 = 200704.
    for acc_format in ("bf16", "fp32"):
        acc = fp_mac([e4m3_max] * 2, [e4m3_max] * 2, [1, 1], [0, 0], acc_format=acc_format)
        assert list(as_float(acc, acc_format)) == [200704.0, 401408.0]


def test_fp16_gradual_underflow_from_e5m2_subnormal_products():
    e5m2_min_normal = 0x04            # 2^-14
    e5m2_min_subnormal = 0x01         # 2^-16
    e5m2 = {2.0 ** -k: E5M2.encode(2.0 ** -k) for k in range(0, 17)}
    step = functools.partial(fp_mac_step, in_format="e5m2", acc_format="fp16", mul="exact")
    # 2^-14 * 2^-8 = 2^-22: fp16 subnormal 4 ulps.
    assert step(0, False, e5m2_min_normal, e5m2[2.0 ** -8]) == 0x0004
    # 2^-25 is half the smallest subnormal: ties to even, +0; 2^-32 flushes to +0 too.
    assert step(0, False, e5m2_min_normal, e5m2[2.0 ** -11]) == 0
    assert step(0, False, e5m2_min_subnormal, e5m2_min_subnormal) == 0
    assert step(0, False, e5m2_min_subnormal | 0x80, e5m2_min_subnormal) == 0x8000
    # One ulp (2^-24) plus half an ulp: tie between 1 and 2 ulps -> 2 (even).
    assert step(0x0001, False, e5m2_min_normal, e5m2[2.0 ** -11]) == 0x0002
    # Two ulps plus half: tie between 2 and 3 -> 2.
    assert step(0x0002, False, e5m2_min_normal, e5m2[2.0 ** -11]) == 0x0002
    # A hair above half an ulp rounds up: 1.25 * 2^-25.
    assert step(0x0000, False, e5m2_min_normal, E5M2.encode(1.25 * 2 ** -11)) == 0x0001
    # Cancellation into the subnormals: min normal - 3 * 2^-24.
    three_ulps = step(0, False, e5m2_min_normal, E5M2.encode(3 * 2.0 ** -10))
    assert three_ulps == 0x0003
    assert step(0x0400, False, e5m2_min_normal | 0x80, E5M2.encode(3 * 2.0 ** -10)) == 0x03FD
    # Accumulating 2^-25 eight times never leaves zero: every sum rounds back to +0.
    acc = fp_mac([e5m2_min_normal] * 8, [e5m2[2.0 ** -11]] * 8, [1] * 8, [0] * 8,
                 in_format="e5m2", acc_format="fp16")
    assert list(acc) == [0] * 8


def test_large_exponent_gap():
    """acc = 2^15 in fp16 and p = 2^-32 from e5m2 subnormals: the sum rounds to acc."""
    step = functools.partial(fp_mac_step, in_format="e5m2", mul="exact")
    tiny = 0x01
    assert step(FP16.encode(2.0 ** 15), False, tiny, tiny, acc_format="fp16") == FP16.encode(2.0 ** 15)
    # Below a power of two the spacing halves: 2^15 - 2^-32 still rounds to 2^15.
    assert step(FP16.encode(2.0 ** 15), False, tiny | 0x80, tiny,
                acc_format="fp16") == FP16.encode(2.0 ** 15)
    bf16 = NAMED_FORMATS["bf16"]
    big = bf16.encode(2.0 ** 120)
    assert step(big, False, tiny | 0x80, tiny, acc_format="bf16") == big
    assert step(bf16.max_finite, False, 0x7B, 0x7B, acc_format="bf16") == bf16.max_finite


@pytest.mark.parametrize("acc_format", ACC_FORMATS)
def test_en_holds_and_clear_needs_en(acc_format):
    one, two = 0x38, 0x40
    a = [one, two, two, one, one, one]
    b = [one] * 6
    en = [1, 0, 0, 1, 0, 1]
    clear = [0, 0, 1, 0, 1, 1]
    acc = fp_mac(a, b, en, clear, acc_format=acc_format)
    assert list(as_float(acc, acc_format)) == [1.0, 1.0, 1.0, 2.0, 2.0, 1.0]
    # Nothing enabled: the reset value +0 throughout.
    assert list(fp_mac(a, b, [0] * 6, [1] * 6, acc_format=acc_format)) == [0] * 6


@pytest.mark.parametrize("acc_format", ACC_FORMATS)
@pytest.mark.parametrize("mul", MULS)
def test_sequence_equals_cycle_by_cycle_steps(acc_format, mul):
    rng = seeded_rng("sequence", acc_format, mul)
    cycles = 600
    a = rng.integers(0, 256, cycles)
    b = rng.integers(0, 256, cycles)
    a[rng.random(cycles) < 0.01] = 0x7F          # NaN now and then
    en = rng.random(cycles) < 0.8
    clear = rng.random(cycles) < 0.05
    got = fp_mac(a, b, en, clear, in_format="e4m3", acc_format=acc_format, mul=mul)
    acc, expected = 0, []
    for t in range(cycles):
        if en[t]:
            acc = ref_step(acc, bool(clear[t]), int(a[t]), int(b[t]), E4M3,
                           NAMED_FORMATS[acc_format], mul)
        expected.append(acc)
    assert np.array_equal(got, expected), mismatches(got, expected, a, b, en, clear)


# -- validation --

@pytest.mark.parametrize("kwargs, error, words", [
    ({"in_format": "fp16"}, ValueError, ["in_format", "'fp16'", "E <= 5", "M <= 3"]),
    ({"in_format": "e6m2"}, ValueError, ["in_format", "'e6m2'", "E <= 5"]),
    ({"in_format": "nonsense"}, ValueError, ["in_format", "'nonsense'"]),
    ({"in_format": 8}, TypeError, ["in_format", "8"]),
    ({"acc_format": "e4m3"}, ValueError, ["acc_format", "'e4m3'", "fp32, bf16, fp16"]),
    ({"acc_format": None}, TypeError, ["acc_format", "None", "fp32"]),
    ({"mul": "approx"}, ValueError, ["mul", "'approx'", "'exact'", "'lmul'"]),
    ({"mul": 1}, TypeError, ["mul", "1", "'exact'"]),
])
def test_parameter_validation(kwargs, error, words):
    params = {"in_format": "e4m3", "acc_format": "fp32", "mul": "exact", **kwargs}
    with pytest.raises(error) as raised:
        fp_mac_step(0, False, 0, 0, **params)
    for word in words:
        assert word in str(raised.value)
    with pytest.raises(error):
        fp_mac([0], [0], [1], [0], **params)


def test_operand_validation():
    with pytest.raises(ValueError, match="acc"):
        fp_mac_step(1 << 16, False, 0, 0, in_format="e4m3", acc_format="fp16", mul="exact")
    with pytest.raises(ValueError, match="a "):
        fp_mac_step(0, False, 256, 0, in_format="e4m3", acc_format="fp16", mul="exact")
    with pytest.raises(ValueError, match="clear"):
        fp_mac_step(0, 2, 0, 0, in_format="e4m3", acc_format="fp16", mul="exact")
    with pytest.raises(ValueError, match="one entry per cycle"):
        fp_mac([0, 0], [0], [1, 1], [0, 0])
    with pytest.raises(TypeError, match="en"):
        fp_mac([0], [0], [0.5], [0])


def test_accepts_format_objects_and_names():
    by_name = fp_mac([0x38, 0x40], [0x38, 0x40], [1, 1], [0, 0], in_format="E4M3",
                     acc_format="bf16", mul="lmul")
    by_object = fp_mac([0x38, 0x40], [0x38, 0x40], [1, 1], [0, 0], in_format=E4M3,
                       acc_format=NAMED_FORMATS["bf16"], mul="lmul")
    assert np.array_equal(by_name, by_object)
