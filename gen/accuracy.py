"""How accurate L-Mul is beside exact multiplication, measured on the golden models.

Luo & Sun, "Addition is All You Need for Energy-efficient Language Models" (2024), claim
that L-Mul with a 4-bit mantissa is as precise as float8 e4m3 multiplication and that
L-Mul with a 3-bit mantissa is more precise than float8 e5m2 multiplication.  This module
measures both claims with :func:`macforge.verif.golden.lmul` (docs/units.md section 3)
and :func:`macforge.verif.golden.fmul` (section 4) and :class:`FloatFormat`: numpy only,
no hardware is built or synthesized.

What is measured
----------------
:func:`measure` draws real input pairs (a, b) from a :class:`Distribution` with a fixed
seed, rounds each input into the format (nearest even, saturating to the largest finite
value: :meth:`FloatFormat.encode`), multiplies the bit patterns with the golden model,
decodes the product y and compares it with the true product a * b of the **unrounded**
inputs, so the error of rounding the inputs into the format is part of what is measured,
as it is when real-valued activations and weights are cast to FP8.  a * b is taken in
float64: its own relative error, at most 2^-53, is negligible here.  Every entry of one
call sees the same input pairs.

:func:`measure_all_pairs` instead takes every pair of bit patterns of a small format
(65,536 for an 8-bit one) and compares y with the exact product of the two decoded
inputs (exact in float64: the significands have at most 24 bits).

The relative error of a pair is |y - a*b| / |a*b|.  Nothing is dropped silently:

- ``excluded``: pairs with a NaN or infinite input (all pairs only); not measured.
- ``zero_product``: the true product is 0 (all pairs only: a zero input); the relative
  error is undefined, so these are counted and not measured.
- ``nan``, ``inf``: the multiplier gave a NaN or an infinity for a nonzero true product
  (only without ``saturate``); counted, and left out of the means, where they would be
  infinite.
- ``zero``: the multiplier gave 0 for a nonzero true product: an underflow, or L-Mul
  flushing a subnormal input or product (section 3, steps 3 and 5).  These are in the
  means with their error of exactly 1.
- ``underflow``, ``in_range``, ``overflow``: where the true product lies, below the
  smallest normal value, within the normal range, above the largest finite value.

``mean`` and ``max`` cover every pair with a finite result and a nonzero true product
(``measured`` of them); ``mean_in_range`` and ``max_in_range`` only those whose true
product is in the format's normal range, where the error is the multiplier's precision
and, for L-Mul, its flushing of subnormal inputs.  A statistic over no pair is None.

Saturation
----------
The paper compares precision and says nothing about overflow, so it implies neither
behaviour.  Inputs are rounded saturating (what FP8 casts in training and inference do),
and both multipliers saturate by default (``saturate=True``, L-Mul's own default; fmul's
is off): an overflow then costs a finite error that the means count, on both sides
alike, instead of an infinity or NaN.  With the default distributions no input and
almost no product overflows, so the choice hardly shows; over all pairs it does, and
``saturate=False`` turns those pairs into ``nan``/``inf`` counts.

Distributions
-------------
:data:`NORMAL` is N(0, 1), roughly what unscaled activations and weights look like: some
values are small enough to be subnormal in the 8-bit formats and some products small
enough to underflow, so it measures range handling as well as precision.
:data:`LOG_UNIFORM` has magnitudes log-uniform on [2^-1, 2^1) with random signs: the
inputs and their products (within [2^-2, 2^2)) stay inside the normal range of every
format compared here, the tightest being e3m4's [2^-2, 15.5], so it measures precision
alone.  Whole binades give every binade the same significand distribution, so a wider
range would give the same statistics.

The claims
----------
The paper's "L-Mul with a k-bit mantissa" fixes the mantissa and not the exponent.  Three
readings, all in :data:`CLAIMS`:

- ``same exponent``: L-Mul keeps the FP8 baseline's exponent and gets one more mantissa
  bit, so 9 bits: e4m4fn against e4m3, e5m3 against e5m2.  e4m4fn is kind fn like e4m3,
  so its range (up to 480) covers e4m3's (448); e5m3 is kind ieee like e5m2.  This
  reading isolates the precision bought by the extra bit at equal range.
- ``same width``: L-Mul on another 8-bit format, trading an exponent bit for the
  mantissa bit: e3m4 against e4m3, e4m3 against e5m2, the equal-storage reading.  e3m4's
  normal range starts at 0.25, so a fifth of N(0, 1) inputs are subnormal there, and
  L-Mul flushes them.
- ``wide exponent``: closest to the paper's numerical simulation, which runs L-Mul on
  fp32 operands: k mantissa bits with fp32's 8-bit exponent kept, e8m4 against e4m3,
  e8m3 against e5m2.  Range never limits L-Mul here.

A claim is decided by the **mean relative error** (``mean``: every finite result,
flushes and saturations included) on each distribution separately.  "Outperforms"
reproduces when L-Mul's mean is below the exact multiplier's; "comparable" when it is at
most :data:`COMPARABLE_RATIO` times the exact one (so being better also counts).  The
rows carry the ratio, so another threshold is one comparison away.  On
:data:`LOG_UNIFORM` the three readings of a claim give the same L-Mul numbers: in range,
only the mantissa width matters.

    python -m macforge.gen.accuracy [--pairs N] [--seed S]
"""

