"""Figures of the dequantization PEs beside their targets (``make bench-dequant``).

- Cycles per beat of every datatype at ``bits_per_cycle`` 1 and 2, as the metadata
  states them and as measured on Amaranth's simulator (groups of 8 beats, back to back);
  the target: at most 2 at ``bits_per_cycle`` 2.
- Cycles per group measured where the dequantizer is hidden (groups of 128 weights) and
  where it sets the pace (groups of 4, one beat), against ``cycles_per_group``.
- Cells of the report configurations, cells x cycles per group against the bit-parallel
  reference, and cells against macforge's MACs.

Nothing asserts: a miss is printed as one.

    python -m macforge.gen.benchmark --dequant [--out build/bench]
"""

from macforge.formats import BITS_PER_CYCLE, DTYPES
from macforge.synth.report import Column, format_table
from macforge.verif.benches.amaranth_stream import run_on_amaranth
from macforge.verif.benches.bitserial_checks import DEQUANT_PE
from macforge.verif.bitserial_scenarios import smoke_scenarios

from .emit import emit
from .registry import get_unit
from .report import ratio_rows, unit_rows, work_rows

__all__ = ["dequant_figures"]

# At two bits per cycle every datatype takes at most this many cycles per beat.
RADIX4_CYCLES_TARGET = 2
_TIMED = "back to back, timed"
# Groups of 8 beats: cycles per beat measured between beats of a group.
_BEAT_GROUP_SIZE = 32
_MAC_CONFIGS = (("int_mac", {}), ("fp_mac", {"in_format": "e4m3", "acc_format": "fp16",
                                             "mul": "exact"}))


def _verdict(ok):
    return "meets target" if ok else "MISSES target"


def _measure(kind, params, out_dir):
    """(metadata, timing measured on Amaranth's simulator in the timed stretch)."""
    unit = get_unit(kind)
    resolved = unit.resolve(params)
    metadata = emit(kind, params, out_dir=out_dir / unit.top_name(resolved)).metadata
    measured = run_on_amaranth(unit.build(resolved), smoke_scenarios(resolved, metadata),
                               metadata, DEQUANT_PE)
    return metadata, measured[_TIMED]


def cycles_per_beat_figures(out_dir):
    rows = []
    for name in DTYPES:
        row = {"dtype": name}
        for bits in BITS_PER_CYCLE:
            metadata, measured = _measure("bitserial_pe", {
                "dtype": name, "bits_per_cycle": bits, "group_size": _BEAT_GROUP_SIZE}, out_dir)
            row[f"stated{bits}"] = metadata["cycles_per_beat"]
            row[f"measured{bits}"] = ",".join(map(str, measured["cycles_per_beat"]))
        row["target"] = _verdict(row[f"stated{BITS_PER_CYCLE[-1]}"] <= RADIX4_CYCLES_TARGET
                                 and row[f"measured{BITS_PER_CYCLE[-1]}"]
                                 == str(row[f"stated{BITS_PER_CYCLE[-1]}"]))
        rows.append(row)
    print(format_table(rows, [Column("dtype", align="left"),
                              Column("stated1", "cycles/beat b1"), Column("measured1", "measured"),
                              Column("stated2", "cycles/beat b2"), Column("measured2", "measured"),
                              Column("target", f"b2 <= {RADIX4_CYCLES_TARGET}", align="left")]))


def cycles_per_group_figures(out_dir):
    rows = []
    for dtype in ("int4", "fp4_mixed", "fp3_mixed"):
        for bits in BITS_PER_CYCLE:
            for group_size in (128, 4):
                metadata, measured = _measure("bitserial_pe", {
                    "dtype": dtype, "bits_per_cycle": bits, "group_size": group_size}, out_dir)
                stated = metadata["cycles_per_group"]
                rows.append({"top": metadata["top"], "stated": stated,
                             "formula": metadata["cycles_per_group_formula"],
                             "measured": ",".join(map(str, measured["cycles_per_group"])),
                             "verdict": _verdict(measured["cycles_per_group"] == [stated])})
    print(format_table(rows, [Column("top", align="left"), Column("stated", "cycles/group"),
                              Column("measured"), Column("verdict", "target", align="left")]))
    print(f"cycles_per_group_formula: {rows[0]['formula']}")


def area_figures(out_dir):
    configs = [(kind, config) for kind in ("bitserial_pe", "bitparallel_pe")
               for config in get_unit(kind).report_configs] + list(_MAC_CONFIGS)
    rows = unit_rows(configs, out_dir)
    print(format_table(work_rows(rows), [
        Column("top", align="left"), Column("cells"), Column("cycles_per_group", "cycles/group"),
        Column("cell_cycles", "cells x cycles/group"), Column("per_weight", "per weight", fmt=".0f"),
        Column("versus", "vs reference", fmt=".3f")]))
    print()
    print(format_table(ratio_rows(rows), [Column("comparison", align="left"),
                                          Column("ratio", "cells ratio", fmt=".3f")]))


def dequant_figures(out_dir):
    cycles_per_beat_figures(out_dir / "beats")
    print()
    cycles_per_group_figures(out_dir / "groups")
    print()
    area_figures(out_dir / "area")
