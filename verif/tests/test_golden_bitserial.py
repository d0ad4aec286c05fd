"""Tests of the dequantization PE's golden model (verif/golden/bitserial.py, docs/units.md
section 7).

The reference below shares nothing with the model: the datatype table is typed out here
by hand from the datatypes' definitions (and the shared table, formats.DTYPES, is checked
against it value by value), and each dot product is a plain loop of Python integers over
that transcription, reduced modulo 2^out_width with Python's own %.
"""

import zlib

import numpy as np
import pytest

from macforge.formats import DTYPES
from macforge.verif.golden import bitserial_pe, group_dot_product

# -- the datatype table, by hand ----------------------------------------------------------
# TABLE[name][sel][code]: one list for a plain datatype, four (sel 0 er_pos, 1 er_neg,
# 2 ea_pos, 3 ea_neg) for a mixture.  The floating types are scaled by 2: FP4 is E2M1,
# sign-magnitude s.eem; FP3 is sign-magnitude s.xx.  Code 1000 (FP4) or 100 (FP3) is -0,
# which is 0 in the plain types and the special value in the variants.

FP4_ER_POS = [0, 1, 2, 3, 4, 6, 8, 12, 10, -1, -2, -3, -4, -6, -8, -12]
FP4_ER_NEG = [0, 1, 2, 3, 4, 6, 8, 12, -10, -1, -2, -3, -4, -6, -8, -12]
FP4_EA_POS = [0, 1, 2, 3, 4, 6, 8, 12, 16, -1, -2, -3, -4, -6, -8, -12]
FP4_EA_NEG = [0, 1, 2, 3, 4, 6, 8, 12, -16, -1, -2, -3, -4, -6, -8, -12]
FP3_ER_POS = [0, 1, 2, 4, 3, -1, -2, -4]
FP3_ER_NEG = [0, 1, 2, 4, -3, -1, -2, -4]
FP3_EA_POS = [0, 1, 2, 4, 6, -1, -2, -4]
FP3_EA_NEG = [0, 1, 2, 4, -6, -1, -2, -4]

TABLE = {
    "int4": [[0, 1, 2, 3, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3, -2, -1]],
    "int3": [[0, 1, 2, 3, -4, -3, -2, -1]],
    "fp4": [[0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12]],
    "fp4_er_pos": [FP4_ER_POS],
    "fp4_er_neg": [FP4_ER_NEG],
    "fp4_ea_pos": [FP4_EA_POS],
    "fp4_ea_neg": [FP4_EA_NEG],
    "fp4_mixed": [FP4_ER_POS, FP4_ER_NEG, FP4_EA_POS, FP4_EA_NEG],
    "fp3": [[0, 1, 2, 4, 0, -1, -2, -4]],
    "fp3_er_pos": [FP3_ER_POS],
    "fp3_er_neg": [FP3_ER_NEG],
    "fp3_ea_pos": [FP3_EA_POS],
    "fp3_ea_neg": [FP3_EA_NEG],
    "fp3_mixed": [FP3_ER_POS, FP3_ER_NEG, FP3_EA_POS, FP3_EA_NEG],
}
NAMES = sorted(TABLE)
MIXED = [name for name in NAMES if len(TABLE[name]) == 4]