import argparse
from dataclasses import dataclass

import numpy as np

from macforge.formats import FloatFormat
from macforge.synth.report import Column, format_markdown, format_table
from macforge.verif.golden import fmul, lmul

__all__ = ["Distribution", "NORMAL", "LOG_UNIFORM", "DISTRIBUTIONS", "MULTIPLIERS",
           "DEFAULT_PAIRS", "DEFAULT_SEED", "Claim", "CLAIMS", "COMPARABLE_RATIO",
           "measure", "measure_inputs", "measure_all_pairs", "claim_rows", "accuracy_text",
           "accuracy_markdown"]

MULTIPLIERS = ("lmul", "exact")
_MULTIPLY = {"lmul": lmul, "exact": fmul}

DEFAULT_PAIRS = 1 << 18
DEFAULT_SEED = 2024

# "Comparable precision": L-Mul's mean relative error at most this times the exact one.
COMPARABLE_RATIO = 1.25

# 2^20 pairs: every pair of patterns of a 10-bit format.
MAX_ALL_PAIRS_WIDTH = 10


@dataclass(frozen=True)
class Distribution:
    """Where the real-valued inputs come from.

    Parameters
    ----------
    name : str
        Label in tables.
    kind : str
        ``"normal"``: standard normal.  ``"log_uniform"``: magnitudes with log2 uniform
        on [log2(low), log2(high)), signs + and - with probability 1/2 each.
    low, high : float
        The magnitude range of ``log_uniform``; unused by ``normal``.
    """

    name: str
    kind: str
    low: float = 0.5
    high: float = 2.0

    def __post_init__(self):
        if self.kind not in ("normal", "log_uniform"):
            raise ValueError(f"Distribution kind must be 'normal' or 'log_uniform', "
                             f"not {self.kind!r}")
        if self.kind == "log_uniform" and not 0 < self.low < self.high < np.inf:
            raise ValueError(f"log_uniform needs 0 < low < high, not {self.low!r}, {self.high!r}")

    def draw(self, pairs, seed):
        """Two float64 arrays of ``pairs`` inputs each, the same for the same seed."""
        rng = np.random.default_rng(seed)
        if self.kind == "normal":
            return tuple(rng.standard_normal((2, pairs)))
        magnitude = np.exp2(rng.uniform(np.log2(self.low), np.log2(self.high), (2, pairs)))
        sign = np.where(rng.integers(0, 2, (2, pairs)) == 1, -1.0, 1.0)
        return tuple(sign * magnitude)

    def check_inside(self, fmt):
        """Raise ValueError unless every log-uniform input is a normal value of ``fmt``."""
        if self.kind != "log_uniform":
            return
        smallest = float(fmt.decode(fmt.min_normal))
        if self.low < smallest or self.high > fmt.max_value:
            raise ValueError(f"{self.name}: [{self.low}, {self.high}) leaves the normal range "
                             f"[{smallest}, {fmt.max_value}] of {fmt}")


