"""Which configurations the regression checks, and how: the tables the tests run.

Each table is the list a test module parametrizes over; docs/verification.md is written
from the same tables (:mod:`macforge.gen.verification_page`), so the page cannot claim a
check the regression does not run.
"""

from macforge.formats import formats_up_to

from .unit_vectors import RANDOM_PAIRS

__all__ = ["MULTIPLIER_BENCHES", "INT_MAC_BENCHES", "FP_MAC_BENCHES", "SYSTOLIC_BENCHES",
           "DEQUANT_BENCHES", "bitserial", "bitparallel", "PROOF_MAX_WIDTH", "FORMAL_PROOFS",
           "LONG_FORMAL_PROOFS", "REFERENCE_CHECKS", "LONG_REFERENCE_CHECKS",
           "STEP_REFERENCE_CHECKS", "LONG_STEP_REFERENCE_CHECKS", "LONG_STEP_PROOFS",
           "MANTISSA_SWEEPS", "PROOF_ATTEMPTS"]

# -- Simulation: the emitted Verilog against the golden model ---------------------------

PIPELINED_RANDOM_PAIRS = 50_000


def _multiplier_benches():
    configs = []
    for kind in ("lmul", "fmul"):
        for saturate in (True, False):
            for name in ("e4m3", "e5m2"):
                configs.append((kind, {"format": name, "saturate": saturate}, "exhaustive"))
            for name in ("fp16", "bf16"):
                configs.append((kind, {"format": name, "saturate": saturate}, RANDOM_PAIRS))
        # Generic formats: small ones exhaustively, fp32 at random.
        for name in ("e3m4", "e3m4fn", "e2m1"):
            configs.append((kind, {"format": name}, "exhaustive"))
        configs.append((kind, {"format": "fp32"}, RANDOM_PAIRS))
        # Every pipelining depth the datapath places registers at, plus one stacked.
        for stages in (1, 2, 3):
            configs.append((kind, {"format": "e4m3", "pipeline_stages": stages}, "exhaustive"))
        configs.append((kind, {"format": "bf16", "pipeline_stages": 2}, PIPELINED_RANDOM_PAIRS))
    return configs


MULTIPLIER_BENCHES = _multiplier_benches()
"""lmul and fmul: ``(kind, params, vectors)``, vectors ``"exhaustive"`` (every operand
pair) or a count of random pairs after every pair of special values."""


INT_MAC_BENCHES = [
    {},
    {"overflow": "saturate"},
    {"signed": False},
    {"signed": False, "overflow": "saturate"},
    {"acc_width": 16, "overflow": "saturate"},
    {"acc_width": 16},
    {"a_width": 4, "b_width": 6, "acc_width": 12},
    {"a_width": 16, "b_width": 16, "acc_width": 48, "overflow": "saturate"},
    # Every depth the parameter offers (1..8), each on a different configuration.
    {"pipeline_stages": 1},
    {"pipeline_stages": 2, "overflow": "saturate"},
    {"pipeline_stages": 3, "signed": False},
    {"pipeline_stages": 4, "acc_width": 16, "overflow": "saturate"},
    {"pipeline_stages": 5, "signed": False, "overflow": "saturate"},
    {"pipeline_stages": 6, "a_width": 4, "b_width": 6, "acc_width": 12},
    {"pipeline_stages": 7, "acc_width": 16},
    {"pipeline_stages": 8, "overflow": "saturate"},
    # The multiply operator that FPGA synthesis maps to DSP blocks, the product registered
    # (the Amaranth smoke test runs it unsigned and unregistered too).
    {"multiplier": "dsp", "overflow": "saturate", "pipeline_stages": 2},
]
"""int_mac: every operand pair (where at most 2^18) onto cleared and random accumulators,
the accumulator's bounds, random sequences (:func:`.unit_vectors.int_mac_vectors`)."""


