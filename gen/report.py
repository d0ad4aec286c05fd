"""The area comparison `make report` prints: every unit's report configurations,
synthesized to generic gates, and the ratios that answer the seed papers' questions."""

from pathlib import Path

from macforge.synth import gate_count
from macforge.synth.report import Column, format_table

from .emit import prepare, write
from .registry import UNITS, get_unit

__all__ = ["RATIOS", "synthesize", "report_rows", "ratio_rows", "report_text"]

FLOW = "synth -flatten; abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX; opt_clean"


def _fp_mac(in_format, acc_format, mul):
    return "fp_mac", {"in_format": in_format, "acc_format": acc_format, "mul": mul}


_INT8_MAC = ("int_mac", {})      # 8x8 -> 32, signed, wrap

# (question, numerator unit, denominator unit); each unit is (kind, params) and must be
# one of that unit's report configurations.
RATIOS = (
    # Does L-Mul cost a fraction of an exact multiplier?
    *((f"lmul/fmul {name}", ("lmul", {"format": name}), ("fmul", {"format": name}))
      for name in ("e4m3", "e5m2", "fp16", "bf16")),
    # FP8 versus INT8 MACs (the Qualcomm paper: +53 % with fp16, +183 % with fp32 sums).
    *((f"fp_mac e4m3->{acc} / int_mac 8x8->32", _fp_mac("e4m3", acc, "exact"), _INT8_MAC)
      for acc in ("fp16", "fp32")),
    # What L-Mul saves inside a MAC, per accumulator.
    *((f"fp_mac lmul/exact {in_format}->{acc}", _fp_mac(in_format, acc, "lmul"),
       _fp_mac(in_format, acc, "exact"))
      for in_format in ("e4m3", "e5m2") for acc in ("fp32", "bf16", "fp16")),
)


def synthesize(prepared):
    """Write a prepared unit into its directory and count its generic gates."""
    emitted = write(prepared)
    counts = gate_count(emitted.verilog_path, emitted.top, work_dir=prepared.directory)
    return {
        "top": emitted.top,
        "kind": emitted.metadata["kind"],
        "params": emitted.metadata["params"],
        "latency": emitted.metadata["latency"],
        "cells": counts["cells"],
        "flops": counts["flops"],
        "by_type": counts["by_type"],
        "flow": FLOW,
        "yosys_version": counts.get("yosys_version"),
    }


def _top(kind, params):
    unit = get_unit(kind)
    return unit.top_name(unit.resolve(params))


def report_rows(out_dir):
    """Synthesize every unit's report configurations; one result dict per configuration."""
    rows = []
    for unit in UNITS.values():
        for config in unit.report_configs:
            top = _top(unit.kind, config)
            rows.append(synthesize(prepare(unit.kind, config, out_dir=Path(out_dir) / top)))
    return rows


def ratio_rows(rows):
    """The :data:`RATIOS` whose two units are both among ``rows``."""
    cells = {row["top"]: row["cells"] for row in rows}
    ratios = []
    for question, numerator, denominator in RATIOS:
        top, base = _top(*numerator), _top(*denominator)
        if top in cells and base in cells:
            ratios.append({"comparison": question, "numerator": top, "denominator": base,
                           "ratio": cells[top] / cells[base]})
    return ratios


def report_text(rows):
    units = format_table(rows, [Column("kind", "unit", align="left"),
                                Column("top", align="left"), Column("cells"), Column("flops"),
                                Column("latency")])
    ratios = format_table(ratio_rows(rows), [Column("comparison", align="left"),
                                             Column("numerator", align="left"),
                                             Column("denominator", align="left"),
                                             Column("ratio", "cells ratio", fmt=".3f")])
    return f"{units}\n\n{ratios}\n\nflow: {FLOW}"