NORMAL = Distribution("N(0,1)", "normal")
LOG_UNIFORM = Distribution("log-uniform [2^-1,2^1)", "log_uniform", 0.5, 2.0)
DISTRIBUTIONS = (NORMAL, LOG_UNIFORM)


def _entry(entry, index):
    try:
        label, fmt, multiplier = entry
    except (TypeError, ValueError):
        raise TypeError(f"entries[{index}] must be (label, format, multiplier), "
                        f"not {entry!r}") from None
    if multiplier not in MULTIPLIERS:
        raise ValueError(f"entries[{index}]: multiplier must be one of "
                         f"{', '.join(MULTIPLIERS)}, not {multiplier!r}")
    return str(label), FloatFormat.parse(fmt), multiplier


def _entries(entries):
    return [_entry(entry, index) for index, entry in enumerate(entries)]


def _statistics(fmt, multiplier, a, b, true, *, saturate, excluded=0):
    """Error statistics of one multiplier on bit patterns a, b with true products ``true``."""
    y = fmt.decode(_MULTIPLY[multiplier](fmt, a, b, saturate=saturate))
    magnitude = np.abs(true)
    nonzero = magnitude != 0
    nan = nonzero & np.isnan(y)
    inf = nonzero & np.isinf(y)
    finite = nonzero & ~nan & ~inf
    smallest_normal = float(fmt.decode(fmt.min_normal))
    underflow = nonzero & (magnitude < smallest_normal)
    overflow = magnitude > fmt.max_value
    in_range = nonzero & ~underflow & ~overflow
    error = np.abs(y - true) / np.where(finite, magnitude, 1.0)
    error_in_range = error[in_range & finite]
    error = error[finite]

    def mean(values):
        return float(values.mean()) if values.size else None

    def largest(values):
        return float(values.max()) if values.size else None

    return {"format": fmt.name, "multiplier": multiplier,
            "pairs": int(true.size) + excluded,
            "mean": mean(error), "max": largest(error),
            "mean_in_range": mean(error_in_range), "max_in_range": largest(error_in_range),
            "measured": int(finite.sum()), "excluded": excluded,
            "zero_product": int((~nonzero).sum()),
            "underflow": int(underflow.sum()), "in_range": int(in_range.sum()),
            "overflow": int(overflow.sum()),
            "zero": int((finite & (y == 0)).sum()), "nan": int(nan.sum()), "inf": int(inf.sum())}


