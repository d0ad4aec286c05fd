"""The area comparison `make report` prints: every unit's report configurations,
synthesized in each flow asked for (generic gates, FPGA, ASIC), and the ratios that answer
the seed papers' questions."""

import json
import os
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from macforge.synth.fpga import FAMILIES
from macforge.synth.report import Column, format_table

from .emit import Emitted, prepare, write
from .report_flows import ASIC, FLOW, FLOWS, GATES, count_gates, expand_flows
from .registry import UNITS, get_unit

__all__ = ["RATIOS", "FLOW", "synthesize", "count_gates", "report_configs", "select_configs",
           "report_rows", "unit_rows", "run_flow", "run_flow_task", "gate_rows", "ratio_rows",
           "part_rows", "work_rows", "report_tables", "report_text"]

def _fp_mac(in_format, acc_format, mul):
    return "fp_mac", {"in_format": in_format, "acc_format": acc_format, "mul": mul}


_INT8_MAC = ("int_mac", {})      # 8x8 -> 32, signed, wrap
_FP8_MAC = _fp_mac("e4m3", "fp16", "exact")

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
    # BitMoD puts its PE at 0.70 of an FP16 MAC; ours beside macforge's own MACs.
    *((f"bitserial_pe {dtype} b{bits} / {mac_name}", ("bitserial_pe", {
        "dtype": dtype, "bits_per_cycle": bits}), mac)
      for dtype in ("int4", "fp4_mixed", "fp3_mixed") for bits in (1, 2)
      for mac_name, mac in (("fp_mac e4m3->fp16", _FP8_MAC), ("int_mac 8x8->32", _INT8_MAC))),
)


def synthesize(prepared):
    """Write a prepared unit into its directory and count its generic gates."""
    return count_gates(write(prepared), prepared.directory)


def _top(kind, params):
    unit = get_unit(kind)
    return unit.top_name(unit.resolve(params))


def _parts(kind, params):
    """``{"parts": n, "part": top}`` for a unit built of n copies of another, and
    ``{"reference": top}`` for one measured against another on the same work."""
    unit = get_unit(kind)
    resolved = unit.resolve(params)
    found = {}
    parts = unit.component.parts(resolved)
    if parts is not None:
        count, part_kind, part_params = parts
        found.update(parts=count, part=_top(part_kind, part_params))
    reference = unit.component.reference(resolved)
    if reference is not None:
        found["reference"] = _top(*reference)
    return found


def report_configs(kinds=None, *, full=False):
    """``(kind, params)`` of the report configurations of the unit kinds (default: every
    registered unit), in registry order: each unit's quick ones (the default sweep), or
    all of them with ``full``."""
    units = UNITS.values() if kinds is None else [get_unit(kind) for kind in kinds]
    configs = []
    for unit in units:
        quick = unit.component.quick_report_configs
        chosen = unit.report_configs if full or quick is None else quick
        configs += [(unit.kind, config) for config in chosen]
    return configs


def select_configs(configs, where):
    """The ``(kind, params)`` of ``configs`` whose parameters have the values ``where``
    gives (``{name: value}``, values as Python values or command-line text, read by each
    unit's own parameter).  A name no unit among ``configs`` has, or a value a unit
    rejects, is a ValueError naming it and what is allowed."""
    units = {kind: get_unit(kind) for kind, _ in configs}
    names = sorted({name for unit in units.values() for name in unit.parameters.names})
    unknown = sorted(set(where) - set(names))
    if unknown:
        raise ValueError(f"configuration key {unknown[0]!r} is not a parameter of "
                         f"{', '.join(units)}; allowed: {', '.join(names)}")
    chosen = []
    for kind, config in configs:
        unit = units[kind]
        if not set(where) <= set(unit.parameters.names):
            continue
        given = unit.params_json(unit.resolve(config))
        if all(given[name] == parameter.to_json(parameter.parse(where[name]))
               for name in where for parameter in [unit.parameters[name]]):
            chosen.append((kind, config))
    return chosen


def report_rows(out_dir, *, kinds=None, full=False, where=None, flows=None, jobs=None,
                cache=None, progress=None, client=None):
    """Synthesize the report configurations of ``kinds`` (default: every unit), the quick
    ones or all (``full``), those ``where`` selects (:func:`select_configs`), in
    ``flows``; one row per configuration and flow (:func:`unit_rows`)."""
    configs = report_configs(kinds, full=full)
    if where:
        configs = select_configs(configs, where)
    return unit_rows(configs, out_dir, flows=flows, jobs=jobs, cache=cache,
                     progress=progress, client=client)


