"""Which configurations the regression checks, and how: the tables the tests run.

Each table is the list a test module parametrizes over; docs/verification.md is written
from the same tables (:mod:`macforge.gen.verification_page`), so the page cannot claim a
check the regression does not run.
"""

from macforge.formats import formats_up_to

__all__ = ["FORMAL_PROOFS", "LONG_FORMAL_PROOFS", "REFERENCE_CHECKS", "PROOF_MAX_WIDTH"]

PROOF_MAX_WIDTH = 16
"""Generic formats up to this many bits are proved in the long sweep."""


def _lmul(name, **params):
    return ("lmul", {"format": name, **params})


FORMAL_PROOFS = [
    # The named wide formats, both overflow rules, and a pipelined unit.
    *[_lmul(name, saturate=saturate) for name in ("fp16", "bf16", "fp32")
      for saturate in (True, False)],
    _lmul("fp16", pipeline_stages=2),
    _lmul("fp32", pipeline_stages=1, saturate=False),
    # Generic formats covering every offset rule (M <= 3, M = 4, M > 4), both kinds, the
    # narrowest and widest exponents and the widest 16-bit mantissa.
    _lmul("e2m1"), _lmul("e2m13"), _lmul("e3m4"), _lmul("e4m11", saturate=False),
    _lmul("e5m5"), _lmul("e6m9"), _lmul("e7m8", saturate=False),
    _lmul("e2m5fn", saturate=False), _lmul("e2m6fn"), _lmul("e3m4fn"), _lmul("e5m2fn"),
]
"""Units proved equal to their reference on every input in `make test`."""

LONG_FORMAL_PROOFS = [
    _lmul(fmt.name, saturate=saturate) for fmt in formats_up_to(PROOF_MAX_WIDTH)
    for saturate in (True, False)
]
"""Every format up to :data:`PROOF_MAX_WIDTH` bits, both overflow rules: `make test-long`."""

REFERENCE_CHECKS = [
    # Both kinds, both overflow rules, and every offset rule an 8-bit format has.
    _lmul("e4m3"), _lmul("e4m3", saturate=False), _lmul("e5m2", saturate=False),
    _lmul("e3m4"), _lmul("e2m5fn", saturate=False),
]
"""References checked against the golden model on every input pair (8-bit formats)."""
