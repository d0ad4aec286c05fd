"""The seed papers' area claims beside macforge's measurements.

Each claim is a cost ratio a paper states and the report's ratio (:data:`~.report.RATIOS`)
that measures the same thing here.  The verdict compares the two: within
:data:`AGREEMENT` of the paper's figure the claim reproduces; otherwise the report says
which way ours lies, in every flow that measured both units.  A claim whose units were
not synthesized (``--units``) is left out.
"""

from dataclasses import dataclass

from macforge.synth.report import Column, format_markdown, format_table

from .report import ratio_rows

__all__ = ["Claim", "CLAIMS", "AGREEMENT", "claim_rows", "CLAIM_COLUMNS", "claims_text",
           "claims_markdown"]

AGREEMENT = 0.15
"""Relative distance from the paper's figure within which a claim reproduces."""


@dataclass(frozen=True)
class Claim:
    """A paper's figure and the report ratio that measures it.

    Attributes
    ----------
    source : str
        The paper.
    statement : str
        What it claims, in words.
    paper : float
        Its figure, as a ratio of costs.
    comparison : str
        The :data:`~.report.RATIOS` question measuring it.
    at_most : bool
        The claim is an upper bound (cheaper than the paper's figure also confirms it).
    """

    source: str
    statement: str
    paper: float
    comparison: str
    at_most: bool = False


CLAIMS = (
    Claim("L-Mul (Addition is All You Need)", "L-Mul costs 157 of exact FP8 multiplication's "
          "325 gate-level operations", 157 / 325, "lmul/fmul e4m3", at_most=True),
    Claim("L-Mul (Addition is All You Need)", "the same for e5m2", 157 / 325, "lmul/fmul e5m2",
          at_most=True),
    Claim("Qualcomm, FP8 versus INT8", "an FP8 MAC with an fp16 accumulator costs 1.53x an "
          "INT8 MAC", 1.53, "fp_mac e4m3->fp16 / int_mac 8x8->32"),
    Claim("Qualcomm, FP8 versus INT8", "an FP8 MAC with an fp32 accumulator costs 2.83x an "
          "INT8 MAC", 2.83, "fp_mac e4m3->fp32 / int_mac 8x8->32"),
    Claim("BitMoD", "the bit-serial PE costs 0.70x an FP16 MAC (here: an FP8 MAC with an fp16 "
          "accumulator, macforge having no FP16-input MAC)", 0.70,
          "bitserial_pe fp4_mixed b1 / fp_mac e4m3->fp16"),
    Claim("BitMoD", "the same, two bits per cycle", 0.70,
          "bitserial_pe fp4_mixed b2 / fp_mac e4m3->fp16"),
)

CLAIM_COLUMNS = (Column("source", align="left"), Column("statement", align="left"),
                 Column("paper", fmt=".2f"), Column("ours", fmt=".3f"),
                 Column("flow", align="left"), Column("measure", align="left"),
                 Column("measured_by", "measured by", align="left"),
                 Column("verdict", align="left"))


def _verdict(claim, ours):
    if claim.at_most and ours <= claim.paper:
        return "reproduces (ours is at most the paper's)"
    if abs(ours / claim.paper - 1) <= AGREEMENT:
        return f"reproduces (within {AGREEMENT:.0%})"
    side = "below" if ours < claim.paper else "above"
    return f"does not reproduce: ours is {ours / claim.paper:.2f}x the paper's, {side} it"


def claim_rows(rows):
    """One row per claim and flow whose ratio the report rows hold: the paper's figure,
    ours, the flow and its measure, the ratio's units and the verdict."""
    measured = {}
    for ratio in ratio_rows(rows):
        measured.setdefault(ratio["comparison"], []).append(ratio)
    result = []
    for claim in CLAIMS:
        for ratio in measured.get(claim.comparison, ()):
            result.append({"source": claim.source, "statement": claim.statement,
                           "paper": claim.paper, "ours": ratio["ratio"],
                           "flow": ratio["flow"], "measure": ratio["measure"],
                           "measured_by": f"{ratio['numerator']} / {ratio['denominator']}",
                           "verdict": _verdict(claim, ratio["ratio"])})
    return result


def claims_text(rows):
    """The claims table for the terminal ("" when no claim's units are in ``rows``)."""
    claims = claim_rows(rows)
    return format_table(claims, CLAIM_COLUMNS) if claims else ""


def claims_markdown(rows):
    """The claims section of report.md: its rule, then the table."""
    claims = claim_rows(rows)
    if not claims:
        return "No claim's units were synthesized in this report."
    return (f"A claim reproduces when our ratio is within {AGREEMENT:.0%} of the paper's "
            f"(or, for an upper bound, at most it). Ours are measured in every flow the "
            f"report ran, each by its own cost (the measure column).\n\n"
            + format_markdown(claims, CLAIM_COLUMNS))