def unit_rows(configs, out_dir, *, flows=None, jobs=None, cache=None, progress=None,
              client=None):
    """Synthesize ``(kind, params)`` configurations, each into ``out_dir/<top>``, in each
    of ``flows`` (:data:`~.report_flows.FLOWS` entries; default: generic gates); one row
    per configuration and flow, configuration by configuration, with its ``flow`` name,
    tool versions, parts and reference (:func:`_parts`).

    Emission runs here one unit after the other, each unit then synthesized while the
    next is emitted: in ``jobs`` threads at once (default: one per core), the tools
    working in the unit's directory; or, given a Dask ``client``
    (``distributed.Client``), as tasks on its cluster's workers, each working in a
    scratch directory of its own (:func:`run_flow_task`).  With a
    :class:`~.report_cache.ReportCache`, a unit emitted before by the same generator is
    copied from it instead, and a Verilog text run before through the same flow and tools
    is not run again; the cache is read and written here, so workers need only the tools.
    ``progress(done, total, label, cached)`` is called as each configuration and flow
    finishes.
    """
    out_dir = Path(out_dir)
    flows = list(flows or expand_flows(GATES))
    total = len(configs) * len(flows)
    finished = []
    lock = threading.Lock()

    def finish(label, cached):
        with lock:
            finished.append(label)
            if progress is not None:
                progress(len(finished), total, label, cached)

    def when_done(verilog, flow, label):
        def callback(future):
            if future.exception() is None and cache is not None:
                row = future.result()
                cache.store_synthesis(verilog, flow.key, row["tools"], row)
            finish(label, False)
        return callback

    pool = ThreadPoolExecutor(max_workers=jobs or os.cpu_count()) if client is None else None
    try:
        results = []
        for kind, config in configs:
            unit, directory = _emit(kind, config, out_dir, cache)
            parts = _parts(kind, config)
            verilog = unit.verilog_path.read_text()
            for flow in flows:
                label = f"{unit.top} {flow.name}"
                row = (cache.synthesis(verilog, flow.key, flow.versions())
                       if cache is not None else None)
                if row is not None:
                    finish(label, True)
                    results.append((row, parts))
                    continue
                if client is None:
                    future = pool.submit(run_flow, flow.name, unit, directory)
                else:
                    future = client.submit(run_flow_task, flow.name, unit.top, verilog,
                                           unit.metadata, pure=False)
                future.add_done_callback(when_done(verilog, flow, label))
                results.append((future, parts))
        return [{**(row if isinstance(row, dict) else row.result()), **parts}
                for row, parts in results]
    finally:
        if pool is not None:
            pool.shutdown()


def run_flow(flow_name, emitted, work_dir):
    """The row of one flow run on an emitted unit, the tools working in ``work_dir``:
    the flow's fields, its name and the versions of the tools it ran with."""
    flow = FLOWS[flow_name]
    return {**flow.run(emitted, Path(work_dir)), "flow": flow.name, "tools": flow.versions()}


def run_flow_task(flow_name, top, verilog, metadata):
    """:func:`run_flow` on a unit given as its Verilog text and metadata, in a scratch
    directory: what a Dask worker runs, needing no file of the submitting machine."""
    with tempfile.TemporaryDirectory(prefix=f"macforge_{top}_") as scratch:
        verilog_path = Path(scratch) / f"{top}.v"
        verilog_path.write_text(verilog)
        return run_flow(flow_name, Emitted(top, verilog_path, None, metadata), scratch)


def _emit(kind, config, out_dir, cache):
    """``(Emitted, its directory)``: from the cache when it holds the unit, else written
    and stored."""
    unit = get_unit(kind)
    resolved = unit.resolve(config)
    top = unit.top_name(resolved)
    directory = out_dir / top
    params_json = unit.params_json(resolved)
    stored = cache.emission(kind, params_json) if cache is not None else None
    if stored is not None:
        verilog, metadata = stored
        directory.mkdir(parents=True, exist_ok=True)
        verilog_path, metadata_path = directory / f"{top}.v", directory / f"{top}.json"
        verilog_path.write_text(verilog)
        metadata_path.write_text(json.dumps(metadata, indent=2) + "\n")
        return Emitted(top, verilog_path, metadata_path, metadata), directory
    emitted = write(prepare(kind, config, out_dir=directory))
    if cache is not None:
        cache.store_emission(kind, params_json, emitted.verilog_path.read_text(),
                             emitted.metadata)
    return emitted, directory


def gate_rows(rows):
    """The generic-gate rows among ``rows`` (every flow's rows may be mixed in)."""
    return [row for row in rows if row.get("flow", GATES) == GATES]


def ratio_rows(rows):
    """The :data:`RATIOS` whose two units are both among ``rows``, in every flow that
    measured both: the ratio of the flow's cost (:attr:`~.report_flows.Flow.cost`:
    cells, um^2, LUT4s), ``flow`` and ``measure`` naming it."""
    costs = {}
    for row in rows:
        flow = FLOWS[row.get("flow", GATES)]
        costs.setdefault(flow.name, {})[row["top"]] = flow.cost(row)
    ratios = []
    for question, numerator, denominator in RATIOS:
        top, base = _top(*numerator), _top(*denominator)
        for flow_name, cost in costs.items():
            if top in cost and base in cost:
                ratios.append({"comparison": question, "flow": flow_name,
                               "measure": FLOWS[flow_name].measure, "numerator": top,
                               "denominator": base, "ratio": cost[top] / cost[base]})
    return ratios