def measure_inputs(entries, x, y, *, saturate=True, distribution="given"):
    """Error statistics of each entry on the real input pairs (x[i], y[i]).

    Parameters
    ----------
    entries : sequence of (label, format, multiplier)
        ``format`` a FloatFormat or name, ``multiplier`` ``"lmul"`` or ``"exact"``.
    x, y : array-like of float
        The real inputs; each is rounded into the entry's format (nearest even,
        saturating) and the product is compared with x * y.
    saturate : bool
        Whether the multipliers saturate an overflowing product (see the module
        docstring); inputs are always rounded saturating.
    distribution : str
        Label copied into the rows.

    Returns
    -------
    list of dict
        One row per entry: ``label``, ``format``, ``multiplier``, ``distribution``, the
        counts and statistics of the module docstring.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same number of inputs, not {x.size} and {y.size}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("x and y must be finite")
    true = x * y
    rounded = {}
    rows = []
    for label, fmt, multiplier in _entries(entries):
        if fmt not in rounded:
            rounded[fmt] = (fmt.encode(x, saturate=True), fmt.encode(y, saturate=True))
        a, b = rounded[fmt]
        rows.append({"label": label, "distribution": distribution,
                     **_statistics(fmt, multiplier, a, b, true, saturate=saturate)})
    return rows


def measure(entries, distribution=NORMAL, *, pairs=DEFAULT_PAIRS, seed=DEFAULT_SEED,
            saturate=True):
    """Error statistics of each entry on ``pairs`` input pairs drawn from ``distribution``.

    Every entry sees the same pairs, drawn with ``seed``: the same arguments give the
    same rows.  A log-uniform distribution must lie inside the normal range of every
    entry's format (ValueError otherwise).  See :func:`measure_inputs` for the rows.
    """
    entries = _entries(entries)
    if not isinstance(pairs, int) or isinstance(pairs, bool) or pairs < 1:
        raise ValueError(f"pairs must be a positive integer, not {pairs!r}")
    for _, fmt, _ in entries:
        distribution.check_inside(fmt)
    x, y = distribution.draw(pairs, seed)
    return measure_inputs(entries, x, y, saturate=saturate, distribution=distribution.name)


def measure_all_pairs(entries, *, saturate=True):
    """Error statistics of each entry over every pair of bit patterns of its format.

    Pairs with a NaN or infinite input are counted in ``excluded``; the others are
    compared with the exact product of the decoded inputs.  Formats of at most
    :data:`MAX_ALL_PAIRS_WIDTH` bits.  For every row, ``excluded + zero_product +
    underflow + in_range + overflow == pairs == 2^(2 * width)``.
    """
    rows = []
    for label, fmt, multiplier in _entries(entries):
        if fmt.width > MAX_ALL_PAIRS_WIDTH:
            raise ValueError(f"all pairs of {fmt} ({fmt.width} bits) are too many: at most "
                             f"{MAX_ALL_PAIRS_WIDTH}-bit formats")
        patterns = fmt.all_patterns()
        a, b = (grid.ravel() for grid in np.meshgrid(patterns, patterns, indexing="ij"))
        usable = ~(fmt.is_nan(a) | fmt.is_inf(a) | fmt.is_nan(b) | fmt.is_inf(b))
        a, b = a[usable], b[usable]
        true = fmt.decode(a) * fmt.decode(b)
        rows.append({"label": label, "distribution": "all pairs",
                     **_statistics(fmt, multiplier, a, b, true, saturate=saturate,
                                   excluded=int((~usable).sum()))})
    return rows


@dataclass(frozen=True)
class Claim:
    """One of the paper's accuracy claims under one reading of "k-bit mantissa".

    ``relation`` is ``"comparable"`` (L-Mul's mean relative error at most
    :data:`COMPARABLE_RATIO` times the exact one) or ``"outperforms"`` (strictly below).
    """

    name: str
    reading: str
    relation: str
    lmul_format: FloatFormat
    exact_format: FloatFormat

    def __post_init__(self):
        if self.relation not in ("comparable", "outperforms"):
            raise ValueError(f"relation must be 'comparable' or 'outperforms', "
                             f"not {self.relation!r}")

    def holds(self, lmul_mean, exact_mean):
        if self.relation == "outperforms":
            return lmul_mean < exact_mean
        return lmul_mean <= COMPARABLE_RATIO * exact_mean


def _claim(name, reading, relation, lmul_format, exact_format):
    return Claim(name, reading, relation, FloatFormat.parse(lmul_format),
                 FloatFormat.parse(exact_format))


_FOUR_BITS = "L-Mul 4-bit mantissa ~ e4m3"
_THREE_BITS = "L-Mul 3-bit mantissa > e5m2"
CLAIMS = (
    _claim(_FOUR_BITS, "same exponent", "comparable", "e4m4fn", "e4m3"),
    _claim(_FOUR_BITS, "same width", "comparable", "e3m4", "e4m3"),
    _claim(_FOUR_BITS, "wide exponent", "comparable", "e8m4", "e4m3"),
    _claim(_THREE_BITS, "same exponent", "outperforms", "e5m3", "e5m2"),
    _claim(_THREE_BITS, "same width", "outperforms", "e4m3", "e5m2"),
    _claim(_THREE_BITS, "wide exponent", "outperforms", "e8m3", "e5m2"),
)


def _ratio(lmul_mean, exact_mean):
    if exact_mean:
        return lmul_mean / exact_mean
    return 1.0 if lmul_mean == exact_mean else float("inf")


def _verdict(claim, lmul_mean, exact_mean):
    holds = claim.holds(lmul_mean, exact_mean)
    if claim.relation == "comparable":
        test = f"<= {COMPARABLE_RATIO:g}" if holds else f"> {COMPARABLE_RATIO:g}"
    else:
        test = "< 1" if holds else ">= 1"
    word = "reproduces" if holds else "does not reproduce"
    return (f"{word}: mean relative error L-Mul {claim.lmul_format} {lmul_mean:.4f} vs exact "
            f"{claim.exact_format} {exact_mean:.4f}, ratio "
            f"{_ratio(lmul_mean, exact_mean):.3f} {test}")


def claim_rows(claims=CLAIMS, distributions=DISTRIBUTIONS, *, pairs=DEFAULT_PAIRS,
               seed=DEFAULT_SEED, saturate=True):
    """Measure each claim on each distribution.

    Both sides of a claim see the same input pairs (one draw per distribution, with
    ``seed``).  Returns one row per (claim, distribution), claims outermost: ``claim``,
    ``reading``, ``relation``, ``distribution``, ``lmul_format``, ``exact_format``, then
    ``lmul_`` and ``exact_`` prefixed ``mean``, ``max``, ``mean_in_range``, ``zero``,
    ``underflow``, ``overflow``, ``nan``, ``inf``, and ``ratio`` (L-Mul's mean over the
    exact one), ``reproduces`` (bool) and ``verdict``, a sentence starting with
    "reproduces" or "does not reproduce" with the numbers it decided on.
    """
    claims = tuple(claims)
    measured = {}
    for distribution in distributions:
        entries = sorted({(f"{multiplier} {fmt}", fmt, multiplier)
                          for claim in claims
                          for fmt, multiplier in ((claim.lmul_format, "lmul"),
                                                  (claim.exact_format, "exact"))},
                         key=lambda entry: entry[0])
        for row in measure(entries, distribution, pairs=pairs, seed=seed, saturate=saturate):
            measured[distribution.name, row["format"], row["multiplier"]] = row
    rows = []
    for claim in claims:
        for distribution in distributions:
            lmul_row = measured[distribution.name, claim.lmul_format.name, "lmul"]
            exact_row = measured[distribution.name, claim.exact_format.name, "exact"]
            row = {"claim": claim.name, "reading": claim.reading, "relation": claim.relation,
                   "distribution": distribution.name, "pairs": pairs,
                   "lmul_format": claim.lmul_format.name,
                   "exact_format": claim.exact_format.name}
            for side, source in (("lmul", lmul_row), ("exact", exact_row)):
                for key in ("mean", "max", "mean_in_range", "zero", "underflow", "overflow",
                            "nan", "inf"):
                    row[f"{side}_{key}"] = source[key]
            lmul_mean, exact_mean = lmul_row["mean"], exact_row["mean"]
            if lmul_mean is None or exact_mean is None:
                row.update(ratio=None, reproduces=False,
                           verdict="does not reproduce: a side has no finite result to measure")
            else:
                row.update(ratio=_ratio(lmul_mean, exact_mean),
                           reproduces=claim.holds(lmul_mean, exact_mean),
                           verdict=_verdict(claim, lmul_mean, exact_mean))
            rows.append(row)
    return rows


_CLAIM_COLUMNS = (
    Column("claim", align="left"), Column("reading", align="left"),
    Column("distribution", align="left"),
    Column("lmul_format", "L-Mul", align="left"), Column("lmul_mean", "mean", fmt=".4f"),
    Column("lmul_max", "max", fmt=".4f"), Column("lmul_zero", "zeros"),
    Column("exact_format", "exact", align="left"), Column("exact_mean", "mean", fmt=".4f"),
    Column("exact_max", "max", fmt=".4f"), Column("exact_zero", "zeros"),
    Column("ratio", "ratio", fmt=".3f"), Column("outcome", "verdict", align="left"),
)

_STATISTICS_COLUMNS = (
    Column("label", align="left"), Column("distribution", align="left"), Column("pairs"),
    Column("mean", fmt=".4f"), Column("max", fmt=".4f"),
    Column("mean_in_range", "mean in range", fmt=".4f"),
    Column("max_in_range", "max in range", fmt=".4f"),
    Column("zero", "zeros"), Column("underflow"), Column("overflow"), Column("nan"),
    Column("inf"), Column("zero_product", "0 product"), Column("excluded"),
)


def accuracy_text(rows):
    """Plain-text tables of :func:`claim_rows` rows and/or statistics rows.

    Claim rows (those with a ``verdict``) make one table followed by each verdict in
    full; rows of :func:`measure`, :func:`measure_inputs` and :func:`measure_all_pairs`
    make another.  "zeros" counts results of 0 for a nonzero true product (each an
    error of 1, inside the means).
    """
    rows = list(rows)
    claims = [row for row in rows if "verdict" in row]
    statistics = [row for row in rows if "verdict" not in row]
    parts = []
    if claims:
        table = [{**row, "outcome": "reproduces" if row["reproduces"] else "does not"}
                 for row in claims]
        verdicts = [f"{row['claim']} ({row['reading']}, {row['distribution']}): {row['verdict']}"
                    for row in claims]
        parts.append(format_table(table, _CLAIM_COLUMNS) + "\n\n" + "\n".join(verdicts))
    if statistics:
        parts.append(format_table(statistics, _STATISTICS_COLUMNS))
    return "\n\n".join(parts)


def accuracy_markdown(rows):
    """:func:`claim_rows` rows as report.md's section: the rule, the table, the verdicts."""
    rows = [{**row, "outcome": "reproduces" if row["reproduces"] else "does not"}
            for row in rows]
    verdicts = [f"- {row['claim']} ({row['reading']}, {row['distribution']}): {row['verdict']}"
                for row in rows]
    return "\n".join([
        "Mean relative error of the product against the true product of real inputs, each "
        "input rounded into its format (nearest even, saturating) first. \"Comparable\" "
        f"holds when L-Mul's mean error is at most {COMPARABLE_RATIO} times the exact "
        "multiplier's, \"beats\" when it is below it. Measured from the golden models "
        "(`python -m macforge.gen.accuracy`).", "",
        format_markdown(rows, _CLAIM_COLUMNS), "", *verdicts])


def _all_pairs_entries():
    return [(f"{multiplier} {name}", name, multiplier)
            for name in ("e4m3", "e5m2", "e3m4") for multiplier in MULTIPLIERS]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m macforge.gen.accuracy",
                                     description="L-Mul's accuracy claims, measured.")
    parser.add_argument("--pairs", type=int, default=DEFAULT_PAIRS,
                        help=f"input pairs per distribution (default {DEFAULT_PAIRS})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"seed of the input draws (default {DEFAULT_SEED})")
    args = parser.parse_args(argv)
    print(accuracy_text(claim_rows(pairs=args.pairs, seed=args.seed)))
    print()
    print(accuracy_text(measure_all_pairs(_all_pairs_entries())))


if __name__ == "__main__":
    main()