FP_MAC_BENCHES = [
    {"in_format": in_format, "acc_format": acc_format, "mul": mul}
    for in_format in ("e4m3", "e5m2") for acc_format in ("fp32", "bf16", "fp16")
    for mul in ("exact", "lmul")
] + [
    # Generic formats: a narrow exponent (products underflow fp16 far less), a tiny
    # format, an e4m3 with infinities, an fn format with a short mantissa.
    {"in_format": "e3m2", "acc_format": "fp16"},
    {"in_format": "e2m1", "acc_format": "bf16", "mul": "lmul"},
    {"in_format": "e4m3ieee", "acc_format": "fp16", "mul": "lmul"},
    {"in_format": "e5m1fn", "acc_format": "fp32"},
    # The widest allowed input (9 bits): 262,144 pairs.
    {"in_format": "e5m3", "acc_format": "fp16", "mul": "lmul"},
] + [
    # Every depth the parameter offers (1..8), each on a different configuration.
    {"in_format": in_format, "acc_format": acc_format, "mul": mul, "pipeline_stages": depth}
    for depth, (in_format, acc_format, mul) in enumerate([
        ("e4m3", "fp16", "exact"), ("e4m3", "fp32", "lmul"), ("e5m2", "bf16", "exact"),
        ("e5m2", "fp16", "lmul"), ("e4m3", "bf16", "lmul"), ("e5m2", "fp32", "exact"),
        ("e3m2", "fp16", "lmul"), ("e4m3", "fp32", "exact")], start=1)
]
"""fp_mac: every operand pair onto cleared and random accumulators, random sequences,
the accumulator's edge cases (:func:`.unit_vectors.fp_mac_vectors`)."""


def _array(dataflow, shape, pe, **pe_params):
    rows, cols = shape
    return {"rows": rows, "cols": cols, "dataflow": dataflow, "pe": pe, "pe_params": pe_params}


def _int(signed, acc_width, overflow, **more):
    return {"signed": signed, "acc_width": acc_width, "overflow": overflow, **more}


def _fp(in_format, acc_format, mul, **more):
    return {"in_format": in_format, "acc_format": acc_format, "mul": mul, **more}


SYSTOLIC_BENCHES = [
    # 16-bit accumulators overflow: two products of -128 * -128 (or 255 * 255) leave them,
    # in an os PE's k loop and in a ws column of two rows alike.
    _array("os", (1, 1), "int_mac", **_int(True, 16, "wrap")),
    _array("ws", (1, 1), "fp_mac", **_fp("e4m3", "fp16", "exact")),
    _array("os", (2, 3), "int_mac", **_int(True, 16, "saturate")),
    _array("ws", (2, 3), "int_mac", **_int(True, 16, "saturate")),
    _array("os", (2, 3), "fp_mac", **_fp("e4m3", "fp32", "exact")),
    # The INT8 PE with its 32-bit accumulator, whose area the report compares: its ws
    # column sums are 16 to 19 bits wide, extended on y.
    _array("os", (2, 3), "int_mac"),
    _array("ws", (2, 3), "fp_mac", **_fp("e4m3", "fp32", "lmul", pipeline_stages=1)),
    _array("os", (4, 4), "int_mac", **_int(False, 16, "saturate", pipeline_stages=2)),
    _array("ws", (4, 4), "int_mac", **_int(False, 16, "wrap", pipeline_stages=2)),
    _array("os", (4, 4), "fp_mac", **_fp("e4m3", "fp16", "lmul", pipeline_stages=1)),
    _array("ws", (4, 4), "fp_mac", **_fp("e5m2", "bf16", "exact")),
    # 8 x 8: the L-Mul product, and the INT8 weight-stationary array of the area target.
    _array("os", (8, 8), "fp_mac", **_fp("e5m2", "bf16", "lmul")),
    _array("ws", (8, 8), "int_mac"),
]
"""systolic: one simulation of every scenario of
:func:`.systolic_scenarios.bench_scenarios` per configuration.  Builds dominate the
cost, so the list covers the parameters across configurations instead of crossing them:
every shape, both dataflows, every integer mode, every fp product with every format
pair in both dataflows, pipelined PEs of depths 1 and 2."""


def bitserial(dtype, bits_per_cycle, group_size, **more):
    """A bit-serial PE's ``(kind, params)``."""
    return ("bitserial_pe", {"dtype": dtype, "bits_per_cycle": bits_per_cycle,
                             "group_size": group_size, **more})


def bitparallel(dtype, group_size, **more):
    """The bit-parallel reference PE's ``(kind, params)``."""
    return ("bitparallel_pe", {"dtype": dtype, "group_size": group_size, **more})