def part_rows(rows):
    """For every unit built of copies of another (an array of PEs): cells per copy next
    to the copy's own cells as a standalone unit, when that was synthesized too; the
    difference is what the composition adds per copy (skew, buffers, control)."""
    rows = gate_rows(rows)
    cells = {row["top"]: row["cells"] for row in rows}
    result = []
    for row in rows:
        if "parts" not in row:
            continue
        per_part = row["cells"] / row["parts"]
        alone = cells.get(row["part"])
        result.append({"top": row["top"], "cells": row["cells"], "parts": row["parts"],
                       "per_part": per_part, "part": row["part"], "part_cells": alone,
                       "overhead": None if alone is None else per_part / alone - 1})
    return result


def work_rows(rows):
    """For every unit with a reference doing the same work at another pace (a bit-serial
    PE and its bit-parallel twin): cells, cycles per group and their product, the
    figure of merit for the same work, for both, and the product's ratio.  Cell-cycles
    per weight divide it by the group size."""
    rows = gate_rows(rows)
    by_top = {row["top"]: row for row in rows}
    result = []
    for row in rows:
        reference = by_top.get(row.get("reference"))
        if reference is None:
            continue
        for unit in (row, reference):
            result.append({
                "top": unit["top"], "cells": unit["cells"],
                "cycles_per_beat": unit["cycles_per_beat"],
                "cycles_per_group": unit["cycles_per_group"],
                "cell_cycles": unit["cells"] * unit["cycles_per_group"],
                "per_weight": unit["cells"] * unit["cycles_per_group"]
                / unit["params"]["group_size"],
                "versus": (row["cells"] * row["cycles_per_group"])
                / (reference["cells"] * reference["cycles_per_group"]) if unit is row else None})
    return result


def _fpga_rows(rows):
    result = []
    for row in rows:
        if row.get("flow") not in FAMILIES:
            continue
        nodsp = row.get("nodsp") or {}
        result.append({**row, "nodsp_luts": nodsp.get("luts"),
                       "nodsp_fmax_mhz": nodsp.get("fmax_mhz")})
    return result


def report_tables(rows):
    """The report's tables of ``rows``: ``(title, table rows, columns)``, in order; empty
    tables left out.  The ratios cover every flow; the tables of cells, arrays and paces
    read the generic-gate rows, the FPGA and ASIC tables their flows' rows."""
    ratios = ratio_rows(rows)
    fpga = _fpga_rows(rows)
    asic = [row for row in rows if row.get("flow") == ASIC]
    rows = gate_rows(rows)
    tables = [
        ("Cells of every configuration", rows, [
            Column("kind", "unit", align="left"), Column("top", align="left"), Column("cells"),
            Column("flops"), Column("latency")]),
        ("The ratios that answer the papers' questions", ratios, [
            Column("comparison", align="left"), Column("flow", align="left"),
            Column("measure", align="left"), Column("numerator", align="left"),
            Column("denominator", align="left"), Column("ratio", fmt=".3f")]),
        ("Arrays: cells per PE against the PE alone", part_rows(rows), [
            Column("top", align="left"), Column("cells"), Column("parts", "PEs"),
            Column("per_part", "cells/PE", fmt=".0f"), Column("part", "PE", align="left"),
            Column("part_cells", "PE alone"), Column("overhead", "overhead", fmt=".1%")]),
        ("The same work at another pace: cells x cycles per group", work_rows(rows), [
            Column("top", align="left"), Column("cells"),
            Column("cycles_per_beat", "cycles/beat"), Column("cycles_per_group", "cycles/group"),
            Column("cell_cycles", "cells x cycles/group"),
            Column("per_weight", "per weight", fmt=".0f"),
            Column("versus", "vs reference", fmt=".3f")]),
        ("FPGA: resources of the unit, Fmax of it between registers", fpga, [
            Column("top", align="left"), Column("flow", align="left"), Column("luts", "LUT4"),
            Column("carries"), Column("flops"), Column("dsps", "DSP"),
            Column("fmax_mhz", "Fmax MHz", fmt=".1f"),
            Column("nodsp_luts", "LUT4 no DSP"), Column("nodsp_fmax_mhz", "Fmax no DSP", fmt=".1f"),
            Column("fmax_note", "note", align="left")]),
        ("ASIC: area in OSU 0.18 um standard cells", asic, [
            Column("top", align="left"), Column("area_um2", "um^2", fmt=".0f"),
            Column("nand2_eq", "NAND2 eq", fmt=".0f"), Column("cells"), Column("flops"),
            Column("sequential_area_um2", "flops um^2", fmt=".0f")]),
    ]
    return [table for table in tables if table[1]]


def report_text(rows):
    """The report's tables as plain text, for the terminal."""
    tables = [format_table(table_rows, columns) for _, table_rows, columns in report_tables(rows)]
    return "\n\n".join([*tables, f"flow: {FLOW}"])
