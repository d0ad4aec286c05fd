"""The papers' claims: each names a ratio the report computes, and the verdicts follow
their rule."""

import pytest

from macforge.gen.claims import AGREEMENT, CLAIMS, claim_rows, claims_markdown, claims_text
from macforge.gen.registry import get_unit
from macforge.gen.report import RATIOS


@pytest.mark.parametrize("claim", CLAIMS, ids=[claim.comparison for claim in CLAIMS])
def test_every_claim_is_measured_by_a_report_ratio(claim):
    assert claim.comparison in [question for question, _, _ in RATIOS]


def _rows(numerator_cells, denominator_cells):
    # lmul/fmul e4m3 and the FP8/INT8 fp16 ratio, from made-up cell counts.
    def top(kind, params):
        return get_unit(kind).top_name(get_unit(kind).resolve(params))

    fp8 = {"in_format": "e4m3", "acc_format": "fp16", "mul": "exact"}
    return [{"top": top("lmul", {"format": "e4m3"}), "cells": numerator_cells},
            {"top": top("fmul", {"format": "e4m3"}), "cells": denominator_cells},
            {"top": top("fp_mac", fp8), "cells": 2 * numerator_cells},
            {"top": top("int_mac", {}), "cells": denominator_cells}]


def test_verdicts_follow_the_rule():
    # 0.4 against the L-Mul paper's upper bound 0.48: reproduces; 0.8 against the
    # Qualcomm 1.53: far below.
    lmul, qualcomm = claim_rows(_rows(40, 100))
    assert (lmul["ours"], lmul["verdict"]) == (0.4, "reproduces (ours is at most the paper's)")
    assert qualcomm["ours"] == 0.8 and qualcomm["verdict"].startswith("does not reproduce")
    assert "below" in qualcomm["verdict"]
    # 1.75 is 1.14x the paper's 1.53: within AGREEMENT (15 %); L-Mul at 0.875 is 1.81x
    # its upper bound.
    above, near = claim_rows(_rows(875, 1000))
    assert AGREEMENT == 0.15 and near["verdict"] == "reproduces (within 15%)"
    assert above["verdict"] == "does not reproduce: ours is 1.81x the paper's, above it"


def test_claims_without_their_units_are_left_out():
    assert claim_rows([]) == [] and claims_text([]) == ""
    assert "No claim" in claims_markdown([])
    assert "| source |" in claims_markdown(_rows(40, 100))