DEQUANT_BENCHES = [
    # int4 and the mixtures at both bits_per_cycle, in both regimes: a group of 4 terms
    # (one beat) lasts fewer cycles than scale_bits = 8, so the dequantizer sets the
    # pace; a group of 32 lasts more.
    bitserial("int4", 1, 32),
    bitserial("int4", 2, 4),
    bitserial("fp4_mixed", 1, 32),
    bitserial("fp4_mixed", 2, 4),
    bitserial("fp3_mixed", 1, 4),
    bitserial("fp3_mixed", 2, 32),
    # Narrow activations and scales, out_width 10 wrapping within a group or two; a
    # group of one 3-cycle beat lasts exactly scale_bits = 3 cycles.
    bitserial("int3", 1, 4, a_width=5, scale_bits=3, out_width=10),
    # group_size 128 (the default) where its groups are quick: one digit per beat.
    bitserial("fp3", 2, 128),
    bitserial("fp4", 2, 32),
    # 8 lanes: groups of 4 beats, of 16 cycles here and of exactly scale_bits = 8 in the
    # fp3_ea_pos one below.
    bitserial("fp4_er_pos", 1, 32, lanes=8),
    # Groups of two 2-cycle beats, 4 cycles against scale_bits = 8: the last beat of each
    # group waits 4 cycles for the dequantizer.
    bitserial("fp4_er_neg", 2, 8),
    # Wide activations and scales: the default out_width (never wraps) is 40 bits, and
    # the long extreme dot product needs 38.
    bitserial("fp4_ea_pos", 2, 32, a_width=12, scale_bits=12),
    bitserial("fp4_ea_neg", 1, 4),
    bitserial("fp3_er_pos", 1, 32),
    bitserial("fp3_er_neg", 2, 4),
    bitserial("fp3_ea_pos", 2, 32, lanes=8),
    bitserial("fp3_ea_neg", 1, 4, scale_bits=4),
    # The reference: K = 4096 in the long dot products of 128-term groups; a group per
    # beat (a scaled sum into out on every cycle); a narrow out_width that wraps.
    bitparallel("int4", 128),
    bitparallel("fp4_mixed", 4),
    bitparallel("fp3_mixed", 32, a_width=6, out_width=14),
]
"""The dequantization PEs: ``(kind, params)``, one simulation of every scenario of
:func:`.bitserial_scenarios.bench_scenarios` each; every datatype once, int4 and both
mixtures at both ``bits_per_cycle``, groups shorter and longer than ``scale_bits``
cycles, 4 and 8 lanes, wrapping and wide outputs, and the bit-parallel reference."""


# -- Formal: proofs on every input, and the references they rest on --------------------

PROOF_MAX_WIDTH = 16
"""Every lmul format up to this many bits is proved in `make test-long`."""


def _lmul(name, **params):
    return ("lmul", {"format": name, **params})


def _fmul(name, **params):
    return ("fmul", {"format": name, **params})


def _fp_mac(in_format, acc_format, mul="exact", **params):
    return ("fp_mac", {"in_format": in_format, "acc_format": acc_format, "mul": mul, **params})


FORMAL_PROOFS = [
    # lmul: the named wide formats, both overflow rules, pipelined units.
    *[_lmul(name, saturate=saturate) for name in ("fp16", "bf16", "fp32")
      for saturate in (True, False)],
    _lmul("fp16", pipeline_stages=2),
    _lmul("fp32", pipeline_stages=1, saturate=False),
    # Generic formats covering every offset rule (M <= 3, M = 4, M > 4), both kinds, the
    # narrowest and widest exponents and the widest 16-bit mantissa.
    _lmul("e2m1"), _lmul("e2m13"), _lmul("e3m4"), _lmul("e4m11", saturate=False),
    _lmul("e5m5"), _lmul("e6m9"), _lmul("e7m8", saturate=False),
    _lmul("e2m5fn", saturate=False), _lmul("e2m6fn"), _lmul("e3m4fn"), _lmul("e5m2fn"),
    # fmul: every 8-bit format proves in about half a second; both kinds, both overflow
    # rules, a narrow exponent, and the deepest pipeline the datapath places.
    _fmul("e4m3"), _fmul("e4m3", saturate=True), _fmul("e5m2"), _fmul("e5m2", saturate=True),
    _fmul("e3m4"), _fmul("e2m1"), _fmul("e4m3", pipeline_stages=4),
]
"""Units proved equal to their reference on every input in `make test`."""

LONG_FORMAL_PROOFS = [
    *[_lmul(fmt.name, saturate=saturate) for fmt in formats_up_to(PROOF_MAX_WIDTH)
      for saturate in (True, False)],
    # 242 s with Yosys's SAT solver (ABC's iprove: 247 s); fp16's 11 x 11 significand
    # product is out of reach (PROOF_ATTEMPTS) and is swept instead (MANTISSA_SWEEPS).
    _fmul("bf16"),
]
"""Proved in `make test-long`: every lmul format up to :data:`PROOF_MAX_WIDTH` bits
under both overflow rules, and fmul bf16."""

