"""The report's plots (PNG, matplotlib): each draws what the report's rows hold and is
left out when they hold none of it (a ``--units`` subset).

- ``area_by_format.png``: cells of the multipliers and of the FP8 MACs, per format;
- ``lmul_vs_exact.png``: L-Mul over the exact product, alone and inside the MAC, per
  format and flow, with the L-Mul paper's 0.48;
- ``fp8_vs_int8.png``: FP8 MACs over the INT8 MAC, per accumulator and flow, with
  Qualcomm's figures;
- ``array_area.png``: cells per PE of the systolic arrays against their size.
"""

from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402  (the backend is chosen first)

from .claims import CLAIMS  # noqa: E402
from .report import gate_rows, part_rows, ratio_rows  # noqa: E402

__all__ = ["write_plots"]

_DPI = 110


def _bars(ax, groups, series):
    """Grouped bars: ``series`` maps a label to {group: value}."""
    width = 0.8 / max(1, len(series))
    for index, (label, values) in enumerate(series.items()):
        xs = [position + index * width for position, group in enumerate(groups)
              if group in values]
        ax.bar(xs, [values[group] for group in groups if group in values], width, label=label)
    ax.set_xticks([position + width * (len(series) - 1) / 2 for position in range(len(groups))])
    ax.set_xticklabels(groups)
    ax.legend()


def _save(figure, path):
    figure.tight_layout()
    figure.savefig(path, dpi=_DPI, metadata={"Software": None})
    plt.close(figure)
    return path


def _area_by_format(rows, path):
    series = defaultdict(dict)
    for row in gate_rows(rows):
        params = row["params"]
        if row["kind"] in ("lmul", "fmul") and not params.get("pipeline_stages"):
            series[row["kind"]][params["format"]] = row["cells"]
        elif row["kind"] == "fp_mac":
            label = f"fp_mac {params['mul']} -> {params['acc_format']}"
            series[label][params["in_format"]] = row["cells"]
    if not series:
        return None
    groups = sorted({group for values in series.values() for group in values})
    figure, ax = plt.subplots(figsize=(8, 4.5))
    _bars(ax, groups, dict(sorted(series.items())))
    ax.set_ylabel("cells (generic gates)")
    ax.set_title("Area per unit and format")
    return _save(figure, path)


def _ratio_plot(rows, path, prefixes, title, references):
    """Bars of the report ratios whose question starts with one of ``prefixes``, one bar
    per flow, and a dashed line per ``(label, value)`` reference."""
    ratios = [ratio for ratio in ratio_rows(rows) if ratio["comparison"].startswith(prefixes)]
    if not ratios:
        return None
    series = defaultdict(dict)
    for ratio in ratios:
        series[f"{ratio['flow']} ({ratio['measure']})"][ratio["comparison"]] = ratio["ratio"]
    groups = list(dict.fromkeys(ratio["comparison"] for ratio in ratios))
    figure, ax = plt.subplots(figsize=(9, 5))
    _bars(ax, groups, series)
    ax.set_xticklabels(groups, rotation=30, ha="right")
    ax.legend(loc="lower right")
    for label, value in references:
        ax.axhline(value, linestyle="--", color="tab:red")
        ax.annotate(label, (0.01, value), xycoords=("axes fraction", "data"), ha="left",
                    va="bottom", color="tab:red",
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    ax.set_ylabel("cost ratio, in each flow's measure")
    ax.set_title(title)
    return _save(figure, path)


def _array_area(rows, path):
    series = defaultdict(dict)
    for part in part_rows(rows):
        row = next(row for row in rows if row["top"] == part["top"])
        params = row["params"]
        series[f"{params['dataflow']} {part['part']}"][params["rows"]] = part["per_part"]
    if not series:
        return None
    figure, ax = plt.subplots(figsize=(8, 4.5))
    for label, values in sorted(series.items()):
        sizes = sorted(values)
        ax.plot(sizes, [values[size] for size in sizes], marker="o", label=label)
    ax.set_xticks(sorted({size for values in series.values() for size in values}))
    ax.set_xlabel("array size (R = C)")
    ax.set_ylabel("cells per PE")
    ax.set_title("Systolic arrays: cells per PE against size")
    ax.legend(fontsize="small")
    return _save(figure, path)


def _paper(comparison_prefix):
    """The papers' figures for the claims measured by these ratios, as plot references."""
    return [(f"{claim.source}: {claim.paper:.2f}", claim.paper) for claim in CLAIMS
            if claim.comparison.startswith(comparison_prefix)]


def write_plots(rows, out_dir):
    """Write the plots the rows allow into ``out_dir``; return their paths."""
    out_dir = Path(out_dir)
    made = [
        _area_by_format(rows, out_dir / "area_by_format.png"),
        _ratio_plot(rows, out_dir / "lmul_vs_exact.png", ("lmul/fmul", "fp_mac lmul/exact"),
                    "L-Mul against the exact product",
                    _paper("lmul/fmul e4m3")),
        _ratio_plot(rows, out_dir / "fp8_vs_int8.png", ("fp_mac e4m3->",),
                    "FP8 MACs against the INT8 MAC", _paper("fp_mac e4m3->")),
        _array_area(rows, out_dir / "array_area.png"),
    ]
    return [path for path in made if path is not None]