def seeded_rng(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def signed_value(x, width):
    """The value of a width-bit activation given as a value or a pattern."""
    x %= 2 ** width
    return x - 2 ** width if x >= 2 ** (width - 1) else x


def reference_exact(name, a, w, scale, sel, group_size, a_width):
    """sum over g of scale[g] * sum over i in g of a[i] * TABLE[name][sel[g]][w[i]]."""
    total = 0
    for g in range(len(w) // group_size):
        table = TABLE[name][0 if sel is None else int(sel[g])]
        partial = 0
        for i in range(g * group_size, (g + 1) * group_size):
            partial += signed_value(int(a[i]), a_width) * table[int(w[i])]
        total += int(scale[g]) * partial
    return total


def reference_rows(name, a, w, scale, sel, group_size, a_width, out_width):
    """reference_exact modulo 2^out_width for every row of 2-D arrays."""
    return [reference_exact(name, a[r], w[r], scale[r], None if sel is None else sel[r],
                            group_size, a_width) % 2 ** out_width for r in range(len(w))]


def sign_extend(pattern, width):
    return pattern - 2 ** width if pattern >= 2 ** (width - 1) else pattern


def codes_of(name, sel, value):
    return [code for code, decoded in enumerate(TABLE[name][sel]) if decoded == value]


def random_case(rng, name, rows, groups, group_size, a_width, scale_bits):
    terms = groups * group_size
    a = rng.integers(-2 ** (a_width - 1), 2 ** (a_width - 1), (rows, terms))
    w = rng.integers(0, len(TABLE[name][0]), (rows, terms))
    scale = rng.integers(0, 2 ** scale_bits, (rows, groups))
    sel = rng.integers(0, 4, (rows, groups)) if name in MIXED else None
    return a, w, scale, sel


def golden(name, a, w, scale, sel, *, group_size, a_width=8, scale_bits=8, out_width=32):
    return group_dot_product(a, w, scale, sel, dtype=name, a_width=a_width,
                             group_size=group_size, scale_bits=scale_bits, out_width=out_width)


# -- the shared table against the transcription -------------------------------------------

def test_dtypes_are_exactly_the_transcribed_names():
    assert sorted(DTYPES) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_dtype_values_match_the_transcription(name):
    dtype = DTYPES[name]
    tables = TABLE[name]
    assert dtype.name == name
    assert 1 << dtype.code_bits == len(tables[0])
    assert dtype.mixed == (len(tables) == 4)
    assert [list(table) for table in dtype.tables] == tables
    for sel, table in enumerate(tables):
        codes = np.arange(len(table))
        assert dtype.decode(codes, sel).tolist() == table
        assert [dtype.value(code, sel) for code in codes] == table
    assert dtype.max_magnitude == max(abs(v) for table in tables for v in table)


# -- random dot products --------------------------------------------------------------------

@pytest.mark.parametrize("group_size", [1, 4, 32, 128])
@pytest.mark.parametrize("name", NAMES)
def test_random_dot_products(name, group_size):
    rng = seeded_rng("random", name, group_size)
    for groups in (1, 5, 32):
        a, w, scale, sel = random_case(rng, name, 2, groups, group_size, 8, 8)
        want = reference_rows(name, a, w, scale, sel, group_size, 8, 32)
        got = golden(name, a, w, scale, sel, group_size=group_size)
        assert got.dtype == np.int64 and got.shape == (2,)
        assert got.tolist() == want
        # The activations' two's complement patterns read the same.
        assert golden(name, a % 256, w, scale, sel, group_size=group_size).tolist() == want


@pytest.mark.parametrize("a_width, scale_bits, out_width", [
    (2, 1, 1), (3, 5, 6), (4, 4, 12), (5, 11, 20), (12, 3, 17), (16, 16, 48), (16, 16, 40),
    (24, 20, 48), (32, 32, 48)])
@pytest.mark.parametrize("name", ["int4", "fp3_mixed", "fp4_ea_neg"])
def test_random_widths(name, a_width, scale_bits, out_width):
    rng = seeded_rng("widths", name, a_width, scale_bits, out_width)
    a, w, scale, sel = random_case(rng, name, 4, 6, 4, a_width, scale_bits)
    want = reference_rows(name, a, w, scale, sel, 4, a_width, out_width)
    got = golden(name, a, w, scale, sel, group_size=4, a_width=a_width,
                 scale_bits=scale_bits, out_width=out_width)
    assert got.tolist() == want
    assert all(0 <= pattern < 2 ** out_width for pattern in got.tolist())


def test_leading_axes_broadcast():
    rng = seeded_rng("broadcast")
    name, group_size, groups = "fp4_mixed", 4, 3
    a = rng.integers(-128, 128, (2, 1, groups * group_size))
    w = rng.integers(0, 16, (3, groups * group_size))
    scale = rng.integers(0, 256, (2, 3, groups))
    sel = rng.integers(0, 4, (groups,))
    got = golden(name, a, w, scale, sel, group_size=group_size)
    assert got.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            assert got[i, j] == reference_exact(name, a[i, 0], w[j], scale[i, j], sel,
                                                group_size, 8) % 2 ** 32
    # One dot product without leading axes is a 0-d array.
    single = golden(name, a[0, 0], w[0], scale[0, 0], sel, group_size=group_size)
    assert single.shape == () and single == got[0, 0]


def test_python_integer_inputs():
    a = [2 ** 31, -1, 5, 2 ** 32 - 1]             # patterns and values, a_width 32
    got = golden("int4", np.array(a, dtype=object), [8, 7, 15, 1], [2 ** 32 - 1], None,
                 group_size=4, a_width=32, scale_bits=32, out_width=48)
    assert got.shape == () and got == reference_exact("int4", a, [8, 7, 15, 1], [2 ** 32 - 1],
                                                      None, 4, 32) % 2 ** 48


# -- extremes -------------------------------------------------------------------------------

def extreme_cases(name, sel, terms, a_width):
    """(activations, codes) pairs at the ends of both ranges, with alternating signs."""
    low_a, high_a = -2 ** (a_width - 1), 2 ** (a_width - 1) - 1
    values = TABLE[name][sel]
    low_w, high_w = codes_of(name, sel, min(values))[0], codes_of(name, sel, max(values))[0]
    alternate_a = [low_a if i % 2 else high_a for i in range(terms)]
    alternate_w = [low_w if i % 2 else high_w for i in range(terms)]
    return [([low_a] * terms, [low_w] * terms), ([low_a] * terms, [high_w] * terms),
            ([high_a] * terms, [low_w] * terms), ([high_a] * terms, [high_w] * terms),
            (alternate_a, alternate_w), (alternate_a, alternate_w[::-1]),
            ([low_a] * terms, alternate_w)]


@pytest.mark.parametrize("group_size", [1, 32])
@pytest.mark.parametrize("name", NAMES)
def test_extremes(name, group_size):
    groups = 4
    terms = groups * group_size
    for sel in range(len(TABLE[name])):
        sels = None if name not in MIXED else [sel] * groups
        for a, w in extreme_cases(name, sel, terms, 8):
            for scale in ([255] * groups, [255, 0, 1, 255][:groups]):
                exact = reference_exact(name, a, w, scale, sels, group_size, 8)
                got = int(golden(name, a, w, scale, sels, group_size=group_size))
                assert got == exact % 2 ** 32
                # 32 bits hold all of these: the pattern reads back as the exact value.
                assert sign_extend(got, 32) == exact


@pytest.mark.parametrize("out_width", [1, 3, 8, 13])
def test_wrapping_at_a_narrow_output(out_width):
    rng = seeded_rng("wrap", out_width)
    name, group_size = "fp4_mixed", 4
    a, w, scale, sel = random_case(rng, name, 64, 8, group_size, 8, 8)
    exact = [reference_exact(name, a[r], w[r], scale[r], sel[r], group_size, 8)
             for r in range(len(a))]
    got = golden(name, a, w, scale, sel, group_size=group_size, out_width=out_width)
    assert got.tolist() == [value % 2 ** out_width for value in exact]
    # The test means something: most results do not fit out_width bits.
    assert sum(not -2 ** (out_width - 1) <= v < 2 ** (out_width - 1) for v in exact) > 32


@pytest.mark.parametrize("name, sel", [("fp4_mixed", 2), ("fp4_mixed", 3), ("int4", 0),
                                       ("fp3_mixed", 3)])
def test_widest_unit_is_exact_at_48_bits(name, sel):
    """a_width 16, scale_bits 16, K 4096, everything at its extreme: the exact sum,
    up to 2^31 * 65535 in magnitude, comes back from a 48-bit output."""
    a_width, scale_bits, group_size, terms = 16, 16, 128, 4096
    groups = terms // group_size
    sels = [sel] * groups if name in MIXED else None
    scale = [2 ** scale_bits - 1] * groups
    a_rows, w_rows, exact = [], [], []
    for a, w in extreme_cases(name, sel, terms, a_width):
        a_rows.append(a)
        w_rows.append(w)
        exact.append(reference_exact(name, a, w, scale, sels, group_size, a_width))
    got = golden(name, a_rows, w_rows, [scale] * len(a_rows),
                 None if sels is None else [sels] * len(a_rows), group_size=group_size,
                 a_width=a_width, scale_bits=scale_bits, out_width=48)
    assert [sign_extend(pattern, 48) for pattern in got.tolist()] == exact
    if name == "fp4_mixed":
        assert max(abs(value) for value in exact) == 2 ** 31 * (2 ** 16 - 1)


def test_sums_past_float64_precision_are_exact():
    """a_width 32 and scale_bits 24: sums up to 2^61 fit an int64 but not a float64's
    53-bit significand, and the low bits must survive."""
    name, group_size = "int4", 4
    a = [[-2 ** 31, -2 ** 31, -2 ** 31, 1, -2 ** 31, 3, -2 ** 31, -2 ** 31]]
    w = [[8, 8, 8, 1, 8, 1, 8, 8]]
    scale = [[2 ** 24 - 1, 2 ** 24 - 2]]
    exact = reference_exact(name, a[0], w[0], scale[0], None, group_size, 32)
    assert 2 ** 53 < abs(exact) < 2 ** 63 and exact % 2
    got = golden(name, a, w, scale, None, group_size=group_size, a_width=32, scale_bits=24,
                 out_width=48)
    assert got.tolist() == [exact % 2 ** 48]


def test_products_beyond_int64_are_exact():
    """a_width 32 and scale_bits 32: one scaled term reaches 2^67, past any int64."""
    name, group_size, groups = "fp4_mixed", 2, 3
    a = [[-2 ** 31] * 6, [2 ** 31 - 1, -2 ** 31] * 3]
    w = [[8] * 6, [8, 8, 7, 15, 8, 0]]
    scale = [[2 ** 32 - 1] * groups, [2 ** 32 - 1, 1, 2 ** 31]]
    sel = [[3, 3, 3], [2, 3, 0]]
    exact = [reference_exact(name, a[r], w[r], scale[r], sel[r], group_size, 32)
             for r in range(2)]
    assert abs(exact[0]) > 2 ** 63
    got = golden(name, a, w, scale, sel, group_size=group_size, a_width=32, scale_bits=32,
                 out_width=48)
    assert got.tolist() == [value % 2 ** 48 for value in exact]


def test_default_output_width_holds_the_widest_default_sum():
    """a_width 8, scale_bits 8, K 4096, weights of magnitude 16 (fp4_mixed code 8 under
    sel 2 and 3), activations -128 and 127: the exact sum fits 32-bit signed, not 31."""
    name, group_size, terms = "fp4_mixed", 128, 4096
    groups = terms // group_size
    assert TABLE[name][2][8] == 16 and TABLE[name][3][8] == -16
    cases = [(a, sel) for a in (-128, 127) for sel in (2, 3)]
    a_rows = [[a] * terms for a, _ in cases]
    w_rows = [[8] * terms for _ in cases]
    scale_rows = [[255] * groups for _ in cases]
    sel_rows = [[sel] * groups for _, sel in cases]
    exact = [reference_exact(name, a_rows[r], w_rows[r], scale_rows[r], sel_rows[r],
                             group_size, 8) for r in range(len(cases))]
    assert max(exact) == 4096 * 2048 * 255 and min(exact) == -4096 * 2048 * 255
    assert all(-2 ** 31 <= value < 2 ** 31 for value in exact)
    assert not all(-2 ** 30 <= value < 2 ** 30 for value in exact)
    at_32 = golden(name, a_rows, w_rows, scale_rows, sel_rows, group_size=group_size,
                   out_width=32)
    assert [sign_extend(pattern, 32) for pattern in at_32.tolist()] == exact
    at_31 = golden(name, a_rows, w_rows, scale_rows, sel_rows, group_size=group_size,
                   out_width=31)
    assert at_31.tolist() == [value % 2 ** 31 for value in exact]
    assert [sign_extend(pattern, 31) for pattern in at_31.tolist()] != exact


# -- the verification factory ---------------------------------------------------------------

def unit_params(name, **overrides):
    params = {"dtype": DTYPES[name], "a_width": 8, "lanes": 4, "group_size": 4,
              "scale_bits": 8, "out_width": 32, "sel": name in MIXED}
    params.update(overrides)
    return params


@pytest.mark.parametrize("name", ["int3", "fp4_mixed"])
def test_factory_model_is_the_group_dot_product(name):
    rng = seeded_rng("factory", name)
    a, w, scale, sel = random_case(rng, name, 3, 5, 4, 8, 8)
    want = reference_rows(name, a, w, scale, sel, 4, 8, 32)
    # bitparallel_pe has no bits_per_cycle; bitserial_pe's changes nothing; nor do lanes.
    for extra in ({}, {"bits_per_cycle": 1}, {"bits_per_cycle": 2, "lanes": 1}):
        model = bitserial_pe(unit_params(name, **extra))
        result = model(a, w, scale, sel) if sel is not None else model(a, w, scale)
        assert set(result) == {"out"}
        assert result["out"].tolist() == want


def test_factory_refuses_inconsistent_parameters():
    with pytest.raises(ValueError, match="sel = True does not fit dtype int4"):
        bitserial_pe(unit_params("int4", sel=True))
    with pytest.raises(ValueError, match="sel = False does not fit dtype fp3_mixed"):
        bitserial_pe(unit_params("fp3_mixed", sel=False))
    with pytest.raises(ValueError, match="out_width must be an integer from 1 to 48, not 49"):
        bitserial_pe(unit_params("int4", out_width=49))
    model = bitserial_pe(unit_params("int4"))
    with pytest.raises(ValueError, match="sel must be None for the plain datatype int4"):
        model([1] * 4, [1] * 4, [1], [0])


# -- bad arguments ------------------------------------------------------------------------

GOOD = {"a": [[1] * 8], "w": [[1] * 8], "scale": [[1, 1]], "sel": None}


@pytest.mark.parametrize("name, changes, message", [
    ("int4", {"a": [[1] * 6], "w": [[1] * 6]}, r"positive multiple of group_size = 4, not 6"),
    ("int4", {"a": [[]], "w": [[]], "scale": [[]]}, r"positive multiple .* not 0"),
    ("int4", {"w": [[1] * 4]}, r"same number of terms K.*a \(1, 8\) and w \(1, 4\)"),
    ("int4", {"scale": [[1, 1, 1]]}, r"scale must have one entry per group.* = 2, not 3"),
    ("int4", {"a": [[1] * 7 + [256]]}, r"a must hold a_width = 8 bit .*\[-128, 256\), not 256"),
    ("int4", {"a": [[-129] + [1] * 7]}, r"a must hold .* not -129"),
    ("int4", {"w": [[16] + [1] * 7]}, r"w must hold 4-bit int4 codes in \[0, 16\), not 16"),
    ("int3", {"w": [[1] * 7 + [8]]}, r"w must hold 3-bit int3 codes in \[0, 8\), not 8"),
    ("fp4", {"w": [[-1] + [1] * 7]}, r"w must hold 4-bit fp4 codes .* not -1"),
    ("int4", {"scale": [[256, 1]]}, r"scale must hold scale_bits = 8 bit .*\[0, 256\), not 256"),
    ("int4", {"scale": [[1, -1]]}, r"scale must hold .* not -1"),
    ("fp4_mixed", {}, r"sel is required for the mixture datatype fp4_mixed"),
    ("fp4_mixed", {"sel": [[0, 4]]}, r"sel must hold fp4_mixed selectors 0 to 3 .* not 4"),
    ("fp3_mixed", {"sel": [[0, 1, 2]]}, r"sel must have one entry per group.* not 3"),
    ("fp4", {"sel": [[0, 0]]}, r"sel must be None for the plain datatype fp4"),
    ("int4", {"a": [[1] * 8] * 2, "w": [[1] * 8] * 3}, r"leading dimensions .* do not broadcast"),
    ("int4", {"a": 3}, r"a must be an array"),
])
def test_bad_arguments(name, changes, message):
    arguments = {**GOOD, **changes}
    with pytest.raises(ValueError, match=message):
        golden(name, arguments["a"], arguments["w"], arguments["scale"], arguments["sel"],
               group_size=4)


@pytest.mark.parametrize("keyword, value, message", [
    ("dtype", "fp5", r"dtype must be one of .*not 'fp5'"),
    ("group_size", 0, r"group_size must be an integer >= 1, not 0"),
    ("a_width", 1, r"a_width must be an integer from 2 to 32, not 1"),
    ("scale_bits", 0, r"scale_bits must be an integer from 1 to 32, not 0"),
    ("out_width", 0, r"out_width must be an integer from 1 to 48, not 0"),
    ("out_width", 49, r"out_width must be an integer from 1 to 48, not 49"),
])
def test_bad_parameters(keyword, value, message):
    keywords = {"dtype": "int4", "a_width": 8, "group_size": 4, "scale_bits": 8,
                "out_width": 32, keyword: value}
    with pytest.raises(ValueError, match=message):
        group_dot_product(GOOD["a"], GOOD["w"], GOOD["scale"], **keywords)


def test_non_integer_arguments_are_type_errors():
    with pytest.raises(TypeError, match="a must hold integers"):
        golden("int4", [[0.5] * 8], GOOD["w"], GOOD["scale"], None, group_size=4)
    with pytest.raises(TypeError, match="group_size must be an integer"):
        golden("int4", GOOD["a"], GOOD["w"], GOOD["scale"], None, group_size=4.0)