REFERENCE_CHECKS = [
    # lmul: both kinds, both overflow rules, and every offset rule an 8-bit format has.
    _lmul("e4m3"), _lmul("e4m3", saturate=False), _lmul("e5m2", saturate=False),
    _lmul("e3m4"), _lmul("e2m5fn", saturate=False),
    _fmul("e4m3"), _fmul("e5m2", saturate=True),
]
"""References checked against the golden model on every input pair (8-bit formats)."""

LONG_REFERENCE_CHECKS = [_fmul("e4m3", saturate=True), _fmul("e5m2"), _fmul("e3m4"),
                         _fmul("e3m4fn", saturate=True)]
"""More references checked against the golden model on every input pair: `make test-long`."""

STEP_REFERENCE_CHECKS = [_fp_mac("e4m3", "fp16"), _fp_mac("e4m3", "bf16", "lmul")]
"""fp_mac step references, in their state register, against the golden model on the
unit's regression vectors (every operand pair onto a cleared and onto a random
accumulator, random sequences, the accumulator's edge cases)."""

LONG_STEP_REFERENCE_CHECKS = [
    _fp_mac("e4m3", "fp16", "lmul"), _fp_mac("e4m3", "bf16"), _fp_mac("e4m3", "fp32"),
    _fp_mac("e5m2", "fp16"), _fp_mac("e5m2", "fp16", "lmul"), _fp_mac("e5m2", "bf16"),
    _fp_mac("e2m1", "fp16"), _fp_mac("e4m3", "fp16", pipeline_stages=2),
]
"""The same for the other product kinds, input formats, fp32 and a pipelined unit:
`make test-long`."""

LONG_STEP_PROOFS = [
    # fp16, 32 cases: 1,021 s in all for exact products, 155 s for L-Mul's; bf16 L-Mul,
    # 256 cases: 1,235 s (2 cores, beside other jobs).  bf16 with exact products is
    # out of reach (PROOF_ATTEMPTS).
    _fp_mac("e4m3", "fp16"), _fp_mac("e4m3", "fp16", "lmul"), _fp_mac("e4m3", "bf16", "lmul"),
]
"""fp_mac steps proved equal to the step reference from every reachable accumulator
value (:mod:`macforge.verif.formal.steps`), one proof per accumulator exponent field:
`make test-long`."""

MANTISSA_SWEEPS = [
    # (configuration, only the exponent classes that can overflow).  Measured on 2 cores
    # beside other jobs: fp16 100,663,296 vectors in 484 s, saturating 23,068,672 in
    # 132 s; bf16 8,814,592 in 83 s, saturating 2,195,456 in 24 s.
    (_fmul("fp16"), False), (_fmul("fp16", saturate=True), True),
    (_fmul("bf16"), False), (_fmul("bf16", saturate=True), True),
]
"""fmul against the golden model on every mantissa pair of chosen exponent classes
(:mod:`macforge.verif.formal.mantissa_sweeps`): `make test-long`."""

PROOF_ATTEMPTS = [
    # (configuration, method, outcome, seconds of wall time on 2 cores)
    (_fmul("bf16"), "Yosys sat", "proved", 242),
    (_fmul("bf16"), "ABC iprove", "proved", 247),
    (_fmul("fp16"), "Yosys sat", "unfinished", 960),
    (_fmul("fp16"), "ABC iprove", "unfinished", 1200),
    (_fp_mac("e4m3", "fp16"), "Yosys sat, one call", "unfinished", 763),
    (_fp_mac("e4m3", "fp16"), "Yosys sat, a call per accumulator exponent", "proved", 1021),
    (_fp_mac("e4m3", "fp16", "lmul"), "Yosys sat, a call per accumulator exponent",
     "proved", 155),
    (_fp_mac("e4m3", "bf16", "lmul"), "Yosys sat, a call per accumulator exponent",
     "proved", 1235),
    # One middle case (exponent field 130) of the 256, proved; some 45 such cases
    # (the invariant rules out the others, 8 s each) would take hours, so none ran.
    (_fp_mac("e4m3", "bf16"), "Yosys sat, a call per accumulator exponent",
     "one case of 256 proved", 194),
]
"""Proof attempts measured once, not run by the tests: what reached a verdict, and how
long the ones that did not ran before they were stopped."""
